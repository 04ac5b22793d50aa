"""Who may do what in which organisation: one place for the role rules of web and API."""

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from .models import Membership, Organization, Role


def membership_required(
    *, user: User | AnonymousUser, organization_slug: str, role: str = Role.VIEWER
) -> Membership:
    """The user's membership of the organisation, if it grants at least `role`.

    Raises Http404 when the user is not a member: another organisation's existence is not
    revealed. Raises PermissionDenied-worthy `RoleTooLow` when a member lacks the role.
    """
    if not user.is_authenticated:
        raise Http404("No such organisation.")
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=organization_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organisation.")
    if not membership.can(role):
        raise RoleTooLow(membership, role)
    return membership


class RoleTooLow(Exception):
    def __init__(self, membership: Membership, role: str) -> None:
        super().__init__(
            f"This needs the {Role(role).label.split(' ')[0].lower()} role in "
            f"{membership.organization.name}; you are a {membership.role}."
        )
        self.membership = membership
        self.role = role


def default_organization(user: User) -> Organization | None:
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user)
        .order_by("organization__name")
        .first()
    )
    return membership.organization if membership else None
