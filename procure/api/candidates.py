"""Candidates: list, read, create, change, delete."""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.catalog.models import CandidateModel, DeploymentOption, EvaluationAccess
from procure.catalog.selectors import candidate_get, candidate_list
from procure.catalog.services import (
    CANDIDATE_FIELDS,
    OPTION_FIELDS,
    candidate_create,
    candidate_delete,
    candidate_update,
)

from .errors import DetailSerializer
from .fields import BooleanFilter, StrictModelInput
from .permissions import OrganizationApi

TAGS = ["candidates"]


class DeploymentOptionOutputSerializer(serializers.ModelSerializer[DeploymentOption]):
    class Meta:
        model = DeploymentOption
        fields = ("id", "candidate", *OPTION_FIELDS)


class EvaluationAccessOutputSerializer(serializers.ModelSerializer[EvaluationAccess]):
    secret = serializers.SerializerMethodField(
        help_text="Whether a secret is stored. The secret itself is never returned."
    )

    class Meta:
        model = EvaluationAccess
        fields = (
            "backend",
            "identity",
            "revision",
            "options",
            "secret",
            "capabilities",
            "probed_at",
            "updated_at",
        )

    @extend_schema_field(serializers.ChoiceField(choices=["set", "not set"]))
    def get_secret(self, access: EvaluationAccess) -> str:
        return "set" if access.has_secret else "not set"


class CandidateOutputSerializer(serializers.ModelSerializer[CandidateModel]):
    deployment_options = DeploymentOptionOutputSerializer(many=True, read_only=True)
    evaluation_access = serializers.SerializerMethodField()

    class Meta:
        model = CandidateModel
        fields = (
            "id",
            *CANDIDATE_FIELDS,
            "is_specialist",
            "deployment_options",
            "evaluation_access",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(EvaluationAccessOutputSerializer(allow_null=True))
    def get_evaluation_access(self, candidate: CandidateModel) -> dict[str, Any] | None:
        try:
            access = candidate.evaluation_access
        except EvaluationAccess.DoesNotExist:
            return None
        return EvaluationAccessOutputSerializer(access).data


class CandidateInputSerializer(StrictModelInput):
    class Meta:
        model = CandidateModel
        fields: tuple[str, ...] = CANDIDATE_FIELDS


class CandidateFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains", help_text="Part of the name.")
    licence = filters.CharFilter(lookup_expr="iexact")
    open_weights = BooleanFilter()
    region = filters.CharFilter(
        method="filter_region", help_text="Has a deployment option in this region."
    )

    class Meta:
        model = CandidateModel
        fields = ("name", "specialisation", "licence", "open_weights", "vendor_jurisdiction")

    def filter_region(
        self, queryset: QuerySet[CandidateModel], name: str, value: str
    ) -> QuerySet[CandidateModel]:
        return queryset.filter(deployment_options__regions__contains=[value]).distinct()


class CandidateListApi(OrganizationApi):
    queryset = CandidateModel.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CandidateFilter

    def get_queryset(self) -> QuerySet[CandidateModel]:
        return candidate_list(organization=self.organization)

    @extend_schema(tags=TAGS, responses=CandidateOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), CandidateOutputSerializer)


class CandidateCreateApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS, request=CandidateInputSerializer, responses={201: CandidateOutputSerializer}
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = CandidateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        candidate = candidate_create(organization=self.organization, **serializer.validated_data)
        return created(candidate_get(organization=self.organization, candidate_id=candidate.pk))


class CandidateDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=CandidateOutputSerializer)
    def get(self, request: Request, slug: str, candidate_id: int) -> Response:
        candidate = candidate_get(organization=self.organization, candidate_id=candidate_id)
        return Response(CandidateOutputSerializer(candidate).data)


class CandidateUpdateApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, request=CandidateInputSerializer, responses=CandidateOutputSerializer)
    def patch(self, request: Request, slug: str, candidate_id: int) -> Response:
        serializer = CandidateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        candidate_update(
            organization=self.organization, candidate_id=candidate_id, **serializer.validated_data
        )
        candidate = candidate_get(organization=self.organization, candidate_id=candidate_id)
        return Response(CandidateOutputSerializer(candidate).data)


class CandidateDeleteApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, responses={204: None, 409: DetailSerializer})
    def delete(self, request: Request, slug: str, candidate_id: int) -> Response:
        candidate_delete(organization=self.organization, candidate_id=candidate_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def created(candidate: CandidateModel) -> Response:
    return Response(CandidateOutputSerializer(candidate).data, status=status.HTTP_201_CREATED)
