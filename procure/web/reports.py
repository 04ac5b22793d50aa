"""Report pages: the history, one report with its charts, and its PDF."""

from django.http import HttpRequest, HttpResponse
from django.utils.safestring import mark_safe

from procure.accounts.models import Membership
from procure.profiles.selectors import profile_list
from procure.reports.rendering import render_html, render_pdf
from procure.reports.selectors import report_get

from .pages import member_view, render_page
from .selectors import report_history


@member_view()
def report_list_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    profiles = list(profile_list(organization=organization).prefetch_related(None).only("name"))
    chosen = next((p for p in profiles if str(p.pk) == request.GET.get("profile")), None)
    reports = report_history(organization=organization, profile_id=chosen.pk if chosen else None)[
        :200
    ]
    context = {"reports": reports, "profiles": profiles, "chosen": chosen}
    return render_page(request, membership, "web/reports/list.html", context)


@member_view()
def report_detail(request: HttpRequest, membership: Membership, report_id: int) -> HttpResponse:
    organization = membership.organization
    report = report_get(organization=organization, report_id=report_id)
    history = (
        report_history(organization=organization, profile_id=report.profile_id)[:12]
        if report.profile_id
        else [report]
    )
    context = {
        "report": report,
        # The report's own template escapes every value from the snapshot; charts are SVG we drew.
        "body": mark_safe(render_html(report, standalone=False)),  # noqa: S308
        "history": history,
    }
    return render_page(request, membership, "web/reports/detail.html", context)


@member_view()
def report_pdf(request: HttpRequest, membership: Membership, report_id: int) -> HttpResponse:
    report = report_get(organization=membership.organization, report_id=report_id)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="procure-report-{report.pk}.pdf"'
    return response
