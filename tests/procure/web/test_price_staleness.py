"""Prices older than CATALOG_PRICE_STALE_DAYS are flagged, with their date, wherever shown."""

from datetime import timedelta

import pytest
from django.utils import timezone

from procure.reports.services import report_generate
from tests import factories as f
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

from .conftest import page, text
from .test_campaigns import setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.localdate() - timedelta(days=days)


def test_the_catalog_list_flags_an_old_price_with_its_date(editor, org):
    old = f.CandidateFactory(organization=org, name="Old")
    f.ApiOptionFactory(candidate=old, price_date=days_ago(120))
    fresh = f.CandidateFactory(organization=org, name="Fresh")
    f.ApiOptionFactory(candidate=fresh, price_date=days_ago(10))

    body = text(editor.get(page("catalog/")))

    assert f"stale: prices of {days_ago(120).isoformat()} (120 days old)" in body
    assert f"prices of {days_ago(10).isoformat()} (10 days old)" in body
    assert body.count("price-stale") == 1


def test_the_limit_is_a_setting(editor, org, settings):
    settings.CATALOG_PRICE_STALE_DAYS = 5
    candidate = f.CandidateFactory(organization=org)
    f.ApiOptionFactory(candidate=candidate, price_date=days_ago(10))

    assert "stale: prices of" in text(editor.get(page("catalog/")))


def test_the_candidate_page_flags_each_old_option_and_the_candidate(editor, org):
    candidate = f.CandidateFactory(organization=org, prices_as_of=None)
    f.ApiOptionFactory(candidate=candidate, name="Fresh API", price_date=days_ago(1))
    f.SelfHostedOptionFactory(candidate=candidate, price_date=days_ago(400))

    body = text(editor.get(page(f"catalog/{candidate.pk}/")))

    assert f"stale: prices of {days_ago(400).isoformat()} (400 days old)" in body
    assert body.count("price-stale") == 2  # the candidate's date is its oldest option's


def test_undated_prices_are_flagged_too(editor, org):
    candidate = f.CandidateFactory(organization=org, prices_as_of=None)
    f.ApiOptionFactory(candidate=candidate, price_date=None)

    assert "stale: undated prices" in text(editor.get(page("catalog/")))


def test_the_campaign_estimate_warns_about_old_prices(editor, setup):  # noqa: F811
    profile, models, _ = setup
    f.ApiOptionFactory(candidate=models[0], price_date=days_ago(200))
    f.ApiOptionFactory(candidate=models[1], price_date=days_ago(3))

    response = editor.post(
        page("campaigns/estimate/"),
        {"profile": profile.pk, "candidates": [m.pk for m in models]},
    )

    body = text(response)
    assert f"Tiny legal: prices of {days_ago(200).isoformat()} (200 days old)" in body
    assert "Tiny general: prices of" not in body


def test_the_report_flags_prices_that_were_old_when_it_was_written(viewer, org):
    campaign = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    campaign.candidates.get(name="Euro General").deployment_options.update(
        price_date=days_ago(150), price_reference="https://example.com/prices"
    )
    report = report_generate(organization=org, campaign_id=campaign.pk)

    body = text(viewer.get(page(f"reports/{report.pk}/")))

    assert f'{days_ago(150).isoformat()} <strong class="price-stale">stale: 150 days old' in body
    assert "https://example.com/prices" in body
