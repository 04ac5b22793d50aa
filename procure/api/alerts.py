"""Alerts raised by scheduled re-evaluations, marking them read, and the diff of two reports."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from procure.schedules.alerts import notification_mark_read
from procure.schedules.diffs import report_diff
from procure.schedules.models import Alert, Notification
from procure.schedules.selectors import alert_list

from .fields import BooleanFilter, IdFilter
from .permissions import OrganizationApi

TAGS = ["alerts"]


class ChangeSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="recommended, verdict, excluded, fit, price, …")
    subject = serializers.CharField(help_text="A candidate, an option, a suite, the profile.")
    before = serializers.CharField()
    after = serializers.CharField()
    message = serializers.CharField(help_text="One line naming the subject and both values.")


class AlertOutputSerializer(serializers.ModelSerializer[Alert]):
    changes = ChangeSerializer(many=True)
    read = serializers.SerializerMethodField(
        help_text="Whether you read it; null when it was not sent to you."
    )

    class Meta:
        model = Alert
        fields = (
            "id",
            "profile",
            "title",
            "changes",
            "report",
            "previous_report",
            "firing",
            "created_at",
            "read",
        )

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_read(self, alert: Alert) -> bool | None:
        return bool(alert.read) if alert.sent_to_me else None  # type: ignore[attr-defined]


def with_read_state(alerts: QuerySet[Alert], user: User) -> QuerySet[Alert]:
    mine = Notification.objects.filter(alert=OuterRef("pk"), user=user)
    return alerts.annotate(sent_to_me=Exists(mine), read=Exists(mine.filter(read_at__isnull=False)))


class AlertFilter(filters.FilterSet):
    profile = IdFilter(field_name="profile_id")
    unread = BooleanFilter(method="filter_unread", help_text="true: sent to you and not read.")

    class Meta:
        model = Alert
        fields = ("profile", "unread")

    def filter_unread(self, queryset: QuerySet[Alert], name: str, value: bool) -> QuerySet[Alert]:
        assert self.request is not None  # the API passes it
        mine = Notification.objects.filter(user=self.request.user, read_at__isnull=True)
        unread = mine.values("alert_id")
        return queryset.filter(pk__in=unread) if value else queryset.exclude(pk__in=unread)


class AlertListApi(OrganizationApi):
    """The organisation's alerts, newest first, each with whether you read it."""

    queryset = Alert.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AlertFilter

    def get_queryset(self) -> QuerySet[Alert]:
        return with_read_state(alert_list(organization=self.organization), self.user)

    @extend_schema(tags=TAGS, responses=AlertOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), AlertOutputSerializer)


class AlertDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=AlertOutputSerializer)
    def get(self, request: Request, slug: str, alert_id: int) -> Response:
        alerts = with_read_state(alert_list(organization=self.organization), self.user)
        return Response(AlertOutputSerializer(alerts.get(pk=alert_id)).data)


class AlertReadApi(OrganizationApi):
    """Mark the alert read for you (404 when it was not sent to you)."""

    @extend_schema(tags=TAGS, request=None, responses={204: None})
    def post(self, request: Request, slug: str, alert_id: int) -> Response:
        notification_mark_read(organization=self.organization, user=self.user, alert_id=alert_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SideSerializer(serializers.Serializer[Any]):
    status = serializers.CharField(help_text="recommended, eligible, excluded: <reasons>, …")
    fit = serializers.CharField()
    cost = serializers.CharField(help_text="Monthly cost of ownership (chosen option).")
    revision = serializers.CharField()


SIDES = ("status", "fit", "cost", "revision")


class CandidateDiffSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    before = SideSerializer()
    after = SideSerializer()


class ThresholdsSerializer(serializers.Serializer[Any]):
    fit = serializers.FloatField(help_text="Absolute, 0-1.")
    cost = serializers.FloatField(help_text="Relative.")


class ReportDiffOutputSerializer(serializers.Serializer[Any]):
    report = serializers.IntegerField()
    previous_report = serializers.IntegerField()
    thresholds = ThresholdsSerializer(help_text="The profile schedule's, or the defaults.")
    changes = ChangeSerializer(many=True)
    candidates = CandidateDiffSerializer(many=True)


class ReportDiffApi(OrganizationApi):
    """What changed from `previous_id` to `report_id`, as an alert would name it, and each
    candidate's status, fit, cost and revision side by side."""

    @extend_schema(tags=["reports"], responses=ReportDiffOutputSerializer)
    def get(self, request: Request, slug: str, report_id: int, previous_id: int) -> Response:
        diff = report_diff(
            organization=self.organization, report_id=report_id, previous_id=previous_id
        )
        body = {
            "report": diff.report.pk,
            "previous_report": diff.previous.pk,
            "thresholds": {"fit": diff.thresholds.fit, "cost": diff.thresholds.cost},
            "changes": diff.changes,
            "candidates": [
                {
                    "name": row.name,
                    "before": {side: getattr(row, side).before for side in SIDES},
                    "after": {side: getattr(row, side).after for side in SIDES},
                }
                for row in diff.rows
            ],
        }
        return Response(ReportDiffOutputSerializer(body).data)
