"""Bulk import of candidates: the catalog JSON format (see fixtures/catalog), or a CSV table."""

import csv
import io
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.catalog.services import catalog_import

from .candidates import CandidateInputSerializer
from .deployment_options import DeploymentOptionInputSerializer
from .evaluation_access import EvaluationAccessInputSerializer
from .fields import StrictInput
from .permissions import OrganizationApi

TAGS = ["candidates"]
MAX_CANDIDATES = 1000


class CsvParser(BaseParser):
    """One candidate per row, a header naming candidate fields; empty cells are left out."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            text = stream.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError("CSV must be UTF-8 text.") from exc
        try:
            rows = list(csv.DictReader(io.StringIO(text), restkey="(extra cells)"))
        except csv.Error as exc:
            raise ParseError(f"CSV could not be read: {exc}") from exc
        return {"candidates": [{key: value for key, value in row.items() if value} for row in rows]}


class ImportedAccessSerializer(EvaluationAccessInputSerializer):
    secret = None  # type: ignore[assignment]  # secrets never travel in a catalog file


class ImportedCandidateSerializer(CandidateInputSerializer):
    deployment_options = DeploymentOptionInputSerializer(many=True, required=False)
    evaluation_access = ImportedAccessSerializer(required=False)

    class Meta(CandidateInputSerializer.Meta):
        fields = (*CandidateInputSerializer.Meta.fields, "deployment_options", "evaluation_access")


class CatalogImportInputSerializer(StrictInput):
    # max_length is DRF's own (3.14+); the stubs do not know it yet.
    candidates = ImportedCandidateSerializer(  # type: ignore[call-arg]
        many=True, allow_empty=False, max_length=MAX_CANDIDATES
    )


class CatalogImportOutputSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


EXAMPLE = {
    "candidates": [
        {
            "name": "Contracts-13B",
            "provider": "Example AI",
            "specialisation": "legal",
            "licence": "proprietary",
            "vendor_jurisdiction": "DE",
            "deployment_options": [
                {
                    "kind": "api",
                    "name": "Example AI EU",
                    "regions": ["eu-central-1"],
                    "input_price_per_mtok": "0.50",
                    "output_price_per_mtok": "1.50",
                }
            ],
            "evaluation_access": {
                "backend": "local-completions",
                "identity": "contracts-13b",
                "options": {"base_url": "https://api.example.eu/v1/completions"},
            },
        }
    ]
}


class CatalogImportApi(OrganizationApi):
    """Create or update candidates by name; all or nothing. Deployment options of an imported
    candidate are replaced. A CSV holds candidate fields only (one row per candidate)."""

    required_role = Role.EDITOR
    parser_classes = [JSONParser, CsvParser]

    @extend_schema(
        tags=TAGS,
        request={
            "application/json": CatalogImportInputSerializer,
            "text/csv": OpenApiTypes.STR,
        },
        responses=CatalogImportOutputSerializer,
        examples=[OpenApiExample("One candidate", value=EXAMPLE, request_only=True)],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = CatalogImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = catalog_import(
            organization=self.organization,
            data=serializer.validated_data,
            can_manage_secrets=self.membership.can(Role.ADMIN),
        )
        return Response(CatalogImportOutputSerializer(result).data)
