"""The one money formatter: every page, report, alert and engine sentence writes amounts so."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}


def format_money(amount: Any, currency: str = "USD", *, missing: str = "not priced") -> str:
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
    sign = CURRENCY_SIGNS.get(currency)
    return f"{minus}{sign}{digits}" if sign else f"{minus}{currency} {digits}"
