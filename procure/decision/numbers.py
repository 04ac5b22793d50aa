"""How the decision's non-money numbers are written, in one place, for page, PDF and API.

Fits are on [0, 1] inside the engine and shown in percent with one decimal ("37.1%");
differences between fits are percentage points ("+8.3 points"); weights are shares in percent
("50%"); p-values go through `p_text`. Comparisons are made on the unrounded values, and
`at_least` widens the shown precision until the rounded numbers agree with the comparison, so
"must be at least 50.0%; fits 50.0%" cannot be printed for a fit of 49.97%. No "-0.0" ever.
Money is formatted elsewhere.
"""

from __future__ import annotations

import math


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    # "-0.0" is a rounding artefact of a tiny negative number: zero has no sign.
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def percent(fit: float | None, decimals: int = 1) -> str:
    """A fit, rate or probability on [0, 1] in percent: 0.3712 -> "37.1%"."""
    return "—" if fit is None else f"{_fixed(100 * fit, decimals)}%"


def points(difference: float | None, signed: bool = True) -> str:
    """A difference of two fits in percentage points: 0.083 -> "+8.3 points"."""
    if difference is None:
        return "—"
    text = _fixed(100 * difference, 1)
    if signed and float(text) > 0:
        text = "+" + text
    return f"{text} points"


def points_range(low: float, high: float) -> str:
    """An interval of differences in points, "-1.2 to +6.3 points"."""
    return f"{points(low).removesuffix(' points')} to {points(high)}"


def weight(share: float | None) -> str:
    """A weight's share of the total in whole percent ("50%", "11%"); below 1%, one decimal."""
    if share is None:
        return "—"
    value = 100 * share
    return f"{_fixed(value, 0 if value >= 1 or value == 0 else 1)}%"


def at_least(value: float, bound: float) -> tuple[str, str]:
    """`bound` and `value` as percentages written so that their order is visible.

    With one decimal 0.4997 and 0.50 both read "50.0%"; this adds decimals (up to four) until
    the two texts differ whenever the values do, so "at least 50.0%; fits 49.97%".
    """
    for decimals in range(1, 5):
        shown_bound, shown_value = percent(bound, decimals), percent(value, decimals)
        if (shown_bound == shown_value) == math.isclose(value, bound, abs_tol=1e-12):
            return shown_bound, shown_value
    return percent(bound, 4), percent(value, 4)


def p_text(p_value: float, test: str | None, resamples: int) -> str:
    """A p-value as a committee reads it: "p < 0.001", "p = 0.012", or, where a paired
    bootstrap of `resamples` cannot resolve anything smaller, "p ≤ 0.002, the smallest a
    1,000-resample bootstrap can show"."""
    if p_value < 0.001:
        return "p < 0.001"
    floor = bootstrap_p_floor(resamples)
    if test == "paired_bootstrap" and p_value <= floor:
        return f"p ≤ {floor:.2g}, the smallest a {resamples:,}-resample bootstrap can show"
    return f"p = {p_number(p_value)}"


def p_number(p_value: float | None) -> str:
    """A p-value in a table cell: "< 0.001", else two significant digits ("0.054", "0.3")."""
    if p_value is None:
        return "—"
    return "< 0.001" if p_value < 0.001 else f"{p_value:.2g}"


def bootstrap_p_floor(resamples: int) -> float:
    """The smallest p-value a paired bootstrap of `resamples` resamples can give (stats.py)."""
    return 2 / (resamples + 1)
