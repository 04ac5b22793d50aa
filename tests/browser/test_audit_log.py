"""An admin changes a profile, then finds the change in the audit log and filters it."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f

from .conftest import Role, log_in, member, unlabelled_controls

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_an_admin_finds_a_change_in_the_audit_log_and_filters_it(page: Page, org, screenshots):
    member(org, Role.ADMIN, "alice")
    profile = f.ProfileFactory(
        organization=org, name="Contract review", weight_fit=50, weight_cost=30,
        weight_sovereignty=20,
    )  # fmt: skip
    f.AuditEventFactory(organization=org, actor="bob", action="candidate.deleted",
                        object_type="candidate", object_repr="Old model", changes={})  # fmt: skip
    log_in(page, "alice")

    page.goto(f"/o/acme/profiles/{profile.pk}/edit/")
    page.get_by_label("Busiest moment").fill("7")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved the profile")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("alice")
    expect(rows.first).to_contain_text("Profile changed")
    expect(rows.first).to_contain_text("peak_rps")
    assert unlabelled_controls(page) == []
    page.screenshot(path=screenshots / "audit-log.png", full_page=True)

    page.get_by_label("Action").select_option("candidate.deleted")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Old model")
