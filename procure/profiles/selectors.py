"""Reads of task profiles. Every selector is scoped to one organisation."""

from django.db.models import Prefetch, QuerySet

from procure.accounts.models import Organization

from .models import ProfileSuite, TaskProfile


def profile_list(*, organization: Organization) -> QuerySet[TaskProfile]:
    return TaskProfile.objects.filter(organization=organization).prefetch_related(
        Prefetch("suite_weights", queryset=ProfileSuite.objects.select_related("suite"))
    )


def profile_get(*, organization: Organization, profile_id: int) -> TaskProfile:
    return profile_list(organization=organization).get(pk=profile_id)
