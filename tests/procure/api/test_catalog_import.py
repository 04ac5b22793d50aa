import pytest

from procure.api.catalog_import import EXAMPLE
from procure.catalog.models import CandidateModel
from tests import factories as f

from .conftest import errors, url

pytestmark = pytest.mark.django_db


def candidate(**overrides):
    """The documented example, reachable through a local checkpoint."""
    return {
        **EXAMPLE["candidates"][0],
        "name": "LegalLM",
        "evaluation_access": {"backend": "hf", "identity": "/models/legal"},
        **overrides,
    }


def test_it_imports_and_then_updates_candidates_by_name(api, org):
    body = {"candidates": [candidate(), candidate(name="GeneralLM", specialisation="general")]}

    first = api.post(url("candidates/import/"), body, format="json")
    again = api.post(url("candidates/import/"), body, format="json")

    assert first.status_code == 200, first.content
    assert first.json() == {"created": 2, "updated": 0}
    assert again.json() == {"created": 0, "updated": 2}
    legal = CandidateModel.objects.get(organization=org, name="LegalLM")
    assert legal.deployment_options.count() == 1
    assert legal.evaluation_access.identity == "/models/legal"


def test_errors_name_their_place_in_the_body(api, org):
    bad_option = {"kind": "self_hosted", "name": "x", "hourly_rate": "-1", "throughput_rps": 1}
    body = {"candidates": [candidate(), candidate(name="B", deployment_options=[bad_option])]}

    problems = errors(api.post(url("candidates/import/"), body, format="json"))

    assert list(problems) == ["candidates[1].deployment_options[0].hourly_rate"]
    assert not CandidateModel.objects.filter(organization=org).exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"candidates": "all of them"},
        {"candidates": [5]},
        {"candidates": [candidate(deployment_options=5)]},
        {
            "candidates": [
                candidate(evaluation_access={"backend": "hf", "identity": "/m", "secret": "k"})
            ]
        },
        {"candidates": [candidate(colour="red")]},
    ],
)
def test_malformed_imports_are_400(api, body):
    assert errors(api.post(url("candidates/import/"), body, format="json"))


def test_a_model_level_rule_is_reported_with_its_place(api, org):
    f.CandidateFactory(organization=org, name="Taken")
    api_offer = {"kind": "api", "name": "Vendor", "regions": ["eu"], "input_price_per_mtok": "1"}

    problems = errors(
        api.post(
            url("candidates/import/"),
            {"candidates": [candidate(deployment_options=[api_offer])]},
            format="json",
        )
    )

    assert problems == {
        "candidates[0].deployment_options[0]": ["An API offer needs an input and an output price."]
    }


def test_an_editor_cannot_retarget_an_access_that_holds_a_secret(api, org):
    existing = f.CandidateFactory(organization=org, name="LegalLM")
    access = f.EvaluationAccessFactory(candidate=existing)
    access.set_secret("sk-1")
    access.save()

    problems = errors(
        api.post(url("candidates/import/"), {"candidates": [candidate()]}, format="json")
    )

    assert "Only an admin" in problems["candidates[0].evaluation_access"][0]


def test_it_imports_a_csv_table(api, org):
    table = (
        "name,provider,specialisation,licence,open_weights,vendor_jurisdiction,parameters_billion\n"
        "LegalLM,Equall,legal,MIT,true,FR,7\n"
        "GeneralLM,Mistral,general,Apache-2.0,false,FR,\n"
    )

    response = api.post(url("candidates/import/"), table, content_type="text/csv")

    assert response.json() == {"created": 2, "updated": 0}
    assert CandidateModel.objects.get(organization=org, name="GeneralLM").parameters_billion is None


def test_a_bad_csv_cell_is_reported_by_row(api):
    table = "name,provider,licence,vendor_jurisdiction,open_weights\nA,B,MIT,FR,perhaps\n"

    problems = errors(api.post(url("candidates/import/"), table, content_type="text/csv"))

    assert list(problems) == ["candidates[0].open_weights"]


def test_a_csv_that_is_not_utf8_is_400(api):
    response = api.post(url("candidates/import/"), b"name\n\xff\xfe", content_type="text/csv")

    assert errors(response) == {"non_field_errors": ["CSV must be UTF-8 text."]}


def test_the_documented_example_imports(api):
    assert api.post(url("candidates/import/"), EXAMPLE, format="json").json() == {
        "created": 1,
        "updated": 0,
    }
