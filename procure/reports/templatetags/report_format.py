"""Number formats for reports: one place, so the page and the PDF agree.

Non-money numbers are written by procure.decision.numbers, which the verdict uses too.
"""

from django import template

from procure.decision import numbers
from procure.decision.money import format_money

register = template.Library()


@register.filter
def money(value: float | None, currency: str | None = None) -> str:
    """The one money formatter (procure.decision.money); no currency: the report's."""
    return format_money(value, currency or None, missing="—")


@register.filter
def fit(value: float | None) -> str:
    return numbers.percent(value)


@register.filter
def pct(value: float | None) -> str:
    return numbers.percent(value, 0)


@register.filter
def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.filter
def volume(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


@register.filter
def pvalue(value: float | None) -> str:
    return numbers.p_number(value)


@register.filter
def points(value: float | None) -> str:
    """A difference of fits in percentage points, signed: "+8.3 points"."""
    return numbers.points(value)


@register.filter
def weight(value: float | None) -> str:
    """A weight's share in percent: "60%"."""
    return numbers.weight(value)


@register.filter
def met(value: bool | None) -> str:
    return "—" if value is None else ("met" if value else "not met")


@register.filter
def points_to(low: float | None, high: float | None) -> str:
    """An interval of differences: "-1.2 to +6.3 points"."""
    return "—" if low is None or high is None else numbers.points_range(low, high)
