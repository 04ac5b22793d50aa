import pytest

from procure.reports.models import ReportSnapshot
from procure.runs.models import CampaignStatus
from tests import factories as f

from .conftest import errors, url

pytestmark = pytest.mark.django_db

reportkit = pytest.importorskip("tests.support.reportkit", reason="the report work has not landed")


@pytest.fixture
def campaign(org):
    return reportkit.finished_campaign(org, reportkit.LEGAL_MARKET, allowed_regions=["eu"])


def test_an_editor_generates_a_report_and_everyone_reads_it(api, viewer_api, campaign):
    response = api.post(url("reports/"), {"campaign": campaign.pk}, format="json")

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["campaign"] == campaign.pk
    assert report["verdict"] and report["snapshot"]
    listed = viewer_api.get(url(f"reports/?campaign={campaign.pk}")).json()
    assert [r["id"] for r in listed["results"]] == [report["id"]]
    assert "snapshot" not in listed["results"][0]
    detail = viewer_api.get(url(f"reports/{report['id']}/")).json()
    assert detail["snapshot"] == report["snapshot"]
    assert detail["content_hash"] == report["content_hash"]


def test_regenerating_makes_a_new_snapshot(api, campaign):
    first = api.post(url("reports/"), {"campaign": campaign.pk}, format="json").json()
    second = api.post(url("reports/"), {"campaign": campaign.pk}, format="json").json()

    assert first["id"] != second["id"]
    assert ReportSnapshot.objects.filter(campaign=campaign).count() == 2


def test_the_pdf_downloads_as_a_pdf(api, viewer_api, campaign):
    report = api.post(url("reports/"), {"campaign": campaign.pk}, format="json").json()

    response = viewer_api.get(url(f"reports/{report['id']}/pdf/"), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"report-{report['id']}.pdf" in response["Content-Disposition"]


def test_pdf_errors_are_json_even_when_a_pdf_was_asked_for(viewer_api):
    response = viewer_api.get(url("reports/999/pdf/"), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_running_campaign_has_no_report_yet(api, org):
    running = f.CampaignFactory(organization=org, status=CampaignStatus.RUNNING)

    response = api.post(url("reports/"), {"campaign": running.pk}, format="json")

    assert response.status_code == 409
    assert "needs a finished campaign" in response.json()["detail"]


@pytest.mark.parametrize(
    "body", [{}, {"campaign": "x"}, {"campaign": 10**40}, {"campaign": 1, "x": 1}]
)
def test_bad_generate_input_is_a_field_error(api, body):
    assert errors(api.post(url("reports/"), body, format="json"))


def test_another_organisations_campaign_and_reports_are_not_found(api, viewer_api):
    foreign = f.ReportFactory()

    assert (
        api.post(url("reports/"), {"campaign": f.CampaignFactory().pk}, format="json").status_code
        == 404
    )
    assert viewer_api.get(url(f"reports/{foreign.pk}/")).status_code == 404
    assert viewer_api.get(url(f"reports/{foreign.pk}/pdf/")).status_code == 404


def test_the_list_filters_and_stays_a_few_queries(viewer_api, org, django_assert_max_num_queries):
    campaign = f.CampaignFactory(organization=org)
    for _ in range(8):
        f.ReportFactory(organization=org, campaign=campaign)
    f.ReportFactory(organization=org)

    with django_assert_max_num_queries(5):
        body = viewer_api.get(url(f"reports/?campaign={campaign.pk}")).json()

    assert body["count"] == 8


def test_filtering_by_another_organisations_campaign_reads_like_no_campaign(viewer_api):
    foreign = f.ReportFactory(campaign=f.CampaignFactory())

    for campaign_id in (foreign.campaign_id, 10**12):
        response = viewer_api.get(url(f"reports/?campaign={campaign_id}"))
        assert response.status_code == 200
        assert response.json()["count"] == 0
