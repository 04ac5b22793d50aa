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
from procure.decision import numbers
from procure.decision.power import DEFAULT_CONFIDENCE, POWER_BASELINE, suite_power
from procure.profiles.selectors import profile_get, profile_list
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


def _estimate(membership: Membership, form: CampaignForm, lift_text: str = "") -> dict[str, object]:
    plan, profile_id = _plan(membership, form)
    reused = len(plan.runs) - len(plan.to_queue) if plan else 0
    context: dict[str, object] = {
        "form": form,
        "plan": plan,
        "reused": reused,
        "stale_prices": _stale_prices(plan),
    }
    if plan and plan.runs and profile_id is not None:
        profile = profile_get(organization=membership.organization, profile_id=profile_id)
        weights = {w.suite_id: w.weight for w in profile.suite_weights.all()}
        context.update(_power(plan, weights, lift_text))
    return context


def _stale_prices(plan: CampaignPlan | None) -> list[tuple[str, str]]:
    """(candidate, "prices of <date> (<n> days old)") for each chosen candidate priced too long
    ago: the campaign's cost comparison would rest on them."""
    if plan is None:
        return []
    chosen = {run.candidate.pk: run.candidate for run in plan.runs}
    ages = [(c.name, candidate_price_age(c)) for c in chosen.values()]
    return [(name, age.label) for name, age in sorted(ages) if age.stale]


def _power(plan: CampaignPlan, weights: dict[int, float], lift_text: str) -> dict[str, object]:
    """What the chosen suites can detect (decision.power), and the items a typed lift needs.

    Before any result exists the baseline accuracy is 50%, where a difference is hardest to
    see, so the figures are the most the suites could need."""
    suites = {run.suite_version.suite_id: run for run in plan.runs}
    sized = [
        (run.suite_version.suite.name, weights.get(suite_id, 1.0), run.items, POWER_BASELINE)
        for suite_id, run in suites.items()
        if run.items > 0
    ]
    if not sized:
        return {}
    lift, lift_error = _lift(lift_text)
    rows = suite_power(sized, POWER_BASELINE, DEFAULT_CONFIDENCE, lift)
    return {
        "power": [
            {
                "suite": row.suite_id or "All suites, weighted",
                "items": f"{row.items:,.0f}",
                "detectable": (
                    numbers.points(row.detectable, signed=False) if row.detectable else "—"
                ),
                "needed": f"{row.items_for_lift:,}" if row.items_for_lift is not None else "",
            }
            for row in rows
        ],
        "lift": lift_text,
        "lift_error": lift_error,
    }


def _lift(text: str) -> tuple[float | None, str]:
    """A lift typed in percentage points ("5" for five points), as a share, or why not."""
    if not text.strip():
        return None, ""
    try:
        points = float(text.replace(",", "."))
    except ValueError:
        return None, "Type the difference in percentage points, e.g. 5."
    if not 0 < points <= 50:
        return None, "Type a difference between 0 and 50 percentage points."
    return points / 100, ""


def _plan(membership: Membership, form: CampaignForm) -> tuple[CampaignPlan | None, int | None]:
    """The estimate of a filled form (also of a GET's initial choices), and the profile's id;
    (None, None) if incomplete."""
    if form.is_bound:
        if not form.is_valid():
            return None, None
        profile, candidates = form.cleaned_data["profile"], form.cleaned_data["candidates"]
        profile_id, candidate_ids = profile.pk, [c.pk for c in candidates]
    else:
        profile_id = _int(form.initial.get("profile"))
        candidate_ids = list(form.initial["candidates"])
        if profile_id is None or not candidate_ids:
            return None, None
        if not form.fields["profile"].queryset.filter(pk=profile_id).exists():  # type: ignore[attr-defined]
            return None, None
    plan = campaign_plan(
        organization=membership.organization, profile_id=profile_id, candidate_ids=candidate_ids
    )
    return plan, profile_id


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
    lift = request.POST.get("lift", "") if request.method == "POST" else ""
    context = {**_estimate(membership, form, lift), "refused": refused}
    return render_page(request, membership, "web/campaigns/new.html", context)


@require_POST
@member_view(Role.EDITOR)
def campaign_estimate(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The estimate panel for the choices made so far (an htmx fragment)."""
    form = _campaign_form(request, membership)
    context = _estimate(membership, form, request.POST.get("lift", ""))
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
