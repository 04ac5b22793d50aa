"""The organisation's home page: where things stand and what to do next."""

from django.http import HttpRequest, HttpResponse

from procure.accounts.models import Membership
from procure.catalog.models import CandidateModel
from procure.profiles.models import TaskProfile
from procure.runs.models import CampaignStatus
from procure.suites.models import Suite

from .pages import member_view, render_page
from .selectors import campaign_list_with_counts, report_history


@member_view()
def overview(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    campaigns = campaign_list_with_counts(organization=organization)
    counts = {
        "profiles": TaskProfile.objects.filter(organization=organization).count(),
        "candidates": CandidateModel.objects.filter(organization=organization).count(),
        "suites": Suite.objects.filter(organization=organization).count(),
        "running": campaigns.filter(status=CampaignStatus.RUNNING).count(),
    }
    context = {
        "counts": counts,
        "steps": [
            ("Register the candidate models", counts["candidates"], "web:catalog"),
            ("Upload a test suite of your own work", counts["suites"], "web:suites"),
            ("Describe the task in a profile", counts["profiles"], "web:profiles"),
        ],
        "campaigns": campaigns[:6],
        "reports": report_history(organization=organization)[:6],
    }
    return render_page(request, membership, "web/overview.html", context)
