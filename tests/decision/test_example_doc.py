"""docs/decision-method.md: its generated tables are what the code produces, and every number
worked by hand in its prose is reproduced here (the literals below are the doc's numbers)."""

from pathlib import Path

import pytest

from procure.decision.example import BEGIN, END, example_recommendation, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "decision-method.md"


@pytest.fixture(scope="module")
def result():
    return example_recommendation()


def test_the_docs_tables_are_what_the_code_produces(result):
    text = DOC.read_text(encoding="utf-8")
    shown = BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert shown == render(result), (
        "docs/decision-method.md is stale: run "
        "python -m procure.decision.example --write docs/decision-method.md"
    )


def test_wilson_intervals_worked_by_hand(result):
    legal = result.candidate("legallm-7b").suite_fits
    general = result.candidate("generalgpt").suite_fits
    other = result.candidate("opengeneral-70b").suite_fits
    for fit, expected in [
        (legal.get("contracts"), (0.85, 0.6396, 0.9476)),
        (legal.get("general-qa"), (0.60, 0.3866, 0.7812)),
        (general.get("contracts"), (0.65, 0.4329, 0.8188)),
        (general.get("general-qa"), (0.80, 0.5840, 0.9193)),
        (other.get("contracts"), (0.70, 0.4810, 0.8545)),
    ]:
        assert fit.method == "wilson"
        assert (fit.fit, fit.low, fit.high) == pytest.approx(expected, abs=5e-5)


def test_profile_fits_and_mover_intervals_worked_by_hand(result):
    legal = result.candidate("legallm-7b")
    assert (legal.fit, legal.fit_low, legal.fit_high) == pytest.approx(
        (0.7875, 0.6209, 0.8736), abs=5e-5
    )
    general = result.candidate("generalgpt")
    assert (general.fit, general.fit_low, general.fit_high) == pytest.approx(
        (0.6875, 0.5159, 0.8176), abs=5e-5
    )
    assert result.candidate("opengeneral-70b").fit == pytest.approx(0.7375)


def test_costs_and_break_even_worked_by_hand(result):
    legal = result.candidate("legallm-7b")
    costs = {o.name: o.monthly_cost for o in legal.option_costs}
    assert costs == pytest.approx({"legallm-api": 160.0, "legallm-l4": 884.0})
    assert legal.chosen_option == "legallm-api"
    assert legal.break_even is not None
    assert legal.break_even.volume == pytest.approx(552_500)
    assert result.candidate("generalgpt").monthly_cost == pytest.approx(80.0)
    (excluded_option,) = result.candidate("opengeneral-70b").option_costs
    assert excluded_option.monthly_cost == pytest.approx(108.0)
    assert excluded_option.reasons == ("runs only in us-east-1",)


def test_rules_sovereignty_and_scores_worked_by_hand(result):
    legal, general = result.candidate("legallm-7b"), result.candidate("generalgpt")
    (excluded,) = result.candidate("opengeneral-70b").exclusions
    assert excluded.rule == "data_regions"
    assert excluded.message == (
        "data must stay in EU (eu-west-1, eu-central-1); offered only in us-east-1"
    )
    assert general.flags == ()  # 0.6875 reaches the 0.65 bar
    assert (legal.cost_score, general.cost_score) == pytest.approx((0.5, 1.0))
    assert (legal.sovereignty, general.sovereignty) == pytest.approx((2 / 3, 0.0))
    assert (legal.score, general.score) == pytest.approx((0.7058, 0.6125), abs=5e-5)
    assert result.ranking == ("legallm-7b", "generalgpt")
    assert result.frontier == ("generalgpt", "legallm-7b")
    assert legal.dominated_by is None and general.dominated_by is None


def test_sensitivity_worked_by_hand(result):
    effects = {e.weight: e for e in result.weight_sensitivity}
    assert (effects["fit"].low_share, effects["fit"].high_share) == (0.0, 1.0)
    assert effects["cost"].high_share == pytest.approx(0.2417 / 0.7417, abs=1e-4)
    assert effects["cost"].high_weight == pytest.approx(1.93, abs=5e-3)
    assert effects["cost"].winner_above == "generalgpt"
    assert effects["sovereignty"].low_share == pytest.approx(0.05 / 0.7167, abs=1e-4)
    volume = result.volume_sensitivity
    assert volume is not None
    assert volume.lower_change is None and volume.upper_change is None
    assert (volume.searched_low, volume.searched_high) == pytest.approx((100, 1e8))


def test_paired_comparisons_and_verdict_worked_by_hand(result):
    verdict = result.verdict
    contracts, general_qa = verdict.per_suite
    assert contracts.test == general_qa.test == "mcnemar_exact"
    assert contracts.p_value == pytest.approx(14 / 64)
    assert (contracts.low, contracts.high) == pytest.approx((-0.0847, 0.2975), abs=5e-5)
    assert general_qa.p_value == pytest.approx(2 / 16)
    assert (general_qa.low, general_qa.high) == pytest.approx((-0.2, 0.0409), abs=5e-5)
    assert contracts.p_adjusted == general_qa.p_adjusted == pytest.approx(0.21875)
    assert verdict.lift == pytest.approx(0.10)
    assert verdict.test == "paired_bootstrap" and not verdict.significant
    assert verdict.cost_ratio == pytest.approx(2.0)
    assert verdict.sovereignty_difference == pytest.approx(2 / 3)
    assert verdict.decided_on == "cost_and_sovereignty"
    assert verdict.recommended_id == "generalgpt"  # not distinguishable: the cheaper one
    assert verdict.certainty == "not_enough_evidence"
