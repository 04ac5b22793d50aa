"""Report snapshots: list, the frozen JSON, the PDF, and generating a new one."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.reports.models import ReportSnapshot
from procure.reports.rendering import render_pdf
from procure.reports.selectors import report_get, report_list
from procure.reports.services import report_generate

from .errors import DetailSerializer
from .fields import IdField, IdFilter, StrictInput
from .permissions import OrganizationApi

TAGS = ["reports"]


class ReportSummarySerializer(serializers.ModelSerializer[ReportSnapshot]):
    class Meta:
        model = ReportSnapshot
        fields: tuple[str, ...] = (
            "id",
            "title",
            "profile",
            "campaign",
            "verdict",
            "recommended",
            "content_hash",
            "created_by",
            "created_at",
        )


class ReportOutputSerializer(ReportSummarySerializer):
    snapshot = serializers.JSONField(help_text="Everything the report says, frozen.")
    how_sure = serializers.SerializerMethodField(
        help_text='The bottom line, the same words as the report: "Clear", "Likely", "Too close '
        'to call", "Not enough evidence" or "No recommendation" (empty for older reports).'
    )

    class Meta(ReportSummarySerializer.Meta):
        fields = (*ReportSummarySerializer.Meta.fields, "how_sure", "snapshot")

    @extend_schema_field(OpenApiTypes.STR)
    def get_how_sure(self, report: ReportSnapshot) -> str:
        verdict = report.snapshot.get("recommendation", {}).get("verdict", {})
        return str(verdict.get("certainty_label", ""))


class ReportGenerateInputSerializer(StrictInput):
    campaign = IdField(help_text="A finished campaign (succeeded or failed).")


class ReportFilter(filters.FilterSet):
    profile = IdFilter(field_name="profile_id")
    campaign = IdFilter(field_name="campaign_id")

    class Meta:
        model = ReportSnapshot
        fields = ("profile", "campaign")


class ReportListApi(OrganizationApi):
    queryset = ReportSnapshot.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReportFilter

    def get_queryset(self) -> QuerySet[ReportSnapshot]:
        return report_list(organization=self.organization)

    @extend_schema(tags=TAGS, responses=ReportSummarySerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), ReportSummarySerializer)


class ReportGenerateApi(OrganizationApi):
    """Decide on a finished campaign's evidence again and freeze it into a new snapshot.
    Earlier snapshots never change. Finished campaigns get a report automatically."""

    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS,
        request=ReportGenerateInputSerializer,
        responses={201: ReportOutputSerializer, 409: DetailSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = ReportGenerateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_generate(
            organization=self.organization,
            campaign_id=serializer.validated_data["campaign"],
            user=self.user,
        )
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=ReportOutputSerializer)
    def get(self, request: Request, slug: str, report_id: int) -> Response:
        report = report_get(organization=self.organization, report_id=report_id)
        return Response(ReportOutputSerializer(report).data)


class PdfRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> Any:
        return data


class ReportPdfApi(OrganizationApi):
    renderer_classes = [PdfRenderer, renderers.JSONRenderer]

    @extend_schema(
        tags=TAGS,
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
        },
    )
    def get(self, request: Request, slug: str, report_id: int) -> HttpResponse:
        report = report_get(organization=self.organization, report_id=report_id)
        response = HttpResponse(render_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.pdf"'
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON whatever the client asked for; only the PDF itself is a PDF.
        if isinstance(response, Response):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
