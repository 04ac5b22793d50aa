"""Report pages: the report with its charts inside the layout, history, PDF; isolation."""

import pytest

from procure.accounts.models import Role
from procure.reports.services import report_generate
from tests import factories as f
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

from .conftest import page, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(org):
    campaign = finished_campaign(org, LEGAL_MARKET, items=60, allowed_regions=["eu"])
    return report_generate(organization=org, campaign_id=campaign.pk)


def test_the_report_page_shows_the_verdict_and_charts_in_the_layout(viewer, report):
    body = text(viewer.get(page(f"reports/{report.pk}/")))

    assert report.verdict.split(":")[0] in body
    assert body.count("<svg") >= 2  # quality-against-cost and per-criterion charts
    assert ".report .verdict" in body  # the report's own styles are included
    assert 'aria-current="page"' in body and "Download PDF" in body


def test_the_pdf_downloads_as_a_pdf(viewer, report):
    response = viewer.get(page(f"reports/{report.pk}/pdf/"))

    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_the_history_lists_reports_of_one_profile(viewer, org, report):
    other = f.ReportFactory(organization=org, profile=f.ProfileFactory(organization=org))

    listed = viewer.get(page(f"reports/?profile={report.profile_id}")).context["reports"]
    everything = viewer.get(page("reports/")).context["reports"]

    assert list(listed) == [report]
    assert set(everything) == {report, other}


def test_another_organisations_report_is_404(client_for, other_org):
    theirs = f.ReportFactory(organization=other_org)
    admin = client_for(Role.ADMIN)

    assert admin.get(page(f"reports/{theirs.pk}/")).status_code == 404
    assert admin.get(page(f"reports/{theirs.pk}/pdf/")).status_code == 404
    # Another organisation's profile id as a filter shows nothing, not their reports.
    theirs_listed = admin.get(page(f"reports/?profile={theirs.profile_id}")).context["reports"]
    assert theirs not in list(theirs_listed)


def test_the_list_takes_a_fixed_number_of_queries(viewer, org, django_assert_max_num_queries):
    for _ in range(10):
        profile = f.ProfileFactory(organization=org)
        f.ReportFactory(organization=org, profile=profile, campaign=f.CampaignFactory(
            organization=org, profile=profile))  # fmt: skip

    with django_assert_max_num_queries(6):
        response = viewer.get(page("reports/"))

    assert text(response).count('class="row-title"') == 10
