"""Organisations the caller belongs to, with the caller's role in each."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Membership, Role
from procure.accounts.selectors import membership_list_for_user

from .permissions import OrganizationApi, ProcureApi

TAGS = ["organizations"]


class OrganizationOutputSerializer(serializers.Serializer[Membership]):
    slug = serializers.SlugField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    role = serializers.ChoiceField(choices=Role.choices, help_text="The caller's role here.")


class OrganizationListApi(ProcureApi):
    queryset = Membership.objects.none()  # the model, for the schema

    def get_queryset(self) -> QuerySet[Membership]:
        return membership_list_for_user(user=self.user)

    @extend_schema(tags=TAGS, responses=OrganizationOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(self.get_queryset(), OrganizationOutputSerializer)


class OrganizationDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=OrganizationOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(OrganizationOutputSerializer(self.membership).data)
