"""Campaigns: estimate what a launch would do, launch, follow per-run progress, cancel."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.profiles.selectors import profile_list
from procure.runs.models import Campaign, CampaignStatus
from procure.runs.planning import CampaignPlan, campaign_launch, campaign_plan
from procure.runs.services import campaign_cancel
from procure.runs.status import campaign_list_with_counts, campaign_runs

from .fields import IdField, IdFilter, StrictInput
from .permissions import OrganizationApi
from .runs import RunOutputSerializer

TAGS = ["campaigns"]
MAX_CANDIDATES = 100


class EvalSettingsSerializer(StrictInput):
    num_fewshot = serializers.IntegerField(
        min_value=0, max_value=25, allow_null=True, required=False
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=1_000_000,
        allow_null=True,
        required=False,
        help_text="Evaluate only the first items of each task (for smoke tests).",
    )
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class CampaignInputSerializer(StrictInput):
    profile = IdField()
    candidates = serializers.ListField(
        child=IdField(), min_length=1, max_length=MAX_CANDIDATES, help_text="Candidate ids."
    )
    eval_settings = EvalSettingsSerializer(required=False)


class PlannedRunSerializer(serializers.Serializer[Any]):
    candidate = serializers.IntegerField(source="candidate.pk")
    candidate_name = serializers.CharField(source="candidate.name")
    suite = serializers.IntegerField(source="suite_version.suite_id")
    suite_name = serializers.CharField(source="suite_version.suite.name")
    suite_version_number = serializers.IntegerField(source="suite_version.number")
    fingerprint = serializers.CharField()
    queue = serializers.CharField()
    items = serializers.IntegerField()
    reused = serializers.BooleanField(help_text="Evidence with this fingerprint exists already.")
    existing_run = serializers.IntegerField(source="existing.pk", allow_null=True, default=None)


class CampaignPlanOutputSerializer(serializers.Serializer[CampaignPlan]):
    runs = PlannedRunSerializer(many=True)
    runs_to_queue = serializers.SerializerMethodField()
    runs_reused = serializers.SerializerMethodField()
    items_to_evaluate = serializers.IntegerField()
    eval_settings = serializers.DictField()
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="Why a launch would be refused; empty if none."
    )

    def get_runs_to_queue(self, plan: CampaignPlan) -> int:
        return len(plan.to_queue)

    def get_runs_reused(self, plan: CampaignPlan) -> int:
        return len(plan.runs) - len(plan.to_queue)


class CampaignSummarySerializer(serializers.ModelSerializer[Campaign]):
    profile_name = serializers.CharField(source="profile.name")
    run_count = serializers.IntegerField()
    runs_finished = serializers.IntegerField()

    class Meta:
        model = Campaign
        fields: tuple[str, ...] = (
            "id",
            "profile",
            "profile_name",
            "status",
            "eval_settings",
            "run_count",
            "runs_finished",
            "created_at",
            "finished_at",
        )


class CampaignRunSerializer(RunOutputSerializer):
    reused = serializers.BooleanField(help_text="The run existed before the campaign.")

    class Meta(RunOutputSerializer.Meta):
        fields = (*RunOutputSerializer.Meta.fields, "reused")


class CampaignStatusSerializer(CampaignSummarySerializer):
    candidates: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    runs = CampaignRunSerializer(many=True, source="run_rows")

    class Meta(CampaignSummarySerializer.Meta):
        fields = (*CampaignSummarySerializer.Meta.fields, "candidates", "runs")


class CampaignFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CampaignStatus.choices)
    profile = IdFilter(field_name="profile_id")

    class Meta:
        model = Campaign
        fields = ("status", "profile")


def campaign_status(api: OrganizationApi, campaign_id: int) -> dict[str, Any]:
    runs = campaign_runs(organization=api.organization, campaign_id=campaign_id).order_by("pk")
    campaign = (
        campaign_list_with_counts(organization=api.organization)
        .prefetch_related("candidates", Prefetch("runs", queryset=runs, to_attr="run_rows"))
        .get(pk=campaign_id)
    )
    return CampaignStatusSerializer(campaign).data


def validated_plan_input(api: OrganizationApi, request: Request) -> dict[str, Any]:
    serializer = CampaignInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    if not profile_list(organization=api.organization).filter(pk=data["profile"]).exists():
        raise ValidationError({"profile": ["No such profile in this organisation."]})
    return {
        "organization": api.organization,
        "profile_id": data["profile"],
        "candidate_ids": list(dict.fromkeys(data["candidates"])),
        "eval_settings": dict(data.get("eval_settings") or {}),
    }


class CampaignEstimateApi(OrganizationApi):
    """What launching would do, without doing it: runs to queue, evidence reused, items."""

    @extend_schema(
        tags=TAGS, request=CampaignInputSerializer, responses=CampaignPlanOutputSerializer
    )
    def post(self, request: Request, slug: str) -> Response:
        plan = campaign_plan(**validated_plan_input(self, request))
        return Response(CampaignPlanOutputSerializer(plan).data)


class CampaignLaunchApi(OrganizationApi):
    """Plan and queue the runs; refused (400, nothing saved) when any pair cannot run."""

    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS, request=CampaignInputSerializer, responses={201: CampaignStatusSerializer}
    )
    def post(self, request: Request, slug: str) -> Response:
        campaign = campaign_launch(user=self.user, **validated_plan_input(self, request))
        return Response(campaign_status(self, campaign.pk), status=status.HTTP_201_CREATED)


class CampaignListApi(OrganizationApi):
    queryset = Campaign.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CampaignFilter

    def get_queryset(self) -> QuerySet[Campaign]:
        return campaign_list_with_counts(organization=self.organization)

    @extend_schema(tags=TAGS, responses=CampaignSummarySerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), CampaignSummarySerializer)


class CampaignStatusApi(OrganizationApi):
    """The campaign with every run's status, progress (done/total) and error."""

    @extend_schema(tags=TAGS, responses=CampaignStatusSerializer)
    def get(self, request: Request, slug: str, campaign_id: int) -> Response:
        return Response(campaign_status(self, campaign_id))


class CampaignCancelApi(OrganizationApi):
    """Stop the campaign and its unfinished runs (unless another running campaign needs them)."""

    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, request=None, responses=CampaignStatusSerializer)
    def post(self, request: Request, slug: str, campaign_id: int) -> Response:
        campaign_cancel(organization=self.organization, campaign_id=campaign_id)
        return Response(campaign_status(self, campaign_id))
