"""A candidate's deployment options (API offers and self-hosted configurations): CRUD."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.catalog.models import DeploymentOption
from procure.catalog.selectors import candidate_get, deployment_option_list
from procure.catalog.services import (
    OPTION_FIELDS,
    deployment_option_create,
    deployment_option_delete,
    deployment_option_update,
)

from .candidates import DeploymentOptionOutputSerializer
from .fields import StrictModelInput
from .permissions import OrganizationApi

TAGS = ["deployment options"]


class DeploymentOptionInputSerializer(StrictModelInput):
    class Meta:
        model = DeploymentOption
        fields = OPTION_FIELDS


class DeploymentOptionListApi(OrganizationApi):
    queryset = DeploymentOption.objects.none()  # the model, for the schema

    def get_queryset(self) -> QuerySet[DeploymentOption]:
        candidate_id = self.kwargs["candidate_id"]
        # An unknown candidate is a 404, not an empty list.
        candidate_get(organization=self.organization, candidate_id=candidate_id)
        return deployment_option_list(organization=self.organization, candidate_id=candidate_id)

    @extend_schema(tags=TAGS, responses=DeploymentOptionOutputSerializer(many=True))
    def get(self, request: Request, slug: str, candidate_id: int) -> Response:
        return self.paginated(self.get_queryset(), DeploymentOptionOutputSerializer)


class DeploymentOptionCreateApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS,
        request=DeploymentOptionInputSerializer,
        responses={201: DeploymentOptionOutputSerializer},
    )
    def post(self, request: Request, slug: str, candidate_id: int) -> Response:
        # Another organisation's candidate is a 404 whatever the body holds, never a 400.
        candidate_get(organization=self.organization, candidate_id=candidate_id)
        serializer = DeploymentOptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        option = deployment_option_create(
            organization=self.organization, candidate_id=candidate_id, **serializer.validated_data
        )
        return Response(
            DeploymentOptionOutputSerializer(option).data, status=status.HTTP_201_CREATED
        )


class DeploymentOptionDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=DeploymentOptionOutputSerializer)
    def get(self, request: Request, slug: str, candidate_id: int, option_id: int) -> Response:
        option = deployment_option_list(
            organization=self.organization, candidate_id=candidate_id
        ).get(pk=option_id)
        return Response(DeploymentOptionOutputSerializer(option).data)


class DeploymentOptionUpdateApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS,
        request=DeploymentOptionInputSerializer,
        responses=DeploymentOptionOutputSerializer,
    )
    def patch(self, request: Request, slug: str, candidate_id: int, option_id: int) -> Response:
        serializer = DeploymentOptionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        option = deployment_option_update(
            organization=self.organization,
            candidate_id=candidate_id,
            option_id=option_id,
            **serializer.validated_data,
        )
        return Response(DeploymentOptionOutputSerializer(option).data)


class DeploymentOptionDeleteApi(OrganizationApi):
    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request, slug: str, candidate_id: int, option_id: int) -> Response:
        deployment_option_delete(
            organization=self.organization, candidate_id=candidate_id, option_id=option_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
