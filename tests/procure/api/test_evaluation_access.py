import pytest
from django.db import connection

from procure.catalog.models import EvaluationAccess
from tests import factories as f

from .conftest import errors, url

pytestmark = pytest.mark.django_db

ENDPOINT = {
    "backend": "local-completions",
    "identity": "legal-7b",
    "options": {"base_url": "http://127.0.0.1:9/v1/completions", "tokenizer": "/models/tok"},
}
KEY = "sk-test-PLAINTEXT-4f9a"


@pytest.fixture
def candidate(org):
    return f.CandidateFactory(organization=org)


def access_url(candidate) -> str:
    return url(f"candidates/{candidate.pk}/evaluation-access/")


def test_an_admin_sets_a_secret_that_is_never_returned(admin_api, candidate):
    response = admin_api.put(access_url(candidate), {**ENDPOINT, "secret": KEY}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["secret"] == "set"
    assert KEY not in response.content.decode()
    assert KEY not in admin_api.get(access_url(candidate)).content.decode()
    assert KEY not in admin_api.get(url(f"candidates/{candidate.pk}/")).content.decode()
    access = EvaluationAccess.objects.get(candidate=candidate)
    assert access.get_secret() == KEY
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM catalog_evaluationaccess")
        assert all(KEY not in row[0] for row in cursor.fetchall())


def test_omitting_the_secret_keeps_it_and_an_empty_one_clears_it(admin_api, candidate):
    admin_api.put(access_url(candidate), {**ENDPOINT, "secret": KEY}, format="json")

    kept = admin_api.put(access_url(candidate), {**ENDPOINT, "identity": "legal-8b"}, format="json")
    cleared = admin_api.put(access_url(candidate), {**ENDPOINT, "secret": ""}, format="json")

    assert kept.json()["secret"] == "set"
    assert cleared.json()["secret"] == "not set"


def test_an_editor_registers_access_without_a_secret(api, candidate):
    response = api.put(access_url(candidate), {"backend": "hf", "identity": "/m"}, format="json")

    assert response.status_code == 200
    assert response.json() == {**response.json(), "secret": "not set", "revision": ""}


def test_an_editor_may_not_set_a_secret(api, candidate):
    response = api.put(access_url(candidate), {**ENDPOINT, "secret": KEY}, format="json")

    assert response.status_code == 403
    assert not EvaluationAccess.objects.filter(candidate=candidate).exists()


def test_an_editor_may_not_point_a_stored_secret_elsewhere(api, admin_api, candidate):
    admin_api.put(access_url(candidate), {**ENDPOINT, "secret": KEY}, format="json")
    elsewhere = {
        **ENDPOINT,
        "options": {**ENDPOINT["options"], "base_url": "http://evil/v1/completions"},
    }

    assert api.put(access_url(candidate), elsewhere, format="json").status_code == 403
    access = EvaluationAccess.objects.get(candidate=candidate)
    assert access.options["base_url"] == ENDPOINT["options"]["base_url"]


def test_unknown_backends_and_bad_options_are_field_errors(admin_api, candidate):
    assert "backend" in errors(
        admin_api.put(access_url(candidate), {**ENDPOINT, "backend": "gpt"}, format="json")
    )
    problems = errors(
        admin_api.put(
            access_url(candidate), {**ENDPOINT, "options": {"tokenizer": "t"}}, format="json"
        )
    )
    assert problems["options"] == ["The local-completions backend needs the option(s): base_url."]
    assert "options" in errors(
        admin_api.put(access_url(candidate), {**ENDPOINT, "options": ["x"]}, format="json")
    )


def test_a_candidate_without_access_has_none_to_read(viewer_api, candidate):
    assert viewer_api.get(access_url(candidate)).status_code == 404


def test_the_api_returns_what_the_probe_found_as_capabilities(api, candidate):
    found = {"reachable": True, "string_prompts": True, "prompt_logprobs": False, "notes": []}
    f.EvaluationAccessFactory(candidate=candidate, backend="local-completions", capabilities=found)

    access = api.get(access_url(candidate)).json()
    listed = api.get(url(f"candidates/{candidate.pk}/")).json()["evaluation_access"]

    assert access["capabilities"] == found == listed["capabilities"]
    assert "probed_at" in access
