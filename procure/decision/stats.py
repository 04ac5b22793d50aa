"""The statistics the engine relies on, each small enough to check against a reference.

Tests compare these with statsmodels on random inputs (Wilson, McNemar, Benjamini-Hochberg).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
from scipy.special import bdtr, betaincinv

from procure.decision.numbers import bootstrap_p_floor, p_text

__all__ = ["bootstrap_p_floor", "p_text"]  # re-exported: their home is numbers.py

FloatArray = npt.NDArray[np.float64]


def z_value(confidence: float) -> float:
    """The two-sided standard-normal quantile for a confidence level (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(
    successes: npt.ArrayLike, n: npt.ArrayLike, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for proportions, in its exact closed form (no continuity fix).

    Unlike the normal (Wald) interval it stays inside [0, 1] and keeps its coverage for small n
    and for proportions near 0 or 1, which is why the engine uses it for 0/1 item scores.
    """
    k = np.asarray(successes, dtype=np.float64)
    size = np.asarray(n, dtype=np.float64)
    z = z_value(confidence)
    z2 = z * z
    p = k / size
    denominator = 1 + z2 / size
    centre = (p + z2 / (2 * size)) / denominator
    half_width = z * np.sqrt(p * (1 - p) / size + z2 / (4 * size * size)) / denominator
    return np.clip(centre - half_width, 0.0, 1.0), np.clip(centre + half_width, 0.0, 1.0)


def mover_weighted_mean(
    weights: FloatArray, estimates: FloatArray, lows: FloatArray, highs: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Interval for a weighted mean of independent estimates from their own intervals (MOVER).

    Zou & Donner's "method of variance estimates recovery": each estimate's lower and upper
    distances stand in for its standard error on that side, so asymmetric intervals (Wilson
    near 0 or 1) stay asymmetric, and a profile with a single suite gets that suite's interval
    back exactly. `weights` (suites,) sum to one; the other arrays are (candidates, suites).
    """
    estimate = estimates @ weights
    squared = weights * weights
    low = estimate - np.sqrt(((estimates - lows) ** 2) @ squared)
    high = estimate + np.sqrt(((highs - estimates) ** 2) @ squared)
    return estimate, np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def mcnemar_exact(only_a: npt.ArrayLike, only_b: npt.ArrayLike) -> FloatArray:
    """Two-sided exact McNemar p-values from the discordant pairs (a right / b wrong, and back).

    Under "no difference" each discordant item is equally likely to favour either side, so the
    count favouring one side is Binomial(discordant, 1/2) and p = min(1, 2 P(X <= min(b, c))),
    as scipy.stats.binomtest(min(b, c), b + c).pvalue computes it one pair at a time (bdtr is
    the binomial CDF, vectorised). With no discordant item p = 1.
    """
    # Counts may arrive as floats (sums of 0/1 scores); bdtr wants integers.
    b = np.rint(np.asarray(only_a, dtype=np.float64)).astype(np.int64)
    c = np.rint(np.asarray(only_b, dtype=np.float64)).astype(np.int64)
    discordant = b + c
    with np.errstate(invalid="ignore"):
        tail = bdtr(np.minimum(b, c), discordant, 0.5)
    p: FloatArray = np.where(discordant > 0, np.minimum(1.0, 2 * tail), 1.0)
    return p


def mcnemar_interval(
    only_a: npt.ArrayLike, only_b: npt.ArrayLike, n_items: npt.ArrayLike, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Interval for the paired difference in proportions that agrees with `mcnemar_exact`.

    Given m discordant items, the difference is (m / n)(2 pi - 1), pi being the chance that a
    discordant item favours a. The exact (Clopper-Pearson) interval for pi, mapped through that
    line, excludes 0 exactly when the exact McNemar p-value is below 1 - confidence, so interval
    and p-value never contradict each other. It is conditional on m: with no discordant item it
    is [0, 0], and it cannot reach beyond -m/n or m/n.
    """
    b = np.asarray(only_a, dtype=np.float64)
    c = np.asarray(only_b, dtype=np.float64)
    discordant = b + c
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(b > 0, betaincinv(b, c + 1, tail), 0.0)
        high = np.where(c > 0, betaincinv(b + 1, c, 1 - tail), 1.0)
        scale = np.where(discordant > 0, discordant / np.asarray(n_items, dtype=np.float64), 0.0)
    return scale * (2 * low - 1), scale * (2 * high - 1)


def benjamini_hochberg(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in the input order."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    # Each adjusted value is the smallest scaled value at or after its rank.
    adjusted_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(adjusted_sorted, 1.0)
    return adjusted


def percentile_interval(samples: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Percentile bootstrap interval along the last axis."""
    tail = (1 - confidence) / 2
    low, high = np.quantile(samples, [tail, 1 - tail], axis=-1)
    return low, high


def bootstrap_p_value(differences: FloatArray) -> FloatArray:
    """Two-sided p-value for "no difference" from paired bootstrap differences (last axis).

    Twice the smaller share of resamples on either side of zero, with the usual +1 so a p-value
    is never 0: with R resamples the smallest possible value is 2 / (R + 1). This is the test
    that matches the percentile interval: the interval excludes 0 about when p < 1 - confidence.
    """
    resamples = differences.shape[-1]
    at_or_below = np.count_nonzero(differences <= 0, axis=-1)
    at_or_above = np.count_nonzero(differences >= 0, axis=-1)
    p = 2 * (np.minimum(at_or_below, at_or_above) + 1) / (resamples + 1)
    return np.minimum(p, 1.0)


def bernstein_margin(variance: FloatArray, bound: FloatArray, delta: float) -> FloatArray:
    """The deviation t that a sum of independent zero-mean terms exceeds with probability < delta.

    Bernstein's inequality: P(sum >= t) <= exp(-t^2 / (2 (v + b t / 3))) when every term is at
    most `bound` in size and their variances sum to `variance`. Solving for the t at which the
    right side equals delta gives t = b L / 3 + sqrt((b L / 3)^2 + 2 L v), L = ln(1 / delta).
    """
    log_term = math.log(1 / delta)
    linear = bound * log_term / 3
    margin: FloatArray = linear + np.sqrt(linear * linear + 2 * log_term * variance)
    return margin


def multinomial_counts(
    rng: np.random.Generator,
    n_items: int,
    resamples: int,
    out: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.float32]:
    """How often each item is drawn in each of `resamples` bootstrap resamples (resamples, n).

    Drawing n item indices with replacement and counting them gives exactly the multinomial
    bootstrap. Counting a few resamples at a time keeps bincount's table in cache (about twice
    as fast as one big count). float32 holds small counts exactly and halves the matrix product.
    `out`, if given, is a (resamples, n) float32 array (or view) to fill.
    """
    counts = np.empty((resamples, n_items), dtype=np.float32) if out is None else out
    chunk = max(1, min(resamples, 32_768 // n_items))
    offsets = (np.arange(chunk, dtype=np.int64) * n_items)[:, None]
    for start in range(0, resamples, chunk):
        rows = min(chunk, resamples - start)
        draws = rng.integers(0, n_items, size=(rows, n_items), dtype=np.int64)
        draws += offsets[:rows]
        counts[start : start + rows] = np.bincount(draws.ravel(), minlength=rows * n_items).reshape(
            rows, n_items
        )
    return counts
