"""Housekeeping finishes what a lost message or a dead worker left half-done, from the database.

Each test writes one half-done state straight into PostgreSQL (as a crash or a Redis restart
leaves it), runs one housekeeping pass the way beat does — in this process, its tasks on a real
worker — and checks the state is repaired; then a second pass changes nothing.
"""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.utils import timezone

from procure.reports.dispatch import report_generate_queue
from procure.reports.housekeeping import campaigns_without_report, reports_reconcile
from procure.reports.models import ReportSnapshot
from procure.reports.services import report_generate
from procure.runs.housekeeping import campaigns_finish_stranded, housekeeping_pass
from procure.runs.models import Campaign, CampaignStatus
from procure.schedules.housekeeping import alerts_reconcile, firings_reconcile
from procure.schedules.models import Alert, Comparison, Notification, ScheduleFiring
from tests import factories as f
from tests.support.beat import outbox
from tests.support.reportkit import LEGAL_MARKET, finished_campaign
from tests.support.waiting import wait_for
from tests.support.worker import WorkerProcess

LONG_AGO = timedelta(hours=1)  # beyond RECONCILE_AFTER_SECONDS: the normal path had its chance


def one_pass(worker: WorkerProcess) -> dict[str, list[int]]:
    done = housekeeping_pass()
    assert worker.wait_idle(timeout=60), "the worker was still busy after the pass"
    return done


def mails_to(address: str) -> list[EmailMessage]:
    return [mail for mail in outbox() if mail["To"] == address]


def test_a_running_campaign_without_live_runs_is_finished_and_reported_once(celery_worker):
    # The last run's worker stored its result and died before refreshing the campaign.
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, items=40)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.RUNNING, finished_at=None)

    done = one_pass(celery_worker)

    assert done["campaigns_finished"] == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SUCCEEDED
    assert campaign.finished_at is not None
    wait_for(lambda: ReportSnapshot.objects.filter(campaign=campaign).exists(), timeout=60)

    again = one_pass(celery_worker)

    assert again["campaigns_finished"] == []
    assert Campaign.objects.get(pk=campaign.pk).finished_at == campaign.finished_at
    assert ReportSnapshot.objects.filter(campaign=campaign).count() == 1


def test_a_running_campaign_with_a_live_run_is_left_running(db):
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, items=10)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.RUNNING, finished_at=None)
    campaign.runs.filter(pk=campaign.runs.first().pk).update(status="running")

    assert campaigns_finish_stranded() == []
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.RUNNING


def test_a_finished_campaign_whose_report_message_was_lost_gets_one_report(celery_worker):
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, items=40)
    Campaign.objects.filter(pk=campaign.pk).update(finished_at=timezone.now() - LONG_AGO)

    one_pass(celery_worker)

    report = wait_for(lambda: ReportSnapshot.objects.filter(campaign=campaign).first(), timeout=60)
    assert report.recommended  # a real report, decided on the campaign's evidence

    one_pass(celery_worker)

    assert campaigns_without_report() == []
    assert list(ReportSnapshot.objects.filter(campaign=campaign)) == [report]


def test_the_report_task_sent_twice_makes_one_report(celery_worker):
    # The original message and housekeeping's both arrive (the original was only late).
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, items=40)

    report_generate_queue(campaign.pk)
    report_generate_queue(campaign.pk)
    wait_for(lambda: ReportSnapshot.objects.filter(campaign=campaign).exists(), timeout=60)
    assert celery_worker.wait_idle(timeout=60)

    assert ReportSnapshot.objects.filter(campaign=campaign).count() == 1


def test_a_campaign_finished_again_after_a_retry_needs_a_new_report(db):
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, items=10)
    report_generate(organization=org, campaign_id=campaign.pk)
    assert reports_reconcile() == []  # reported, and finished only now anyway

    # A failed run was retried and the campaign finished again, an hour after its report.
    report = ReportSnapshot.objects.get(campaign=campaign)
    ReportSnapshot.objects.filter(pk=report.pk).update(created_at=timezone.now() - 2 * LONG_AGO)
    Campaign.objects.filter(pk=campaign.pk).update(finished_at=timezone.now() - LONG_AGO)

    assert campaigns_without_report() == [campaign.pk]

    # Not when the report is only seconds "older" than the finish: two hosts' clocks differ.
    ReportSnapshot.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - LONG_AGO - timedelta(seconds=20)
    )
    assert campaigns_without_report() == []


def test_a_firing_waiting_for_a_report_that_exists_is_compared_once(celery_worker):
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, items=40)
    report = report_generate(organization=org, campaign_id=campaign.pk)
    # The compare message was lost: the firing still waits for the report.
    schedule = f.ScheduleFactory(organization=org, profile=campaign.profile)
    firing = f.FiringFactory(schedule=schedule, campaign=campaign, comparison=Comparison.PENDING)
    ReportSnapshot.objects.filter(pk=report.pk).update(created_at=timezone.now() - LONG_AGO)

    one_pass(celery_worker)

    firing.refresh_from_db()
    assert firing.comparison == Comparison.FIRST
    assert firing.report_id == report.pk

    one_pass(celery_worker)

    assert firings_reconcile() == []
    assert ScheduleFiring.objects.get(pk=firing.pk).comparison == Comparison.FIRST
    assert not Alert.objects.filter(firing=firing).exists()


def test_an_alert_whose_email_was_lost_is_emailed_once(celery_worker):
    org = f.OrganizationFactory()
    watcher = f.UserFactory(email="watcher-reconcile@example.com")
    no_address = f.UserFactory(email="")
    alert = f.AlertFactory(organization=org)
    sent_to = f.NotificationFactory(alert=alert, user=watcher)
    f.NotificationFactory(alert=alert, user=no_address)
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - LONG_AGO)

    one_pass(celery_worker)

    (mail,) = wait_for(lambda: mails_to(watcher.email), timeout=60)
    assert alert.title in mail["Subject"]
    assert Notification.objects.get(pk=sent_to.pk).emailed_at is not None

    one_pass(celery_worker)

    # Nobody left to mail: the watcher has been, the other has no address to mail.
    assert alerts_reconcile() == []
    assert len(mails_to(watcher.email)) == 1


@pytest.mark.parametrize("age", [timedelta(seconds=5), timedelta(days=30)])
def test_housekeeping_leaves_work_the_normal_path_is_doing_or_too_old(db, age):
    # Just now: the normal path's messages may still be on their way. A month ago: not replayed.
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, items=10)
    Campaign.objects.filter(pk=campaign.pk).update(finished_at=timezone.now() - age)
    alert = f.AlertFactory(organization=org)
    f.NotificationFactory(alert=alert, user=f.UserFactory(email="late@example.com"))
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - age)

    assert campaigns_without_report() == []
    assert alerts_reconcile() == []
