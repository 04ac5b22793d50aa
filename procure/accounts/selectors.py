from django.contrib.auth.models import User
from django.db.models import QuerySet

from .models import ApiToken, Membership, Organization


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name")


def membership_get(*, user: User, organization: Organization) -> Membership:
    """The user's membership of the organisation; Membership.DoesNotExist if there is none."""
    return Membership.objects.select_related("organization").get(
        user=user, organization=organization
    )


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user")


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
