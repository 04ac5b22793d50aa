"""The OpenAPI document is valid, generated without warnings, and documents our errors."""

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tests import factories as f


@pytest.fixture(scope="module")
def schema():
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular warned or erred while generating the schema"
    return generated


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_every_operation_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method != "get":
                assert "403" in responses, (method, path)


def test_secrets_are_write_only(schema):
    components = schema["components"]["schemas"]
    assert "secret" in components["EvaluationAccessInputRequest"]["properties"]
    secret = components["EvaluationAccessOutput"]["properties"]["secret"]
    assert secret["allOf"][0]["$ref"] == "#/components/schemas/SecretEnum"
    assert components["SecretEnum"]["enum"] == ["set", "not set"]


def test_lists_are_paginated_and_filterable(schema):
    operation = schema["paths"]["/api/v1/organizations/{slug}/candidates/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}

    assert {"limit", "offset", "open_weights", "region", "specialisation"} <= names
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PaginatedCandidateOutputList"
    )


@pytest.mark.django_db
def test_a_write_to_a_path_that_is_no_endpoint_is_a_json_404_even_in_a_browser_session():
    user = f.MembershipFactory().user
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    response = browser.patch("/api/v1/organizations/acme/members/not-an-id/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such endpoint (API paths end with a slash)."}
