"""The schedule, history, diff and alerts pages: roles, other organisations, bad input."""

from decimal import Decimal

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from procure.accounts.models import Role
from procure.reports.services import report_generate
from procure.schedules.models import Notification, Schedule
from procure.schedules.services import schedule_set
from tests import factories as f
from tests.procure.web.conftest import logged_in, page, text
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

pytestmark = pytest.mark.django_db

FORM = {
    "frequency": "custom",
    "crontab": "30 6 * * 1-5",
    "enabled": "on",
    "fit_threshold": "3",
    "cost_threshold": "15",
}


def test_an_editor_sets_a_schedule_from_the_profile(editor, planned):
    url = page(f"profiles/{planned.profile.pk}/schedule/")
    form = {**FORM, "candidates": [planned.candidates[0].pk]}

    response = editor.post(url + "save/", form)

    assert response.status_code == 302 and response["Location"] == url
    schedule = Schedule.objects.get(profile=planned.profile)
    assert (schedule.crontab, schedule.fit_threshold, schedule.cost_threshold) == (
        "30 6 * * 1-5",
        0.03,
        0.15,
    )
    assert list(schedule.candidates.all()) == [planned.candidates[0]]
    assert PeriodicTask.objects.get(name=schedule.beat_name).enabled
    shown = text(editor.get(url))
    assert "30 6 * * 1-5" in shown and "Next run" in shown
    detail = text(editor.get(page(f"profiles/{planned.profile.pk}/")))
    assert 'id="schedule-card"' in detail and "30 6 * * 1-5" in detail


def test_a_bad_crontab_is_shown_next_to_the_field_and_nothing_is_saved(editor, planned):
    response = editor.post(
        page(f"profiles/{planned.profile.pk}/schedule/save/"), {**FORM, "crontab": "0 6 * 13 *"}
    )

    assert response.status_code == 400
    assert "The month field (4th of 5) cannot be &#x27;13&#x27;" in text(response)
    assert not Schedule.objects.exists()


def test_viewers_read_the_schedule_but_cannot_change_or_run_it(viewer, planned):
    schedule_set(organization=planned.organization, profile_id=planned.profile.pk,
                 frequency="weekly")  # fmt: skip
    base = page(f"profiles/{planned.profile.pk}/schedule/")

    shown = viewer.get(base)

    assert shown.status_code == 200
    assert "Every Monday" in text(shown) and "save-schedule" not in text(shown)
    assert "run-now" not in text(shown)
    for action in ("save/", "run/", "delete/"):
        assert viewer.post(base + action, FORM).status_code == 403
    assert Schedule.objects.get().frequency == "weekly"


def test_run_now_launches_a_campaign_and_opens_it(editor, planned):
    schedule_set(organization=planned.organization, profile_id=planned.profile.pk,
                 frequency="weekly", candidate_ids=[planned.candidates[1].pk])  # fmt: skip

    response = editor.post(page(f"profiles/{planned.profile.pk}/schedule/run/"))

    firing = Schedule.objects.get().firings.get()
    assert response["Location"] == page(f"campaigns/{firing.campaign_id}/")
    assert firing.trigger == "manual" and firing.triggered_by is not None
    assert "run now from <a" in text(editor.get(response["Location"]))
    again = editor.post(page(f"profiles/{planned.profile.pk}/schedule/run/"), follow=True)
    assert "Nothing launched: The previous campaign" in text(again)


def test_removing_the_schedule_removes_its_beat_entry(editor, planned):
    schedule_set(organization=planned.organization, profile_id=planned.profile.pk,
                 frequency="daily")  # fmt: skip

    response = editor.post(page(f"profiles/{planned.profile.pk}/schedule/delete/"))

    assert response.status_code == 302
    assert not Schedule.objects.exists()
    assert not PeriodicTask.objects.filter(task="schedules.fire").exists()


def test_another_organisations_pages_are_404(client_for, other_org):
    theirs = finished_campaign(other_org, LEGAL_MARKET)
    report = report_generate(organization=other_org, campaign_id=theirs.pk)
    alert = f.AlertFactory(organization=other_org)
    me = client_for(Role.ADMIN)

    for path in (
        f"profiles/{theirs.profile_id}/schedule/",
        f"profiles/{theirs.profile_id}/history/",
        f"reports/{report.pk}/diff/{report.pk}/",
    ):
        assert me.get(page(path)).status_code == 404, path
    for path in (
        f"profiles/{theirs.profile_id}/schedule/save/",
        f"profiles/{theirs.profile_id}/schedule/run/",
        f"notifications/{alert.pk}/read/",
    ):
        assert me.post(page(path), FORM).status_code == 404, path
    assert me.get(page("", slug=other_org.slug)).status_code == 404


@pytest.fixture
def two_reports(org):
    campaign = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    before = report_generate(organization=org, campaign_id=campaign.pk)
    campaign.candidates.get(name="LegalLM 7B").deployment_options.update(
        hourly_rate=Decimal("1.50")
    )
    after = report_generate(organization=org, campaign_id=campaign.pk)
    return before, after


def test_the_diff_page_names_each_change_and_shows_both_reports(viewer, two_reports):
    before, after = two_reports

    response = viewer.get(page(f"reports/{after.pk}/diff/{before.pk}/"))

    shown = text(response)
    assert response.status_code == 200
    assert "LegalLM 7B on 1x L40S: hourly rate $1.20 → $1.50 per instance-hour" in shown
    assert f"Before (report #{before.pk})" in shown and f"After (report #{after.pk})" in shown
    assert "<mark>" in shown  # the cost that moved is highlighted on the right


def test_the_history_charts_the_recommendation_over_time(viewer, two_reports):
    before, after = two_reports

    response = viewer.get(page(f"profiles/{after.profile_id}/history/"))

    shown = text(response)
    assert response.status_code == 200
    assert shown.count("<svg") == 1
    assert shown.count("LegalLM 7B") >= 2  # a row per report, named in the chart too
    assert page(f"reports/{after.pk}/diff/{before.pk}/") in shown


def test_alerts_are_listed_with_the_unread_count_and_marked_read(org):
    membership = f.MembershipFactory(organization=org, role=Role.VIEWER)
    me = logged_in(Client(), membership.user)
    mine = [f.NotificationFactory(alert__organization=org, organization=org,
                                  user=membership.user) for _ in range(2)]  # fmt: skip
    f.NotificationFactory(alert__organization=org, organization=org)  # someone else's

    listing = text(me.get(page("notifications/")))
    assert "Recommended model: A → B" in listing
    assert '2<span class="visually-hidden"> unread</span>' in listing

    me.post(page(f"notifications/{mine[0].alert_id}/read/"))
    assert '1<span class="visually-hidden"> unread</span>' in text(me.get(page("")))
    me.post(page("notifications/read-all/"))
    assert Notification.objects.filter(user=membership.user, read_at=None).count() == 0
    assert Notification.objects.filter(read_at=None).count() == 1


def test_an_alert_not_sent_to_me_cannot_be_marked_read(viewer, org):
    theirs = f.NotificationFactory(alert__organization=org, organization=org)

    assert viewer.post(page(f"notifications/{theirs.alert_id}/read/")).status_code == 404
