"""Members page (admins): who belongs to the organisation, with which role."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from procure.accounts.models import Membership, Role
from procure.accounts.selectors import membership_list
from procure.accounts.services import (
    LastAdmin,
    membership_create,
    membership_remove,
    membership_set_role,
)

from .forms import MemberAddForm, MemberRoleForm
from .pages import attempt, member_view, render_page


@member_view(Role.ADMIN)
def member_list_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        try:
            membership_create(
                organization=organization, username=username, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{username} is now a member.")
            return redirect("web:members", organization.slug)
    context = {
        "form": form,
        "members": membership_list(organization=organization).order_by("user__username"),
        "roles": Role.choices,
    }
    return render_page(request, membership, "web/members/list.html", context)


@require_POST
@member_view(Role.ADMIN)
def member_role(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    organization = membership.organization
    # Looked up first: another organisation's member is a 404 whatever the form holds.
    member = membership_list(organization=organization).get(pk=member_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: viewer, editor or admin.")
        return redirect("web:members", organization.slug)
    role = form.cleaned_data["role"]
    attempt(
        request,
        lambda: membership_set_role(organization=organization, membership_id=member.pk, role=role),
        LastAdmin,
        f"{member.user.get_username()} is now {role}.",
    )
    return redirect("web:members", organization.slug)


@require_POST
@member_view(Role.ADMIN)
def member_remove(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    organization = membership.organization
    member = membership_list(organization=organization).get(pk=member_id)
    attempt(
        request,
        lambda: membership_remove(organization=organization, membership_id=member.pk),
        LastAdmin,
        f"{member.user.get_username()} is no longer a member.",
    )
    return redirect("web:members", organization.slug)
