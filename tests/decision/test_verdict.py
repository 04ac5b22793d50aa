"""The verdict: specialist against general, and the sentence a committee acts on."""

import numpy as np
import pytest
from scipy.stats import binomtest

from procure.decision import HardRules, SoftPreference, Weights, recommend
from tests.decision.builders import api, binary, candidate, profile

# 200 items. The specialist alone is right on 50, the general model alone on 10.
SPECIALIST = [1.0] * 100 + [1.0] * 50 + [0.0] * 10 + [0.0] * 40
GENERAL = [1.0] * 100 + [0.0] * 50 + [1.0] * 10 + [0.0] * 40
SAME = [1.0, 0.0] * 100


def test_a_significantly_better_and_cheaper_specialist_is_bought_for_its_fit():
    # The general model has open weights, so it is not dominated: fit and weights decide.
    models = [
        candidate(
            "legal", {"s": SPECIALIST}, general=False, open_weights=False, options=(api("l", 1.0),)
        ),
        candidate("gpt", {"s": GENERAL}, options=(api("g", 4.0),)),
    ]
    preferences = (SoftPreference("open_weights", 1.0),)
    result = recommend(profile(preferences=preferences), models)
    verdict = result.verdict
    assert result.candidate("gpt").dominated_by is None
    assert verdict.recommended_id == "legal"
    assert verdict.decided_on == "fit_and_weights"
    assert verdict.significant
    assert verdict.cost_ratio == 0.25
    assert verdict.sentence.startswith(
        "Buy the specialist LEGAL: it scores 20.0 points higher than the general model GPT on "
        "your suites (95% CI "
    )
    assert verdict.sentence.endswith(
        "p < 0.001) and costs 0.25× as much per month and meets fewer of your sovereignty "
        "preferences (0.00 vs 1.00)."
    )


def test_a_cheaper_general_model_can_win_against_a_significantly_better_specialist():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False, options=(api("l", 50.0),)),
        candidate("gpt", {"s": GENERAL}, options=(api("g", 1.0),)),
    ]
    spec = profile(weights=Weights(fit=1, cost=3, sovereignty=0))
    verdict = recommend(spec, models).verdict
    assert verdict.recommended_id == "gpt"
    assert "the specialist LEGAL scores 20.0 points higher on your suites" in verdict.sentence
    assert "which your weights favour" in verdict.sentence


def test_an_indistinguishable_pair_is_decided_on_cost_and_sovereignty():
    models = [
        candidate("legal", {"s": SAME}, general=False, options=(api("l", 2.0),)),
        candidate("gpt", {"s": SAME[::-1]}, open_weights=False, options=(api("g", 1.0),)),
    ]
    preferences = (SoftPreference("open_weights", 1.0),)
    verdict = recommend(profile(preferences=preferences), models).verdict
    assert verdict.significant is False
    assert verdict.decided_on == "cost_and_sovereignty"
    assert verdict.recommended_id == "legal"
    assert verdict.sentence.startswith(
        "The specialist LEGAL and the general model GPT are not distinguishable on your suites "
        "(+0.0 points for the specialist"
    )
    assert verdict.sentence.endswith(
        "buy LEGAL, which costs 2× as much per month and meets more of your sovereignty "
        "preferences (1.00 vs 0.00)."
    )


def mcnemar_reference(first, second, confidence=0.95):
    """Lift of `first` over `second` with the exact McNemar p-value and its matching interval
    (Clopper-Pearson for the discordant share, mapped to the lift), from scipy alone."""
    first, second = np.asarray(first), np.asarray(second)
    only_first = int(((first == 1) & (second == 0)).sum())
    only_second = int(((first == 0) & (second == 1)).sum())
    discordant, n = only_first + only_second, first.size
    p = binomtest(min(only_first, only_second), discordant, 0.5).pvalue
    share = binomtest(only_first, discordant).proportion_ci(confidence, method="exact")
    low, high = ((discordant / n) * (2 * bound - 1) for bound in (share.low, share.high))
    return (only_first - only_second) / n, low, high, p


def test_a_dominated_general_model_is_not_bought_but_the_lift_is_measured_and_stated():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False, options=(api("l", 1.0),)),
        candidate("gpt", {"s": GENERAL}, options=(api("g", 1.0),)),
    ]
    result = recommend(profile(), models)
    verdict = result.verdict
    assert result.candidate("gpt").dominated_by == "legal"
    assert (verdict.recommended_id, verdict.specialist_id, verdict.general_id) == (
        "legal",
        "legal",
        "gpt",
    )
    assert verdict.decided_on == "dominance"
    lift, low, high, p = mcnemar_reference(SPECIALIST, GENERAL)
    assert verdict.test == "mcnemar_exact" and verdict.significant
    assert verdict.lift == pytest.approx(lift) == pytest.approx(0.20)
    assert (verdict.lift_low, verdict.lift_high) == pytest.approx((low, high), abs=1e-12)
    assert verdict.p_value == pytest.approx(p, rel=1e-10)
    (suite,) = verdict.per_suite
    assert (suite.lift, suite.p_value, suite.p_adjusted) == pytest.approx((lift, p, p))
    assert verdict.cost_ratio == 1.0 and verdict.sovereignty_difference == 0.0
    assert verdict.sentence == (
        "Buy the specialist LEGAL: it scores 20.0 points higher than the best general model GPT "
        f"on your suites (95% CI {low * 100:.1f} to {high * 100:.1f}, p < 0.001) at the same "
        "monthly cost ($160); GPT is dominated by LEGAL (no better on fit, cost or sovereignty)."
    )


def test_a_dominated_specialist_is_not_bought_and_a_non_significant_lift_says_so():
    # 200 items: the general model alone is right on 12, the specialist alone on 8.
    general = [1.0] * 90 + [1.0] * 12 + [0.0] * 8 + [0.0] * 90
    specialist = [1.0] * 90 + [0.0] * 12 + [1.0] * 8 + [0.0] * 90
    models = [
        candidate("legal", {"s": specialist}, general=False, options=(api("l", 2.0),)),
        candidate("gpt", {"s": general}, options=(api("g", 1.0),)),
    ]
    verdict = recommend(profile(), models).verdict
    assert verdict.recommended_id == "gpt" and verdict.decided_on == "dominance"
    assert verdict.significant is False
    lift, low, high, p = mcnemar_reference(specialist, general)  # specialist minus general
    assert verdict.lift == pytest.approx(lift) == pytest.approx(-0.02)
    assert (verdict.lift_low, verdict.lift_high) == pytest.approx((low, high), abs=1e-12)
    assert verdict.p_value == pytest.approx(p, rel=1e-10)
    assert verdict.cost_ratio == 2.0
    assert verdict.sentence == (
        "Buy the general model GPT: it scores 2.0 points higher than the best specialist LEGAL "
        f"on your suites (95% CI {-high * 100:.1f} to {-low * 100:.1f}, p = {p:.2g}, not "
        "significant) at 0.5× the monthly cost ($160 vs $320); LEGAL is dominated by GPT (no "
        "better on fit, cost or sovereignty)."
    )


def test_when_a_third_candidate_dominates_the_general_model_a_lower_fit_is_stated():
    # X is cheapest and tops a cost-heavy ranking; Z (a specialist) dominates Y; Y fits better.
    def right(k):
        return [1.0] * k + [0.0] * (200 - k)

    models = [
        candidate("x", {"s": right(120)}, general=False, options=(api("x", 1.0),)),
        candidate("z", {"s": right(160)}, general=False, options=(api("z", 2.0),)),
        candidate("y", {"s": right(140)}, options=(api("y", 3.0),)),
    ]
    result = recommend(profile(weights=Weights(fit=1, cost=3, sovereignty=0)), models)
    verdict = result.verdict
    assert result.ranking == ("x", "z", "y") and result.candidate("y").dominated_by == "z"
    assert (verdict.specialist_id, verdict.general_id, verdict.recommended_id) == ("x", "y", "x")
    assert verdict.decided_on == "dominance" and verdict.lift == pytest.approx(-0.10)
    assert verdict.sentence.startswith(
        "Buy the specialist X: it scores 10.0 points lower than the best general model Y on "
        "your suites (95% CI "
    )
    assert verdict.sentence.endswith(
        "p < 0.001) at 0.33× the monthly cost ($160 vs $480); Y is dominated by Z (no better on "
        "fit, cost or sovereignty)."
    )


def test_the_verdict_pair_is_resampled_even_when_the_dominated_one_is_screened_out():
    rng = np.random.default_rng(7)
    suites = ("s1", "s2")
    models = [
        candidate(f"spec{k:02d}", {s: binary(rng, 100, 0.9) for s in suites}, general=False)
        for k in range(12)
    ]
    weak = {s: binary(rng, 100, 0.3) for s in suites}
    models.append(candidate("gpt", weak, options=(api("g", 4.0),)))
    result = recommend(profile(dict.fromkeys(suites, 1.0)), models)
    top = result.candidate(result.winner_id or "")
    gpt = result.candidate("gpt")
    assert gpt.rank == 13 and gpt.p_best == 0.0 and gpt.dominated_by is not None
    verdict = result.verdict
    assert (verdict.specialist_id, verdict.general_id) == (top.id, "gpt")
    assert verdict.decided_on == "dominance" and verdict.recommended_id == top.id
    assert verdict.test == "paired_bootstrap" and verdict.significant
    assert top.fit is not None and gpt.fit is not None
    assert verdict.lift == pytest.approx(top.fit - gpt.fit)
    assert verdict.lift_low is not None and verdict.lift_high is not None
    assert 0 < verdict.lift_low < verdict.lift < verdict.lift_high
    assert [c.suite_id for c in verdict.per_suite] == list(suites)
    assert f"GPT is dominated by {gpt.dominated_by.upper()}" in verdict.sentence


def test_with_only_specialists_eligible_the_top_one_is_bought_and_the_sentence_says_why():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False),
        candidate("gpt", {"s": GENERAL}, options=(api("g", regions=("us-east-1",)),)),
    ]
    result = recommend(profile(rules=HardRules(allowed_data_regions=("eu-west-1",))), models)
    assert result.verdict.decided_on == "only_one_kind"
    assert result.verdict.recommended_id == "legal"
    assert result.verdict.sentence.endswith("no general model passed your rules.")


def test_when_every_candidate_is_excluded_the_verdict_names_the_rules_that_removed_them():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False, open_weights=False),
        candidate("gpt", {"s": GENERAL}, options=(api("g", regions=("us-east-1",)),)),
        candidate(
            "oss", {"s": GENERAL}, open_weights=False, options=(api("o", regions=("us-east-1",)),)
        ),
    ]
    rules = HardRules(allowed_data_regions=("eu-west-1",), open_weights_required=True)
    verdict = recommend(profile(rules=rules), models).verdict
    assert verdict.recommended_id is None
    assert verdict.sentence == (
        "No candidate can be recommended: the data-region rule removed GPT and OSS; "
        "the open-weights rule removed LEGAL and OSS."
    )


def test_a_recommendation_below_the_quality_bar_carries_a_caution():
    models = [candidate("legal", {"s": SAME}, general=False)]
    verdict = recommend(profile(quality_bar=0.9), models).verdict
    assert verdict.recommended_id == "legal"
    assert verdict.sentence.endswith("Caution: profile fit must be at least 0.90; LEGAL fits 0.50.")


def test_below_the_bar_excludes_when_the_profile_says_so():
    models = [candidate("legal", {"s": SAME}, general=False)]
    result = recommend(profile(quality_bar=0.9, below_bar="exclude"), models)
    assert result.ranking == ()
    assert "the quality bar removed LEGAL" in result.verdict.sentence
