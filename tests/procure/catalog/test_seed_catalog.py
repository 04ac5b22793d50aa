"""The seed catalog: current models, every price traceable, no API price older than the limit."""

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from procure.catalog.models import CandidateModel, DeploymentOption
from procure.catalog.price_sources import GenaiPricesSource
from procure.catalog.refresh import seed_file_refresh
from procure.catalog.services import catalog_import
from tests import factories as f

SEED_FILE = Path(settings.BASE_DIR) / "fixtures" / "catalog" / "seed-catalog.json"
TODAY = date(2026, 12, 2)


def seed():
    return json.loads(SEED_FILE.read_text())


def options(kind):
    for entry in seed()["candidates"]:
        for option in entry["deployment_options"]:
            if option["kind"] == kind:
                yield entry["name"], option


def test_every_api_price_names_its_source_package_and_version():
    for name, option in options("api"):
        assert option["price_source"] == "genai-prices", name
        assert option["price_source_model"], name
        assert option["price_reference"].startswith("genai-prices "), name
        assert option["price_date"], name


def test_no_seed_api_price_is_older_than_the_staleness_limit_of_the_source_data():
    data_date = GenaiPricesSource(today=TODAY).data_date
    oldest_allowed = data_date - timedelta(days=settings.CATALOG_PRICE_STALE_DAYS)

    stale = [
        (name, option["name"], option["price_date"])
        for name, option in options("api")
        if date.fromisoformat(option["price_date"]) < oldest_allowed
    ]

    assert stale == []


def test_the_seed_api_prices_are_what_the_installed_source_says():
    data = seed()
    before = json.dumps(data, sort_keys=True)

    problems = seed_file_refresh(data, today=TODAY)

    assert problems == []
    assert json.dumps(data, sort_keys=True) == before, (
        "run: manage.py catalog_refresh --seed-file fixtures/catalog/seed-catalog.json"
    )


def test_hand_entered_instance_rates_are_dated_and_sourced():
    for name, option in options("self_hosted"):
        assert option["price_date"] and option["price_reference"].startswith("https://"), name


def test_the_seed_covers_current_families_and_two_specialists_per_domain():
    names = " ".join(entry["name"] for entry in seed()["candidates"])
    for family in ("GPT-6", "Claude", "Gemini", "Mistral", "Llama", "Qwen", "DeepSeek"):
        assert family in names
    domains = Counter(e["specialisation"] for e in seed()["candidates"] if e["open_weights"])
    for domain in ("legal", "medical", "code", "finance"):
        assert domains[domain] >= 2, domain


@pytest.mark.django_db
def test_the_seed_loads_with_licence_jurisdiction_regions_and_context():
    org = f.OrganizationFactory()

    catalog_import(organization=org, data=seed())

    for candidate in CandidateModel.objects.filter(organization=org):
        assert candidate.licence and candidate.vendor_jurisdiction, candidate
        assert candidate.prices_as_of and candidate.price_source, candidate
    for option in DeploymentOption.objects.filter(candidate__organization=org):
        assert option.regions and option.price_date and option.price_reference, option
    api_candidates = CandidateModel.objects.filter(
        organization=org, deployment_options__kind="api"
    ).distinct()
    assert all(c.context_window for c in api_candidates)
