"""Number formats for reports: one place, so the page and the PDF agree."""

from django import template

from procure.decision.money import format_money

register = template.Library()


@register.filter
def money(value: float | None, currency: str | None = None) -> str:
    """The one money formatter (procure.decision.money); no currency: the report's."""
    return format_money(value, currency or None, missing="—")


@register.filter
def fit(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


@register.filter
def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.filter
def volume(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


@register.filter
def pvalue(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
