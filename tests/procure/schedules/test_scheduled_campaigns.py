"""Schedules end to end: django-celery-beat's real scheduler sends the trigger to the real
broker, a real worker fires it, evaluates the demo's tiny models with lm-eval, writes the
report and compares it with the previous one."""

import threading
from decimal import Decimal
from email.message import EmailMessage

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.runs.models import Campaign, CampaignStatus
from procure.schedules.models import (
    Alert,
    Comparison,
    FiringOutcome,
    Notification,
    Schedule,
    ScheduleFiring,
)
from procure.schedules.services import schedule_fire, schedule_set
from tests import factories as f
from tests.support.beat import beat_trigger, outbox
from tests.support.evalkit import SAMPLE_SUITES, hf_candidate, profile_with, upload_dir
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]


def scheduled_profile(demo_assets, *, watcher_email: str = "") -> Schedule:
    """A legal profile on the 20-item legal terms suite, the demo's specialist and generalist
    (each with an API price), and an hourly schedule watched by one member."""
    org = f.OrganizationFactory(name="Acme Legal")
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    legal = hf_candidate(org, "Tiny legal model", demo_assets.specialist, specialisation="legal")
    general = hf_candidate(org, "Tiny general model", demo_assets.generalist)
    EvaluationAccess.objects.filter(candidate__in=[legal, general]).update(revision="v1")
    for candidate, price in ((legal, "1.00"), (general, "2.50")):
        f.ApiOptionFactory(
            candidate=candidate,
            name=f"{candidate.name} API",
            input_price_per_mtok=Decimal(price),
            output_price_per_mtok=Decimal("10.00"),
        )
    profile = profile_with(org, "Contract review", [version])
    watcher = f.MembershipFactory(organization=org, user__email=watcher_email).user
    # Hourly: django-celery-beat only considers crontabs whose hour is near the current one,
    # and "*" is always near.
    return schedule_set(
        organization=org,
        profile_id=profile.pk,
        frequency="custom",
        crontab="0 * * * *",
        candidate_ids=[legal.pk, general.pk],
        watcher_ids=[watcher.pk],
    )


def mails_to(address: str) -> list[EmailMessage]:
    return [mail for mail in outbox() if mail["To"] == address]


def next_firing(schedule: Schedule, seen: int) -> ScheduleFiring:
    """Wait for the schedule's firing number `seen + 1`, then for its comparison."""
    firing = wait_for(lambda: schedule.firings.order_by("pk")[seen : seen + 1].first())
    if firing.outcome == FiringOutcome.LAUNCHED:
        wait_for(lambda: firing.refresh_from_db() or firing.comparison != Comparison.PENDING)
    return firing


def test_beat_fires_a_schedule_and_each_change_of_evidence_raises_exactly_one_alert(
    celery_worker, demo_assets
):
    schedule = scheduled_profile(demo_assets, watcher_email="buyer@acme.example")
    legal = CandidateModel.objects.get(name="Tiny legal model")

    # 1. The first firing evaluates everything and writes the first report.
    beat_trigger(schedule)
    first = next_firing(schedule, 0)
    assert first.outcome == FiringOutcome.LAUNCHED, first.reason
    assert (first.runs_queued, first.runs_reused) == (2, 0)
    assert first.campaign.status == CampaignStatus.SUCCEEDED
    assert first.report is not None and first.report.campaign_id == first.campaign_id
    assert first.comparison == Comparison.FIRST

    # 2. Nothing changed: every run is reused and the reports agree.
    beat_trigger(schedule)
    same = next_firing(schedule, 1)
    assert (same.runs_queued, same.runs_reused) == (0, 2)
    assert same.comparison == Comparison.NO_CHANGE
    assert same.previous_report_id == first.report_id
    assert not Alert.objects.exists()

    # 3. A new revision of one model re-runs that model's run only, and says so.
    EvaluationAccess.objects.filter(candidate=legal).update(revision="v2")
    beat_trigger(schedule)
    revised = next_firing(schedule, 2)
    assert (revised.runs_queued, revised.runs_reused) == (1, 1)
    assert revised.campaign.runs.filter(candidate=legal).get() not in first.campaign.runs.all()
    assert revised.comparison == Comparison.CHANGED
    alert = Alert.objects.get()
    assert alert.firing == revised
    assert "Tiny legal model: revision v1 → v2" in [c["message"] for c in alert.changes]
    assert (alert.previous_report_id, alert.report_id) == (same.report_id, revised.report_id)

    # 4. A price change re-runs nothing and raises one more alert naming both prices.
    general = legal.organization.candidates.get(name="Tiny general model")
    general.deployment_options.update(input_price_per_mtok=Decimal("3.00"))
    beat_trigger(schedule)
    repriced = next_firing(schedule, 3)
    assert (repriced.runs_queued, repriced.runs_reused) == (0, 2)
    assert repriced.comparison == Comparison.CHANGED
    assert Alert.objects.count() == 2
    price_alert = Alert.objects.get(firing=repriced)
    messages = [c["message"] for c in price_alert.changes]
    assert "Tiny general model API: input price $2.50 → $3.00 per 1M tokens" in messages
    assert not any("revision" in message for message in messages)

    # Each alert reached the watcher in the app and by e-mail, with the link to the diff.
    watcher = schedule.watchers.get()
    assert Notification.objects.filter(user=watcher, read_at=None).count() == 2
    wait_for(lambda: len(mails_to("buyer@acme.example")) >= 2)
    mails = mails_to("buyer@acme.example")
    assert len(mails) == 2
    bodies = [mail.get_content() for mail in mails]
    assert any("- Tiny legal model: revision v1 → v2" in body for body in bodies)
    link = f"/o/{legal.organization.slug}/reports/{repriced.report_id}/diff/{revised.report_id}/"
    assert any(link in body for body in bodies)
    assert Notification.objects.filter(user=watcher, emailed_at=None).count() == 0


def test_two_triggers_sent_at_once_launch_one_campaign(celery_worker, demo_assets):
    schedule = scheduled_profile(demo_assets)

    beat_trigger(schedule)
    beat_trigger(schedule)

    firings = [next_firing(schedule, 0), next_firing(schedule, 1)]
    assert sorted(firing.outcome for firing in firings) == ["launched", "skipped"]
    assert Campaign.objects.filter(profile=schedule.profile).count() == 1
    skipped = next(firing for firing in firings if firing.outcome == FiringOutcome.SKIPPED)
    assert "Already launched" in skipped.reason or "still running" in skipped.reason


def test_concurrent_firings_wait_for_the_schedule_lock_and_launch_once(celery_worker, demo_assets):
    """Two workers processing triggers of one schedule at the same instant: the row lock makes
    the second see the first's launch."""
    schedule = scheduled_profile(demo_assets)
    sent_at = timezone.now()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def fire() -> None:
        try:
            barrier.wait(timeout=10)
            schedule_fire(schedule_id=schedule.pk, sent_at=sent_at)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=fire) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    outcomes = sorted(schedule.firings.values_list("outcome", flat=True))
    assert outcomes == ["launched", "skipped"]
    campaign = Campaign.objects.get(profile=schedule.profile)
    wait_for(lambda: campaign.refresh_from_db() or campaign.status != CampaignStatus.RUNNING)


def test_a_schedule_missed_while_workers_were_down_runs_once_when_they_return(
    celery_worker, demo_assets
):
    schedule = scheduled_profile(demo_assets)
    celery_worker.stop()
    try:
        for _ in range(3):  # beat keeps sending while nothing consumes
            beat_trigger(schedule)
    finally:
        celery_worker.start()

    firings = [next_firing(schedule, n) for n in range(3)]

    assert [firing.outcome for firing in firings] == ["launched", "skipped", "skipped"]
    assert all("Already launched" in firing.reason for firing in firings[1:])
    assert Campaign.objects.filter(profile=schedule.profile).count() == 1
    assert firings[0].campaign.status == CampaignStatus.SUCCEEDED
