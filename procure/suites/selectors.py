"""Reads of suites. Every selector is scoped to one organisation."""

from django.db.models import Count, Max, QuerySet

from procure.accounts.models import Organization

from .models import Suite, SuiteVersion


def suite_list(*, organization: Organization) -> QuerySet[Suite]:
    return Suite.objects.filter(organization=organization).annotate(
        version_count=Count("versions"), latest_version=Max("versions__number")
    )


def suite_get(*, organization: Organization, suite_id: int) -> Suite:
    return Suite.objects.get(organization=organization, pk=suite_id)


def suite_version_list(*, organization: Organization, suite_id: int) -> QuerySet[SuiteVersion]:
    return SuiteVersion.objects.filter(suite__organization=organization, suite_id=suite_id).defer(
        "bundle"
    )


def suite_version_get(*, organization: Organization, version_id: int) -> SuiteVersion:
    return SuiteVersion.objects.select_related("suite").get(
        suite__organization=organization, pk=version_id
    )


def suite_version_latest(*, organization: Organization, suite_id: int) -> SuiteVersion:
    version = suite_version_list(organization=organization, suite_id=suite_id).first()
    if version is None:
        raise SuiteVersion.DoesNotExist(f"suite {suite_id} has no version yet")
    return version
