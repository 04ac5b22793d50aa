"""Campaign pages: choose a profile and candidates, see the estimate, launch, watch live
progress (htmx polling), cancel, retry failed runs, write a new report."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from procure.accounts.models import Membership, Role
from procure.catalog.selectors import candidate_list
from procure.catalog.staleness import candidate_price_age
from procure.profiles.selectors import profile_list
from procure.reports.services import ReportNotReady, report_generate
from procure.runs.planning import CampaignPlan, CampaignRefused, campaign_launch, campaign_plan
from procure.runs.selectors import campaign_get, run_get
from procure.runs.services import RunNotRetryable, campaign_cancel, run_retry

from .forms import CampaignForm
from .pages import attempt, current_user, member_view, render_page
from .progress import campaign_progress, keeps_polling
from .selectors import campaign_list_with_counts, campaign_runs, report_history

POLL_SECONDS = 1


@member_view()
def campaign_list_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    campaigns = campaign_list_with_counts(organization=membership.organization)[:100]
    return render_page(request, membership, "web/campaigns/list.html", {"campaigns": campaigns})


def _campaign_form(request: HttpRequest, membership: Membership) -> CampaignForm:
    organization = membership.organization
    candidates = candidate_list(organization=organization)
    data = request.POST if request.method == "POST" else None
    initial = {
        "profile": request.GET.get("profile"),
        "candidates": [c.pk for c in candidates if hasattr(c, "evaluation_access")],
    }
    return CampaignForm(
        data,
        initial=initial,
        profiles=profile_list(organization=organization),
        candidates=candidates,
    )


def _estimate(membership: Membership, form: CampaignForm) -> dict[str, object]:
    plan = _plan(membership, form)
    reused = len(plan.runs) - len(plan.to_queue) if plan else 0
    return {"form": form, "plan": plan, "reused": reused, "stale_prices": _stale_prices(plan)}


def _stale_prices(plan: CampaignPlan | None) -> list[tuple[str, str]]:
    """(candidate, "prices of <date> (<n> days old)") for each chosen candidate priced too long
    ago: the campaign's cost comparison would rest on them."""
    if plan is None:
        return []
    chosen = {run.candidate.pk: run.candidate for run in plan.runs}
    ages = [(c.name, candidate_price_age(c)) for c in chosen.values()]
    return [(name, age.label) for name, age in sorted(ages) if age.stale]


def _plan(membership: Membership, form: CampaignForm) -> CampaignPlan | None:
    """The estimate of a filled form (also of a GET's initial choices); None if incomplete."""
    if form.is_bound:
        if not form.is_valid():
            return None
        profile, candidates = form.cleaned_data["profile"], form.cleaned_data["candidates"]
        profile_id, candidate_ids = profile.pk, [c.pk for c in candidates]
    else:
        profile_id = _int(form.initial.get("profile"))
        candidate_ids = list(form.initial["candidates"])
        if profile_id is None or not candidate_ids:
            return None
        if not form.fields["profile"].queryset.filter(pk=profile_id).exists():  # type: ignore[attr-defined]
            return None
    return campaign_plan(
        organization=membership.organization, profile_id=profile_id, candidate_ids=candidate_ids
    )


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


@member_view(Role.EDITOR)
def campaign_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = _campaign_form(request, membership)
    refused: list[str] = []
    if request.method == "POST" and "launch" in request.POST and form.is_valid():
        try:
            campaign = campaign_launch(
                organization=membership.organization,
                profile_id=form.cleaned_data["profile"].pk,
                candidate_ids=[c.pk for c in form.cleaned_data["candidates"]],
                user=current_user(request),
            )
        except CampaignRefused as exc:
            refused = exc.problems
        else:
            messages.success(request, f"Campaign #{campaign.pk} launched.")
            return redirect("web:campaign-detail", membership.organization.slug, campaign.pk)
    context = {**_estimate(membership, form), "refused": refused}
    return render_page(request, membership, "web/campaigns/new.html", context)


@require_POST
@member_view(Role.EDITOR)
def campaign_estimate(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The estimate panel for the choices made so far (an htmx fragment)."""
    form = _campaign_form(request, membership)
    context = _estimate(membership, form)
    return render_page(request, membership, "web/campaigns/_estimate.html", context)


def _progress_context(membership: Membership, campaign_id: int) -> dict[str, object]:
    organization = membership.organization
    campaign = campaign_get(organization=organization, campaign_id=campaign_id)
    runs = campaign_runs(organization=organization, campaign_id=campaign.pk)
    report = report_history(organization=organization).filter(campaign_id=campaign.pk).first()
    now = timezone.now()
    return {
        "campaign": campaign,
        "progress": campaign_progress(campaign, runs, now),
        "report": report,
        "polling": keeps_polling(campaign, report is not None, now),
        "poll_seconds": POLL_SECONDS,
    }


@member_view()
def campaign_detail(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    context = _progress_context(membership, campaign_id)
    return render_page(request, membership, "web/campaigns/detail.html", context)


@member_view()
def campaign_progress_fragment(
    request: HttpRequest, membership: Membership, campaign_id: int
) -> HttpResponse:
    context = _progress_context(membership, campaign_id)
    response = render_page(request, membership, "web/campaigns/_progress.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_view(Role.EDITOR)
def campaign_cancel_view(
    request: HttpRequest, membership: Membership, campaign_id: int
) -> HttpResponse:
    campaign = campaign_cancel(organization=membership.organization, campaign_id=campaign_id)
    messages.info(request, f"Campaign #{campaign.pk} cancelled: its unfinished runs are stopping.")
    return redirect("web:campaign-detail", membership.organization.slug, campaign.pk)


@require_POST
@member_view(Role.EDITOR)
def run_retry_view(request: HttpRequest, membership: Membership, run_id: int) -> HttpResponse:
    organization = membership.organization
    run = run_get(organization=organization, run_id=run_id)
    # Back to the campaign the button was on, if it is one of this run's (and ours).
    campaign = run.campaigns.filter(pk=_int(request.POST.get("campaign")) or 0).first()
    attempt(
        request,
        lambda: run_retry(organization=organization, run_id=run.pk),
        RunNotRetryable,
        f"Run #{run.pk} is queued again.",
    )
    if campaign is None:
        return redirect("web:campaigns", organization.slug)
    return redirect("web:campaign-detail", organization.slug, campaign.pk)


@require_POST
@member_view(Role.EDITOR)
def campaign_report(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    organization = membership.organization
    try:
        report = report_generate(
            organization=organization, campaign_id=campaign_id, user=current_user(request)
        )
    except ReportNotReady as exc:
        messages.error(request, str(exc))
        return redirect("web:campaign-detail", organization.slug, campaign_id)
    messages.success(request, "A new report was written from this campaign's evidence.")
    return redirect("web:report-detail", organization.slug, report.pk)
