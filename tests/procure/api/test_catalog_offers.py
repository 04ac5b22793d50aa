"""GET candidates/offers/: the catalog page's costs and eligibility, as JSON."""

from decimal import Decimal

import pytest

from tests import factories as f

from .conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(org):
    profile = f.ProfileFactory(
        organization=org, monthly_requests=100_000, input_tokens=1000, output_tokens=200,
        peak_rps=1.0, allowed_regions=["eu"],
    )  # fmt: skip
    us = f.CandidateFactory(organization=org, name="Cheap US", context_window=128_000)
    f.ApiOptionFactory(candidate=us, regions=["us"], input_price_per_mtok=Decimal("0.10"),
                       output_price_per_mtok=Decimal("0.40"))  # fmt: skip
    eu = f.CandidateFactory(organization=org, name="Euro API", context_window=32_000)
    f.ApiOptionFactory(candidate=eu, regions=["eu"], input_price_per_mtok=Decimal("2.00"),
                       output_price_per_mtok=Decimal("6.00"))  # fmt: skip
    return profile


def test_a_viewer_gets_each_candidates_cost_and_eligibility_for_a_profile(viewer_api, market):
    response = viewer_api.get(url(f"candidates/offers/?profile={market.pk}"))

    assert response.status_code == 200
    rows = response.json()
    assert [(r["candidate"]["name"], r["eligible"]) for r in rows] == [
        ("Cheap US", False),
        ("Euro API", True),
    ]
    assert rows[0]["monthly_cost"] == pytest.approx(18.0) and rows[0]["currency"] == "USD"
    assert rows[0]["reasons"] == ["data must stay in EU (eu); offered only in us"]
    assert rows[1]["candidate"]["context_window"] == 32_000


def test_filters_and_sorting_combine(viewer_api, market):
    query = f"profile={market.pk}&eligible_only=true&sort=name&min_context=1000"

    rows = viewer_api.get(url(f"candidates/offers/?{query}")).json()

    assert [r["candidate"]["name"] for r in rows] == ["Euro API"]


def test_a_typed_workload_needs_all_three_numbers(viewer_api, market):
    response = viewer_api.get(url("candidates/offers/?monthly_requests=10"))

    assert response.status_code == 400
    assert "monthly_requests, input_tokens and output_tokens" in response.content.decode()


def test_another_organisations_profile_is_not_found(viewer_api, market, org):
    other = f.ProfileFactory()

    response = viewer_api.get(url(f"candidates/offers/?profile={other.pk}"))

    assert response.status_code == 404


def test_without_a_profile_or_workload_the_catalog_is_listed_unpriced(viewer_api, market):
    rows = viewer_api.get(url("candidates/offers/?sort=name")).json()

    assert [(r["candidate"]["name"], r["monthly_cost"], r["eligible"]) for r in rows] == [
        ("Cheap US", None, True),
        ("Euro API", None, True),
    ]
