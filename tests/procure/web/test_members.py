"""Members page: admins add members, change roles and remove them; an admin always remains."""

import pytest

from procure.accounts.models import Membership, Role
from tests import factories as f

from .conftest import logged_in, page, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_membership(org):
    return f.MembershipFactory(organization=org, role=Role.ADMIN, user__username="alice")


@pytest.fixture
def admin(client, admin_membership):
    return logged_in(client, admin_membership.user)


def test_an_admin_adds_an_existing_user_with_a_role(admin, org):
    bob = f.UserFactory(username="bob")

    response = admin.post(page("members/"), {"username": "bob", "role": Role.EDITOR})

    assert response["Location"] == "/o/acme/members/"
    assert Membership.objects.get(user=bob, organization=org).role == Role.EDITOR


def test_an_unknown_username_is_refused_next_to_the_field(admin):
    response = admin.post(page("members/"), {"username": "nobody", "role": Role.VIEWER})

    assert response.context["form"].errors["username"] == [
        "No account has this username: it must exist first."
    ]


def test_an_admin_changes_a_role_and_removes_a_member(admin, org):
    member = f.MembershipFactory(organization=org, role=Role.VIEWER)

    admin.post(page(f"members/{member.pk}/role/"), {"role": Role.EDITOR})
    member.refresh_from_db()
    assert member.role == Role.EDITOR

    admin.post(page(f"members/{member.pk}/remove/"))
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_the_last_admin_can_neither_step_down_nor_be_removed(admin, admin_membership):
    demoted = admin.post(
        page(f"members/{admin_membership.pk}/role/"), {"role": Role.VIEWER}, follow=True
    )
    removed = admin.post(page(f"members/{admin_membership.pk}/remove/"), follow=True)

    assert "Acme Legal needs at least one admin." in text(demoted)
    assert "Acme Legal needs at least one admin." in text(removed)
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.ADMIN


def test_an_editor_cannot_manage_members(client_for, org):
    editor = client_for(Role.EDITOR)
    member = f.MembershipFactory(organization=org, role=Role.VIEWER)

    assert editor.get(page("members/")).status_code == 403
    assert editor.post(page(f"members/{member.pk}/role/"), {"role": "admin"}).status_code == 403
    member.refresh_from_db()
    assert member.role == Role.VIEWER


def test_another_organisations_membership_is_404(admin, other_org):
    theirs = f.MembershipFactory(organization=other_org, role=Role.VIEWER)

    assert admin.post(page(f"members/{theirs.pk}/role/"), {"role": "admin"}).status_code == 404
    assert admin.post(page(f"members/{theirs.pk}/remove/")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.VIEWER


def test_the_list_takes_a_fixed_number_of_queries(admin, org, django_assert_max_num_queries):
    for _ in range(10):
        f.MembershipFactory(organization=org)

    with django_assert_max_num_queries(6):
        response = admin.get(page("members/"))

    assert text(response).count("<tr>") == 11 + 1  # header row and eleven members
