"""Money in one reporting currency per organisation, converted with dated rates admins keep.

An amount in another currency is converted with the newest ExchangeRate on or before the day
it is needed, and the result carries the rate and its date so pages can show them. Without a
rate the amount is refused with a message naming the missing rate: amounts in two currencies
are never added or compared as if they were one unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from procure.accounts.models import Organization

from .models import ExchangeRate


@dataclass(frozen=True)
class Rate:
    currency: str
    rate: Decimal
    valid_on: date


@dataclass(frozen=True)
class Converted:
    amount: float | None  # in the reporting currency; None when it could not be converted
    currency: str  # the reporting currency
    original_amount: float
    original_currency: str
    rate: Rate | None = None  # None: no conversion needed, or none possible
    problem: str = ""

    @property
    def note(self) -> str:
        """How the amount was obtained, for a reader checking it."""
        if self.problem:
            return self.problem
        if self.rate is None:
            return ""
        return (
            f"converted from {self.original_currency} at {self.rate.rate.normalize():f} "
            f"{self.currency}/{self.original_currency} (rate of {self.rate.valid_on.isoformat()})"
        )


@dataclass(frozen=True)
class RateTable:
    reporting_currency: str
    rates: dict[str, Rate]

    def convert(self, amount: float, currency: str) -> Converted:
        if currency == self.reporting_currency:
            return Converted(amount, currency, amount, currency)
        rate = self.rates.get(currency)
        if rate is None:
            return Converted(
                None,
                self.reporting_currency,
                amount,
                currency,
                problem=(
                    f"priced in {currency}; no {currency}→{self.reporting_currency} exchange "
                    "rate is recorded, so it is not compared with amounts in "
                    f"{self.reporting_currency} (an admin can add one)"
                ),
            )
        return Converted(
            float(Decimal(str(amount)) * rate.rate), self.reporting_currency, amount, currency, rate
        )


def rate_table(*, organization: Organization, on: date) -> RateTable:
    """The organisation's newest rate per currency on or before `on`."""
    rates: dict[str, Rate] = {}
    for row in ExchangeRate.objects.filter(organization=organization, valid_on__lte=on).order_by(
        "currency", "-valid_on"
    ):
        rates.setdefault(row.currency, Rate(row.currency, row.rate, row.valid_on))
    return RateTable(organization.reporting_currency, rates)
