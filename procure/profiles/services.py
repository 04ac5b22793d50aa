"""Writes to task profiles. Every write is scoped to one organisation."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from procure.accounts.models import Organization
from procure.audit.models import Action
from procure.audit.services import audit_delete, audit_record, changed_fields, field_values
from procure.core.validation import ImportProblem, clean_problems
from procure.suites.models import Suite

from .models import ProfileSuite, TaskProfile
from .selectors import profile_get

PROFILE_FIELDS = (
    "name",
    "domain",
    "description",
    "monthly_requests",
    "input_tokens",
    "output_tokens",
    "peak_rps",
    "latency_target_ms",
    "quality_bar",
    "exclude_below_bar",
    "monthly_budget",
    "exclude_over_budget",
    "allowed_regions",
    "self_hosting_required",
    "open_weights_required",
    "allowed_licences",
    "allowed_jurisdictions",
    "sovereignty_preferences",
    "weight_fit",
    "weight_cost",
    "weight_sovereignty",
)


@transaction.atomic
def profile_save(
    *,
    organization: Organization,
    data: Mapping[str, Any],
    profile_id: int | None = None,
    user: User | None = None,
) -> TaskProfile:
    """Create a profile, or update this organisation's profile `profile_id`, from plain data.

    `data["suites"]`, when given, is a list of {"suite": <name or id>, "weight": float} and
    replaces the profile's suites; suites must belong to the same organisation.
    Raises ImportProblem naming each bad field; nothing is saved then.
    """
    unknown = sorted(set(data) - set(PROFILE_FIELDS) - {"suites"})
    if unknown:
        raise ImportProblem([f"profile: unknown field(s) {', '.join(unknown)}"])
    if profile_id is None:
        profile = TaskProfile(organization=organization, created_by=user)
        before: dict[str, Any] = {}
    else:
        profile = profile_get(organization=organization, profile_id=profile_id)
        before = {**field_values(profile, PROFILE_FIELDS), "suites": _suite_weights(profile)}
    for key in PROFILE_FIELDS:
        if key in data:
            setattr(profile, key, data[key])
    problems = clean_problems(profile, "profile")
    suite_rows = _suite_rows(organization, data.get("suites"), problems)
    if problems:
        raise ImportProblem(problems)
    profile.save()
    if suite_rows is not None:
        profile.suite_weights.all().delete()
        ProfileSuite.objects.bulk_create(
            ProfileSuite(profile=profile, suite=suite, weight=weight)
            for suite, weight in suite_rows
        )
    after = {**field_values(profile, PROFILE_FIELDS), "suites": _suite_weights(profile)}
    changes = changed_fields(before, after)
    if changes:
        action = Action.PROFILE_CREATED if profile_id is None else Action.PROFILE_CHANGED
        audit_record(organization=organization, action=action, target=profile, changes=changes)
    return profile


def _suite_weights(profile: TaskProfile) -> dict[str, float]:
    return {row.suite.name: row.weight for row in profile.suite_weights.select_related("suite")}


def _suite_rows(
    organization: Organization, entries: Any, problems: list[str]
) -> list[tuple[Suite, float]] | None:
    if entries is None:
        return None
    if not isinstance(entries, list):
        problems.append("profile.suites: expected a list")
        return None
    rows: list[tuple[Suite, float]] = []
    for index, entry in enumerate(entries):
        place = f"profile.suites[{index}]"
        ref = entry.get("suite") if isinstance(entry, Mapping) else None
        lookup: dict[str, Any] = {"pk": ref} if isinstance(ref, int) else {"name": ref}
        suite = Suite.objects.filter(organization=organization, **lookup).first()
        if suite is None:
            problems.append(f"{place}.suite: no suite {ref!r} in this organisation")
            continue
        if any(seen.pk == suite.pk for seen, _ in rows):
            problems.append(f"{place}.suite: '{suite.name}' is listed twice")
            continue
        try:
            weight = float(entry.get("weight", 1.0))
        except (TypeError, ValueError):
            problems.append(f"{place}.weight: expected a number")
            continue
        if weight <= 0:
            problems.append(f"{place}.weight: must be above zero")
            continue
        rows.append((suite, weight))
    return rows


class ProfileInUse(Exception):
    """A running campaign evaluates this profile; deleting it would delete the campaign."""


@transaction.atomic
def profile_delete(*, organization: Organization, profile_id: int) -> None:
    """Delete a profile with its past campaigns (reports keep their frozen copies)."""
    from procure.runs.models import CampaignStatus  # runs depend on profiles

    profile = profile_get(organization=organization, profile_id=profile_id)
    if profile.campaigns.filter(status=CampaignStatus.RUNNING).exists():
        raise ProfileInUse(f"A campaign for '{profile.name}' is running; cancel it first.")
    audit_delete(organization=organization, action=Action.PROFILE_DELETED, target=profile)
