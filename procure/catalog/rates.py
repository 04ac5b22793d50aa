"""Writes to the organisation's money settings: its reporting currency and exchange rates."""

import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from procure.accounts.models import Organization

from .models import ExchangeRate

CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def _code(currency: str, field: str) -> str:
    code = currency.strip().upper()
    if not CURRENCY_CODE.fullmatch(code):
        raise ValidationError({field: "Use a three-letter ISO 4217 code such as USD or EUR."})
    return code


@transaction.atomic
def reporting_currency_set(*, organization: Organization, currency: str) -> Organization:
    organization.reporting_currency = _code(currency, "reporting_currency")
    organization.save(update_fields=["reporting_currency"])
    return organization


@transaction.atomic
def exchange_rate_set(
    *, organization: Organization, currency: str, rate: Decimal, valid_on: date, source: str = ""
) -> ExchangeRate:
    """Record (or correct) what one unit of `currency` was worth in the reporting currency."""
    code = _code(currency, "currency")
    if code == organization.reporting_currency:
        raise ValidationError({"currency": f"{code} is the reporting currency itself."})
    row, _ = ExchangeRate.objects.update_or_create(
        organization=organization,
        currency=code,
        valid_on=valid_on,
        defaults={"rate": rate, "source": source},
    )
    row.full_clean()
    return row


@transaction.atomic
def exchange_rate_delete(*, organization: Organization, rate_id: int) -> None:
    ExchangeRate.objects.filter(organization=organization).get(pk=rate_id).delete()
