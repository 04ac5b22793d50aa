"""Catalog pages: candidates with filters, create/edit with deployment options, evaluation
access with a write-only API key, import and export."""

import json
import re
from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from procure.accounts.models import Membership, Organization, Role
from procure.catalog.models import CandidateModel, EvaluationAccess, PriceChange
from procure.catalog.selectors import candidate_get, candidate_list
from procure.catalog.services import (
    CandidateInUse,
    candidate_delete,
    candidate_save,
    catalog_import,
    evaluation_access_set,
)
from procure.core.validation import ImportProblem
from procure.profiles.models import TaskProfile
from procure.profiles.selectors import profile_list
from procure.reports.buying import Offer, catalog_offers
from procure.runs.selectors import run_measured_serving

from .catalog_files import catalog_csv, catalog_data, catalog_from_csv
from .catalog_forms import (
    BuyingForm,
    CandidateForm,
    CatalogFilterForm,
    CatalogImportForm,
    DeploymentOptionFormSet,
    EvaluationAccessForm,
    access_initial,
)
from .pages import attempt, member_view, render_page
from .vocabulary import catalog_vocabulary

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@member_view()
def candidate_list_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    vocabulary = catalog_vocabulary(organization=organization)
    filters = CatalogFilterForm(
        request.GET or None,
        specialisations=vocabulary.specialisations,
        licences=vocabulary.licences,
        regions=vocabulary.regions,
    )
    candidates = candidate_list(organization=organization, **filters.selector_filters())
    buying = BuyingForm(request.GET or None, profiles=_profiles(organization), prefix="buy")
    offers = _offers(membership, buying, candidates)
    context = {
        "filters": filters,
        "buying": buying,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "candidates": candidates,
        "offers": offers,
        "reporting_currency": organization.reporting_currency,
    }
    return render_page(request, membership, "web/catalog/list.html", context)


def _profiles(organization: Organization) -> QuerySet[TaskProfile]:
    # Pricing needs the profile's own fields only, not its suites.
    return profile_list(organization=organization).prefetch_related(None).order_by("name")


def _offers(
    membership: Membership, form: BuyingForm, candidates: Iterable[CandidateModel]
) -> list[Offer] | None:
    """The catalog priced for the chosen profile or typed workload; None without either."""
    if not form.is_bound or not form.is_valid():
        return None
    data = form.cleaned_data
    profile, workload = data.get("profile"), form.workload()
    if profile is None and workload is None:
        return None
    if data.get("min_context"):
        candidates = [c for c in candidates if (c.context_window or 0) >= data["min_context"]]
    offers = catalog_offers(
        organization=membership.organization,
        candidates=candidates,
        profile=profile if workload is None else None,
        workload=workload,
        on=timezone.localdate(),
        sort=data.get("sort") or "cost",
    )
    if data.get("eligible_only"):
        offers = [offer for offer in offers if offer.eligible]
    return offers


COMPARE_MIN, COMPARE_MAX = 2, 4


@member_view()
def catalog_compare(request: HttpRequest, membership: Membership) -> HttpResponse:
    """2–4 candidates side by side, priced for a profile or a typed workload when given."""
    organization = membership.organization
    buying = BuyingForm(request.GET, profiles=_profiles(organization))
    problem = ""
    try:
        ids = sorted({int(value) for value in request.GET.getlist("ids")})
    except ValueError:
        ids, problem = [], "The candidates to compare must be given by their ids."
    candidates = list(candidate_list(organization=organization).filter(pk__in=ids))
    if not problem and not COMPARE_MIN <= len(candidates) <= COMPARE_MAX:
        problem = (
            f"Tick between {COMPARE_MIN} and {COMPARE_MAX} candidates of this catalog to compare "
            f"them ({len(candidates)} found)."
        )
    columns: list[tuple[CandidateModel, Offer | None]] = []
    if not problem:
        offers = _offers(membership, buying, candidates)
        # Priced: cheapest first, as on the catalog page; otherwise the facts in name order.
        columns = [(o.candidate, o) for o in offers] if offers else [(c, None) for c in candidates]
    context = {
        "columns": columns,
        "problem": problem,
        "buying": buying,
        "reporting_currency": organization.reporting_currency,
    }
    # A wrong selection is explained on the page itself (and the catalog is one click away).
    return render_page(request, membership, "web/catalog/compare.html", context)


@member_view()
def candidate_detail(
    request: HttpRequest, membership: Membership, candidate_id: int
) -> HttpResponse:
    candidate = candidate_get(organization=membership.organization, candidate_id=candidate_id)
    history = PriceChange.objects.filter(option__candidate=candidate).select_related("option")
    context = {
        "candidate": candidate,
        "access": _access(candidate),
        "history": history[:50],
        "measured": run_measured_serving(
            organization=membership.organization, candidate_id=candidate.pk
        ),
    }
    return render_page(request, membership, "web/catalog/detail.html", context)


@member_view(Role.EDITOR)
def candidate_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _candidate_form_page(
        request, membership, CandidateModel(organization=membership.organization)
    )


@member_view(Role.EDITOR)
def candidate_edit(request: HttpRequest, membership: Membership, candidate_id: int) -> HttpResponse:
    candidate = candidate_get(organization=membership.organization, candidate_id=candidate_id)
    return _candidate_form_page(request, membership, candidate)


def _candidate_form_page(
    request: HttpRequest, membership: Membership, candidate: CandidateModel
) -> HttpResponse:
    organization = membership.organization
    others = CandidateModel.objects.filter(organization=organization).exclude(pk=candidate.pk)
    regions = catalog_vocabulary(organization=organization).regions
    data = request.POST if request.method == "POST" else None
    form = CandidateForm(
        data, instance=candidate, taken_names=others.values_list("name", flat=True)
    )
    formset = DeploymentOptionFormSet(
        data,
        instance=candidate,
        prefix="options",
        regions=regions,
        extra=0 if candidate.pk and candidate.deployment_options.all() else 1,
    )
    if data is not None and form.is_valid() & formset.is_valid():
        kept = [row for row in formset.forms if row.has_changed() or row.instance.pk]
        try:
            saved = candidate_save(
                organization=organization,
                candidate_id=candidate.pk,
                fields=form.cleaned_data,
                options=[
                    {"id": row.instance.pk, **_option_fields(row.cleaned_data)}
                    for row in kept
                    if row not in formset.deleted_forms
                ],
                removed_option_ids=[
                    row.instance.pk for row in formset.deleted_forms if row.instance.pk
                ],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("web:candidate-detail", organization.slug, saved.pk)
    context = {"candidate": candidate if candidate.pk else None, "form": form, "formset": formset}
    return render_page(request, membership, "web/catalog/form.html", context)


def _option_fields(cleaned: dict[str, object]) -> dict[str, object]:
    return {
        key: value for key, value in cleaned.items() if key not in ("id", "candidate", "DELETE")
    }


@require_POST
@member_view(Role.EDITOR)
def candidate_delete_view(
    request: HttpRequest, membership: Membership, candidate_id: int
) -> HttpResponse:
    organization = membership.organization
    candidate = candidate_get(organization=organization, candidate_id=candidate_id)
    if attempt(
        request,
        lambda: candidate_delete(organization=organization, candidate_id=candidate.pk),
        CandidateInUse,
        f"Deleted {candidate.name} from the catalog.",
    ):
        return redirect("web:catalog", organization.slug)
    return redirect("web:candidate-detail", organization.slug, candidate.pk)


@member_view(Role.EDITOR)
def evaluation_access_page(
    request: HttpRequest, membership: Membership, candidate_id: int
) -> HttpResponse:
    organization = membership.organization
    candidate = candidate_get(organization=organization, candidate_id=candidate_id)
    access = _access(candidate)
    is_admin = membership.can(Role.ADMIN)
    # An access holding a key is the admins' to change: a new endpoint would receive the key.
    locked = access is not None and access.has_secret and not is_admin
    form = EvaluationAccessForm(
        request.POST if request.method == "POST" else None,
        initial=access_initial(access),
        can_manage_secrets=is_admin,
    )
    if request.method == "POST" and form.is_valid():
        try:
            evaluation_access_set(
                organization=organization,
                candidate_id=candidate.pk,
                can_manage_secrets=is_admin,
                **form.service_data(),
            )
        except ValidationError as exc:
            _add_model_errors(form, exc)
        else:
            messages.success(request, f"Saved how workers reach {candidate.name}.")
            return redirect("web:candidate-detail", organization.slug, candidate.pk)
    context = {"candidate": candidate, "access": access, "form": form, "locked": locked}
    response = render_page(request, membership, "web/catalog/access.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _add_model_errors(form: EvaluationAccessForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _access(candidate: CandidateModel) -> EvaluationAccess | None:
    try:
        return candidate.evaluation_access
    except EvaluationAccess.DoesNotExist:
        return None


@member_view(Role.EDITOR)
def catalog_import_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    form = CatalogImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        kind, text = form.cleaned_data["file"]
        data: object = None
        try:
            data = json.loads(text) if kind == "json" else catalog_from_csv(text)
            if not isinstance(data, dict):
                raise ImportProblem(["the file must hold an object with a list of candidates"])
            result = catalog_import(
                organization=organization,
                data=data,
                can_manage_secrets=membership.can(Role.ADMIN),
            )
        except ImportProblem as exc:
            problems = [_named(problem, data) for problem in exc.problems]
        else:
            messages.success(
                request,
                f"Imported the catalog: {result.created} new candidate(s), "
                f"{result.updated} updated.",
            )
            return redirect("web:catalog", organization.slug)
    context = {"form": form, "problems": problems}
    return render_page(request, membership, "web/catalog/import.html", context)


def _named(problem: str, data: object) -> str:
    """ "candidates[2].name: …" reads better as "candidates[2] (“Llama 3”).name: …"."""
    match = re.match(r"candidates\[(\d+)\]", problem)
    entries = data.get("candidates") if isinstance(data, dict) else None
    if match is None or not isinstance(entries, list) or int(match[1]) >= len(entries):
        return problem
    entry = entries[int(match[1])]
    name = entry.get("name") if isinstance(entry, dict) else None
    return problem if not name else problem.replace(match[0], f"{match[0]} (“{name}”)", 1)


@member_view()
def catalog_export(request: HttpRequest, membership: Membership, file_format: str) -> HttpResponse:
    if file_format not in EXPORT_TYPES:
        raise Http404("Export as csv or json.")
    data = catalog_data(candidate_list(organization=membership.organization))
    body = catalog_csv(data) if file_format == "csv" else json.dumps(data, indent=2) + "\n"
    response = HttpResponse(body, content_type=EXPORT_TYPES[file_format])
    filename = f"{membership.organization.slug}-catalog.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
