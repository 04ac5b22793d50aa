"""A viewer reads everything but cannot launch, edit or see secrets, in the browser too."""

import pytest
from playwright.sync_api import Page, expect

from procure.catalog.models import EvaluationAccess
from tests import factories as f

from .conftest import Role, log_in, member, unlabelled_controls

pytestmark = [pytest.mark.slow, pytest.mark.services]

SECRET = "sk-live-viewer-must-never-see-this"


def test_a_viewer_reads_but_cannot_launch_edit_or_see_secrets(page: Page, org, screenshots):
    member(org, Role.VIEWER, "victor")
    member(org, Role.ADMIN, "alice")
    profile = f.ProfileFactory(organization=org, name="Contract review")
    candidate = f.CandidateFactory(organization=org, name="Vendor model")
    access = EvaluationAccess(
        candidate=candidate, backend="local-completions", identity="vendor-model"
    )
    access.set_secret(SECRET)
    access.save()
    log_in(page, "victor")

    # Reading works, and offers no button to change anything.
    page.goto(f"/o/acme/profiles/{profile.pk}/")
    expect(page.get_by_role("heading", name="Contract review")).to_be_visible()
    expect(page.get_by_role("link", name="Edit profile")).to_have_count(0)
    expect(page.get_by_role("link", name="Launch a campaign")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_text("Members")).to_have_count(0)

    page.goto(f"/o/acme/catalog/{candidate.pk}/")
    expect(page.get_by_text("set", exact=True)).to_be_visible()  # the key's state, never the key
    expect(page.get_by_role("link", name="Evaluation access")).to_have_count(0)
    assert SECRET not in page.content()

    page.goto("/o/acme/catalog/")
    assert unlabelled_controls(page) == []
    expect(page.get_by_role("link", name="New candidate")).to_have_count(0)

    # Typing the addresses directly gives a clear 403 page naming who can help.
    for path in (
        "campaigns/new/",
        f"profiles/{profile.pk}/edit/",
        f"catalog/{candidate.pk}/access/",
        "suites/upload/",
    ):
        response = page.goto(f"/o/acme/{path}")
        assert response is not None and response.status == 403
        expect(page.get_by_text("This needs the editor role in Acme Legal")).to_be_visible()
        expect(page.get_by_text("ask an admin of Acme Legal: alice")).to_be_visible()
        assert SECRET not in page.content()
    page.screenshot(path=screenshots / "viewer-forbidden.png")

    # Another organisation's objects do not exist for this viewer.
    theirs = f.ProfileFactory(organization=f.OrganizationFactory(slug="rival"))
    assert page.goto(f"/o/acme/profiles/{theirs.pk}/").status == 404
    assert page.goto(f"/o/rival/profiles/{theirs.pk}/").status == 404
