"""catalog_refresh against the installed genai-prices package (its real bundled data)."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from procure.catalog.models import DeploymentOption, PriceChange
from procure.catalog.price_sources import GenaiPricesSource, LitellmSource
from procure.catalog.refresh import catalog_refresh
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 2)
SOURCE = GenaiPricesSource(today=TODAY)


def linked_option(model_id="anthropic/claude-sonnet-5-5", **overrides):
    values = {
        "price_source": "genai-prices",
        "price_source_model": model_id,
        "input_price_per_mtok": Decimal("9.00"),
        "output_price_per_mtok": Decimal("99.00"),
        **overrides,
    }
    return f.ApiOptionFactory(**values)


def test_the_source_prices_what_its_package_ships():
    quote = SOURCE.lookup("anthropic/claude-sonnet-5-5")

    assert (quote.input_per_mtok, quote.output_per_mtok) == (Decimal(2), Decimal(10))
    assert quote.context_window == 1_000_000
    assert SOURCE.lookup("anthropic/no-such-model") is None
    assert SOURCE.data_date is not None and SOURCE.data_date <= TODAY


def test_it_never_starts_the_auto_updater():
    from genai_prices import data_snapshot

    SOURCE.lookup("openai/gpt-6.1-sol")

    assert data_snapshot._custom_snapshot is None  # only the auto-updater sets one


def test_a_refresh_updates_a_linked_price_and_records_its_history():
    option = linked_option()

    (report,) = catalog_refresh(today=TODAY, sources=["genai-prices"])

    option.refresh_from_db()
    assert (option.input_price_per_mtok, option.output_price_per_mtok) == (2, 10)
    assert option.price_reference == f"genai-prices {SOURCE.version}"
    assert option.price_date == SOURCE.data_date
    assert option.candidate.context_window == 1_000_000
    history = {
        c.field: (c.old_value, c.new_value) for c in PriceChange.objects.filter(option=option)
    }
    assert history == {
        "input_price_per_mtok": ("9", "2"),
        "output_price_per_mtok": ("99", "10"),
        "context_window": ("", "1000000"),
    }
    assert {c.source_version for c in PriceChange.objects.all()} == {SOURCE.version}
    assert len(report.changes) == 3


def test_a_second_refresh_changes_nothing():
    linked_option()
    catalog_refresh(today=TODAY, sources=["genai-prices"])

    (report,) = catalog_refresh(today=TODAY, sources=["genai-prices"])

    assert report.changes == [] and report.unchanged == 1
    assert PriceChange.objects.count() == 3


def test_a_dry_run_changes_nothing_but_says_what_would_change():
    option = linked_option()

    (report,) = catalog_refresh(today=TODAY, sources=["genai-prices"], dry_run=True)

    assert [c.field for c in report.changes][:2] == [
        "input_price_per_mtok",
        "output_price_per_mtok",
    ]
    assert DeploymentOption.objects.get(pk=option.pk).input_price_per_mtok == Decimal("9.00")
    assert not PriceChange.objects.exists()


def test_an_unknown_id_is_reported_and_left_alone():
    option = linked_option("openai/gpt-imaginary", name="Vendor API")

    (report,) = catalog_refresh(today=TODAY, sources=["genai-prices"])

    assert report.unknown == [
        f"{option.candidate.name} — Vendor API: 'openai/gpt-imaginary' is not in "
        f"genai-prices {SOURCE.version}"
    ]
    assert DeploymentOption.objects.get(pk=option.pk).input_price_per_mtok == Decimal("9.00")


def test_the_command_lists_changes_unknown_ids_and_unlinked_options():
    linked_option(name="Linked")
    linked_option("openai/gpt-imaginary", name="Wrong id")
    f.ApiOptionFactory(name="By hand")
    out = StringIO()

    call_command("catalog_refresh", "--source", "genai-prices", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "would change 3 value(s)" in text
    assert "input price per 1M tokens 9 → 2" in text
    assert "unknown id:" in text and "'openai/gpt-imaginary'" in text
    assert "linked to no source" in text and "— By hand" in text
    assert not PriceChange.objects.exists()


def test_the_command_refuses_a_source_that_is_not_installed(monkeypatch):
    from procure.catalog import price_sources

    def missing(distribution):
        raise price_sources.SourceUnavailable(f"{distribution} is not installed")

    monkeypatch.setattr(price_sources, "_installed_version", missing)

    with pytest.raises(CommandError, match="litellm is not installed"):
        call_command("catalog_refresh", "--source", "litellm", stdout=StringIO())


def test_the_litellm_adapter_reads_its_json_per_token_prices_per_million(tmp_path):
    data = tmp_path / "prices.json"
    data.write_text(
        json.dumps(
            {
                "sample_spec": {"input_cost_per_token": 0},
                "mistral/mistral-large-4": {
                    "input_cost_per_token": 7e-07,
                    "output_cost_per_token": 2.1e-06,
                    "max_input_tokens": 1048576,
                    "litellm_provider": "mistral",
                },
            }
        )
    )
    source = LitellmSource(path=data)

    quote = source.lookup("mistral/mistral-large-4")

    assert (quote.input_per_mtok, quote.output_per_mtok) == (Decimal("0.7"), Decimal("2.1"))
    assert quote.context_window == 1048576
    assert source.lookup("sample_spec") is None
    assert list(source.model_ids()) == ["mistral/mistral-large-4"]


def test_a_link_names_a_known_source_and_an_id_on_an_api_option_in_usd():
    from django.core.exceptions import ValidationError

    from procure.catalog.services import deployment_option_create

    candidate = f.CandidateFactory()
    base = {"kind": "api", "name": "API", "regions": ["eu"], "input_price_per_mtok": "1",
            "output_price_per_mtok": "1"}  # fmt: skip
    for link, field in [
        ({"price_source": "pricebook"}, "price_source"),
        ({"price_source": "genai-prices"}, "price_source_model"),
        ({"price_source": "genai-prices", "price_source_model": "x/y", "currency": "EUR"},
         "currency"),
        ({"price_source_model": "x/y"}, "price_source"),
    ]:  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            deployment_option_create(
                organization=candidate.organization, candidate_id=candidate.pk, **base, **link
            )
        assert field in refused.value.message_dict


def test_a_linked_option_priced_in_another_currency_is_reported_not_overwritten():
    option = linked_option()
    DeploymentOption.objects.filter(pk=option.pk).update(currency="EUR")

    (report,) = catalog_refresh(today=TODAY, sources=["genai-prices"])

    assert "priced in EUR, but genai-prices lists USD; left alone" in report.unknown[0]
    assert DeploymentOption.objects.get(pk=option.pk).input_price_per_mtok == Decimal("9.00")


def test_the_candidate_page_shows_the_price_history(client):
    from procure.accounts.models import Role
    from tests.procure.web.conftest import logged_in

    option = linked_option()
    catalog_refresh(today=TODAY, sources=["genai-prices"])
    membership = f.MembershipFactory(organization=option.candidate.organization, role=Role.VIEWER)
    client = logged_in(client, membership.user)
    slug = option.candidate.organization.slug

    body = client.get(f"/o/{slug}/catalog/{option.candidate.pk}/").content.decode()

    assert 'id="price-history"' in body
    assert f"genai-prices {SOURCE.version} · anthropic/claude-sonnet-5-5" in body
