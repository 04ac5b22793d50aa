"""Evaluation runs: status and progress, metric results, per-item results, retry."""

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.runs.models import EvaluationRun, MetricResult, RunStatus, SampleResult
from procure.runs.selectors import metric_result_list, run_get, run_list, sample_result_list
from procure.runs.services import run_retry

from .errors import DetailSerializer
from .fields import FiniteFloatField, IdFilter
from .permissions import OrganizationApi

TAGS = ["runs"]


class ProgressSerializer(serializers.Serializer[EvaluationRun]):
    done = serializers.IntegerField(source="progress_done", help_text="Requests evaluated.")
    total = serializers.IntegerField(source="progress_total", help_text="0 until known.")


class RunErrorSerializer(serializers.Serializer[EvaluationRun]):
    kind = serializers.CharField(source="error_kind")
    message = serializers.CharField(source="error_message")


class RunOutputSerializer(serializers.ModelSerializer[EvaluationRun]):
    candidate_name = serializers.CharField(source="candidate.name")
    suite = serializers.IntegerField(source="suite_version.suite_id")
    suite_name = serializers.CharField(source="suite_version.suite.name")
    suite_version_number = serializers.IntegerField(source="suite_version.number")
    progress = ProgressSerializer(source="*")
    error = serializers.SerializerMethodField()
    wall_seconds = FiniteFloatField(allow_null=True)

    class Meta:
        model = EvaluationRun
        fields: tuple[str, ...] = (
            "id",
            "status",
            "candidate",
            "candidate_name",
            "suite",
            "suite_name",
            "suite_version",
            "suite_version_number",
            "fingerprint",
            "queue",
            "attempts",
            "progress",
            "error",
            "queued_at",
            "started_at",
            "finished_at",
            "wall_seconds",
        )

    @extend_schema_field(RunErrorSerializer(allow_null=True))
    def get_error(self, run: EvaluationRun) -> dict[str, Any] | None:
        if not (run.error_kind or run.error_message):
            return None
        return RunErrorSerializer(run).data


class MetricOutputSerializer(serializers.ModelSerializer[MetricResult]):
    value = FiniteFloatField(allow_null=True)
    stderr = FiniteFloatField(allow_null=True)

    class Meta:
        model = MetricResult
        fields = ("task", "metric", "filter", "value", "stderr", "n")


class RunDetailOutputSerializer(RunOutputSerializer):
    metrics = MetricOutputSerializer(many=True, help_text="Empty until the run succeeds.")

    class Meta(RunOutputSerializer.Meta):
        fields = (*RunOutputSerializer.Meta.fields, "metrics")


class SampleOutputSerializer(serializers.ModelSerializer[SampleResult]):
    value = FiniteFloatField(allow_null=True)

    class Meta:
        model = SampleResult
        fields = ("task", "doc_id", "metric", "filter", "value")


class RunFilter(filters.FilterSet):
    campaign = IdFilter(field_name="campaigns__id", help_text="Runs of a campaign.")
    status = filters.ChoiceFilter(choices=RunStatus.choices)
    candidate = IdFilter(field_name="candidate_id")

    class Meta:
        model = EvaluationRun
        fields = ("campaign", "status", "candidate")


class SampleFilter(filters.FilterSet):
    doc_id = IdFilter(min_value=0)

    class Meta:
        model = SampleResult
        fields = ("task", "metric", "doc_id")


class RunListApi(OrganizationApi):
    queryset = EvaluationRun.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = RunFilter

    def get_queryset(self) -> QuerySet[EvaluationRun]:
        return run_list(organization=self.organization)

    @extend_schema(tags=TAGS, responses=RunOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), RunOutputSerializer)


class RunDetailApi(OrganizationApi):
    """A run with its metric results (value, stderr, n per task and metric)."""

    @extend_schema(tags=TAGS, responses=RunDetailOutputSerializer)
    def get(self, request: Request, slug: str, run_id: int) -> Response:
        run = run_get(organization=self.organization, run_id=run_id)
        metrics = metric_result_list(organization=self.organization, run_id=run.pk)
        prefetch_related_objects([run], Prefetch("metrics", queryset=metrics))
        return Response(RunDetailOutputSerializer(run).data)


class RunSampleListApi(OrganizationApi):
    """Per-item scores, for paired comparisons of candidates on the same items."""

    queryset = SampleResult.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SampleFilter

    def get_queryset(self) -> QuerySet[SampleResult]:
        run = run_get(organization=self.organization, run_id=self.kwargs["run_id"])
        return sample_result_list(organization=self.organization, run_id=run.pk)

    @extend_schema(tags=TAGS, responses=SampleOutputSerializer(many=True))
    def get(self, request: Request, slug: str, run_id: int) -> Response:
        return self.paginated(self.get_queryset(), SampleOutputSerializer)


class RunRetryApi(OrganizationApi):
    """Queue a failed or cancelled run again; its campaigns wait for it once more."""

    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS, request=None, responses={200: RunOutputSerializer, 409: DetailSerializer}
    )
    def post(self, request: Request, slug: str, run_id: int) -> Response:
        run_retry(organization=self.organization, run_id=run_id)
        return Response(
            RunOutputSerializer(run_get(organization=self.organization, run_id=run_id)).data
        )
