"""Reads the pages need beyond the apps' own selectors. Every one is scoped to an organisation."""

from django.db.models import Count, Max, QuerySet

from procure.accounts.models import Organization
from procure.profiles.models import TaskProfile
from procure.profiles.selectors import profile_list
from procure.reports.models import ReportSnapshot
from procure.reports.selectors import report_list
from procure.runs.status import campaign_list_with_counts, campaign_runs

__all__ = [
    "campaign_list_with_counts",  # the campaign-status reads the API shares (procure.runs.status)
    "campaign_runs",
    "profile_list_with_activity",
    "report_history",
]


def profile_list_with_activity(*, organization: Organization) -> QuerySet[TaskProfile]:
    # Aggregating queries drop Meta.ordering: order explicitly.
    return (
        profile_list(organization=organization)
        .annotate(
            campaign_count=Count("campaigns", distinct=True),
            last_report_at=Max("reports__created_at"),
        )
        .order_by("name")
    )


def report_history(
    *, organization: Organization, profile_id: int | None = None
) -> QuerySet[ReportSnapshot]:
    return report_list(organization=organization, profile_id=profile_id).select_related(
        "profile", "campaign"
    )
