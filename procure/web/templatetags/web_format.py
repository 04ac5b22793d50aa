"""Formats for pages: counts with thousands separators, durations, region names, statuses."""

from datetime import timedelta
from decimal import Decimal

from django import template

from procure.catalog.models import CandidateModel, DeploymentOption
from procure.catalog.staleness import PriceAge, candidate_price_age, option_price_date, price_age
from procure.decision.money import format_money
from procure.schedules.drift import format_fit
from procure.web.vocabulary import REGION_NAMES

register = template.Library()


@register.filter
def thousands(value: int | float | Decimal | None) -> str:
    """12345 → "12,345"; 0.5 → "0.5"; None → "—"."""
    if value is None or value == "":
        return "—"
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}".rstrip("0")


@register.filter
def duration(value: timedelta | float | None) -> str:
    """A short, human duration: "45 s", "3 min 05 s", "2 h 04 min"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    seconds = max(seconds, 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@register.filter
def region_name(code: str) -> str:
    return REGION_NAMES.get(code, code)


@register.filter
def option_regions(candidate: CandidateModel) -> list[str]:
    """Every region any of the candidate's (prefetched) deployment options processes data in."""
    found = {region for option in candidate.deployment_options.all() for region in option.regions}
    return sorted(found, key=lambda code: (code not in REGION_NAMES, code))


@register.inclusion_tag("web/_status.html")
def status_badge(status: str, label: str = "") -> dict[str, str]:
    return {"status": status, "label": label or status.replace("_", " ").capitalize()}


@register.filter
def points(share: float) -> str:
    """A share of items as points: 0.02 → "2"."""
    return f"{round(100 * share, 4):g}"


@register.filter
def percent(share: float) -> str:
    """0.1 → "10%"."""
    return f"{round(100 * share, 4):g}%"


@register.filter
def fit_percent(fit: float | None) -> str:
    """0.6123 → "61.2%", as alerts write it."""
    return format_fit(fit)


@register.inclusion_tag("web/_price_age.html")
def price_age_badge(subject: CandidateModel | DeploymentOption) -> dict[str, PriceAge]:
    """The date of a candidate's or an option's prices, flagged when older than the limit."""
    if isinstance(subject, CandidateModel):
        return {"age": candidate_price_age(subject)}
    return {"age": price_age(option_price_date(subject))}


@register.filter
def money(value: object, currency: str = "USD") -> str:
    """An amount with its currency, written by the one money formatter; None → "—"."""
    return format_money(value, currency or "USD", missing="—")
