from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from procure.accounts.models import Organization, Role
from procure.accounts.services import token_create
from tests import factories as f

ApiFor = Callable[..., APIClient]


@pytest.fixture
def org() -> Organization:
    return f.OrganizationFactory(slug="acme")


@pytest.fixture
def api_for(org: Organization) -> ApiFor:
    """An API client authenticated by a fresh token of a member with `role` (in `org` unless
    another organisation is given)."""

    def make(role: str = Role.EDITOR, organization: Organization | None = None) -> APIClient:
        membership = f.MembershipFactory(organization=organization or org, role=role)
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {token_create(user=membership.user, name='t').key}"
        )
        return client

    return make


@pytest.fixture
def api(api_for: ApiFor) -> APIClient:
    return api_for(Role.EDITOR)


@pytest.fixture
def admin_api(api_for: ApiFor) -> APIClient:
    return api_for(Role.ADMIN)


@pytest.fixture
def viewer_api(api_for: ApiFor) -> APIClient:
    return api_for(Role.VIEWER)


def url(path: str, slug: str = "acme") -> str:
    return f"/api/v1/organizations/{slug}/{path}"


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]
