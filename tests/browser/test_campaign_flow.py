"""An editor launches a campaign on real tiny models with a real worker, watches it run, reads
the report and downloads the PDF."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from procure.catalog.models import DeploymentOption
from tests.support.evalkit import (
    hf_candidate,
    profile_with,
    synthetic_suite,
    tiny_checkpoint,
    upload_dir,
)
from tests.support.waiting import wait_for

from .conftest import Role, log_in, member

pytestmark = [pytest.mark.slow, pytest.mark.services]

# Enough items that a run takes a few seconds on a tiny model: progress is seen moving.
ITEMS = 400
RUN_DONE_SUM = """() => [...document.querySelectorAll('tr.run')]
    .reduce((sum, row) => sum + Number(row.dataset.done), 0)"""


def offer(candidate, rate: str) -> None:
    DeploymentOption.objects.create(
        candidate=candidate,
        kind="self_hosted",
        name="1x L4 (eu-central-1)",
        regions=["eu"],
        hourly_rate=Decimal(rate),
        throughput_rps=5,
        fixed_monthly_ops=Decimal(300),
    )


def test_launch_watch_progress_open_the_report_and_download_the_pdf(
    page: Page, org, celery_worker, screenshots, tmp_path: Path
):
    member(org, Role.EDITOR, "erin")
    version = upload_dir(org, "Contract clauses", synthetic_suite(tmp_path / "suite", items=ITEMS))
    specialist = hf_candidate(org, "Tiny legal", tiny_checkpoint(seed=0), specialisation="legal")
    generalist = hf_candidate(org, "Tiny general", tiny_checkpoint(seed=1))
    offer(specialist, "1.01")
    offer(generalist, "0.80")
    profile = profile_with(org, "Contract review", [version])
    log_in(page, "erin")

    page.goto(f"/o/acme/profiles/{profile.pk}/")
    page.get_by_role("link", name="Launch a campaign").first.click()
    # Both testable candidates are ticked: the estimate says what will run before it does.
    expect(page.locator("#runs-to-queue")).to_have_text("2")
    expect(page.locator("#items")).to_have_text(f"{2 * ITEMS:,}")
    # Changing the choice updates the estimate in place (htmx), before anything runs.
    page.get_by_label("Tiny general").uncheck()
    expect(page.locator("#runs-to-queue")).to_have_text("1")
    page.get_by_label("Tiny general").check()
    expect(page.locator("#runs-to-queue")).to_have_text("2")
    page.get_by_role("button", name="Launch campaign").click()

    expect(page.get_by_text("Evaluating…")).to_be_visible()
    # Progress moves while we watch: a run seen running, then more requests done on a later poll.
    page.wait_for_selector("tr.run[data-status=running]", timeout=60_000)
    first = page.evaluate(RUN_DONE_SUM)
    # Polled from here: wait_for_function evaluates a string in the page, which the
    # Content-Security-Policy rightly refuses (no 'unsafe-eval').
    wait_for(lambda: page.evaluate(RUN_DONE_SUM) > first, timeout=60)
    expect(page.locator("tr.run .done-count").first).to_contain_text("/")
    page.screenshot(path=screenshots / "campaign-progress.png", full_page=True)

    # The worker writes the report when the last run finishes; the page links to it.
    page.locator("#open-report").click(timeout=120_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contract review: which model to buy")
    expect(page.locator(".report .verdict")).not_to_be_empty()
    expect(page.locator(".report .chart svg").first).to_be_visible()
    page.screenshot(path=screenshots / "report.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF")
