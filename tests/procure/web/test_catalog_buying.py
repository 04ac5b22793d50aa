"""The catalog priced for a profile or a typed workload: cost, eligibility, sort, filters,
comparison, currencies."""

from datetime import date
from decimal import Decimal

import pytest

from tests import factories as f

from .conftest import page, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(org):
    """An EU contract-review profile and three candidates: a cheap US API, a pricier EU API,
    and a self-hosted EU model."""
    profile = f.ProfileFactory(
        organization=org,
        name="EU contracts",
        monthly_requests=100_000,
        input_tokens=1000,
        output_tokens=200,
        peak_rps=1.0,
        allowed_regions=["eu"],
    )
    cheap_us = f.CandidateFactory(organization=org, name="Cheap US", context_window=128_000)
    f.ApiOptionFactory(candidate=cheap_us, regions=["us"], input_price_per_mtok=Decimal("0.10"),
                       output_price_per_mtok=Decimal("0.40"))  # fmt: skip
    eu_api = f.CandidateFactory(organization=org, name="Euro API", context_window=32_000)
    f.ApiOptionFactory(candidate=eu_api, regions=["eu"], input_price_per_mtok=Decimal("2.00"),
                       output_price_per_mtok=Decimal("6.00"))  # fmt: skip
    hosted = f.CandidateFactory(organization=org, name="Hosted EU", context_window=None)
    f.SelfHostedOptionFactory(candidate=hosted, regions=["eu"], hourly_rate=Decimal("1.00"),
                              fixed_monthly_ops=Decimal("0"))  # fmt: skip
    return profile, cheap_us, eu_api, hosted


def offers(response):
    return [(o.candidate.name, o.monthly_cost, o.eligible) for o in response.context["offers"]]


def test_a_profile_prices_each_candidate_and_says_why_one_is_excluded(editor, market):
    profile, *_ = market

    response = editor.get(page(f"catalog/?buy-profile={profile.pk}"))

    # 100k × (1000 × 0.10 + 200 × 0.40) / 1M = 18; 100k × (1000 × 2 + 200 × 6) / 1M = 320;
    # one instance × 1.00 × 730 h = 730.
    assert offers(response) == [
        ("Cheap US", pytest.approx(18.0), False),
        ("Euro API", pytest.approx(320.0), True),
        ("Hosted EU", pytest.approx(730.0), True),
    ]
    body = text(response)
    assert "data must stay in EU (eu); offered only in us" in body
    assert "$18.00" in body and "$320" in body and "$730" in body
    assert "128,000" in body


def test_sorting_by_name_and_filters_combine(editor, market):
    profile, *_ = market
    query = f"buy-profile={profile.pk}&buy-sort=name&buy-eligible_only=on&buy-min_context=30000"

    response = editor.get(page(f"catalog/?{query}"))

    assert [name for name, *_ in offers(response)] == ["Euro API"]


def test_a_typed_workload_prices_without_rules(editor, market):
    query = "buy-monthly_requests=1000&buy-input_tokens=1000&buy-output_tokens=0&buy-peak_rps=1"

    response = editor.get(page(f"catalog/?{query}"))

    assert offers(response)[0] == ("Cheap US", pytest.approx(0.1), True)
    assert all(eligible for *_, eligible in offers(response))


def test_a_half_typed_workload_is_refused_with_a_message(editor, market):
    response = editor.get(page("catalog/?buy-monthly_requests=1000"))

    assert response.status_code == 200
    assert response.context["offers"] is None
    assert "A typed workload needs requests per month, input and output tokens." in text(response)


def test_two_to_four_candidates_compare_side_by_side(editor, market):
    profile, cheap_us, _eu_api, hosted = market

    response = editor.get(
        page(f"catalog/compare/?profile={profile.pk}&ids={hosted.pk}&ids={cheap_us.pk}")
    )

    assert response.status_code == 200
    assert [c.name for c, _ in response.context["columns"]] == ["Cheap US", "Hosted EU"]
    body = text(response)
    assert "excluded" in body and "Apache-2.0" in body


def test_comparing_one_or_five_candidates_says_how_many_are_needed(editor, market, org):
    _, cheap_us, *_ = market
    others = [f.CandidateFactory(organization=org).pk for _ in range(4)]

    one = editor.get(page(f"catalog/compare/?ids={cheap_us.pk}"))
    five = editor.get(
        page("catalog/compare/?" + "&".join(f"ids={i}" for i in [*others, cheap_us.pk]))
    )
    junk = editor.get(page("catalog/compare/?ids=abc"))

    assert "Tick between 2 and 4 candidates" in text(one) and "(1 found)" in text(one)
    assert "(5 found)" in text(five)
    assert "must be given by their ids" in text(junk)
    assert one.context["columns"] == five.context["columns"] == []


def test_another_organisations_candidate_cannot_be_compared(editor, market, other_org):
    _, cheap_us, *_ = market
    foreign = f.CandidateFactory(organization=other_org, name="Foreign")

    response = editor.get(page(f"catalog/compare/?ids={cheap_us.pk}&ids={foreign.pk}"))

    assert "(1 found)" in text(response) and "Foreign" not in text(response)


def test_a_price_in_another_currency_is_converted_with_the_rate_shown(editor, market, org):
    from procure.catalog.models import ExchangeRate

    profile, _, eu_api, _ = market
    eu_api.deployment_options.update(currency="EUR")
    ExchangeRate.objects.create(
        organization=org, currency="EUR", rate=Decimal("1.10"), valid_on=date(2026, 11, 30)
    )

    response = editor.get(page(f"catalog/?buy-profile={profile.pk}"))

    euro = next(o for o in response.context["offers"] if o.candidate == eu_api)
    assert euro.monthly_cost == pytest.approx(352.0)  # 320 EUR × 1.10
    assert "converted from EUR at 1.1 USD/EUR (rate of 2026-11-30)" in text(response)


def test_without_a_rate_another_currency_is_refused_not_added(editor, market):
    profile, _, eu_api, _ = market
    eu_api.deployment_options.update(currency="EUR")

    response = editor.get(page(f"catalog/?buy-profile={profile.pk}"))

    euro = next(o for o in response.context["offers"] if o.candidate == eu_api)
    assert euro.monthly_cost is None
    assert [o.candidate.name for o in response.context["offers"]][-1] == "Euro API"
    assert "no EUR→USD exchange rate is recorded" in text(response)
