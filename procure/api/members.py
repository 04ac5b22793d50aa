"""An organisation's members and their roles (admins only): list, add, change role, remove."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Membership, Role
from procure.accounts.selectors import membership_list
from procure.accounts.services import (
    membership_create,
    membership_remove,
    membership_set_role,
)

from .fields import StrictInput
from .permissions import OrganizationApi

TAGS = ["members"]


class MemberOutputSerializer(serializers.ModelSerializer[Membership]):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ("id", "username", "role", "created_at")


class MemberInputSerializer(StrictInput):
    username = serializers.CharField(max_length=150, help_text="An existing account's username.")
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRoleInputSerializer(StrictInput):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberApi(OrganizationApi):
    required_role = Role.ADMIN


class MemberListApi(MemberApi):
    queryset = Membership.objects.none()  # the model, for the schema

    def get_queryset(self) -> QuerySet[Membership]:
        return membership_list(organization=self.organization).order_by("user__username")

    @extend_schema(tags=TAGS, responses=MemberOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), MemberOutputSerializer)


class MemberAddApi(MemberApi):
    @extend_schema(
        tags=TAGS, request=MemberInputSerializer, responses={201: MemberOutputSerializer}
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = MemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = membership_create(organization=self.organization, **serializer.validated_data)
        return Response(MemberOutputSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberRoleApi(MemberApi):
    @extend_schema(tags=TAGS, request=MemberRoleInputSerializer, responses=MemberOutputSerializer)
    def patch(self, request: Request, slug: str, member_id: int) -> Response:
        # Another organisation's member is a 404 whatever the body says.
        membership_list(organization=self.organization).get(pk=member_id)
        serializer = MemberRoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = membership_set_role(
            organization=self.organization,
            membership_id=member_id,
            role=serializer.validated_data["role"],
        )
        return Response(MemberOutputSerializer(member).data)


class MemberRemoveApi(MemberApi):
    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request, slug: str, member_id: int) -> Response:
        membership_remove(organization=self.organization, membership_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
