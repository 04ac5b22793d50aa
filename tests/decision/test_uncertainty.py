"""P(best), the shared-counts resampling, screening and paired comparisons."""

import numpy as np
import pytest

from procure.decision import Weights, recommend, uncertainty
from procure.decision.fit import fit_table
from procure.decision.resampling import Resampler, align
from procure.decision.stats import multinomial_counts
from tests.decision.builders import api, binary, candidate, profile

SUITES = {f"s{i}": 1.0 + i for i in range(8)}


def catalogue(seed: int, skills: list[float], items: int = 40):
    rng = np.random.default_rng(seed)
    return [
        candidate(f"c{k}", {s: binary(rng, items, p) for s in SUITES}, general=k % 2 == 0)
        for k, p in enumerate(skills)
    ]


def test_shared_rotated_counts_match_independent_counts_per_suite():
    # The same three candidates resampled with the engine's shared, rotated counts and with an
    # independent counts matrix per suite: same spread of fits and of paired differences.
    models = catalogue(3, [0.55, 0.6, 0.62])
    spec = profile(SUITES, resamples=6000)
    table = fit_table(spec, tuple(models))
    members = [0, 1, 2]
    suites = [align(table, s, members, []) for s in range(len(SUITES))]
    shared, point = Resampler(11, 6000).profile_fits(table, suites, members)
    rng = np.random.default_rng(12)
    independent = np.zeros_like(shared)
    for suite in suites:
        rows = suite.rows(table, members).astype(np.float64)
        counts = multinomial_counts(rng, suite.n, 6000).astype(np.float64)
        independent += suite.weight * rows @ counts.T / suite.n
    np.testing.assert_allclose(shared.mean(axis=1), point, atol=2e-3)
    np.testing.assert_allclose(shared.std(axis=1), independent.std(axis=1), rtol=0.06)
    for a, b in [(0, 1), (1, 2), (0, 2)]:
        ours, theirs = shared[a] - shared[b], independent[a] - independent[b]
        assert ours.std() == pytest.approx(theirs.std(), rel=0.06)
        assert np.mean(ours > 0) == pytest.approx(np.mean(theirs > 0), abs=0.03)


def test_screening_leaves_p_best_unchanged(monkeypatch):
    models = catalogue(5, [0.8, 0.78, 0.79, *[0.2] * 30], items=60)
    spec = profile(SUITES, resamples=500)
    screened = recommend(spec, models)
    assert screened.candidate("c20").p_best == 0.0
    assert len(screened.comparisons) < len(models) - 1
    monkeypatch.setattr(uncertainty, "SCREEN_DELTA", 1e-300)  # keeps every candidate
    full = recommend(spec, models)
    assert len(full.comparisons) == len(models) - 1
    for model in models:
        assert screened.candidate(model.id).p_best == pytest.approx(
            full.candidate(model.id).p_best, abs=1e-9
        )


def test_recommendations_are_reproducible_and_do_not_depend_on_input_order():
    models = catalogue(7, [0.6, 0.62, 0.58, 0.61])
    spec = profile(SUITES)
    first = recommend(spec, models)
    assert recommend(spec, models) == first
    reordered = recommend(spec, models[::-1])
    assert reordered.ranking == first.ranking
    assert reordered.verdict == first.verdict
    for model in models:
        assert reordered.candidate(model.id).p_best == first.candidate(model.id).p_best


def test_winner_is_compared_with_the_others_and_p_values_are_bh_adjusted():
    models = catalogue(9, [0.7, 0.5, 0.68, 0.4])
    result = recommend(profile(SUITES), models)
    assert {c.a_id for c in result.comparisons} == {result.winner_id}
    assert len(result.comparisons) == 3
    for comparison in result.comparisons:
        assert comparison.test == "paired_bootstrap"
        assert comparison.low <= comparison.lift <= comparison.high
        assert comparison.p_adjusted >= comparison.p_value


def test_one_suite_of_0_1_scores_is_compared_with_exact_mcnemar():
    # 60 items: the specialist alone is right on 15, the general model alone on 3.
    specialist = [1.0] * 40 + [1.0] * 15 + [0.0] * 3 + [0.0] * 2
    general = [1.0] * 40 + [0.0] * 15 + [1.0] * 3 + [0.0] * 2
    models = [
        candidate("spec", {"s": specialist}, general=False),
        candidate("gen", {"s": general}),
    ]
    verdict = recommend(profile(), models).verdict
    assert verdict.test == "mcnemar_exact"
    assert verdict.lift == pytest.approx(12 / 60)
    # Exact McNemar on 15 vs 3 discordant items: 2 x P(X <= 3 | 18, 1/2) = 0.00754...
    assert verdict.p_value == pytest.approx(0.0075378, rel=1e-4)
    assert verdict.significant


def test_scores_between_0_and_1_get_bootstrap_intervals_and_paired_bootstrap_tests():
    rng = np.random.default_rng(4)
    models = [
        candidate("spec", {"s": rng.beta(5, 2, 80).tolist()}, general=False),
        candidate("gen", {"s": rng.beta(2, 2, 80).tolist()}),
    ]
    result = recommend(profile(), models)
    fit = result.candidate("spec").suite_fits.get("s")
    assert fit.method == "bootstrap"
    assert fit.low < fit.fit < fit.high
    assert result.verdict.test == "paired_bootstrap"


def test_with_no_weight_on_fit_p_best_follows_the_fixed_scores():
    models = [
        candidate("cheap", {"s": [1.0, 0.0] * 10}, options=(api("cheap-api", 0.5),)),
        candidate("dear", {"s": [1.0, 1.0] * 10}, options=(api("dear-api", 5.0),)),
    ]
    result = recommend(profile(weights=Weights(fit=0, cost=1, sovereignty=0)), models)
    assert result.winner_id == "cheap"
    assert result.candidate("cheap").p_best == 1.0
