"""Setting schedules (with their beat entries), firing them, comparing and alerting, without a
worker. The end-to-end path through beat and a worker is in test_scheduled_campaigns.py."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from procure.audit.models import Action, AuditEvent
from procure.reports.services import report_generate
from procure.runs.models import Campaign, CampaignRun, CampaignStatus
from procure.runs.planning import campaign_launch
from procure.schedules.alerts import alert_email, firing_compare
from procure.schedules.models import Alert, Comparison, FiringOutcome, Notification, Trigger
from procure.schedules.services import schedule_delete, schedule_fire, schedule_set
from tests import factories as f
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

pytestmark = pytest.mark.django_db


def weekly(planned, **fields):
    return schedule_set(
        organization=planned.organization,
        profile_id=planned.profile.pk,
        frequency=fields.pop("frequency", "weekly"),
        **fields,
    )


def errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_saving_a_schedule_creates_its_beat_entry(planned):
    schedule = weekly(planned)

    task = PeriodicTask.objects.get(name=schedule.beat_name)
    assert task.task == "schedules.fire"
    assert json.loads(task.kwargs) == {"schedule_id": schedule.pk}
    assert task.queue == "housekeeping" and task.enabled
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("0", "2", "mon")
    assert str(crontab.timezone) == "UTC"
    assert schedule.periodic_task == task


def test_changing_the_frequency_and_pausing_update_the_same_beat_entry(planned):
    schedule = weekly(planned)

    weekly(planned, frequency="custom", crontab=" 15  6 * * 1-5 ", enabled=False)

    task = PeriodicTask.objects.get(name=schedule.beat_name)
    assert PeriodicTask.objects.filter(task="schedules.fire").count() == 1
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("15", "6", "1-5")
    assert not task.enabled
    schedule.refresh_from_db()
    assert schedule.crontab == "15 6 * * 1-5"


def test_setting_changing_and_removing_a_schedule_are_in_the_audit_log(planned):
    schedule = weekly(planned)
    weekly(planned, enabled=False)
    schedule_delete(organization=planned.organization, profile_id=schedule.profile_id)

    events = AuditEvent.objects.filter(organization=planned.organization, object_type="schedule")
    assert [e.action for e in events.order_by("pk")] == [
        Action.SCHEDULE_SET, Action.SCHEDULE_SET, Action.SCHEDULE_DELETED
    ]  # fmt: skip
    changed = events.filter(action=Action.SCHEDULE_SET).order_by("pk").last()
    assert changed is not None and changed.changes == {"enabled": {"old": True, "new": False}}


def test_removing_the_schedule_or_its_profile_removes_the_beat_entry(planned):
    schedule_delete(organization=planned.organization, profile_id=weekly(planned).profile_id)
    assert not PeriodicTask.objects.filter(task="schedules.fire").exists()

    weekly(planned)
    planned.profile.delete()
    assert not PeriodicTask.objects.filter(task="schedules.fire").exists()


def test_a_custom_schedule_needs_a_valid_crontab_and_the_error_names_the_field(planned):
    with pytest.raises(ValidationError) as missing:
        weekly(planned, frequency="custom")
    with pytest.raises(ValidationError) as bad:
        weekly(planned, frequency="custom", crontab="0 24 * * *")

    assert "A custom schedule needs a crontab" in errors(missing)["crontab"][0]
    assert "The hour field (2nd of 5) cannot be '24'" in errors(bad)["crontab"][0]
    assert not PeriodicTask.objects.filter(task="schedules.fire").exists()


def test_a_preset_refuses_another_crontab_but_takes_its_own(planned):
    with pytest.raises(ValidationError) as excinfo:
        weekly(planned, frequency="daily", crontab="0 6 * * *")

    assert "choose the custom frequency" in errors(excinfo)["crontab"][0]
    assert weekly(planned, frequency="daily", crontab="0 2 * * *").crontab == "0 2 * * *"


def test_candidates_and_watchers_must_be_this_organisations(planned, other_org):
    outsider = f.MembershipFactory(organization=other_org).user
    theirs = f.CandidateFactory(organization=other_org)

    with pytest.raises(ValidationError) as excinfo:
        weekly(
            planned,
            candidate_ids=[theirs.pk],
            watcher_ids=[outsider.pk],
            fit_threshold=-1,
            cost_threshold=0.1,
        )

    problems = errors(excinfo)
    assert problems["candidates"] == [f"No candidate with id {theirs.pk} here."]
    assert problems["watchers"] == [f"User {outsider.pk} is not a member of Acme Legal."]
    assert "fit_threshold" in problems


def test_the_first_firing_launches_the_candidates_chosen(planned):
    schedule = weekly(planned, candidate_ids=[c.pk for c in planned.candidates])

    firing = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now())

    assert firing.outcome == FiringOutcome.LAUNCHED
    assert (firing.runs_queued, firing.runs_reused) == (2, 0)
    assert set(firing.campaign.candidates.all()) == set(planned.candidates)
    assert firing.comparison == Comparison.PENDING
    schedule.refresh_from_db()
    assert schedule.last_fired_at >= firing.sent_at


def test_without_chosen_candidates_a_firing_reruns_the_latest_campaign(planned):
    latest = campaign_launch(
        organization=planned.organization,
        profile_id=planned.profile.pk,
        candidate_ids=[planned.candidates[0].pk],
        eval_settings={"limit": 5},
    )
    Campaign.objects.filter(pk=latest.pk).update(status=CampaignStatus.SUCCEEDED)
    schedule = weekly(planned)

    firing = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now())

    assert list(firing.campaign.candidates.all()) == [planned.candidates[0]]
    assert firing.campaign.eval_settings["limit"] == 5
    assert (firing.runs_queued, firing.runs_reused) == (0, 1)  # the same evidence


def test_a_trigger_sent_before_the_last_launch_is_skipped(planned):
    schedule = weekly(planned, candidate_ids=[planned.candidates[0].pk])
    sent = timezone.now()
    schedule_fire(schedule_id=schedule.pk, sent_at=sent)

    late = schedule_fire(schedule_id=schedule.pk, sent_at=sent + timedelta(microseconds=1))

    assert late.outcome == FiringOutcome.SKIPPED
    assert late.reason.startswith("Already launched at")
    assert Campaign.objects.count() == 1


def test_a_trigger_while_the_previous_campaign_runs_is_skipped(planned):
    schedule = weekly(planned, candidate_ids=[planned.candidates[0].pk])
    first = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now())

    again = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now(), trigger=Trigger.MANUAL)

    assert again.outcome == FiringOutcome.SKIPPED
    assert again.reason == f"The previous campaign (#{first.campaign_id}) is still running."


def test_a_paused_schedule_ignores_beat_but_runs_when_asked(planned):
    schedule = weekly(planned, enabled=False, candidate_ids=[planned.candidates[0].pk])

    by_beat = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now())
    by_hand = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now(), trigger=Trigger.MANUAL)

    assert (by_beat.outcome, by_beat.reason) == ("skipped", "The schedule is disabled.")
    assert by_hand.outcome == FiringOutcome.LAUNCHED


def test_nothing_to_evaluate_is_refused_with_a_reason(planned):
    schedule = weekly(planned)

    firing = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now())

    assert firing.outcome == FiringOutcome.REFUSED
    assert "No candidates to evaluate" in firing.reason


def test_a_candidate_that_cannot_run_is_refused_with_the_planners_reason(planned):
    bare = f.CandidateFactory(organization=planned.organization, name="No access")
    schedule = weekly(planned, candidate_ids=[bare.pk])

    firing = schedule_fire(schedule_id=schedule.pk, sent_at=timezone.now())

    assert firing.outcome == FiringOutcome.REFUSED
    assert "No access has no evaluation access" in firing.reason
    assert not Campaign.objects.exists()


def test_a_deleted_schedule_fires_nothing():
    assert schedule_fire(schedule_id=10**9, sent_at=timezone.now()) is None


@pytest.fixture
def market(org):
    """Two finished campaigns of one profile, with a scheduled firing for the second."""
    first = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    profile = first.profile
    watcher = f.MembershipFactory(organization=org, user__email="buyer@acme.example").user
    leaver = f.UserFactory(email="left@acme.example")
    schedule = f.ScheduleFactory(organization=org, profile=profile)
    schedule.watchers.set([watcher, leaver])  # the leaver is no member (any more)
    return first, schedule, watcher


def relaunched(campaign: Campaign) -> Campaign:
    """A later finished campaign on the same evidence, as a scheduled relaunch makes."""
    again = Campaign.objects.create(
        organization=campaign.organization,
        profile=campaign.profile,
        status=CampaignStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    again.candidates.set(campaign.candidates.all())
    for run in campaign.runs.all():
        CampaignRun.objects.create(campaign=again, run=run, reused=True)
    return again


def scheduled_report(org, schedule, campaign):
    firing = f.FiringFactory(schedule=schedule, campaign=campaign, comparison=Comparison.PENDING)
    return firing, report_generate(organization=org, campaign_id=campaign.pk)


def test_an_unchanged_report_compares_as_no_change(org, market):
    first, schedule, _ = market
    previous = report_generate(organization=org, campaign_id=first.pk)
    _, report = scheduled_report(org, schedule, relaunched(first))

    compared = firing_compare(report_id=report.pk)

    assert compared.comparison == Comparison.NO_CHANGE
    assert compared.previous_report == previous
    assert not Alert.objects.exists()


def test_the_first_report_has_nothing_to_compare_with(org, market):
    first, schedule, _ = market
    _, report = scheduled_report(org, schedule, first)

    compared = firing_compare(report_id=report.pk)

    assert compared.comparison == Comparison.FIRST
    assert compared.report == report and compared.previous_report is None


def test_a_changed_report_raises_one_alert_for_current_members_only(org, market):
    first, schedule, watcher = market
    previous = report_generate(organization=org, campaign_id=first.pk)
    first.candidates.get(name="Euro General").deployment_options.update(
        input_price_per_mtok="12.00"
    )
    firing, report = scheduled_report(org, schedule, relaunched(first))

    firing_compare(report_id=report.pk)
    firing_compare(report_id=report.pk)  # a redelivered task

    firing.refresh_from_db()
    assert firing.comparison == Comparison.CHANGED
    alert = Alert.objects.get()
    assert (alert.report, alert.previous_report, alert.firing) == (report, previous, firing)
    assert "Euro General API: input price $10.00 → $12.00 per 1M tokens" in [
        c["message"] for c in alert.changes
    ]
    assert alert.title.startswith("Contract review: ")
    assert list(Notification.objects.values_list("user", flat=True)) == [watcher.pk]


def test_a_report_of_a_campaign_nobody_scheduled_is_not_compared(org, market):
    first, _, _ = market
    report = report_generate(organization=org, campaign_id=first.pk)

    assert firing_compare(report_id=report.pk) is None


def test_each_watcher_gets_one_email_with_the_changes_and_the_diff_link(org):
    alert = f.AlertFactory(organization=org)
    f.NotificationFactory(alert=alert, user=f.UserFactory(email="a@acme.example"))
    f.NotificationFactory(alert=alert, user=f.UserFactory(email=""))

    assert alert_email(alert_id=alert.pk) == 1
    assert alert_email(alert_id=alert.pk) == 0  # a redelivered task mails nobody twice

    (sent,) = mail.outbox
    assert sent.to == ["a@acme.example"]
    assert sent.subject == f"[procure] {alert.title}"
    assert "- Recommended model: A → B" in sent.body
    diff = f"/o/acme/reports/{alert.report_id}/diff/{alert.previous_report_id}/"
    assert f"http://127.0.0.1:8000{diff}" in sent.body
