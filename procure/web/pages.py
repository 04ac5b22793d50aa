"""What every organisation page shares: who may open it, and the layout's context.

Pages live under /o/<slug>/. A user who is not a member of that organisation gets a 404 for
every URL under it (including object ids of other organisations), so nothing about other
organisations can be learnt by guessing URLs. A member whose role is too low gets a 403 page
that says which role is needed and who can grant it.
"""

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from procure.accounts.access import RoleTooLow, membership_required
from procure.accounts.models import Membership, Role
from procure.accounts.selectors import membership_list, membership_list_for_user
from procure.catalog.services import SecretNeedsAdmin

P = ParamSpec("P")
MemberView = Callable[Concatenate[HttpRequest, Membership, P], HttpResponse]
OrganizationView = Callable[Concatenate[HttpRequest, str, P], HttpResponse]


def member_view(role: str = Role.VIEWER) -> Callable[[MemberView[P]], OrganizationView[P]]:
    """Turn `view(request, membership, ...)` into a view of `/o/<slug>/...` that needs `role`.

    Objects looked up through the organisation's selectors raise DoesNotExist for another
    organisation's ids: that is a 404 here, exactly like an id that exists nowhere.
    """

    def decorate(view: MemberView[P]) -> OrganizationView[P]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: P.args, **kwargs: P.kwargs) -> Any:
            try:
                membership = membership_required(
                    user=request.user, organization_slug=slug, role=role
                )
            except RoleTooLow as exc:
                return forbidden(request, exc.membership, str(exc))
            try:
                return view(request, membership, *args, **kwargs)
            except ObjectDoesNotExist as exc:
                raise Http404("No such object in this organisation.") from exc
            except SecretNeedsAdmin as exc:
                return forbidden(request, membership, str(exc))

        # Read by the tenant-isolation matrix (tests/abuse/), which finds every page's role here.
        wrapper.required_role = role  # type: ignore[attr-defined]
        return wrapper

    return decorate


def render_page(
    request: HttpRequest,
    membership: Membership,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render an organisation page with what the layout needs (switcher, navigation, role)."""
    user = current_user(request)
    # Lazy: fragments (htmx) never render the layout, so they never pay its query.
    memberships = SimpleLazyObject(lambda: list(_memberships_with_unread_alerts(user)))
    layout = {
        "membership": membership,
        "organization": membership.organization,
        "can_edit": membership.can(Role.EDITOR),
        "is_admin": membership.can(Role.ADMIN),
        "memberships": memberships,
        "unread_alerts": SimpleLazyObject(
            lambda: next(
                m.unread_alerts
                for m in memberships
                if m.organization_id == membership.organization_id
            )
        ),
        "section": _section(request),
    }
    return render(request, template, {**layout, **(context or {})}, status=status)


def _memberships_with_unread_alerts(user: User) -> QuerySet[Membership]:
    """The switcher's memberships, each with its count of unread alerts for the user: the
    navigation's count comes with the query the switcher makes anyway."""
    unread = Q(
        organization__notifications__user=user,
        organization__notifications__read_at__isnull=True,
    )
    return membership_list_for_user(user=user).annotate(
        unread_alerts=Count("organization__notifications", filter=unread)
    )


def forbidden(request: HttpRequest, membership: Membership, reason: str) -> HttpResponse:
    admins = [
        m.user.get_username()
        for m in membership_list(organization=membership.organization).filter(role=Role.ADMIN)
    ]
    return render_page(
        request,
        membership,
        "web/forbidden.html",
        {"reason": reason, "admins": admins},
        status=403,
    )


def attempt(
    request: HttpRequest,
    action: Callable[[], object],
    refusal: type[Exception] | tuple[type[Exception], ...],
    done: str,
) -> bool:
    """Do what the person asked; a refusal (a domain exception) becomes an error message.

    For actions that redirect either way: the message says on the next page what happened.
    """
    try:
        action()
    except refusal as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, done)
    return True


def current_user(request: HttpRequest) -> User:
    """The logged-in user of a page that `member_view` let through."""
    user = request.user
    assert isinstance(user, User)
    return user


def _section(request: HttpRequest) -> str:
    # /o/<slug>/<section>/... — the navigation highlights the section the page belongs to.
    parts = request.path.strip("/").split("/")
    return parts[2] if len(parts) > 2 else "overview"
