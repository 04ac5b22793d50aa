"""Reads of schedules, firings, alerts and notifications. Every one is scoped to one
organisation."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from procure.accounts.models import Organization
from procure.runs.models import Campaign, CampaignStatus

from .models import Alert, Notification, Schedule, ScheduleFiring


def schedule_list(*, organization: Organization) -> QuerySet[Schedule]:
    return Schedule.objects.filter(organization=organization).select_related("profile")


def schedule_get(*, organization: Organization, profile_id: int) -> Schedule:
    """The schedule of the profile; Schedule.DoesNotExist when it has none (or is not ours)."""
    return (
        schedule_list(organization=organization)
        .prefetch_related("candidates", "watchers")
        .get(profile_id=profile_id)
    )


def firing_list(
    *, organization: Organization, profile_id: int | None = None
) -> QuerySet[ScheduleFiring]:
    firings = ScheduleFiring.objects.filter(schedule__organization=organization)
    if profile_id is not None:
        firings = firings.filter(schedule__profile_id=profile_id)
    return firings.select_related("schedule__profile", "campaign", "triggered_by")


def alert_list(*, organization: Organization, profile_id: int | None = None) -> QuerySet[Alert]:
    alerts = Alert.objects.filter(organization=organization)
    if profile_id is not None:
        alerts = alerts.filter(profile_id=profile_id)
    return alerts.select_related("profile")


def notification_list(*, organization: Organization, user: User) -> QuerySet[Notification]:
    """The alerts sent to `user` in this organisation, newest first."""
    return Notification.objects.filter(organization=organization, user=user).select_related(
        "alert__profile"
    )


def current_campaigns(*, organization: Organization, profile_id: int) -> QuerySet[Campaign]:
    """The profile's campaigns that were not cancelled, latest first: the first one is what
    the profile evaluates now (its candidates and settings are what a firing re-runs)."""
    return (
        Campaign.objects.filter(organization=organization, profile_id=profile_id)
        .exclude(status=CampaignStatus.CANCELLED)
        .order_by("-created_at", "-pk")
    )
