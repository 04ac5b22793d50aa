"""A buyer answers "which is the cheapest model I may use for this profile?" on the catalog."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f

from .conftest import Role, log_in, member

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_the_cheapest_eligible_model_for_a_profile_is_read_from_the_catalog(
    page: Page, org, screenshots
):
    member(org, Role.VIEWER, "bea")
    f.ProfileFactory(
        organization=org, name="EU contracts", monthly_requests=100_000, input_tokens=1000,
        output_tokens=200, peak_rps=1.0, allowed_regions=["eu"], open_weights_required=True,
    )  # fmt: skip
    # The cheapest overall is a US API (excluded), then a closed EU API (excluded).
    for name, regions, price, open_weights in [
        ("Cheap US", ["us"], "0.10", True),
        ("Closed EU", ["eu"], "0.20", False),
        ("Open EU large", ["eu"], "3.00", True),
        ("Open EU small", ["eu"], "0.50", True),
    ]:
        candidate = f.CandidateFactory(organization=org, name=name, open_weights=open_weights)
        f.ApiOptionFactory(
            candidate=candidate,
            regions=regions,
            input_price_per_mtok=Decimal(price),
            output_price_per_mtok=Decimal(price),
        )
    log_in(page, "bea")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.get_by_label("For task profile").select_option(label="EU contracts")
    page.get_by_label("Sort by").select_option(label="Monthly cost")
    page.get_by_role("button", name="Apply").click()

    rows = page.locator("#offers tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Cheap US")
    expect(rows.nth(0)).to_contain_text("data must stay in EU")
    expect(rows.nth(1)).to_contain_text("open weights required")
    cheapest_eligible = page.locator("#offers tbody tr[data-eligible=yes]").first
    expect(cheapest_eligible).to_contain_text("Open EU small")
    expect(cheapest_eligible).to_contain_text("$60.00")  # 100k × 1,200 tokens × $0.50 / 1M

    page.get_by_label("Only models the profile allows").check()
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Open EU small")

    page.get_by_label("Compare Open EU small").check()
    page.get_by_label("Compare Open EU large").check()
    page.get_by_role("button", name="Compare 2–4 ticked").click()
    table = page.locator("#comparison")
    expect(table.locator("thead th").nth(1)).to_have_text("Open EU small")
    expect(table).to_contain_text("$360")
    page.screenshot(path=str(screenshots / "catalog-compare.png"), full_page=True)
