"""Evaluation budgeting: our power figures against statsmodels' on a grid of n and p."""

import math

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from procure.decision.power import (
    effective_items,
    items_for_lift,
    minimum_detectable_difference,
    power,
    suite_power,
)

GRID_N = (20, 50, 100, 200, 500, 1000, 5000)
GRID_P = (0.05, 0.2, 0.5, 0.7, 0.9)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("n", GRID_N)
@pytest.mark.parametrize("p", GRID_P)
def test_the_minimum_detectable_difference_has_80_percent_power_in_statsmodels(n, p, confidence):
    alpha = 1 - confidence
    lift = minimum_detectable_difference(n, p, confidence)
    h = NormalIndPower().solve_power(nobs1=n, alpha=alpha, power=0.8, ratio=1)
    if lift is None:
        assert math.asin(math.sqrt(p)) + h / 2 > math.pi / 2
        return
    expected = math.sin(math.asin(math.sqrt(p)) + h / 2) ** 2 - p
    assert lift == pytest.approx(expected, rel=0.01)
    effect = proportion_effectsize(p + lift, p)
    assert NormalIndPower().power(effect, nobs1=n, alpha=alpha, ratio=1) == pytest.approx(0.8, 1e-3)


@pytest.mark.parametrize("lift", [0.01, 0.03, 0.05, 0.1, 0.2])
@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.7])
def test_the_items_needed_for_a_lift_match_statsmodels(p, lift):
    effect = proportion_effectsize(p + lift, p)
    expected = NormalIndPower().solve_power(effect, nobs1=None, alpha=0.05, power=0.8, ratio=1)
    assert items_for_lift(p, lift, 0.95) == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("n", GRID_N)
def test_the_power_function_is_statsmodels(n):
    for h in (0.05, 0.2, 0.5):
        expected = NormalIndPower().power(h, nobs1=n, alpha=0.05, ratio=1)
        assert power(h, n, 0.95) == pytest.approx(expected, rel=1e-9)


def test_a_profile_of_two_equal_suites_counts_as_one_suite_of_both_their_items():
    assert effective_items([1, 1], [500, 500]) == pytest.approx(1000)
    expected = 1 / (0.75**2 / 100 + 0.25**2 / 1000)
    assert effective_items([3, 1], [100, 1000]) == pytest.approx(expected)


def test_suite_power_gives_each_suite_and_the_profile_with_items_for_a_typed_lift():
    rows = suite_power([("contracts", 1.0, 200, 0.5), ("qa", 1.0, 200, 0.5)], 0.5, 0.95, lift=0.05)
    assert [r.suite_id for r in rows] == ["contracts", "qa", None]
    assert rows[2].items == pytest.approx(400)
    assert rows[2].detectable is not None and rows[0].detectable is not None
    assert rows[2].detectable < rows[0].detectable
    assert rows[0].items_for_lift == math.ceil(items_for_lift(0.5, 0.05, 0.95))


def test_an_impossible_lift_is_refused_with_a_message():
    with pytest.raises(ValueError, match=r"the lift must be above 0 and at most 0\.100"):
        items_for_lift(0.9, 0.2, 0.95)
