"""Schedule pages of a task profile (set, pause, run now, remove), the profile's history, the
side-by-side diff of two reports, and the alerts sent to the person reading."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from procure.accounts.models import Membership, Role
from procure.catalog.selectors import candidate_list
from procure.profiles.models import TaskProfile
from procure.profiles.selectors import profile_get
from procure.reports.charts import HistoryPoint, history_chart
from procure.schedules.alerts import notification_mark_read, notifications_mark_all_read
from procure.schedules.crontab import parse_crontab
from procure.schedules.diffs import report_diff
from procure.schedules.models import FiringOutcome, Schedule, Trigger
from procure.schedules.presentation import history_row
from procure.schedules.selectors import (
    current_campaigns,
    firing_list,
    notification_list,
    schedule_get,
)
from procure.schedules.services import schedule_delete, schedule_fire, schedule_set

from .pages import current_user, member_view, render_page
from .schedule_forms import ScheduleForm, schedule_initial
from .selectors import report_history

HISTORY_LENGTH = 60


def _schedule_or_none(membership: Membership, profile: TaskProfile) -> Schedule | None:
    try:
        return schedule_get(organization=membership.organization, profile_id=profile.pk)
    except Schedule.DoesNotExist:
        return None


def _form(
    membership: Membership, profile: TaskProfile, data: object = None, **kwargs: object
) -> ScheduleForm:
    organization = membership.organization
    members = User.objects.filter(memberships__organization=organization).order_by("username")
    # Testable candidates, and those already chosen: a chosen candidate that lost its access
    # stays ticked rather than being dropped silently when the form is saved unchanged.
    testable = Q(evaluation_access__isnull=False) | Q(schedules__profile=profile)
    return ScheduleForm(
        data,
        candidates=candidate_list(organization=organization).filter(testable).distinct(),
        members=members,
        **kwargs,
    )


def _schedule_page(
    request: HttpRequest,
    membership: Membership,
    profile: TaskProfile,
    form: ScheduleForm,
    status: int = 200,
) -> HttpResponse:
    schedule = _schedule_or_none(membership, profile)
    latest = current_campaigns(organization=membership.organization, profile_id=profile.pk).first()
    next_run = None
    if schedule is not None and schedule.enabled:
        next_run = parse_crontab(schedule.crontab).next_after(timezone.now())
    context = {
        "profile": profile,
        "schedule": schedule,
        "form": form,
        "next_run": next_run,
        "default_candidates": list(latest.candidates.all()) if latest else [],
        "firings": firing_list(organization=membership.organization, profile_id=profile.pk)[:25],
    }
    return render_page(request, membership, "web/schedules/schedule.html", context, status=status)


@member_view()
def schedule_page(request: HttpRequest, membership: Membership, profile_id: int) -> HttpResponse:
    profile = profile_get(organization=membership.organization, profile_id=profile_id)
    schedule = _schedule_or_none(membership, profile)
    form = _form(membership, profile, initial=schedule_initial(schedule) if schedule else None)
    return _schedule_page(request, membership, profile, form)


@require_POST
@member_view(Role.EDITOR)
def schedule_save(request: HttpRequest, membership: Membership, profile_id: int) -> HttpResponse:
    organization = membership.organization
    profile = profile_get(organization=organization, profile_id=profile_id)
    form = _form(membership, profile, request.POST)
    if form.is_valid():
        try:
            schedule_set(
                organization=organization,
                profile_id=profile.pk,
                user=current_user(request),
                **form.service_data(),
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, f"Saved the schedule of “{profile.name}”.")
            return redirect("web:profile-schedule", organization.slug, profile.pk)
    return _schedule_page(request, membership, profile, form, status=400)


@require_POST
@member_view(Role.EDITOR)
def schedule_run_now(request: HttpRequest, membership: Membership, profile_id: int) -> HttpResponse:
    organization = membership.organization
    schedule = schedule_get(organization=organization, profile_id=profile_id)
    firing = schedule_fire(
        schedule_id=schedule.pk,
        sent_at=timezone.now(),
        trigger=Trigger.MANUAL,
        user=current_user(request),
    )
    if firing is None or firing.outcome != FiringOutcome.LAUNCHED:
        messages.error(request, f"Nothing launched: {firing.reason if firing else 'no schedule'}")
        return redirect("web:profile-schedule", organization.slug, profile_id)
    messages.success(
        request,
        f"Campaign #{firing.campaign_id} launched: {firing.runs_queued} run(s) queued, "
        f"{firing.runs_reused} reused. Its report is compared with the previous one.",
    )
    return redirect("web:campaign-detail", organization.slug, firing.campaign_id)


@require_POST
@member_view(Role.EDITOR)
def schedule_delete_view(
    request: HttpRequest, membership: Membership, profile_id: int
) -> HttpResponse:
    schedule_delete(organization=membership.organization, profile_id=profile_id)
    messages.success(request, "The schedule is removed; nothing more will run on its own.")
    return redirect("web:profile-detail", membership.organization.slug, profile_id)


@member_view()
def profile_history(request: HttpRequest, membership: Membership, profile_id: int) -> HttpResponse:
    organization = membership.organization
    profile = profile_get(organization=organization, profile_id=profile_id)
    reports = list(
        report_history(organization=organization, profile_id=profile.pk)
        .defer(None)
        .order_by("-created_at", "-pk")[:HISTORY_LENGTH]
    )[::-1]
    rows = [(report, history_row(report.snapshot)) for report in reports]
    points = [
        HistoryPoint(
            label=f"{report.created_at:%d %b}\n{report.created_at:%H:%M}",
            recommended=row.recommended,
            fit=row.fit,
            cost=row.monthly_cost,
        )
        for report, row in rows
    ]
    entries = [
        {"report": report, "row": row, "previous": rows[i - 1][0] if i else None}
        for i, (report, row) in enumerate(rows)
    ]
    context = {
        "profile": profile,
        "entries": entries[::-1],  # newest first in the table
        "chart": history_chart(points) if len(points) > 1 else "",
    }
    return render_page(request, membership, "web/schedules/history.html", context)


@member_view()
def report_diff_page(
    request: HttpRequest, membership: Membership, report_id: int, previous_id: int
) -> HttpResponse:
    diff = report_diff(
        organization=membership.organization, report_id=report_id, previous_id=previous_id
    )
    return render_page(request, membership, "web/schedules/diff.html", {"diff": diff})


@member_view()
def notification_list_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    notifications = notification_list(
        organization=membership.organization, user=current_user(request)
    )[:100]
    return render_page(
        request, membership, "web/schedules/notifications.html", {"notifications": notifications}
    )


@require_POST
@member_view()
def notification_read(request: HttpRequest, membership: Membership, alert_id: int) -> HttpResponse:
    notification_mark_read(
        organization=membership.organization, user=current_user(request), alert_id=alert_id
    )
    return redirect("web:notifications", membership.organization.slug)


@require_POST
@member_view()
def notifications_read_all(request: HttpRequest, membership: Membership) -> HttpResponse:
    count = notifications_mark_all_read(
        organization=membership.organization, user=current_user(request)
    )
    messages.info(request, f"Marked {count} alert{'s' if count != 1 else ''} read.")
    return redirect("web:notifications", membership.organization.slug)
