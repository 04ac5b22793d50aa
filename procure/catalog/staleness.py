"""How old a price is, and whether it is too old to buy on (CATALOG_PRICE_STALE_DAYS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from .models import CandidateModel, DeploymentOption


@dataclass(frozen=True)
class PriceAge:
    as_of: date | None
    days: int | None
    stale: bool

    @property
    def label(self) -> str:
        """ "prices of 2025-07-01 (519 days old)"; "undated prices" when nobody dated them."""
        if self.as_of is None:
            return "undated prices"
        return f"prices of {self.as_of.isoformat()} ({self.days} days old)"


def price_age(as_of: date | None, *, today: date | None = None) -> PriceAge:
    """Undated prices count as stale: nobody can tell how old they are."""
    if as_of is None:
        return PriceAge(None, None, True)
    days = ((today or timezone.localdate()) - as_of).days
    return PriceAge(as_of, days, days > settings.CATALOG_PRICE_STALE_DAYS)


def option_price_date(option: DeploymentOption) -> date | None:
    return option.price_date or option.candidate.prices_as_of


def candidate_price_date(candidate: CandidateModel) -> date | None:
    """The oldest date among the candidate's (prefetched) options: the offer is that old."""
    dates = [o.price_date for o in candidate.deployment_options.all() if o.price_date]
    if candidate.prices_as_of:
        dates += [candidate.prices_as_of] if not dates else []
    return min(dates) if dates else None


def candidate_price_age(candidate: CandidateModel, *, today: date | None = None) -> PriceAge:
    return price_age(candidate_price_date(candidate), today=today)
