"""The currency page: admins set the reporting currency and keep dated exchange rates."""

from datetime import date
from decimal import Decimal

import pytest

from procure.accounts.models import Role
from procure.catalog.models import ExchangeRate

from .conftest import page, text

pytestmark = pytest.mark.django_db


def test_an_admin_sets_the_reporting_currency_and_adds_a_rate(admin, org):
    admin.post(page("currency/save/"), {"form": "currency", "reporting_currency": "eur"})
    response = admin.post(
        page("currency/save/"),
        {"form": "rate", "currency": "usd", "rate": "0.92", "valid_on": "2026-11-30",
         "source": "https://www.ecb.europa.eu/"},
    )  # fmt: skip

    org.refresh_from_db()
    assert org.reporting_currency == "EUR"
    assert response.status_code == 302
    rate = ExchangeRate.objects.get(organization=org)
    assert (rate.currency, rate.rate, rate.valid_on) == ("USD", Decimal("0.92"), date(2026, 11, 30))
    body = text(admin.get(page("currency/")))
    assert "0.92 EUR" in body and "2026-11-30" in body


def test_a_bad_code_or_the_reporting_currency_itself_is_refused_next_to_the_field(admin, org):
    bad = admin.post(page("currency/save/"), {"form": "currency", "reporting_currency": "E1"})
    itself = admin.post(
        page("currency/save/"),
        {"form": "rate", "currency": "USD", "rate": "1", "valid_on": "2026-11-30"},
    )

    assert "Use a three-letter ISO 4217 code" in text(bad)
    assert "USD is the reporting currency itself." in text(itself)
    assert not ExchangeRate.objects.exists()


def test_a_viewer_reads_the_rates_but_cannot_change_them(client_for, org):
    viewer = client_for(Role.VIEWER)
    ExchangeRate.objects.create(
        organization=org, currency="EUR", rate=Decimal("1.1"), valid_on=date(2026, 11, 1)
    )

    assert "1.1 USD" in text(viewer.get(page("currency/")))
    refused = viewer.post(page("currency/save/"), {"form": "currency", "reporting_currency": "GBP"})

    assert refused.status_code == 403
    org.refresh_from_db()
    assert org.reporting_currency == "USD"


def test_an_admin_removes_a_rate_but_not_another_organisations(admin, org, other_org):
    mine = ExchangeRate.objects.create(
        organization=org, currency="EUR", rate=Decimal("1.1"), valid_on=date(2026, 11, 1)
    )
    theirs = ExchangeRate.objects.create(
        organization=other_org, currency="EUR", rate=Decimal("1.1"), valid_on=date(2026, 11, 1)
    )

    admin.post(page(f"currency/rates/{mine.pk}/remove/"))
    assert admin.post(page(f"currency/rates/{theirs.pk}/remove/")).status_code == 404

    assert list(ExchangeRate.objects.all()) == [theirs]
