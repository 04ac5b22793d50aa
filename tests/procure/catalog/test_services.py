import json
from pathlib import Path

import pytest
from django.db import connection

from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.catalog.services import catalog_import
from procure.core.validation import ImportProblem
from tests import factories as f

pytestmark = pytest.mark.django_db
SEED = Path(__file__).resolve().parents[3] / "fixtures" / "catalog"


def candidate(**overrides):
    return {
        "name": "LegalLM",
        "provider": "Equall",
        "specialisation": "legal",
        "licence": "MIT",
        "open_weights": True,
        "vendor_jurisdiction": "FR",
        "deployment_options": [
            {
                "kind": "self_hosted",
                "name": "1x L4",
                "hardware": "1x NVIDIA L4",
                "regions": ["eu"],
                "hourly_rate": "0.80",
                "throughput_rps": 2.0,
            },
        ],
        **overrides,
    }


def test_it_imports_candidates_with_their_options():
    org = f.OrganizationFactory()

    result = catalog_import(organization=org, data={"candidates": [candidate()]})

    assert (result.created, result.updated) == (1, 0)
    imported = CandidateModel.objects.get(organization=org)
    assert imported.is_specialist
    assert imported.deployment_options.get().hardware == "1x NVIDIA L4"


def test_importing_again_updates_instead_of_duplicating():
    org = f.OrganizationFactory()
    catalog_import(organization=org, data={"candidates": [candidate()]})

    result = catalog_import(
        organization=org, data={"candidates": [candidate(licence="Apache-2.0")]}
    )

    assert (result.created, result.updated) == (0, 1)
    assert CandidateModel.objects.get(organization=org).licence == "Apache-2.0"


def test_bad_input_names_every_place_and_saves_nothing():
    org = f.OrganizationFactory()
    bad_option = {"kind": "api", "name": "API", "regions": ["us"], "input_price_per_mtok": "1"}
    data = {
        "candidates": [
            candidate(name="Fine"),
            candidate(name="Broken", deployment_options=[bad_option]),
            candidate(name="Odd", colour="blue"),
        ]
    }

    with pytest.raises(ImportProblem) as excinfo:
        catalog_import(organization=org, data=data)

    problems = excinfo.value.problems
    assert any(
        p.startswith("candidates[1].deployment_options[0]") and "output price" in p
        for p in problems
    ), problems
    assert "candidates[2]: unknown field(s) colour" in problems
    assert not CandidateModel.objects.filter(organization=org).exists()


def test_secrets_are_encrypted_at_rest_and_readable_by_the_service():
    org = f.OrganizationFactory()
    key = "sk-test-PLAINTEXT-never-stored-4f9a"
    access_data = {
        "backend": "local-completions",
        "identity": "legal-7b",
        "options": {"base_url": "http://127.0.0.1:9/v1/completions"},
    }

    catalog_import(
        organization=org,
        data={"candidates": [candidate(evaluation_access=access_data)]},
        secrets={"LegalLM": key},
    )

    access = EvaluationAccess.objects.get(candidate__organization=org)
    assert access.has_secret
    assert access.get_secret() == key
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM catalog_evaluationaccess")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(key not in value for value in stored)


def test_the_seed_catalog_loads_cleanly():
    org = f.OrganizationFactory()

    for path in sorted(SEED.glob("*.json")):
        catalog_import(organization=org, data=json.loads(path.read_text()))

    candidates = CandidateModel.objects.filter(organization=org)
    assert candidates.filter(specialisation="general").count() >= 4
    assert candidates.exclude(specialisation="general").count() >= 4
    assert all(c.prices_as_of and c.price_source for c in candidates)
