"""Comparisons and e-mails that a lost message left undone, found in the database.

A firing waits for its campaign's report ("pending"); the report's arrival sends the compare
task (`apps.py`), and an alert sends its e-mail task on commit (`alerts.py`). A Redis restart
loses either message if it is still queued. Both tasks are idempotent — the firing's
comparison is claimed under its row lock, and each watcher's notification is claimed with a
conditional update before its mail goes out (`emailed_at` records it) — so sending them again
never compares twice or mails anyone twice.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from procure.reports.models import ReportSnapshot

from .dispatch import compare_queue, email_alert_queue
from .models import Alert, Comparison, Notification, ScheduleFiring

BATCH = 50


def firings_reconcile() -> list[int]:
    """Send the comparison of each firing still waiting for a report that exists a while
    already; returns the reports' ids."""
    now = timezone.now()
    reports = ReportSnapshot.objects.filter(
        campaign_id=OuterRef("campaign_id"),
        created_at__lt=now - timedelta(seconds=settings.RECONCILE_AFTER_SECONDS),
    ).order_by("created_at", "pk")
    report_ids = [
        report_id
        for report_id in ScheduleFiring.objects.filter(
            comparison=Comparison.PENDING,
            campaign__isnull=False,
            fired_at__gte=now - timedelta(days=settings.RECONCILE_WITHIN_DAYS),
        )
        .annotate(first_report=reports.values("pk")[:1])
        .order_by("fired_at", "pk")
        .values_list("first_report", flat=True)[:BATCH]
        if report_id is not None
    ]
    for report_id in report_ids:
        compare_queue(report_id)
    return report_ids


def alerts_reconcile() -> list[int]:
    """Send the e-mail task of each alert a while old that a watcher with an address has not
    been e-mailed; returns the alerts' ids."""
    now = timezone.now()
    unsent = Notification.objects.filter(alert=OuterRef("pk"), emailed_at__isnull=True).exclude(
        user__email=""
    )
    alert_ids = list(
        Alert.objects.filter(
            Exists(unsent),
            created_at__lt=now - timedelta(seconds=settings.RECONCILE_AFTER_SECONDS),
            created_at__gte=now - timedelta(days=settings.RECONCILE_WITHIN_DAYS),
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    for alert_id in alert_ids:
        email_alert_queue(alert_id)
    return alert_ids


def schedules_reconcile() -> dict[str, list[int]]:
    return {"reports_compared": firings_reconcile(), "alerts_emailed": alerts_reconcile()}
