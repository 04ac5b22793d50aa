"""Number formats for reports: one place, so the page and the PDF agree."""

from django import template

register = template.Library()


@register.filter
def money(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


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
