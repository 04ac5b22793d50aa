"""Page 1 and the quality-against-cost chart for the three verdict shapes (clear win, tie,
none eligible), and a bar that only cautions: rendered as HTML (1440 px wide, Chromium), as
PDF (page 1 rasterised by pdftoppm), and checked for what a committee would sign.

The PNGs are written to var/test-artifacts/ to be looked at by eye.
"""

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from procure.reports.models import ReportSnapshot
from procure.reports.rendering import render_html, render_pdf
from procure.reports.services import report_generate
from tests import factories as f
from tests.support.reportkit import LEGAL_MARKET, Offer, finished_campaign

pytestmark = pytest.mark.django_db

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TWINS = [
    Offer("Alpha General", "general", {"Clauses": 0.72, "Terms": 0.70}, api=("eu", 1.0, 3.0)),
    Offer("Beta Legal", "legal", {"Clauses": 0.74, "Terms": 0.72}, api=("eu", 1.1, 3.3)),
]
SHAPES = {
    "clear": (LEGAL_MARKET, {"allowed_regions": ["eu"], "monthly_budget": 5000}),
    "tie": (TWINS, {"allowed_regions": ["eu"], "weight_fit": 8, "weight_cost": 1}),
    "none": (LEGAL_MARKET, {"quality_bar": 0.95, "exclude_below_bar": True}),
    "below-bar": (LEGAL_MARKET, {"allowed_regions": ["eu"], "quality_bar": 0.9}),
}


def shape_report(name: str) -> ReportSnapshot:
    offers, fields = SHAPES[name]
    org = f.OrganizationFactory(name=f"Acme {name}")
    campaign = finished_campaign(org, offers, monthly_requests=200_000, peak_rps=3.0, **fields)
    return report_generate(organization=org, campaign_id=campaign.pk)


def page_one_text(report: ReportSnapshot, path: Path) -> str:
    path.write_bytes(render_pdf(report))
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    return re.sub(r"\s+", " ", text)


def screenshots(report: ReportSnapshot, name: str, artifacts: Path) -> None:
    html = render_html(report)
    pdf = artifacts / f"verdict-{name}.pdf"
    pdf.write_bytes(render_pdf(report))
    target = artifacts / f"verdict-{name}-pdf-page1"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(target)], check=True)  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.set_content(html)
        page.screenshot(path=str(artifacts / f"verdict-{name}-html-page1.png"))
        page.locator(".chart").first.screenshot(path=str(artifacts / f"verdict-{name}-chart.png"))
        browser.close()
    for suffix in ("pdf-page1", "html-page1", "chart"):
        png = artifacts / f"verdict-{name}-{suffix}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5_000


@pytest.fixture
def _async_unsafe(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM is done by then.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.usefixtures("_async_unsafe")
@pytest.mark.parametrize("name", ["clear", "tie", "none"])
def test_the_three_verdict_shapes_render_page_one_and_the_chart(name, artifacts_dir):
    report = shape_report(name)
    verdict = report.snapshot["recommendation"]["verdict"]
    text = page_one_text(report, artifacts_dir / f"verdict-{name}.pdf")
    html = render_html(report, standalone=False)
    # The bottom line reads the same in the page, the PDF and the snapshot the API serves.
    assert verdict["certainty_label"] in text and verdict["certainty_label"] in html
    if name == "clear":
        assert verdict["decided_on"] == "fit_and_weights" and verdict["certainty"] == "clear"
        assert text.count("Buy LegalLM 7B") == 1
        assert "Budget and latency Monthly budget: met by Euro General, LegalLM 7B" in text
    elif name == "tie":
        assert verdict["decided_on"] == "cost_and_sovereignty"
        assert verdict["recommended_id"] == str(
            next(c["id"] for c in report.snapshot["candidates"] if c["name"] == "Alpha General")
        )
        assert "not distinguishable on fit" in text and "tie-break" in text
        assert "What your suites can detect" in text
    else:
        assert verdict["recommended_id"] is None
        assert "No candidate meets your requirements. The nearest miss is LegalLM 7B" in text
        assert "Buy" not in text
    screenshots(report, name, artifacts_dir)


@pytest.mark.usefixtures("_async_unsafe")
def test_a_best_model_below_a_cautioning_bar_is_never_bought_on_page_one(artifacts_dir):
    report = shape_report("below-bar")
    text = page_one_text(report, artifacts_dir / "verdict-below-bar.pdf")
    screenshots(report, "below-bar", artifacts_dir)

    assert "Buy" not in text
    assert "No candidate reaches your quality bar of 90.0%" in text
    assert text.index("No candidate reaches your quality bar") < text.index("How sure we are")
    assert "Among candidates that all miss your quality bar:" in text
    assert "Best available (below" in text and "Recommended model" not in text


def test_the_api_gives_the_same_bottom_line(artifacts_dir):
    from procure.api.reports import ReportOutputSerializer

    report = shape_report("clear")
    assert ReportOutputSerializer(report).data["how_sure"] == "Clear"
