"""Reads of report snapshots. Every selector is scoped to one organisation."""

from django.db.models import QuerySet

from procure.accounts.models import Organization

from .models import ReportSnapshot


def report_list(
    *, organization: Organization, profile_id: int | None = None
) -> QuerySet[ReportSnapshot]:
    qs = ReportSnapshot.objects.filter(organization=organization)
    if profile_id is not None:
        qs = qs.filter(profile_id=profile_id)
    return qs.defer("snapshot")


def report_get(*, organization: Organization, report_id: int) -> ReportSnapshot:
    return ReportSnapshot.objects.get(organization=organization, pk=report_id)
