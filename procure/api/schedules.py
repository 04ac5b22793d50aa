"""A profile's schedule: read, set (PUT replaces it), remove, run now, and its firings."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.accounts.selectors import membership_list
from procure.profiles.selectors import profile_get
from procure.schedules.crontab import parse_crontab
from procure.schedules.models import Frequency, Schedule, ScheduleFiring, Trigger
from procure.schedules.selectors import firing_list, schedule_get
from procure.schedules.services import schedule_delete, schedule_fire, schedule_set

from .fields import IdField, StrictInput
from .permissions import OrganizationApi

TAGS = ["schedules"]
MAX_CANDIDATES = 100
MAX_WATCHERS = 200


class ScheduleInputSerializer(StrictInput):
    frequency = serializers.ChoiceField(
        choices=Frequency.choices, help_text="daily, weekly and monthly run at 02:00 UTC."
    )
    crontab = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="For frequency custom: 5 fields (minute hour day-of-month month "
        "day-of-week), UTC, e.g. '0 6 * * 1-5'.",
    )
    enabled = serializers.BooleanField(default=True, help_text="False pauses the schedule.")
    candidates = serializers.ListField(
        child=IdField(),
        max_length=MAX_CANDIDATES,
        default=list,
        help_text="Candidate ids; empty: the candidates of the profile's latest campaign.",
    )
    watchers = serializers.ListField(
        child=serializers.CharField(max_length=150),
        max_length=MAX_WATCHERS,
        default=list,
        help_text="Usernames of members told about changes (in the app and by e-mail).",
    )
    fit_threshold = serializers.FloatField(
        min_value=0, max_value=1, default=0.02, help_text="Absolute, on the 0-1 fit scale."
    )
    cost_threshold = serializers.FloatField(
        min_value=0, max_value=100, default=0.10, help_text="Relative: 0.1 is 10 %."
    )


class ScheduleOutputSerializer(serializers.ModelSerializer[Schedule]):
    candidates: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    watchers: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="username")
    next_run_at = serializers.SerializerMethodField()

    class Meta:
        model = Schedule
        fields = (
            "id",
            "profile",
            "frequency",
            "crontab",
            "enabled",
            "candidates",
            "watchers",
            "fit_threshold",
            "cost_threshold",
            "last_fired_at",
            "next_run_at",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_run_at(self, schedule: Schedule) -> datetime | None:
        if not schedule.enabled:
            return None
        return parse_crontab(schedule.crontab).next_after(timezone.now())


class FiringOutputSerializer(serializers.ModelSerializer[ScheduleFiring]):
    triggered_by: Any = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True, help_text="Who ran it now."
    )
    alert = serializers.SerializerMethodField()

    class Meta:
        model = ScheduleFiring
        fields = (
            "id",
            "trigger",
            "triggered_by",
            "sent_at",
            "fired_at",
            "outcome",
            "reason",
            "campaign",
            "runs_queued",
            "runs_reused",
            "comparison",
            "report",
            "previous_report",
            "alert",
        )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_alert(self, firing: ScheduleFiring) -> int | None:
        alert = getattr(firing, "alert", None)
        return alert.pk if alert is not None else None


def schedule_data(api: OrganizationApi, profile_id: int) -> dict[str, Any]:
    schedule = schedule_get(organization=api.organization, profile_id=profile_id)
    return ScheduleOutputSerializer(schedule).data


def watcher_ids(api: OrganizationApi, usernames: list[str]) -> list[int]:
    wanted = list(dict.fromkeys(usernames))
    members = dict(
        membership_list(organization=api.organization)
        .filter(user__username__in=wanted)
        .values_list("user__username", "user_id")
    )
    unknown = [name for name in wanted if name not in members]
    if unknown:
        raise ValidationError(
            {"watchers": [f"No member named '{name}' in this organisation." for name in unknown]}
        )
    return [members[name] for name in wanted]


class ScheduleDetailApi(OrganizationApi):
    """The profile's schedule (404 when it has none)."""

    @extend_schema(tags=TAGS, responses=ScheduleOutputSerializer)
    def get(self, request: Request, slug: str, profile_id: int) -> Response:
        return Response(schedule_data(self, profile_id))


class ScheduleSetApi(OrganizationApi):
    """Create or replace the schedule: fields left out take their defaults."""

    required_role = Role.EDITOR

    @extend_schema(
        tags=TAGS,
        request=ScheduleInputSerializer,
        responses={200: ScheduleOutputSerializer, 201: ScheduleOutputSerializer},
    )
    def put(self, request: Request, slug: str, profile_id: int) -> Response:
        # An unknown profile is a 404 even when the body is also wrong.
        profile = profile_get(organization=self.organization, profile_id=profile_id)
        serializer = ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        existed = Schedule.objects.filter(profile=profile).exists()
        schedule_set(
            organization=self.organization,
            profile_id=profile.pk,
            frequency=data["frequency"],
            crontab=data["crontab"],
            enabled=data["enabled"],
            candidate_ids=list(dict.fromkeys(data["candidates"])),
            watcher_ids=watcher_ids(self, data["watchers"]),
            fit_threshold=data["fit_threshold"],
            cost_threshold=data["cost_threshold"],
            user=self.user,
        )
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(schedule_data(self, profile.pk), status=code)


class ScheduleDeleteApi(OrganizationApi):
    """Remove the schedule: beat stops firing it. Past firings and alerts go with it."""

    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request, slug: str, profile_id: int) -> Response:
        schedule_delete(organization=self.organization, profile_id=profile_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScheduleRunApi(OrganizationApi):
    """Fire the schedule now, as beat would: the firing says whether a campaign was launched
    (and how many runs it queued and reused) or why not."""

    required_role = Role.EDITOR

    @extend_schema(tags=TAGS, request=None, responses={201: FiringOutputSerializer})
    def post(self, request: Request, slug: str, profile_id: int) -> Response:
        schedule = schedule_get(organization=self.organization, profile_id=profile_id)
        firing = schedule_fire(
            schedule_id=schedule.pk, sent_at=timezone.now(), trigger=Trigger.MANUAL, user=self.user
        )
        if firing is None:  # removed between the two lines above
            raise Schedule.DoesNotExist
        return Response(FiringOutputSerializer(firing).data, status=status.HTTP_201_CREATED)


class FiringListApi(OrganizationApi):
    """Every trigger of the profile's schedule, newest first."""

    queryset = ScheduleFiring.objects.none()  # the model, for the schema

    def get_queryset(self) -> QuerySet[ScheduleFiring]:
        profile = profile_get(organization=self.organization, profile_id=self.kwargs["profile_id"])
        return firing_list(organization=self.organization, profile_id=profile.pk).select_related(
            "alert"
        )

    @extend_schema(tags=TAGS, responses=FiringOutputSerializer(many=True))
    def get(self, request: Request, slug: str, profile_id: int) -> Response:
        return self.paginated(self.get_queryset(), FiringOutputSerializer)
