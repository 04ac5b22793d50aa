"""How workers reach a candidate. The secret (an API key) is write-only: accepted, never shown."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.catalog.models import EvaluationAccess, EvaluationBackend
from procure.catalog.selectors import candidate_get, evaluation_access_get
from procure.catalog.services import evaluation_access_set

from .candidates import EvaluationAccessOutputSerializer
from .fields import StrictInput
from .permissions import OrganizationApi

TAGS = ["candidates"]


class EvaluationAccessInputSerializer(StrictInput):
    backend = serializers.ChoiceField(choices=EvaluationBackend.choices)
    identity = serializers.CharField(
        max_length=500, help_text="Checkpoint directory (hf, vllm) or served model name."
    )
    revision = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    options = serializers.DictField(
        child=serializers.CharField(max_length=2000),
        required=False,
        default=dict,
        help_text="Backend options (base_url, tokenizer, dtype ...). Never put secrets here.",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        trim_whitespace=True,
        help_text=(
            "API key of an endpoint. Omit to keep the stored one, send an empty string to "
            "clear it. Admins only; never returned."
        ),
    )


class EvaluationAccessDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=EvaluationAccessOutputSerializer)
    def get(self, request: Request, slug: str, candidate_id: int) -> Response:
        access = evaluation_access_get(organization=self.organization, candidate_id=candidate_id)
        return Response(EvaluationAccessOutputSerializer(access).data)


class EvaluationAccessSetApi(OrganizationApi):
    """Editors register access; setting a secret, or changing an access that holds one, needs
    an admin (a new endpoint address would receive the stored key)."""

    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS,
        request=EvaluationAccessInputSerializer,
        responses=EvaluationAccessOutputSerializer,
    )
    def put(self, request: Request, slug: str, candidate_id: int) -> Response:
        # Another organisation's candidate is a 404 whatever the body holds, never a 400.
        candidate_get(organization=self.organization, candidate_id=candidate_id)
        serializer = EvaluationAccessInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        access: EvaluationAccess = evaluation_access_set(
            organization=self.organization,
            candidate_id=candidate_id,
            can_manage_secrets=self.membership.can(Role.ADMIN),
            **data,
        )
        return Response(EvaluationAccessOutputSerializer(access).data)
