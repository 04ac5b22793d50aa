from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from procure.accounts.models import Organization, Role
from tests import factories as f

ClientFor = Callable[..., Client]


@pytest.fixture
def org(db) -> Organization:
    return f.OrganizationFactory(name="Acme Legal", slug="acme")


@pytest.fixture
def other_org(db) -> Organization:
    return f.OrganizationFactory(name="Rival Corp", slug="rival")


@pytest.fixture
def client_for(org: Organization) -> ClientFor:
    """A logged-in browser session of a new member with `role` (in `org` unless told)."""

    def make(role: str = Role.EDITOR, organization: Organization | None = None) -> Client:
        membership = f.MembershipFactory(organization=organization or org, role=role)
        return logged_in(Client(), membership.user)

    return make


@pytest.fixture
def editor(client_for: ClientFor) -> Client:
    return client_for(Role.EDITOR)


@pytest.fixture
def viewer(client_for: ClientFor) -> Client:
    return client_for(Role.VIEWER)


@pytest.fixture
def admin(client_for: ClientFor) -> Client:
    return client_for(Role.ADMIN)


def logged_in(client: Client, user: User) -> Client:
    # The factory sets the password after saving: save it, or the session's password hash
    # would not match the stored one and the session would be dropped.
    user.save()
    client.force_login(user)
    return client


def page(path: str, slug: str = "acme") -> str:
    return f"/o/{slug}/{path}"


def text(response) -> str:
    return response.content.decode()
