from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from .models import Membership, Organization, Role


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
    Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": Role(role)}
    )
    return user
