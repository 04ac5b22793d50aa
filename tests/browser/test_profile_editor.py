"""A non-engineer fills a task profile: a bad field is flagged next to it and nothing is lost."""

import pytest
from playwright.sync_api import Page, expect

from procure.profiles.models import TaskProfile
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, upload_dir

from .conftest import Role, log_in, member, unlabelled_controls

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_a_bad_field_is_flagged_next_to_it_and_every_other_value_is_kept(
    page: Page, org, screenshots
):
    member(org, Role.EDITOR, "erin")
    upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    f.CandidateFactory(organization=org, licence="Apache-2.0", vendor_jurisdiction="FR")
    log_in(page, "erin")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Task profiles").click()
    page.get_by_role("link", name="New task profile").click()
    assert unlabelled_controls(page) == []
    page.get_by_label("Name", exact=True).fill("Contract review")
    page.get_by_label("Field of work").fill("legal")
    page.get_by_label("Volume").fill("200000")
    page.get_by_label("Size of each request").fill("1500")
    page.get_by_label("Busiest moment").fill("-5")  # the one mistake
    page.get_by_label("Acceptable wait").fill("4000")
    page.get_by_role("group", name="Where may your data be processed?").get_by_label(
        "EU / EEA"
    ).check()
    page.get_by_label("Apache-2.0").check()
    page.get_by_label("Legal terms", exact=True).check()
    page.get_by_label("Weight of Legal terms").fill("2")
    page.get_by_label("Fit to your task").fill("60")
    page.get_by_label("Cost (points)").fill("30")
    page.get_by_label("Sovereignty (points)").fill("10")
    # The weights' meaning updates as the person types, before anything is sent.
    expect(page.locator("#weights-sentence")).to_have_text(
        "Fit counts 60%, cost 30%, sovereignty 10%."
    )
    page.get_by_role("button", name="Create profile").click()

    peak = page.get_by_label("Busiest moment")
    expect(peak).to_have_attribute("aria-invalid", "true")
    field = page.locator(".field", has=page.locator("#id_peak_rps"))
    expect(field.locator(".errorlist")).to_have_text(
        "Ensure this value is greater than or equal to 0.01."
    )
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Contract review")
    expect(page.get_by_label("Volume")).to_have_value("200000")
    expect(page.get_by_label("Acceptable wait")).to_have_value("4000")
    expect(page.get_by_label("EU / EEA").first).to_be_checked()
    expect(page.get_by_label("Apache-2.0")).to_be_checked()
    expect(page.get_by_label("Legal terms", exact=True)).to_be_checked()
    expect(page.get_by_label("Weight of Legal terms")).to_have_value("2")
    expect(page.locator("#weights-sentence")).to_have_text(
        "Fit counts 60%, cost 30%, sovereignty 10%."
    )
    assert not TaskProfile.objects.exists()
    field.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "profile-form.png", full_page=True)

    peak.fill("3")
    page.get_by_role("button", name="Create profile").click()

    expect(page.get_by_role("heading", name="Contract review")).to_be_visible()
    expect(page.get_by_text("3 requests per second")).to_be_visible()
    profile = TaskProfile.objects.get()
    assert profile.allowed_regions == ["eu"] and profile.allowed_licences == ["Apache-2.0"]
    assert profile.suite_weights.get().weight == 2
