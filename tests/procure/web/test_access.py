"""Who sees what: login, the organisation in the URL, roles, and the organisation switcher."""

import pytest

from procure.accounts.models import Role
from tests import factories as f

from .conftest import logged_in, page, text

pytestmark = pytest.mark.django_db


def test_home_redirects_to_the_users_first_organisation(client, org):
    membership = f.MembershipFactory(organization=org)
    logged_in(client, membership.user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"


def test_home_welcomes_a_user_without_organisation(client):
    logged_in(client, f.UserFactory())

    response = client.get("/")

    assert response.status_code == 200
    assert "not a member of any organisation" in text(response)


def test_pages_ask_anonymous_visitors_to_log_in(client, org):
    response = client.get(page("profiles/"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/o/acme/profiles/")


@pytest.mark.parametrize(
    "path", ["", "profiles/", "catalog/", "suites/", "campaigns/", "reports/", "members/"]
)
def test_another_organisations_pages_are_404_not_403(client_for, other_org, path):
    outsider = client_for(Role.ADMIN, organization=other_org)

    assert outsider.get(page(path)).status_code == 404
    # An organisation that does not exist reads the same: slugs cannot be probed.
    assert outsider.get(page(path, slug="no-such-org")).status_code == 404


def test_a_member_lacking_the_role_gets_a_clear_403_page(viewer, org):
    admin = f.MembershipFactory(organization=org, role=Role.ADMIN, user__username="alice")

    response = viewer.get(page("profiles/new/"))

    assert response.status_code == 403
    body = text(response)
    assert "This needs the editor role in Acme Legal; you are a viewer." in body
    assert admin.user.username in body


def test_the_switcher_lists_every_organisation_of_the_user_and_marks_the_current_one(
    client, org, other_org
):
    membership = f.MembershipFactory(organization=org, role=Role.VIEWER)
    f.MembershipFactory(organization=other_org, user=membership.user, role=Role.ADMIN)
    logged_in(client, membership.user)

    body = text(client.get(page("")))

    assert 'href="/o/acme/" aria-current="true"' in body
    assert 'href="/o/rival/"' in body
    assert "Members" not in body.split("<main")[0]  # a viewer does not manage members


def test_the_overview_guides_a_new_organisation_to_its_first_recommendation(editor):
    response = editor.get(page(""))

    assert response.status_code == 200
    assert "Get to a first recommendation" in text(response)


def test_an_id_too_large_for_the_database_is_a_404(editor):
    assert editor.get(page("profiles/99999999999999999999999/")).status_code == 404
