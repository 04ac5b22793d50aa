"""Writes to the catalog: create, update, import. Every write is scoped to one organisation."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from evals.backends import API_BACKENDS, parse_options
from evals.spec import EvalError, ModelSpec
from procure.accounts.models import Organization
from procure.audit.models import Action
from procure.audit.services import audit_delete, audit_record, changed_fields, field_values
from procure.core.validation import ImportProblem, clean_problems

from .models import CandidateModel, DeploymentOption, EvaluationAccess
from .probing import evaluation_access_probe
from .selectors import candidate_get, deployment_option_list

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
    "context_window",
    "weights_released_on",
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
    "price_source",
    "price_source_model",
    "price_reference",
    "price_date",
)
ACCESS_FIELDS = ("backend", "identity", "revision", "options")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _pick(data: Mapping[str, Any], fields: Sequence[str], place: str) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ImportProblem([f"{place}: expected an object"])
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
    return _save_audited(
        organization, candidate, fields, CANDIDATE_FIELDS, Action.CANDIDATE_CHANGED
    )


@transaction.atomic
def catalog_import(
    *,
    organization: Organization,
    data: Mapping[str, Any],
    secrets: Mapping[str, str] | None = None,
    can_manage_secrets: bool = True,
) -> ImportResult:
    """Create or update candidates (matched by name) with their options and evaluation access.

    All or nothing: the first invalid entry rolls back the whole import, and the error lists
    every problem found with its place (``candidates[2].deployment_options[0].hourly_rate``).
    Deployment options of an imported candidate are replaced by the imported ones. Secrets
    never travel in the catalog file; `secrets` maps a candidate name to its API key. Without
    `can_manage_secrets`, an evaluation access that holds a secret cannot be changed (see
    `evaluation_access_set`).
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
            was_created = _import_candidate(
                organization, entry, place, secrets or {}, can_manage_secrets
            )
        except ImportProblem as exc:
            problems.extend(exc.problems)
            continue
        created += was_created
        updated += not was_created
    if problems:
        raise ImportProblem(problems)
    audit_record(
        organization=organization,
        action=Action.CATALOG_IMPORTED,
        target_repr=f"{len(entries)} candidate(s)",
        changes={"created": created, "updated": updated, "candidates": _names(entries)},
    )
    return ImportResult(created=created, updated=updated)


def _names(entries: list[Any]) -> list[str]:
    return [str(entry.get("name")) for entry in entries if isinstance(entry, Mapping)]


def _import_candidate(
    organization: Organization,
    entry: Mapping[str, Any],
    place: str,
    secrets: Mapping[str, str],
    can_manage_secrets: bool,
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
    options = entry.get("deployment_options") or []
    if not isinstance(options, list):
        raise ImportProblem([f"{place}.deployment_options: expected a list"])
    for opt_index, option_data in enumerate(options):
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
        if access.has_secret and not can_manage_secrets:
            raise ImportProblem([f"{access_place}: {SecretNeedsAdmin.message}"])
        for key, value in _pick(access_data, ACCESS_FIELDS, access_place).items():
            setattr(access, key, value)
        if candidate.name in secrets:
            access.set_secret(secrets[candidate.name])
        _save_valid(access, access_place)
        if candidate.name in secrets:
            _audit_secret(organization, access)
    return was_created


def _save_valid(instance: CandidateModel | DeploymentOption | EvaluationAccess, place: str) -> None:
    problems = clean_problems(instance, place)
    if problems:
        raise ImportProblem(problems)
    instance.save()


M = TypeVar("M", CandidateModel, DeploymentOption)


def _save_audited(
    organization: Organization,
    instance: M,
    fields: Mapping[str, Any],
    allowed: Sequence[str],
    action: Action,
) -> M:
    """Set the allowed fields, validate the whole row (ValidationError by field), save, and
    note in the audit log what changed (a new row: every field it was given)."""
    before = field_values(instance, allowed) if instance.pk else {}
    for key, value in _pick(fields, allowed, type(instance).__name__).items():
        setattr(instance, key, value)
    instance.full_clean()
    instance.save()
    changes = changed_fields(before, field_values(instance, allowed))
    if changes:
        audit_record(organization=organization, action=action, target=instance, changes=changes)
    return instance


class CandidateInUse(Exception):
    """The candidate is being evaluated; deleting it would pull runs from under the workers."""


class SecretNeedsAdmin(PermissionError):
    """Only admins may set, clear or retarget a stored secret."""

    message = "Only an admin may set a secret or change an evaluation access that holds one."


@transaction.atomic
def candidate_create(*, organization: Organization, **fields: Any) -> CandidateModel:
    """A new candidate from its own fields. ValidationError names each bad field."""
    candidate = CandidateModel(organization=organization)
    return _save_audited(
        organization, candidate, fields, CANDIDATE_FIELDS, Action.CANDIDATE_CREATED
    )


@transaction.atomic
def candidate_delete(*, organization: Organization, candidate_id: int) -> None:
    """Delete a candidate with its options, access and past runs; refused while it is evaluated."""
    from procure.runs.models import EvaluationRun, RunStatus  # runs depend on the catalog

    candidate = candidate_get(organization=organization, candidate_id=candidate_id)
    busy = EvaluationRun.objects.filter(
        candidate=candidate, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    )
    if busy.exists():
        raise CandidateInUse(
            f"{candidate.name} is being evaluated; cancel its campaigns before deleting it."
        )
    audit_delete(organization=organization, action=Action.CANDIDATE_DELETED, target=candidate)


@transaction.atomic
def deployment_option_create(
    *, organization: Organization, candidate_id: int, **fields: Any
) -> DeploymentOption:
    candidate = candidate_get(organization=organization, candidate_id=candidate_id)
    option = DeploymentOption(candidate=candidate)
    return _save_audited(organization, option, fields, OPTION_FIELDS, Action.OPTION_CREATED)


@transaction.atomic
def deployment_option_update(
    *, organization: Organization, candidate_id: int, option_id: int, **fields: Any
) -> DeploymentOption:
    option = deployment_option_list(organization=organization, candidate_id=candidate_id).get(
        pk=option_id
    )
    return _save_audited(organization, option, fields, OPTION_FIELDS, Action.OPTION_CHANGED)


@transaction.atomic
def deployment_option_delete(
    *, organization: Organization, candidate_id: int, option_id: int
) -> None:
    option = deployment_option_list(organization=organization, candidate_id=candidate_id).get(
        pk=option_id
    )
    audit_delete(organization=organization, action=Action.OPTION_DELETED, target=option)


@transaction.atomic
def evaluation_access_set(
    *,
    organization: Organization,
    candidate_id: int,
    backend: str,
    identity: str,
    revision: str = "",
    options: Mapping[str, Any] | None = None,
    secret: str | None = None,
    can_manage_secrets: bool,
) -> EvaluationAccess:
    """Create or replace how workers reach the candidate.

    `secret=None` keeps the stored secret, `""` clears it. Setting or clearing a secret needs
    `can_manage_secrets` (an admin), and so does changing an access that holds one: pointing
    its endpoint elsewhere would send the stored key to the new address.
    """
    candidate = candidate_get(organization=organization, candidate_id=candidate_id)
    access = EvaluationAccess.objects.select_for_update().filter(
        candidate=candidate
    ).first() or EvaluationAccess(candidate=candidate)
    if not can_manage_secrets and (secret is not None or access.has_secret):
        raise SecretNeedsAdmin(SecretNeedsAdmin.message)
    before = field_values(access, ACCESS_FIELDS) if access.pk else {}
    access.backend = backend
    access.identity = identity
    access.revision = revision
    access.options = dict(options or {})
    if secret is not None:
        access.set_secret(secret)
    access.full_clean()
    _check_options(access)
    access.save()
    if access.backend in API_BACKENDS:
        # After commit: the probe makes network calls, never while holding the row lock.
        transaction.on_commit(partial(evaluation_access_probe, access=access))
    changes = changed_fields(before, field_values(access, ACCESS_FIELDS))
    if changes:
        audit_record(
            organization=organization, action=Action.ACCESS_CHANGED, target=access, changes=changes
        )
    if secret is not None:
        _audit_secret(organization, access)
    return access


def _audit_secret(organization: Organization, access: EvaluationAccess) -> None:
    # That a secret was set or cleared, by whom and when; never its value, not even masked.
    action = Action.SECRET_SET if access.has_secret else Action.SECRET_CLEARED
    audit_record(organization=organization, action=action, target=access)


def _check_options(access: EvaluationAccess) -> None:
    """Unknown or malformed backend options fail here, not in a worker hours later."""
    spec = ModelSpec(
        backend=access.backend,  # type: ignore[arg-type]  # full_clean checked the choice
        identity=access.identity,
        revision=access.revision,
        options={str(key): str(value) for key, value in access.options.items()},
    )
    try:
        parse_options(spec)
    except EvalError as exc:
        raise ValidationError({"options": [str(exc)]}) from exc


@transaction.atomic
def candidate_save(
    *,
    organization: Organization,
    candidate_id: int | None,
    fields: Mapping[str, Any],
    options: Sequence[Mapping[str, Any]] = (),
    removed_option_ids: Sequence[int] = (),
) -> CandidateModel:
    """Create or update a candidate together with its deployment options, all or nothing.

    An option with an "id" updates that option of this candidate; one without creates a new
    option. ValidationError (by field) or DoesNotExist roll everything back.
    """
    if candidate_id is None:
        candidate = candidate_create(organization=organization, **fields)
    else:
        candidate = candidate_update(organization=organization, candidate_id=candidate_id, **fields)
    for option_id in removed_option_ids:
        deployment_option_delete(
            organization=organization, candidate_id=candidate.pk, option_id=option_id
        )
    for option in options:
        values = {key: value for key, value in option.items() if key != "id"}
        if option.get("id"):
            deployment_option_update(
                organization=organization,
                candidate_id=candidate.pk,
                option_id=option["id"],
                **values,
            )
        else:
            deployment_option_create(organization=organization, candidate_id=candidate.pk, **values)
    return candidate
