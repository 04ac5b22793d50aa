"""After a scheduled campaign's report: compare it with the previous one and tell the watchers.

One firing gives at most one comparison and at most one alert (the firing's comparison state
is claimed under a row lock, and an alert is one-to-one with its firing), so a redelivered
task or a regenerated report never alerts twice.
"""

import dataclasses
import logging
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procure.accounts.models import Membership, Organization
from procure.reports.models import ReportSnapshot

from .dispatch import email_alert_queue
from .drift import Change, compare_snapshots
from .models import Alert, Comparison, Notification, ScheduleFiring
from .selectors import notification_list

logger = logging.getLogger(__name__)
TITLE_LENGTH = 300


def previous_report(report: ReportSnapshot) -> ReportSnapshot | None:
    """The profile's report written before this one, from another campaign."""
    earlier = ReportSnapshot.objects.filter(
        organization_id=report.organization_id,
        profile_id=report.profile_id,
        created_at__lt=report.created_at,
    )
    if report.campaign_id is not None:
        earlier = earlier.exclude(campaign_id=report.campaign_id)
    return earlier.order_by("-created_at", "-pk").first()


@transaction.atomic
def firing_compare(*, report_id: int) -> ScheduleFiring | None:
    """Record how the report of a scheduled campaign differs from the profile's previous one,
    raising one alert when anything changed. None: not a scheduled campaign's first report."""
    report = ReportSnapshot.objects.get(pk=report_id)
    if report.campaign_id is None:
        return None
    firing = (
        ScheduleFiring.objects.select_for_update(of=("self",))
        .select_related("schedule__profile")
        .filter(campaign_id=report.campaign_id, comparison=Comparison.PENDING)
        .first()
    )
    if firing is None:
        return None
    firing.report = report
    previous = previous_report(report)
    if previous is None:
        firing.comparison = Comparison.FIRST
    else:
        firing.previous_report = previous
        changes = compare_snapshots(previous.snapshot, report.snapshot, firing.schedule.thresholds)
        firing.comparison = Comparison.CHANGED if changes else Comparison.NO_CHANGE
        if changes:
            _alert_raise(firing, report, previous, changes)
    firing.save(update_fields=["report", "previous_report", "comparison"])
    return firing


def _alert_raise(
    firing: ScheduleFiring,
    report: ReportSnapshot,
    previous: ReportSnapshot,
    changes: list[Change],
) -> Alert:
    schedule = firing.schedule
    headline = changes[0].message
    more = f" (and {len(changes) - 1} more)" if len(changes) > 1 else ""
    title = f"{schedule.profile.name}: {headline}"
    if len(title) + len(more) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - len(more) - 1] + "…"
    alert = Alert.objects.create(
        organization_id=schedule.organization_id,
        profile_id=schedule.profile_id,
        firing=firing,
        report=report,
        previous_report=previous,
        title=title + more,
        changes=[dataclasses.asdict(change) for change in changes],
    )
    # Watchers who left the organisation since they were chosen hear nothing more.
    members = Membership.objects.filter(organization_id=schedule.organization_id).values("user")
    watchers = schedule.watchers.filter(pk__in=members)
    Notification.objects.bulk_create(
        Notification(organization_id=schedule.organization_id, alert=alert, user=user)
        for user in watchers
    )
    transaction.on_commit(partial(email_alert_queue, alert.pk))
    return alert


def diff_path(alert: Alert) -> str:
    return reverse(
        "web:report-diff",
        args=[alert.organization.slug, alert.report_id, alert.previous_report_id],
    )


def alert_email(*, alert_id: int) -> int:
    """E-mail the alert to each watcher not e-mailed yet; returns how many were sent.

    Each notification is claimed with a conditional UPDATE before its mail is sent, so a
    redelivered task sends nobody a second mail; a failed send releases the claim.
    """
    alert = Alert.objects.select_related("organization", "profile").get(pk=alert_id)
    link = settings.SITE_URL.rstrip("/") + diff_path(alert)
    lines = "\n".join(f"- {change['message']}" for change in alert.changes)
    profile = alert.profile.name if alert.profile else "a deleted profile"
    body = (
        f"The scheduled re-evaluation of “{profile}” ({alert.organization.name}) found changes "
        f"since the previous report:\n\n{lines}\n\nThe two reports side by side:\n{link}\n\n"
        "You receive this because you watch this profile's schedule in procure."
    )
    sent = 0
    for notification in alert.notifications.filter(emailed_at__isnull=True).select_related("user"):
        address = notification.user.email
        if not address:
            continue
        claim = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True)
        if not claim.update(emailed_at=timezone.now()):
            continue
        try:
            send_mail(f"[procure] {alert.title}", body, None, [address])
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


def notification_mark_read(*, organization: Organization, user: User, alert_id: int) -> None:
    """Mark the user's notification of the alert read (Notification.DoesNotExist if the alert
    was not sent to them)."""
    notification = notification_list(organization=organization, user=user).get(alert_id=alert_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def notifications_mark_all_read(*, organization: Organization, user: User) -> int:
    return (
        notification_list(organization=organization, user=user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )
