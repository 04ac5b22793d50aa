"""Writes to the catalog: create, update, import. Every write is scoped to one organisation."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from procure.accounts.models import Organization
from procure.core.validation import ImportProblem, clean_problems

from .models import CandidateModel, DeploymentOption, EvaluationAccess
from .selectors import candidate_get

CANDIDATE_FIELDS = (
    "name",
    "provider",
    "specialisation",
    "licence",
    "open_weights",
    "vendor_jurisdiction",
    "description",
    "parameters_billion",
    "prices_as_of",
    "price_source",
)
OPTION_FIELDS = (
    "kind",
    "name",
    "regions",
    "provider",
    "input_price_per_mtok",
    "output_price_per_mtok",
    "hardware",
    "hourly_rate",
    "throughput_rps",
    "min_instances",
    "fixed_monthly_ops",
    "currency",
)
ACCESS_FIELDS = ("backend", "identity", "revision", "options")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _pick(data: Mapping[str, Any], fields: Sequence[str], place: str) -> dict[str, Any]:
    unknown = sorted(set(data) - set(fields) - {"deployment_options", "evaluation_access"})
    if unknown:
        raise ImportProblem([f"{place}: unknown field(s) {', '.join(unknown)}"])
    return {key: data[key] for key in fields if key in data}


@transaction.atomic
def candidate_update(
    *, organization: Organization, candidate_id: int, **fields: Any
) -> CandidateModel:
    """Change a candidate's own fields. DoesNotExist if it is not this organisation's."""
    candidate = candidate_get(organization=organization, candidate_id=candidate_id)
    for key, value in _pick(fields, CANDIDATE_FIELDS, "candidate").items():
        setattr(candidate, key, value)
    candidate.full_clean()
    candidate.save()
    return candidate


@transaction.atomic
def catalog_import(
    *, organization: Organization, data: Mapping[str, Any], secrets: Mapping[str, str] | None = None
) -> ImportResult:
    """Create or update candidates (matched by name) with their options and evaluation access.

    All or nothing: the first invalid entry rolls back the whole import, and the error lists
    every problem found with its place (``candidates[2].deployment_options[0].hourly_rate``).
    Deployment options of an imported candidate are replaced by the imported ones. Secrets
    never travel in the catalog file; `secrets` maps a candidate name to its API key.
    """
    entries = data.get("candidates")
    if not isinstance(entries, list):
        raise ImportProblem(["candidates: expected a list of candidates"])
    problems: list[str] = []
    created = updated = 0
    for index, entry in enumerate(entries):
        place = f"candidates[{index}]"
        try:
            if not isinstance(entry, Mapping) or not entry.get("name"):
                raise ImportProblem([f"{place}: expected an object with a name"])
            was_created = _import_candidate(organization, entry, place, secrets or {})
        except ImportProblem as exc:
            problems.extend(exc.problems)
            continue
        created += was_created
        updated += not was_created
    if problems:
        raise ImportProblem(problems)
    return ImportResult(created=created, updated=updated)


def _import_candidate(
    organization: Organization, entry: Mapping[str, Any], place: str, secrets: Mapping[str, str]
) -> bool:
    fields = _pick(entry, CANDIDATE_FIELDS, place)
    candidate = CandidateModel.objects.filter(
        organization=organization, name=fields["name"]
    ).first()
    was_created = candidate is None
    if candidate is None:
        candidate = CandidateModel(organization=organization)
    for key, value in fields.items():
        setattr(candidate, key, value)
    _save_valid(candidate, place)
    candidate.deployment_options.all().delete()
    for opt_index, option_data in enumerate(entry.get("deployment_options") or []):
        opt_place = f"{place}.deployment_options[{opt_index}]"
        option = DeploymentOption(
            candidate=candidate, **_pick(option_data, OPTION_FIELDS, opt_place)
        )
        _save_valid(option, opt_place)
    access_data = entry.get("evaluation_access")
    if access_data:
        access_place = f"{place}.evaluation_access"
        access = EvaluationAccess.objects.filter(candidate=candidate).first() or EvaluationAccess(
            candidate=candidate
        )
        for key, value in _pick(access_data, ACCESS_FIELDS, access_place).items():
            setattr(access, key, value)
        if candidate.name in secrets:
            access.set_secret(secrets[candidate.name])
        _save_valid(access, access_place)
    return was_created


def _save_valid(instance: CandidateModel | DeploymentOption | EvaluationAccess, place: str) -> None:
    problems = clean_problems(instance, place)
    if problems:
        raise ImportProblem(problems)
    instance.save()
