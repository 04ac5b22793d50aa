"""compare_snapshots: which differences between two report snapshots a buyer hears about.

The base snapshot is a real one (decided by the engine on reportkit's legal market); each test
changes what a later snapshot would say and checks the changes named, and that nothing else is.
"""

import copy
from decimal import Decimal

import pytest
from django.db import transaction

from procure.catalog.models import DeploymentOption
from procure.reports.services import report_generate
from procure.schedules.drift import Thresholds, compare_snapshots, format_money
from tests import factories as f
from tests.support.reportkit import LEGAL_MARKET, finished_campaign


@pytest.fixture(scope="module")
def snapshot(django_db_setup, django_db_blocker) -> dict:
    # Built once for the module, in a transaction that is rolled back: nothing stays behind.
    with django_db_blocker.unblock(), transaction.atomic():
        org = f.OrganizationFactory()
        campaign = finished_campaign(
            org, LEGAL_MARKET, allowed_regions=["eu"], monthly_requests=200_000, peak_rps=3.0
        )
        snapshot = report_generate(organization=org, campaign_id=campaign.pk).snapshot
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture
def later(snapshot) -> dict:
    """A copy to edit into "the next report"."""
    return copy.deepcopy(snapshot)


def candidate(snap: dict, name: str) -> dict:
    return next(c for c in snap["recommendation"]["candidates"] if c["name"] == name)


def messages(before: dict, after: dict, **limits: float) -> list[str]:
    return [c.message for c in compare_snapshots(before, after, Thresholds(**limits))]


def test_the_same_evidence_decided_again_is_no_change(snapshot, later):
    later["generated_at"] = "2030-01-01T00:00:00+00:00"
    later["campaign"]["id"] = 999
    for run in later["runs"]:
        run["id"] += 1000

    assert compare_snapshots(snapshot, later) == []


def test_a_new_revision_of_a_candidate_is_named_with_both_revisions(snapshot, later):
    for run in later["runs"]:
        if run["candidate"] == "LegalLM 7B":
            run["model"]["revision"] = "v2"

    assert messages(snapshot, later) == ["LegalLM 7B: revision v1 → v2"]


def test_new_weights_under_the_same_name_and_revision_are_named(snapshot, later):
    before = copy.deepcopy(snapshot)
    for snap, digest in ((before, "a" * 64), (later, "b" * 64)):
        for run in snap["runs"]:
            if run["candidate"] == "LegalLM 7B":
                run["model"]["checkpoint_digest"] = digest

    assert messages(before, later) == [
        "LegalLM 7B: the weights changed under the same name "
        "(checkpoint aaaaaaaaaaaa → bbbbbbbbbbbb)"
    ]


@pytest.mark.django_db
def test_a_price_change_in_the_catalog_is_named_with_both_prices():
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    before = report_generate(organization=org, campaign_id=campaign.pk).snapshot
    DeploymentOption.objects.filter(name="Giant General API").update(
        input_price_per_mtok=Decimal("3.00")
    )

    after = report_generate(organization=org, campaign_id=campaign.pk).snapshot

    # Giant General is excluded (its data leaves the EU), so its cost moves nothing else.
    assert messages(before, after) == ["Giant General API: input price $2.50 → $3.00 per 1M tokens"]


def test_a_self_hosted_rate_names_the_candidate_and_the_option(snapshot, later):
    option = next(c for c in later["candidates"] if c["name"] == "LegalLM 7B")["options"][0]
    option["hourly_rate"] = "1.5000"

    found = messages(snapshot, later, cost=10.0)  # the cost it moves is not the point here

    assert found == ["LegalLM 7B on 1x L40S: hourly rate $1.20 → $1.50 per instance-hour"]


def test_fit_moving_by_the_threshold_is_not_a_change_but_beyond_it_is(snapshot, later):
    fit = candidate(snapshot, "Euro General")["fit"]
    candidate(later, "Euro General")["fit"] = fit + 0.02
    assert messages(snapshot, later, fit=0.02) == []

    candidate(later, "Euro General")["fit"] = fit - 0.031
    assert messages(snapshot, later, fit=0.02) == [
        f"Euro General: fit {100 * fit:.1f}% → {100 * (fit - 0.031):.1f}% (-3.1 points)"
    ]


def test_cost_is_compared_relative_to_the_earlier_cost(snapshot, later):
    cost = candidate(snapshot, "Euro General")["monthly_cost"]
    candidate(later, "Euro General")["monthly_cost"] = cost * 1.05
    assert messages(snapshot, later, cost=0.10) == []

    candidate(later, "Euro General")["monthly_cost"] = cost * 1.25
    assert messages(snapshot, later, cost=0.10) == [
        f"Euro General: monthly cost {format_money(cost)} → {format_money(cost * 1.25)} (+25.0%)"
    ]


def test_a_candidate_newly_excluded_is_named_with_the_reason(snapshot, later):
    euro = candidate(later, "Euro General")
    euro["eligible"] = False
    euro["exclusions"] = [{"rule": "budget", "message": "costs more than the budget of $2,000"}]

    assert messages(snapshot, later) == [
        "Euro General is now excluded: costs more than the budget of $2,000"
    ]
    assert messages(later, snapshot) == [
        "Euro General is no longer excluded (was: costs more than the budget of $2,000)"
    ]


def test_a_new_recommendation_and_verdict_come_first(snapshot, later):
    verdict = later["recommendation"]["verdict"]
    verdict["recommended_id"] = candidate(later, "Euro General")["id"]
    verdict["decided_on"] = "cost_and_sovereignty"
    verdict["significant"] = False
    verdict["sentence"] = "Buy Euro General."
    later["candidates"][0]["options"][0]["hourly_rate"] = "9.0000"

    changes = compare_snapshots(snapshot, later, Thresholds(cost=100.0))

    assert [c.kind for c in changes] == ["recommended", "verdict", "price"]
    assert changes[0].message == "Recommended model: LegalLM 7B → Euro General"
    assert changes[1].message == (
        "The verdict now rests on cost and sovereignty (no significant difference in fit) "
        "(was measured fit with your weights) and finds the specialist's lift not significant "
        "(was significant): "
        "“Buy Euro General.”"
    )
    assert [c.is_decision for c in changes] == [True, True, False]


def test_candidates_added_and_removed_are_named(snapshot, later):
    later["candidates"] = [c for c in later["candidates"] if c["name"] != "Euro General"]
    later["candidates"].append({**copy.deepcopy(later["candidates"][0]), "id": "77", "name": "New"})

    found = messages(snapshot, later)

    assert "Candidate added: New" in found
    assert "Candidate removed: Euro General" in found


def test_a_new_suite_version_and_settings_are_named(snapshot, later):
    for run in later["runs"]:
        if run["suite"] == "Terms":
            run["suite_version"], run["suite_hash"] = 2, "f" * 64
    later["campaign"]["settings"] = {**later["campaign"]["settings"], "limit": 50}

    found = messages(snapshot, later)

    assert "Suite Terms: version 1 → 2" in found
    assert "Evaluation limit: none → 50" in found


def test_a_profile_edit_is_named(snapshot, later):
    later["profile"]["monthly_requests"] = 300_000
    later["profile"]["updated_at"] = "2031-01-01T00:00:00+00:00"

    assert messages(snapshot, later, cost=100.0) == ["Profile monthly requests: 200000 → 300000"]


def test_money_reads_as_a_buyer_writes_it():
    assert format_money("2.5000") == "$2.50"
    assert format_money(12345.6) == "$12,346"
    assert format_money("0.80", "EUR") == "€0.80"
    assert format_money(3, "CHF") == "CHF 3.00"
    assert format_money(None) == "not priced"
