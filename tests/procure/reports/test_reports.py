import re
import subprocess
from decimal import Decimal

import pytest

from procure.catalog.models import DeploymentOption
from procure.profiles.models import TaskProfile
from procure.reports.models import ImmutableSnapshot, ReportSnapshot
from procure.reports.rendering import render_html, render_pdf
from procure.reports.services import ReportNotReady, report_generate
from procure.reports.snapshot import content_hash
from procure.runs.models import CampaignStatus
from tests import factories as f
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(db) -> ReportSnapshot:
    org = f.OrganizationFactory(name="Acme Legal")
    campaign = finished_campaign(
        org, LEGAL_MARKET, allowed_regions=["eu"], monthly_requests=200_000, peak_rps=3.0
    )
    return report_generate(organization=org, campaign_id=campaign.pk)


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    return re.sub(r"\s+", " ", text)


def test_the_pdf_states_verdict_recommendation_costs_exclusions_and_hash(report, artifacts_dir):
    path = artifacts_dir / "report-legal.pdf"
    path.write_bytes(render_pdf(report))

    text = pdf_text(path)
    assert report.recommended == "LegalLM 7B"
    assert report.verdict.split(":")[0] in text
    assert "Recommended model LegalLM 7B" in text
    recommendation = report.snapshot["recommendation"]
    winner = next(c for c in recommendation["candidates"] if c["name"] == "LegalLM 7B")
    assert f"${winner['monthly_cost']:,.0f}" in text
    excluded = [c for c in recommendation["candidates"] if not c["eligible"]]
    assert [c["name"] for c in excluded] == ["Giant General"]
    assert "data must stay in EU" in excluded[0]["exclusions"][0]["message"]
    assert excluded[0]["exclusions"][0]["message"][:40] in text
    assert report.content_hash in re.sub(r"\s", "", text)


def test_page_one_rasterises(report, artifacts_dir):
    pdf = artifacts_dir / "report-page1.pdf"
    pdf.write_bytes(render_pdf(report))

    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(artifacts_dir / "report-page1")], check=True)  # fmt: skip

    png = artifacts_dir / "report-page1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000  # a page with text and a table, not a blank sheet


def test_later_edits_to_prices_and_profiles_leave_the_report_byte_identical(report):
    before = render_pdf(report)
    DeploymentOption.objects.filter(kind="self_hosted").update(hourly_rate=Decimal("99"))
    TaskProfile.objects.update(name="Renamed", allowed_regions=[], weight_cost=5)

    stored = ReportSnapshot.objects.get(pk=report.pk)

    assert render_pdf(stored) == before
    assert content_hash(stored.snapshot) == report.content_hash


def test_regenerating_makes_a_new_snapshot_that_sees_the_edits(report):
    DeploymentOption.objects.filter(kind="self_hosted").update(hourly_rate=Decimal("99"))

    again = report_generate(organization=report.organization, campaign_id=report.campaign_id)

    assert again.pk != report.pk
    assert again.content_hash != report.content_hash
    assert ReportSnapshot.objects.count() == 2


def test_a_snapshot_cannot_be_edited(report):
    report.title = "Edited"
    with pytest.raises(ImmutableSnapshot):
        report.save()


def test_the_html_page_has_vector_charts(report):
    html = render_html(report, standalone=False)

    assert html.count("<svg") >= 2
    assert "LegalLM 7B" in html


def test_a_running_campaign_has_no_report_yet():
    org = f.OrganizationFactory()
    campaign = f.CampaignFactory(organization=org, status=CampaignStatus.RUNNING)

    with pytest.raises(ReportNotReady, match="needs a finished campaign"):
        report_generate(organization=org, campaign_id=campaign.pk)


def test_how_sure_we_are_gives_the_same_p_value_as_the_verdict(report):
    import re

    from procure.reports.presentation import report_context

    context = report_context(report.snapshot, report.content_hash, report.title)
    in_verdict = re.findall(r"p [<=≤] [0-9.e-]+", report.verdict)

    assert in_verdict and in_verdict[0] in context["how_sure"]["detail"]


def test_a_price_in_another_currency_is_converted_at_the_recorded_rate_and_noted():
    org = f.OrganizationFactory()
    from datetime import date

    from procure.catalog.models import ExchangeRate

    campaign = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    euro = campaign.candidates.get(name="Euro General")
    before = report_generate(organization=org, campaign_id=campaign.pk)
    euro.deployment_options.update(currency="EUR")
    ExchangeRate.objects.create(
        organization=org, currency="EUR", rate=Decimal("2"), valid_on=date(2026, 1, 1)
    )

    after = report_generate(organization=org, campaign_id=campaign.pk)

    def cost(report):
        rows = report.snapshot["recommendation"]["candidates"]
        return next(c["monthly_cost"] for c in rows if c["name"] == "Euro General")

    assert cost(after) == pytest.approx(2 * cost(before))
    assert after.snapshot["currency"] == "USD"
    assert after.snapshot["currency_notes"] == [
        "Euro General — Euro General API: converted from EUR at 2 USD/EUR (rate of 2026-01-01)."
    ]


def test_without_a_rate_a_price_in_another_currency_is_left_out_and_said_so():
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    campaign.candidates.get(name="Euro General").deployment_options.update(currency="EUR")

    report = report_generate(organization=org, campaign_id=campaign.pk)

    rows = report.snapshot["recommendation"]["candidates"]
    euro = next(c for c in rows if c["name"] == "Euro General")
    assert euro["monthly_cost"] is None and not euro["eligible"]
    (note,) = report.snapshot["currency_notes"]
    assert note.startswith("Euro General — Euro General API left out: priced in EUR; no EUR→USD")
