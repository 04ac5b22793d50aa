"""The difference between two reports of an organisation, as alerts and the diff page show it."""

from dataclasses import dataclass

from procure.accounts.models import Organization
from procure.reports.models import ReportSnapshot
from procure.reports.selectors import report_get

from .drift import Change, Thresholds, compare_snapshots
from .models import Schedule
from .presentation import CandidateRow, side_by_side


@dataclass(frozen=True)
class ReportDiff:
    report: ReportSnapshot
    previous: ReportSnapshot
    thresholds: Thresholds  # the report's profile schedule's, or the defaults
    changes: list[Change]
    rows: list[CandidateRow]


def report_diff(*, organization: Organization, report_id: int, previous_id: int) -> ReportDiff:
    """What changed from report `previous_id` to report `report_id` (both this organisation's;
    ReportSnapshot.DoesNotExist otherwise)."""
    report = report_get(organization=organization, report_id=report_id)
    previous = report_get(organization=organization, report_id=previous_id)
    schedule = Schedule.objects.filter(
        organization=organization, profile_id=report.profile_id
    ).first()
    thresholds = schedule.thresholds if schedule else Thresholds()
    return ReportDiff(
        report=report,
        previous=previous,
        thresholds=thresholds,
        changes=compare_snapshots(previous.snapshot, report.snapshot, thresholds),
        rows=side_by_side(previous.snapshot, report.snapshot),
    )
