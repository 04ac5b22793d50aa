"""Evaluation budgeting: how big a difference in accuracy a suite of n items can detect.

The model is the classic two-sample comparison of proportions on Cohen's arcsine scale,
h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1)), with n items per candidate, a two-sided test at
alpha = 1 - confidence, and power = P(reject | true effect h) =
Phi(h sqrt(n/2) - z) + Phi(-h sqrt(n/2) - z), z the two-sided critical value. That is exactly
statsmodels' `NormalIndPower` with `ratio=1` and `proportion_effectsize`, which the tests
compare with. The engine itself compares candidates on the *same* items (McNemar, paired
bootstrap), which is usually more powerful than two independent samples, so these figures
err on the safe side: suites that pass this check are big enough.

A profile of several suites is a weighted mean of suite accuracies; its variance is
sum(w_s^2 var_s / n_s), which for equal per-item variance equals that of a single suite of
n_eff = 1 / sum(w_s^2 / n_s) items. The profile's figures use n_eff.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from scipy.optimize import brentq

POWER = 0.8
DEFAULT_CONFIDENCE = 0.95  # the engine's, when a profile states none (inputs.ProfileInput)
POWER_BASELINE = 0.5  # before any result: the accuracy at which differences are hardest to see
_NORMAL = NormalDist()


@dataclass(frozen=True)
class SuitePower:
    """What one suite (or, with `suite_id` None, the whole profile) can tell apart."""

    suite_id: str | None
    items: float  # the profile's effective number of items when suite_id is None
    baseline: float  # accuracy the difference is measured from
    detectable: float | None  # smallest lift detectable at 80% power; None: none is
    items_for_lift: int | None  # items needed to detect `lift`, when a lift was asked for
    lift: float | None


def power(effect: float, items: float, confidence: float) -> float:
    """Power of a two-sided test at alpha = 1 - confidence to detect Cohen's h = `effect`."""
    z = _NORMAL.inv_cdf(1 - (1 - confidence) / 2)
    shift = effect * math.sqrt(items / 2)
    return _NORMAL.cdf(shift - z) + _NORMAL.cdf(-shift - z)


def detectable_effect(items: float, confidence: float, target: float = POWER) -> float:
    """The Cohen's h a test on `items` items detects with probability `target`."""
    if items <= 0:
        raise ValueError("items must be > 0")
    return float(brentq(lambda h: power(h, items, confidence) - target, 1e-9, 50.0, xtol=1e-12))


def effect_size(baseline: float, other: float) -> float:
    """Cohen's h between two accuracies (statsmodels' proportion_effectsize(other, baseline))."""
    return 2 * math.asin(math.sqrt(other)) - 2 * math.asin(math.sqrt(baseline))


def minimum_detectable_difference(
    items: float, baseline: float, confidence: float, target: float = POWER
) -> float | None:
    """The smallest accuracy lift above `baseline` detectable at `target` power; None when
    even a perfect score would not be detected."""
    _check_accuracy(baseline)
    angle = math.asin(math.sqrt(baseline)) + detectable_effect(items, confidence, target) / 2
    if angle > math.pi / 2:
        return None
    return math.sin(angle) ** 2 - baseline


def items_for_lift(baseline: float, lift: float, confidence: float, target: float = POWER) -> float:
    """Items per candidate (not rounded) needed to detect `lift` over `baseline`."""
    _check_accuracy(baseline)
    if not 0 < lift <= 1 - baseline:
        raise ValueError(f"the lift must be above 0 and at most {1 - baseline:.3f}")
    effect = effect_size(baseline, baseline + lift)
    z = _NORMAL.inv_cdf(1 - (1 - confidence) / 2)
    guess = 2 * ((z + _NORMAL.inv_cdf(target)) / effect) ** 2
    return float(
        brentq(lambda n: power(effect, n, confidence) - target, guess / 4, guess * 4, xtol=1e-9)
    )


def effective_items(weights: Sequence[float], items: Sequence[float]) -> float:
    """The single-suite size with the variance of the weighted mean of these suites."""
    total = sum(weights)
    return 1 / sum((w / total) ** 2 / n for w, n in zip(weights, items, strict=True) if w > 0)


def suite_power(
    suites: Sequence[tuple[str, float, float, float]],
    baseline: float,
    confidence: float,
    lift: float | None = None,
) -> tuple[SuitePower, ...]:
    """Per suite (suite id, weight, items, baseline accuracy), then the profile as a whole
    (suite_id None, at `baseline`). Baselines are kept below 1, where nothing is detectable."""
    rows: list[tuple[str | None, float, float]] = [(s, n, b) for s, _, n, b in suites]
    n_eff = effective_items([w for _, w, _, _ in suites], [n for _, _, n, _ in suites])
    rows.append((None, n_eff, baseline))
    result = []
    for suite_id, n, base in rows:
        base = min(max(base, 0.0), 0.999)
        needed = None
        if lift is not None and lift <= 1 - base:
            needed = math.ceil(items_for_lift(base, lift, confidence))
        result.append(
            SuitePower(
                suite_id=suite_id,
                items=n,
                baseline=base,
                detectable=minimum_detectable_difference(n, base, confidence),
                items_for_lift=needed,
                lift=lift,
            )
        )
    return tuple(result)


def _check_accuracy(value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError("the baseline accuracy must be in [0, 1)")
