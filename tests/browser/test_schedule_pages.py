"""An editor schedules a profile in the browser; a watcher reads the alert, the side-by-side
diff and the history chart, and the header's unread count follows."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from procure.reports.services import report_generate
from procure.schedules.models import Notification, Schedule
from tests import factories as f
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

from .conftest import Role, log_in, member, unlabelled_controls

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_an_editor_schedules_a_profile_and_a_watcher_reads_what_changed(
    page: Page, org, screenshots
):
    editor = member(org, Role.EDITOR, "erin")
    campaign = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    profile = campaign.profile
    before = report_generate(organization=org, campaign_id=campaign.pk)
    campaign.candidates.get(name="LegalLM 7B").deployment_options.update(
        hourly_rate=Decimal("3.00")
    )
    after = report_generate(organization=org, campaign_id=campaign.pk)
    log_in(page, "erin")

    page.goto(f"/o/acme/profiles/{profile.pk}/")
    page.get_by_role("link", name="Set a schedule").click()
    page.get_by_label("Custom (a crontab expression, UTC)").check()
    page.get_by_role("textbox", name="Crontab").fill("0 25 * * 1-5")
    page.get_by_label("erin").check()
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_text("The hour field (2nd of 5) cannot be '25'")).to_be_visible()
    assert not Schedule.objects.exists()
    assert unlabelled_controls(page) == []

    page.get_by_role("textbox", name="Crontab").fill("0 6 * * 1-5")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_text("Saved the schedule")).to_be_visible()
    expect(page.get_by_text("Next run")).to_be_visible()
    page.screenshot(path=str(screenshots / "schedule.png"))
    schedule = Schedule.objects.get()
    assert list(schedule.watchers.all()) == [editor]

    # An alert as the comparison of the two reports would raise it.
    alert = f.AlertFactory(
        organization=org, profile=profile, report=after, previous_report=before,
        title="Contract review: LegalLM 7B on 1x L40S: hourly rate $1.20 → $3.00",
    )  # fmt: skip
    f.NotificationFactory(alert=alert, user=editor)
    page.goto("/o/acme/")
    alerts_link = page.locator("#nav-alerts")
    expect(alerts_link).to_contain_text("1 unread")
    alerts_link.click()
    page.get_by_role("link", name="See both reports side by side").click()
    expect(page.locator("#changes")).to_contain_text(
        "LegalLM 7B on 1x L40S: hourly rate $1.20 → $3.00 per instance-hour"
    )
    page.screenshot(path=str(screenshots / "report-diff.png"), full_page=True)

    page.goto("/o/acme/notifications/")
    page.get_by_role("button", name="Mark read").click()
    expect(page.locator("#nav-alerts")).not_to_contain_text("unread")
    assert Notification.objects.get().read_at is not None

    page.goto(f"/o/acme/profiles/{profile.pk}/history/")
    expect(page.locator("figure svg")).to_have_count(1)
    expect(page.locator("#history tbody tr")).to_have_count(2)
    page.screenshot(path=str(screenshots / "profile-history.png"), full_page=True)
