"""The verdict: one policy whatever the kinds, and the sentences a committee signs."""

import numpy as np
import pytest
from scipy.stats import binomtest

from procure.decision import HardRules, SoftPreference, Weights, Workload, recommend
from procure.decision.inputs import ApiOption
from tests.decision.builders import WORKLOAD, api, binary, candidate, profile

# 200 items. The specialist alone is right on 50, the general model alone on 10.
SPECIALIST = [1.0] * 100 + [1.0] * 50 + [0.0] * 10 + [0.0] * 40
GENERAL = [1.0] * 100 + [0.0] * 50 + [1.0] * 10 + [0.0] * 40
SAME = [1.0, 0.0] * 100


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


def right(k, n=200):
    return [1.0] * k + [0.0] * (n - k)


def test_a_significantly_better_leader_is_bought_for_its_fit_whatever_the_kinds():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False, options=(api("l", 1.0),)),
        candidate("gpt", {"s": GENERAL}, options=(api("g", 4.0),)),
    ]
    result = recommend(profile(), models)
    verdict = result.verdict
    lift, low, high, p = mcnemar_reference(SPECIALIST, GENERAL)
    assert verdict.recommended_id == "legal" and verdict.runner_up_id == "gpt"
    assert verdict.decided_on == "fit_and_weights"
    assert verdict.margin is not None and verdict.margin.lift == pytest.approx(lift)
    assert verdict.sentence.startswith(
        "Buy LEGAL: it fits 20.0 points better than the runner-up GPT (95% CI "
        f"+{low * 100:.1f} to +{high * 100:.1f} points, p < 0.001) and ranks first on your weights."
    )
    # Both kinds are eligible: the specialist-against-general sentence follows, for information.
    assert verdict.sentence.endswith(
        "Specialist against general: LEGAL is the best specialist and GPT the best general "
        "model; the specialist costs 0.25× as much per month."
    )
    assert (verdict.lift, verdict.p_value) == pytest.approx((lift, p))
    assert verdict.cost_ratio == 0.25 and verdict.significant


def test_a_leader_that_wins_on_cost_says_the_runner_up_fits_better():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False, options=(api("l", 50.0),)),
        candidate("gpt", {"s": GENERAL}, options=(api("g", 1.0),)),
    ]
    verdict = recommend(profile(weights=Weights(fit=1, cost=3, sovereignty=0)), models).verdict
    assert verdict.recommended_id == "gpt" and verdict.decided_on == "fit_and_weights"
    assert verdict.sentence.startswith(
        "Buy GPT: it ranks first on your weights although LEGAL fits 20.0 points better"
    )
    assert "GPT costs 0.02× as much per month." in verdict.sentence


@pytest.mark.parametrize(
    ("first_general", "second_general"),
    [(False, False), (True, True), (False, True), (True, False)],
)
def test_a_tie_goes_to_the_cheaper_candidate_whatever_the_kinds(first_general, second_general):
    # Same fit on the same items, the dearer one has sovereignty the weights like: it ranks
    # first, but the two are not distinguishable, so the tie-break (cost first) decides.
    models = [
        candidate(
            "dear", {"s": SAME}, general=first_general, options=(api("d", 2.0),)
        ),
        candidate(
            "cheap", {"s": SAME[::-1]}, general=second_general, open_weights=False,
            options=(api("c", 1.0),),
        ),
    ]  # fmt: skip
    preferences = (SoftPreference("open_weights", 1.0),)
    result = recommend(profile(preferences=preferences), models)
    verdict = result.verdict
    assert result.ranking == ("dear", "cheap")
    assert verdict.recommended_id == "cheap"
    assert verdict.decided_on == "cost_and_sovereignty"
    assert set(verdict.tied_ids) == {"dear", "cheap"}
    assert verdict.sentence.startswith(
        "Buy CHEAP: DEAR and CHEAP are not distinguishable on fit at your 95% confidence (DEAR "
        "against CHEAP: 0.0 points, 95% CI "
    )
    assert (
        "so the tie-break decides (cost, then sovereignty): CHEAP is the cheapest ($160 a "
        "month against $320 for DEAR)." in verdict.sentence
    )
    assert ("Specialist against general" in verdict.sentence) == (first_general != second_general)
    assert verdict.certainty == "not_enough_evidence"  # 200 items, interval wider than ±5


def test_at_equal_cost_a_tie_goes_to_the_better_sovereignty_score():
    models = [
        candidate("closed", {"s": right(101)}, open_weights=False),
        candidate("open", {"s": right(100)}),
    ]
    preferences = (SoftPreference("open_weights", 1.0),)
    spec = profile(preferences=preferences, weights=Weights(fit=1, cost=0, sovereignty=0))
    verdict = recommend(spec, models).verdict
    assert verdict.recommended_id == "open"
    assert "OPEN costs the same and meets more of your sovereignty preferences (1.00 against " \
        "0.00)" in verdict.sentence  # fmt: skip


def test_the_bottom_line_reads_clear_likely_too_close_or_not_enough_evidence():
    clear = [
        candidate("a", {"s": SPECIALIST}, general=False),
        candidate("b", {"s": GENERAL}),
    ]
    verdict = recommend(profile(), clear).verdict
    assert (verdict.certainty, verdict.certainty_label) == ("clear", "Clear")
    assert verdict.certainty_detail.startswith("A against B: +20.0 points (95% CI ")
    assert verdict.certainty_detail.endswith("A ranks first in 100% of item resamples.")

    # 2,000 items, 0.5 points apart: not distinguishable, and nothing big can hide.
    both, only_a, only_b, neither = [1.0] * 990, [1.0] * 20, [0.0] * 10, [0.0] * 980
    near = [
        candidate("a", {"s": both + only_a + only_b + neither}),
        candidate("b", {"s": both + [0.0] * 20 + [1.0] * 10 + neither}),
    ]
    verdict = recommend(profile(), near).verdict
    assert verdict.certainty == "too_close_to_call"
    assert verdict.certainty_label == "Too close to call"
    assert verdict.detectable is not None and 0.03 < verdict.detectable < 0.05
    assert "Your suites can detect differences of " in verdict.certainty_detail
    assert "these two differ by 0.5 points." in verdict.certainty_detail

    # 40 items: whatever the interval, suites this small cannot detect a 10-point difference.
    few = [candidate("a", {"s": right(22, 40)}), candidate("b", {"s": right(20, 40)})]
    verdict = recommend(profile(), few).verdict
    assert (verdict.certainty, verdict.certainty_label) == (
        "not_enough_evidence",
        "Not enough evidence",
    )

    # Ahead on fit at 95% confidence, but the runner-up is cheaper and often first on the
    # weighted score: likely, not clear.
    likely = [
        candidate("a", {"s": SPECIALIST}, options=(api("a", 1.22),)),
        candidate("b", {"s": GENERAL}, options=(api("b", 1.0),)),
    ]
    verdict = recommend(profile(weights=Weights(1, 1, 0)), likely).verdict
    assert verdict.recommended_id == "a" and verdict.decided_on == "fit_and_weights"
    assert (verdict.certainty, verdict.certainty_label) == ("likely", "Likely")


def test_when_the_best_model_fails_a_cautioning_bar_the_verdict_never_says_buy():
    models = [candidate("legal", {"s": SAME}, general=False), candidate("gpt", {"s": right(80)})]
    verdict = recommend(profile(quality_bar=0.6), models).verdict
    assert verdict.below_bar and verdict.recommended_id == "legal"
    assert "Buy" not in verdict.sentence
    assert verdict.sentence.startswith(
        "No candidate reaches your quality bar of 60.0%: the best fit is LEGAL's 50.0%. This is "
        "not a recommendation to buy. If you must choose now, the best available is LEGAL"
    )


def test_a_cautioning_bar_prefers_the_candidates_that_reach_it():
    # Top of the weighted ranking (cheap) fails the bar; the one that reaches it is bought.
    models = [
        candidate("cheap", {"s": right(100)}, options=(api("c", 0.1),)),
        candidate("good", {"s": right(150)}, options=(api("g", 5.0),)),
    ]
    result = recommend(profile(quality_bar=0.7, weights=Weights(1, 5, 0)), models)
    assert result.ranking[0] == "cheap"
    assert result.verdict.recommended_id == "good" and not result.verdict.below_bar
    assert result.verdict.sentence.startswith("Buy GOOD: it is the only candidate that meets")


def test_the_bar_message_never_contradicts_its_rounding():
    models = [candidate("m", {"s": right(497, 1000)})]
    (flag,) = recommend(profile(quality_bar=0.5), models).candidate("m").flags
    assert flag.message == "profile fit must be at least 50.0%; M fits 49.7%"
    models = [candidate("m", {"s": right(4997, 10000)})]
    (flag,) = recommend(profile(quality_bar=0.5), models).candidate("m").flags
    assert flag.message == "profile fit must be at least 50.00%; M fits 49.97%"


def test_with_one_eligible_candidate_it_is_bought_and_the_sentence_says_why():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False),
        candidate("gpt", {"s": GENERAL}, options=(api("g", regions=("us-east-1",)),)),
    ]
    result = recommend(profile(rules=HardRules(allowed_data_regions=("eu-west-1",))), models)
    verdict = result.verdict
    assert verdict.decided_on == "only_candidate" and verdict.recommended_id == "legal"
    assert verdict.sentence.startswith(
        "Buy LEGAL: it is the only candidate that meets your requirements (fit 75.0%, $160 a "
        "month)."
    )
    assert verdict.certainty == "clear" and verdict.specialist_id is None


def test_when_every_candidate_is_excluded_the_verdict_names_the_nearest_miss():
    models = [
        candidate("legal", {"s": SPECIALIST}, general=False, open_weights=False),
        candidate("gpt", {"s": GENERAL}, options=(api("g", regions=("us-east-1",)),)),
        candidate(
            "oss", {"s": GENERAL}, open_weights=False, options=(api("o", regions=("us-east-1",)),)
        ),
    ]
    rules = HardRules(allowed_data_regions=("eu-west-1",), open_weights_required=True)
    verdict = recommend(profile(rules=rules), models).verdict
    assert verdict.recommended_id is None and verdict.certainty is None
    assert verdict.nearest_miss_id == "legal"
    assert verdict.sentence.startswith(
        "No candidate meets your requirements. The nearest miss is LEGAL (fit 75.0%): it would "
        "take relaxing the open-weights rule (open weights required; LEGAL's weights are closed)."
    )
    assert verdict.sentence.endswith(
        "Rules that removed candidates: the data-region rule removed GPT and OSS; "
        "the open-weights rule removed LEGAL and OSS."
    )


def test_an_excluding_bar_gives_the_nearest_miss_and_the_bar_it_would_take():
    models = [candidate("legal", {"s": SAME}, general=False), candidate("gpt", {"s": right(80)})]
    result = recommend(profile(quality_bar=0.9, below_bar="exclude"), models)
    assert result.ranking == ()
    assert result.verdict.sentence.startswith(
        "No candidate meets your requirements. The nearest miss is LEGAL (fit 50.0%): it would "
        "take a quality bar of 50.0% or lower (yours is 90.0%)."
    )


def test_budget_and_latency_rows_say_met_or_not_and_the_verdict_names_them_when_they_decide():
    slow = ApiOption("slow", "Vendor", ("eu-west-1",), 1.0, 3.0, p95_latency_ms=900)
    fast = ApiOption("fast", "Vendor", ("eu-west-1",), 1.0, 3.0, p95_latency_ms=200)
    models = [
        candidate("best", {"s": right(180)}, options=(slow,)),
        candidate("dear", {"s": right(170)}, options=(api("d", 100.0),)),
        candidate("ok", {"s": right(120)}, options=(fast,)),
    ]
    workload = Workload(**{**WORKLOAD.__dict__, "latency_target_ms": 500})
    spec = profile(workload=workload, budget_monthly=1000.0, over_budget="exclude")
    result = recommend(spec, models)
    best, dear, ok = (result.candidate(i) for i in ("best", "dear", "ok"))
    assert (best.latency_ms, best.latency_met, best.budget_met) == (900, False, None)
    assert (dear.latency_ms, dear.latency_met, dear.budget_met) == (None, None, False)
    assert (ok.latency_ms, ok.latency_met, ok.budget_met) == (200, True, True)
    verdict = result.verdict
    assert verdict.recommended_id == "ok"
    assert "BEST fits better (90.0%) but is out on the latency target: " in verdict.sentence
    assert "DEAR fits better (85.0%) but is out on the budget: monthly cost $16,000 exceeds " \
        "the budget of $1,000" in verdict.sentence  # fmt: skip


def test_the_verdict_pair_is_resampled_even_when_the_general_model_is_far_behind():
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
    assert gpt.rank == 13 and gpt.p_best == 0.0
    verdict = result.verdict
    assert (verdict.specialist_id, verdict.general_id) == (top.id, "gpt")
    assert verdict.test == "paired_bootstrap" and verdict.significant
    assert top.fit is not None and gpt.fit is not None
    assert verdict.lift == pytest.approx(top.fit - gpt.fit)
    assert [c.suite_id for c in verdict.per_suite] == list(suites)
