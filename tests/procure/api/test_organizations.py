import pytest
from rest_framework.test import APIClient

from procure.accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_it_lists_the_callers_organisations_with_their_role(django_assert_max_num_queries):
    user = f.UserFactory()
    f.MembershipFactory(
        user=user, organization=f.OrganizationFactory(name="B", slug="b"), role=Role.VIEWER
    )
    f.MembershipFactory(
        user=user, organization=f.OrganizationFactory(name="A", slug="a"), role=Role.ADMIN
    )
    f.OrganizationFactory(name="C", slug="c")
    client = APIClient()
    client.force_authenticate(user)

    with django_assert_max_num_queries(2):
        body = client.get("/api/v1/organizations/").json()

    assert body["results"] == [
        {"slug": "a", "name": "A", "role": "admin"},
        {"slug": "b", "name": "B", "role": "viewer"},
    ]


def test_a_member_reads_their_organisation(viewer_api):
    assert viewer_api.get("/api/v1/organizations/acme/").json()["role"] == "viewer"


def test_the_schema_and_its_pages_are_served():
    client = APIClient()

    schema = client.get("/api/schema/?format=json")

    assert schema.status_code == 200
    assert "/api/v1/organizations/{slug}/candidates/" in schema.json()["paths"]
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 200
