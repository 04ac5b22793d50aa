import pytest

from procure.accounts.models import Membership, Role
from tests import factories as f
from tests.procure.api.conftest import errors, url

pytestmark = pytest.mark.django_db


def test_an_admin_lists_the_members_with_their_roles(org, admin_api):
    f.MembershipFactory(organization=org, role=Role.VIEWER, user__username="vera")
    f.MembershipFactory(organization=f.OrganizationFactory(), user__username="outsider")

    response = admin_api.get(url("members/"))

    assert response.status_code == 200
    rows = {row["username"]: row["role"] for row in response.json()["results"]}
    assert rows["vera"] == "viewer" and "outsider" not in rows
    assert list(rows.values()).count("admin") == 1


def test_an_admin_adds_an_existing_account(org, admin_api):
    user = f.UserFactory(username="newcomer")

    response = admin_api.post(
        url("members/"), {"username": "newcomer", "role": "editor"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["username"] == "newcomer"
    assert Membership.objects.get(organization=org, user=user).role == Role.EDITOR


def test_adding_an_unknown_or_present_account_names_the_username(org, admin_api):
    f.MembershipFactory(organization=org, user__username="already")

    unknown = admin_api.post(
        url("members/"), {"username": "nobody", "role": "viewer"}, format="json"
    )
    present = admin_api.post(
        url("members/"), {"username": "already", "role": "viewer"}, format="json"
    )
    bad_role = admin_api.post(
        url("members/"), {"username": "already", "role": "owner"}, format="json"
    )

    assert errors(unknown) == {"username": ["No account has this username: it must exist first."]}
    assert "already a member" in errors(present)["username"][0]
    assert "role" in errors(bad_role)


def test_an_admin_changes_a_role_and_removes_a_member(org, admin_api):
    member = f.MembershipFactory(organization=org, role=Role.VIEWER)

    changed = admin_api.patch(url(f"members/{member.pk}/"), {"role": "editor"}, format="json")
    removed = admin_api.delete(url(f"members/{member.pk}/"))

    assert changed.status_code == 200 and changed.json()["role"] == "editor"
    assert removed.status_code == 204
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_the_last_admin_cannot_be_demoted_or_removed(org, admin_api):
    admin = Membership.objects.get(organization=org, role=Role.ADMIN)

    demoted = admin_api.patch(url(f"members/{admin.pk}/"), {"role": "viewer"}, format="json")
    removed = admin_api.delete(url(f"members/{admin.pk}/"))

    assert demoted.status_code == removed.status_code == 409
    assert "needs at least one admin" in demoted.json()["detail"]
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN


def test_another_organisations_member_is_404(org, admin_api):
    elsewhere = f.MembershipFactory(organization=f.OrganizationFactory(), role=Role.VIEWER)

    response = admin_api.patch(url(f"members/{elsewhere.pk}/"), {"role": "admin"}, format="json")

    assert response.status_code == 404
    assert Membership.objects.get(pk=elsewhere.pk).role == Role.VIEWER
