"""Task profiles: the work, its volume, rules and priorities, with weighted suites. CRUD."""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.core.validation import ImportProblem
from procure.profiles.models import ProfileSuite, TaskProfile
from procure.profiles.selectors import profile_get, profile_list
from procure.profiles.services import PROFILE_FIELDS, profile_delete, profile_save

from .errors import DetailSerializer, problems_by_place
from .fields import IdField, StrictInput, StrictModelInput
from .permissions import OrganizationApi

TAGS = ["profiles"]


class ProfileSuiteOutputSerializer(serializers.ModelSerializer[ProfileSuite]):
    name = serializers.CharField(source="suite.name")

    class Meta:
        model = ProfileSuite
        fields = ("suite", "name", "weight")


class ProfileOutputSerializer(serializers.ModelSerializer[TaskProfile]):
    suites = ProfileSuiteOutputSerializer(source="suite_weights", many=True)

    class Meta:
        model = TaskProfile
        fields = ("id", *PROFILE_FIELDS, "suites", "created_at", "updated_at")


class ProfileSuiteInputSerializer(StrictInput):
    suite = IdField(help_text="A suite of this organisation.")
    weight = serializers.FloatField(min_value=0, default=1.0)


class ProfileInputSerializer(StrictModelInput):
    suites = ProfileSuiteInputSerializer(
        many=True, required=False, help_text="Replaces the profile's suites when given."
    )
    sovereignty_preferences = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        required=False,
        help_text="Soft preferences: name → weight (0–1).",
    )

    class Meta:
        model = TaskProfile
        fields = (*PROFILE_FIELDS, "suites")


class ProfileFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains", help_text="Part of the name.")

    class Meta:
        model = TaskProfile
        fields = ("name", "domain")


class ProfileListApi(OrganizationApi):
    queryset = TaskProfile.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ProfileFilter

    def get_queryset(self) -> QuerySet[TaskProfile]:
        return profile_list(organization=self.organization)

    @extend_schema(tags=TAGS, responses=ProfileOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), ProfileOutputSerializer)


class ProfileCreateApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS, request=ProfileInputSerializer, responses={201: ProfileOutputSerializer}
    )
    def post(self, request: Request, slug: str) -> Response:
        profile = save_from_request(self, request, profile_id=None)
        return Response(ProfileOutputSerializer(profile).data, status=status.HTTP_201_CREATED)


class ProfileDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=ProfileOutputSerializer)
    def get(self, request: Request, slug: str, profile_id: int) -> Response:
        profile = profile_get(organization=self.organization, profile_id=profile_id)
        return Response(ProfileOutputSerializer(profile).data)


class ProfileUpdateApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, request=ProfileInputSerializer, responses=ProfileOutputSerializer)
    def patch(self, request: Request, slug: str, profile_id: int) -> Response:
        # An unknown profile is a 404 even when the body is also wrong.
        profile_get(organization=self.organization, profile_id=profile_id)
        profile = save_from_request(self, request, profile_id=profile_id)
        return Response(ProfileOutputSerializer(profile).data)


def save_from_request(
    api: OrganizationApi, request: Request, profile_id: int | None
) -> TaskProfile:
    serializer = ProfileInputSerializer(data=request.data, partial=profile_id is not None)
    serializer.is_valid(raise_exception=True)
    data: dict[str, Any] = serializer.validated_data
    try:
        saved = profile_save(
            organization=api.organization, data=data, profile_id=profile_id, user=api.user
        )
    except ImportProblem as exc:
        raise ValidationError(problems_by_place(exc.problems, strip="profile.")) from exc
    return profile_get(organization=api.organization, profile_id=saved.pk)


class ProfileDeleteApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, responses={204: None, 409: DetailSerializer})
    def delete(self, request: Request, slug: str, profile_id: int) -> Response:
        profile_delete(organization=self.organization, profile_id=profile_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
