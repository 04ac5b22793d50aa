"""The schedule, firing, alert and report-diff endpoints: roles, other organisations, bad input."""

from decimal import Decimal

import pytest

from procure.accounts.models import Role
from procure.reports.services import report_generate
from procure.schedules.models import Notification
from tests import factories as f
from tests.procure.api.conftest import errors, url
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

pytestmark = pytest.mark.django_db


def schedule_url(profile_id: int, rest: str = "") -> str:
    return url(f"profiles/{profile_id}/schedule/{rest}")


def test_put_creates_then_replaces_the_schedule(api, planned):
    watcher = f.MembershipFactory(organization=planned.organization, user__username="buyer")
    body = {
        "frequency": "custom",
        "crontab": "0 6 * * 1-5",
        "candidates": [planned.candidates[0].pk],
        "watchers": [watcher.user.username],
        "fit_threshold": 0.05,
    }

    created = api.put(schedule_url(planned.profile.pk), body, format="json")
    replaced = api.put(schedule_url(planned.profile.pk), {"frequency": "daily"}, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["watchers"] == ["buyer"]
    assert created.json()["candidates"] == [planned.candidates[0].pk]
    assert created.json()["next_run_at"] is not None
    assert replaced.status_code == 200
    shown = api.get(schedule_url(planned.profile.pk)).json()
    assert (shown["frequency"], shown["crontab"]) == ("daily", "0 2 * * *")
    assert (shown["candidates"], shown["watchers"], shown["fit_threshold"]) == ([], [], 0.02)


@pytest.mark.parametrize(
    ("body", "place", "words"),
    [
        ({"frequency": "custom", "crontab": "0 6 * * 8"}, "crontab", "day of the week"),
        ({"frequency": "custom"}, "crontab", "needs a crontab"),
        ({"frequency": "hourly"}, "frequency", "not a valid choice"),
        ({"frequency": "daily", "watchers": ["nobody"]}, "watchers", "No member named 'nobody'"),
        ({"frequency": "daily", "candidates": [10**12]}, "candidates", "No candidate with id"),
        ({"frequency": "daily", "cost_threshold": -1}, "cost_threshold", "greater than or equal"),
        ({"frequency": "daily", "every": "day"}, "every", "Unknown field"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(api, planned, body, place, words):
    response = api.put(schedule_url(planned.profile.pk), body, format="json")

    assert any(words in message for message in errors(response)[place]), response.json()
    assert api.get(schedule_url(planned.profile.pk)).status_code == 404


def test_viewers_read_and_editors_write(api_for, planned):
    editor, viewer = api_for(Role.EDITOR), api_for(Role.VIEWER)
    editor.put(schedule_url(planned.profile.pk), {"frequency": "weekly"}, format="json")

    assert viewer.get(schedule_url(planned.profile.pk)).status_code == 200
    assert viewer.get(schedule_url(planned.profile.pk, "firings/")).status_code == 200
    for response in (
        viewer.put(schedule_url(planned.profile.pk), {"frequency": "daily"}, format="json"),
        viewer.delete(schedule_url(planned.profile.pk)),
        viewer.post(schedule_url(planned.profile.pk, "run/")),
    ):
        assert response.status_code == 403
        assert "editor role" in response.json()["detail"]


def test_run_now_answers_with_the_firing_and_it_is_listed(api, planned):
    api.put(
        schedule_url(planned.profile.pk),
        {"frequency": "weekly", "candidates": [c.pk for c in planned.candidates]},
        format="json",
    )

    launched = api.post(schedule_url(planned.profile.pk, "run/"))
    skipped = api.post(schedule_url(planned.profile.pk, "run/"))

    assert launched.status_code == 201
    assert launched.json()["outcome"] == "launched"
    assert (launched.json()["runs_queued"], launched.json()["runs_reused"]) == (2, 0)
    assert skipped.json()["outcome"] == "skipped"
    assert "still running" in skipped.json()["reason"]
    listed = api.get(schedule_url(planned.profile.pk, "firings/")).json()
    assert [row["id"] for row in listed["results"]] == [skipped.json()["id"], launched.json()["id"]]
    assert listed["results"][1]["campaign"] == launched.json()["campaign"]


def test_delete_removes_the_schedule(api, planned):
    api.put(schedule_url(planned.profile.pk), {"frequency": "weekly"}, format="json")

    assert api.delete(schedule_url(planned.profile.pk)).status_code == 204
    assert api.get(schedule_url(planned.profile.pk)).status_code == 404
    assert api.post(schedule_url(planned.profile.pk, "run/")).status_code == 404


def test_another_organisations_schedule_alerts_and_reports_are_404(api, other_org):
    theirs = finished_campaign(other_org, LEGAL_MARKET)
    report = report_generate(organization=other_org, campaign_id=theirs.pk)
    f.ScheduleFactory(organization=other_org, profile=theirs.profile)
    alert = f.AlertFactory(organization=other_org)

    for response in (
        api.get(schedule_url(theirs.profile_id)),
        api.put(schedule_url(theirs.profile_id), {"frequency": "daily"}, format="json"),
        api.post(schedule_url(theirs.profile_id, "run/")),
        api.get(schedule_url(theirs.profile_id, "firings/")),
        api.get(url(f"alerts/{alert.pk}/")),
        api.post(url(f"alerts/{alert.pk}/read/")),
        api.get(url(f"reports/{report.pk}/diff/{report.pk}/")),
    ):
        assert response.status_code == 404
    assert api.get(url("alerts/")).json()["results"] == []


def test_alerts_say_whether_you_read_them_and_can_be_marked_read(api_for, org):
    me = f.MembershipFactory(organization=org, role=Role.VIEWER).user
    client = api_for(Role.VIEWER)
    client.force_authenticate(me)
    mine = f.NotificationFactory(alert__organization=org, organization=org, user=me).alert
    others = f.AlertFactory(organization=org)

    listed = {row["id"]: row["read"] for row in client.get(url("alerts/")).json()["results"]}
    unread = client.get(url("alerts/?unread=true")).json()["results"]

    assert listed == {mine.pk: False, others.pk: None}
    assert [row["id"] for row in unread] == [mine.pk]
    assert client.post(url(f"alerts/{mine.pk}/read/")).status_code == 204
    assert client.get(url(f"alerts/{mine.pk}/")).json()["read"] is True
    assert client.post(url(f"alerts/{others.pk}/read/")).status_code == 404
    assert Notification.objects.get().read_at is not None
    assert errors(client.get(url("alerts/?unread=yes")))["unread"]


def test_the_report_diff_names_a_price_change(api, org):
    campaign = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    before = report_generate(organization=org, campaign_id=campaign.pk)
    campaign.candidates.get(name="Giant General").deployment_options.update(
        output_price_per_mtok=Decimal("12.00")
    )
    after = report_generate(organization=org, campaign_id=campaign.pk)

    body = api.get(url(f"reports/{after.pk}/diff/{before.pk}/")).json()

    assert [c["message"] for c in body["changes"]] == [
        "Giant General API: output price $10.00 → $12.00 per 1M tokens"
    ]
    assert body["thresholds"] == {"fit": 0.02, "cost": 0.1}
    giant = next(row for row in body["candidates"] if row["name"] == "Giant General")
    assert giant["before"]["status"].startswith("excluded: ")
    assert api.get(url(f"reports/{after.pk}/diff/{after.pk}/")).json()["changes"] == []
