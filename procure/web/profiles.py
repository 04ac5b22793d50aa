"""Task profile pages: list, read, create and edit (with suite weights), delete."""

import re
from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from procure.accounts.models import Membership, Role
from procure.core.validation import ImportProblem
from procure.profiles.models import TaskProfile
from procure.profiles.selectors import profile_get, profile_list
from procure.profiles.services import ProfileInUse, profile_delete, profile_save
from procure.schedules.selectors import schedule_list
from procure.suites.selectors import suite_list

from .forms import (
    ProfileForm,
    profile_initial,
    suite_weight_formset,
    suite_weight_initial,
    weights_sentence,
)
from .pages import attempt, current_user, member_view, render_page
from .selectors import campaign_list_with_counts, profile_list_with_activity, report_history
from .vocabulary import REGIONS, catalog_vocabulary

# "profile.peak_rps", "profile.suites[2].weight", "profile" (the row as a whole)
PLACE = re.compile(r"profile(?:\.(?P<field>\w+))?(?:\[(?P<index>\d+)\]\.(?P<sub>\w+))?")


@member_view()
def profile_list_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    profiles = profile_list_with_activity(organization=membership.organization)
    return render_page(request, membership, "web/profiles/list.html", {"profiles": profiles})


@member_view()
def profile_detail(request: HttpRequest, membership: Membership, profile_id: int) -> HttpResponse:
    organization = membership.organization
    profile = profile_get(organization=organization, profile_id=profile_id)
    context = {
        "profile": profile,
        "weights_sentence": weights_sentence(
            [profile.weight_fit, profile.weight_cost, profile.weight_sovereignty]
        ),
        "regions": [region for region in REGIONS if region[0] in profile.allowed_regions],
        "reports": report_history(organization=organization, profile_id=profile.pk)[:20],
        "campaigns": campaign_list_with_counts(organization=organization, profile_id=profile.pk)[
            :10
        ],
        "schedule": schedule_list(organization=organization).filter(profile=profile).first(),
    }
    return render_page(request, membership, "web/profiles/detail.html", context)


@member_view(Role.EDITOR)
def profile_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _profile_form_page(request, membership, profile=None)


@member_view(Role.EDITOR)
def profile_edit(request: HttpRequest, membership: Membership, profile_id: int) -> HttpResponse:
    profile = profile_get(organization=membership.organization, profile_id=profile_id)
    return _profile_form_page(request, membership, profile=profile)


@require_POST
@member_view(Role.EDITOR)
def profile_delete_view(
    request: HttpRequest, membership: Membership, profile_id: int
) -> HttpResponse:
    organization = membership.organization
    profile = profile_get(organization=organization, profile_id=profile_id)
    if attempt(
        request,
        lambda: profile_delete(organization=organization, profile_id=profile.pk),
        ProfileInUse,
        f"Deleted the profile “{profile.name}”. Its reports are kept.",
    ):
        return redirect("web:profiles", organization.slug)
    return redirect("web:profile-detail", organization.slug, profile.pk)


def _profile_form_page(
    request: HttpRequest, membership: Membership, profile: TaskProfile | None
) -> HttpResponse:
    organization = membership.organization
    vocabulary = catalog_vocabulary(organization=organization)
    licences = sorted({*vocabulary.licences, *(profile.allowed_licences if profile else [])})
    jurisdictions = sorted(
        {*vocabulary.jurisdictions, *(profile.allowed_jurisdictions if profile else [])}
    )
    suites = {suite.pk: suite for suite in suite_list(organization=organization).order_by("name")}
    others = profile_list(organization=organization)
    if profile is not None:
        others = others.exclude(pk=profile.pk)
    options = {
        "licences": licences,
        "jurisdictions": jurisdictions,
        "taken_names": others.values_list("name", flat=True),
    }
    if request.method == "POST":
        form = ProfileForm(request.POST, **options)
        formset = suite_weight_formset(len(suites))(request.POST, prefix="suites")
        # Both are checked before anything is saved, so every mistake shows at once.
        if form.is_valid() & formset.is_valid():
            data = form.service_data(
                profile.sovereignty_preferences if profile else None,
                [profile.weight_fit, profile.weight_cost, profile.weight_sovereignty]
                if profile
                else None,
            )
            data["suites"] = [
                {"suite": row.cleaned_data["suite"], "weight": row.cleaned_data["weight"]}
                for row in formset.forms
                if row.cleaned_data.get("include")
            ]
            try:
                saved = profile_save(
                    organization=organization,
                    data=data,
                    profile_id=profile.pk if profile else None,
                    user=current_user(request),
                )
            except ImportProblem as exc:
                _show_problems(form, formset, exc.problems)
            else:
                messages.success(request, f"Saved the profile “{saved.name}”.")
                return redirect("web:profile-detail", organization.slug, saved.pk)
    else:
        form = ProfileForm(
            initial=profile_initial(profile, licences, jurisdictions) if profile else None,
            **options,
        )
        chosen = (
            {row.suite_id: row.weight for row in profile.suite_weights.all()} if profile else {}
        )
        formset = suite_weight_formset(len(suites))(
            initial=suite_weight_initial(suites.values(), chosen), prefix="suites"
        )
    rows = [(row, suites.get(_int(row["suite"].value()) or 0)) for row in formset.forms]
    weights = [form[f"weight_{name}"].value() for name in ("fit", "cost", "sovereignty")]
    context = {
        "profile": profile,
        "form": form,
        "formset": formset,
        "suite_rows": rows,
        "weights_sentence": weights_sentence(weights),
    }
    return render_page(request, membership, "web/profiles/form.html", context)


def _show_problems(form: ProfileForm, formset: object, problems: Iterable[str]) -> None:
    """Put each problem the service found next to the field it is about."""
    included = [row for row in formset.forms if row.cleaned_data.get("include")]  # type: ignore[attr-defined]
    for problem in problems:
        place, _, message = problem.partition(": ")
        match = PLACE.fullmatch(place)
        field, index, sub = match.group("field", "index", "sub") if match else (None, None, None)
        if field == "suites" and index is not None and int(index) < len(included):
            row = included[int(index)]
            row.add_error("weight" if sub == "weight" else None, message)
        elif field in form.fields:
            form.add_error(field, message)
        else:
            form.add_error(None, message)


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
