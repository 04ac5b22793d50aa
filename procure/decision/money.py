"""The one money formatter: every page, report, alert and engine sentence writes amounts so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}
# The currency amounts are in when a caller names none: the engine sets it to the profile's
# reporting currency for the sentences it writes, so they never say "$" for euros.
_amounts_in: ContextVar[str] = ContextVar("amounts_in", default="USD")


@contextmanager
def amounts_in(currency: str) -> Iterator[None]:
    token = _amounts_in.set(currency)
    try:
        yield
    finally:
        _amounts_in.reset(token)


def format_money(amount: Any, currency: str | None = None, *, missing: str = "not priced") -> str:
    """2.5 → "$2.50"; 12345.6 → "$12,346" (whole units from 100 up); 3 CHF → "CHF 3.00";
    None → `missing`. Amounts below 1 keep up to four decimals, so a price per million tokens
    such as 0.075 is not shown as 0.08."""
    if amount is None:
        return missing
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    minus, value = ("-" if value < 0 else ""), abs(value)
    if value >= 100:
        digits = f"{value:,.0f}"
    elif value < 1:
        whole, _, cents = f"{value:,.4f}".partition(".")
        digits = f"{whole}.{cents.rstrip('0').ljust(2, '0')}"
    else:
        digits = f"{value:,.2f}"
    currency = currency or _amounts_in.get()
    sign = CURRENCY_SIGNS.get(currency)
    return f"{minus}{sign}{digits}" if sign else f"{minus}{currency} {digits}"
