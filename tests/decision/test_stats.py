"""The statistics agree with statsmodels and scipy on random inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from procure.decision.stats import (
    benjamini_hochberg,
    bernstein_margin,
    bootstrap_p_value,
    mcnemar_exact,
    mcnemar_interval,
    mover_weighted_mean,
    multinomial_counts,
    wilson_interval,
)

RNG = np.random.default_rng(20240601)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels_on_random_proportions(confidence):
    n = RNG.integers(1, 2000, size=500)
    k = RNG.integers(0, n + 1)
    low, high = wilson_interval(k, n, confidence)
    ref_low, ref_high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(low, np.clip(ref_low, 0, 1), atol=1e-12)
    np.testing.assert_allclose(high, np.clip(ref_high, 0, 1), atol=1e-12)


def test_mcnemar_exact_matches_statsmodels_and_binomtest_on_random_tables():
    for _ in range(300):
        both, only_a, only_b, neither = RNG.integers(0, 60, size=4)
        reference = mcnemar([[both, only_a], [only_b, neither]], exact=True).pvalue
        ours = float(mcnemar_exact(only_a, only_b))
        assert ours == pytest.approx(reference, rel=1e-10, abs=1e-15)
        if only_a + only_b:
            assert ours == pytest.approx(
                binomtest(int(min(only_a, only_b)), int(only_a + only_b)).pvalue, rel=1e-10
            )


def test_mcnemar_interval_excludes_zero_exactly_when_the_test_rejects():
    for _ in range(300):
        only_a, only_b = (int(x) for x in RNG.integers(0, 40, size=2))
        n = only_a + only_b + int(RNG.integers(0, 40))
        if n == 0:
            continue
        low, high = mcnemar_interval(only_a, only_b, n, 0.95)
        rejects = float(mcnemar_exact(only_a, only_b)) < 0.05
        assert (low > 0 or high < 0) == rejects, (only_a, only_b, low, high)
        assert low <= (only_a - only_b) / n <= high


@given(st.lists(st.floats(0, 1), min_size=1, max_size=60))
@settings(max_examples=60, deadline=None)
def test_benjamini_hochberg_matches_statsmodels(p_values):
    reference = multipletests(p_values, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p_values), reference, rtol=1e-12, atol=1e-15)


def test_mover_with_one_suite_gives_back_that_suites_interval():
    estimate, low, high = mover_weighted_mean(
        np.array([1.0]), np.array([[0.85]]), np.array([[0.64]]), np.array([[0.95]])
    )
    assert (estimate[0], low[0], high[0]) == pytest.approx((0.85, 0.64, 0.95))


def test_bootstrap_p_value_is_never_zero_and_is_one_for_no_difference():
    assert bootstrap_p_value(np.full((1, 999), 0.3))[0] == pytest.approx(2 / 1000)
    assert bootstrap_p_value(np.zeros((1, 999)))[0] == 1.0


def test_bernstein_margin_bounds_the_tail_of_a_bootstrap_mean():
    # 2,000 resampled means of 50 draws from a skewed 0/1 population: exceedances of the
    # delta = 0.01 margin must be rarer than 1%.
    scores = (RNG.random(50) < 0.1).astype(float)
    counts = multinomial_counts(RNG, 50, 2000)
    deviations = counts @ scores / 50 - scores.mean()
    variance = scores.var() / 50
    margin = bernstein_margin(np.array([variance]), np.array([1 / 50]), 0.01)[0]
    assert np.mean(deviations >= margin) < 0.01


def test_multinomial_counts_draw_n_items_per_resample_uniformly():
    counts = multinomial_counts(np.random.default_rng(1), 37, 4000)
    assert counts.shape == (4000, 37)
    assert np.all(counts.sum(axis=1) == 37)
    assert counts.mean() == pytest.approx(1.0)
    assert counts.var() == pytest.approx(1 - 1 / 37, rel=0.03)


def test_p_values_read_alike_wherever_they_are_printed():
    from procure.decision.stats import bootstrap_p_floor, p_text

    floor = bootstrap_p_floor(999)

    assert p_text(0.0004, "mcnemar_exact", 999) == "p < 0.001"
    assert p_text(0.0123, "mcnemar_exact", 999) == "p = 0.012"
    # A paired bootstrap of 999 resamples cannot tell anything below its floor.
    assert p_text(floor, "paired_bootstrap", 999) == (
        f"p ≤ {floor:.2g}, the smallest a 999-resample bootstrap can show"
    )
    assert p_text(floor, "mcnemar_exact", 999) == f"p = {floor:.2g}"
