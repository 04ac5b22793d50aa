import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from procure.audit.models import Action
from procure.audit.services import audit_record, change

from .models import ApiToken, Membership, Organization, Role


@transaction.atomic
def organization_get_or_create(*, name: str) -> Organization:
    organization, _ = Organization.objects.get_or_create(
        slug=slugify(name)[:80], defaults={"name": name}
    )
    return organization


@transaction.atomic
def member_add(
    *, organization: Organization, username: str, role: str, password: str | None = None
) -> User:
    """Create the user when needed and give them `role` in the organisation."""
    user, created = User.objects.get_or_create(username=username)
    if password is not None and (created or not user.has_usable_password()):
        user.set_password(password)
        user.save()
    existing = Membership.objects.filter(user=user, organization=organization).first()
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": Role(role)}
    )
    if existing is None:
        _audit_member(Action.MEMBER_ADDED, membership, None, membership.role)
    elif existing.role != membership.role:
        _audit_member(Action.MEMBER_ROLE_CHANGED, membership, existing.role, membership.role)
    return user


@transaction.atomic
def membership_create(*, organization: Organization, username: str, role: str) -> Membership:
    """Make an existing account a member with `role`.

    Refused with a ValidationError on `username` when no account has that name (accounts are
    made by whoever runs procure, not by organisation admins) or it is already a member.
    """
    username = username.strip()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError({"username": "No account has this username: it must exist first."})
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError(
            {"username": "This person is already a member; change their role instead."}
        )
    return Membership.objects.create(user=user, organization=organization, role=Role(role))


# A recognisable prefix lets secret scanners spot leaked keys; 32 random bytes make it unguessable.
TOKEN_PREFIX = "prc_"  # noqa: S105  (a public marker, not a secret)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown once, never stored


def token_hash(key: str) -> str:
    # A fast hash is enough: the key is 256 random bits, not a password to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> NewToken:
    """A new API key for the user; the plain key is returned here and never again."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), prefix=key[:12], key_hash=token_hash(key))
    token.full_clean()
    token.save()
    return NewToken(token=token, key=key)


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> None:
    """Delete one of the user's own tokens; ApiToken.DoesNotExist for anyone else's."""
    ApiToken.objects.get(user=user, pk=token_id).delete()


class LastAdmin(Exception):
    """An organisation must keep at least one admin, or nobody could manage it any more."""


@transaction.atomic
def membership_set_role(*, organization: Organization, membership_id: int, role: str) -> Membership:
    """Change a member's role; refused (LastAdmin) when it would leave no admin."""
    membership = Membership.objects.select_for_update().get(
        organization=organization, pk=membership_id
    )
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(organization, membership)
    old = membership.role
    membership.role = Role(role)
    membership.save(update_fields=["role"])
    if old != membership.role:
        _audit_member(Action.MEMBER_ROLE_CHANGED, membership, old, membership.role)
    return membership


@transaction.atomic
def membership_remove(*, organization: Organization, membership_id: int) -> None:
    """Take a member out of the organisation; refused (LastAdmin) for its last admin."""
    membership = Membership.objects.select_for_update().get(
        organization=organization, pk=membership_id
    )
    if membership.role == Role.ADMIN:
        _keep_an_admin(organization, membership)
    _audit_member(Action.MEMBER_REMOVED, membership, membership.role, None)
    membership.delete()


def _audit_member(action: Action, membership: Membership, old: str | None, new: str | None) -> None:
    audit_record(
        organization=membership.organization,
        action=action,
        target=membership.user,
        changes={"role": change(old, new)},
    )


def _keep_an_admin(organization: Organization, leaving: Membership) -> None:
    # Lock every admin row: two admins demoting each other at once must not both succeed.
    admins = Membership.objects.select_for_update().filter(
        organization=organization, role=Role.ADMIN
    )
    if not admins.exclude(pk=leaving.pk).exists():
        raise LastAdmin(f"{organization.name} needs at least one admin.")
