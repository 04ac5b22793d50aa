"""Planning and launching campaigns: profile × candidates → runs, reusing existing evidence."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from evals.backends import check_compatibility
from evals.spec import EvalError
from procure.accounts.models import Organization
from procure.audit.models import Action
from procure.audit.services import audit_record
from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.catalog.probing import access_capabilities
from procure.catalog.selectors import candidate_list
from procure.profiles.selectors import profile_get
from procure.suites.models import SuiteVersion
from procure.suites.selectors import suite_version_latest

from .dispatch import queue_run
from .endpoint_checks import endpoint_problems
from .fingerprints import model_fingerprint, model_identity, model_spec, run_fingerprint
from .models import LIVE_RUN_STATUSES, Campaign, CampaignRun, EvaluationRun

QUEUE_FOR_BACKEND = {
    "hf": "eval_cpu",
    "local-completions": "eval_api",
    "local-chat-completions": "eval_api",
    "vllm": "eval_gpu",
}
DEFAULT_SETTINGS: dict[str, Any] = {"num_fewshot": None, "limit": None, "seed": 1234}


class CampaignRefused(Exception):
    """The campaign cannot be launched as asked; `problems` says why, in plain words."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class PlannedRun:
    candidate: CandidateModel
    suite_version: SuiteVersion
    fingerprint: str
    fingerprint_parts: dict[str, Any]
    model_fingerprint: str
    queue: str
    items: int
    existing: EvaluationRun | None

    @property
    def reused(self) -> bool:
        return self.existing is not None


@dataclass(frozen=True)
class CampaignPlan:
    runs: tuple[PlannedRun, ...]
    eval_settings: dict[str, Any]
    problems: tuple[str, ...] = field(default=())

    @property
    def to_queue(self) -> tuple[PlannedRun, ...]:
        return tuple(run for run in self.runs if not run.reused)

    @property
    def items_to_evaluate(self) -> int:
        return sum(run.items for run in self.to_queue)


def campaign_plan(
    *,
    organization: Organization,
    profile_id: int,
    candidate_ids: Sequence[int],
    eval_settings: dict[str, Any] | None = None,
) -> CampaignPlan:
    """What launching would do: which runs exist already, which are new, what cannot run."""
    profile = profile_get(organization=organization, profile_id=profile_id)
    settings = {**DEFAULT_SETTINGS, **(eval_settings or {})}
    candidates = list(candidate_list(organization=organization).filter(pk__in=candidate_ids))
    problems: list[str] = []
    missing = set(candidate_ids) - {c.pk for c in candidates}
    if missing:
        problems.append(f"No candidate with id {', '.join(map(str, sorted(missing)))} here.")
    if not candidates:
        problems.append("Choose at least one candidate.")
    versions = []
    for weight in profile.suite_weights.all():
        try:
            versions.append(
                suite_version_latest(organization=organization, suite_id=weight.suite_id)
            )
        except SuiteVersion.DoesNotExist:
            problems.append(f"The suite '{weight.suite.name}' has no uploaded version yet.")
    if not profile.suite_weights.exists():
        problems.append(f"The profile '{profile.name}' has no suites to evaluate.")

    runs = []
    for candidate in candidates:
        access = _access(candidate, problems)
        if access is None:
            continue
        capabilities = access_capabilities(access)
        spec = model_spec(access, capabilities)
        identity = model_identity(access, capabilities)
        for version in versions:
            output_types = {task["output_type"] for task in version.tasks}
            try:
                check_compatibility(spec, output_types, suite_name=version.suite.name)
            except EvalError as exc:
                problems.append(f"{candidate.name}: {exc}")
                continue
            refusals = endpoint_problems(spec, capabilities, version)
            if refusals:
                problems.extend(f"{candidate.name}: {refusal}" for refusal in refusals)
                continue
            fingerprint, parts = run_fingerprint(
                model=identity, suite_version=version, eval_settings=settings
            )
            runs.append(
                PlannedRun(
                    candidate=candidate,
                    suite_version=version,
                    fingerprint=fingerprint,
                    fingerprint_parts=parts,
                    model_fingerprint=model_fingerprint(identity),
                    queue=QUEUE_FOR_BACKEND[access.backend],
                    items=sum(task["n_docs"] for task in version.tasks),
                    existing=_live_run(organization, fingerprint),
                )
            )
    return CampaignPlan(runs=tuple(runs), eval_settings=settings, problems=tuple(problems))


@transaction.atomic
def campaign_launch(
    *,
    organization: Organization,
    profile_id: int,
    candidate_ids: Sequence[int],
    user: User | None = None,
    eval_settings: dict[str, Any] | None = None,
) -> Campaign:
    """Create the campaign, reuse live runs with the same fingerprint, queue the rest.

    Raises CampaignRefused (nothing saved) when any planned pair cannot run. Messages are sent
    only after the transaction commits, so a worker never sees a run that does not exist yet.
    """
    plan = campaign_plan(
        organization=organization,
        profile_id=profile_id,
        candidate_ids=candidate_ids,
        eval_settings=eval_settings,
    )
    if plan.problems:
        raise CampaignRefused(plan.problems)
    campaign = Campaign.objects.create(
        organization=organization,
        profile_id=profile_id,
        eval_settings=plan.eval_settings,
        created_by=user,
    )
    campaign.candidates.set({planned.candidate for planned in plan.runs})
    queued = 0
    for planned in plan.runs:
        run, created = _get_or_create_run(organization, planned, plan.eval_settings)
        CampaignRun.objects.create(campaign=campaign, run=run, reused=not created)
        if created:
            queued += 1
            transaction.on_commit(partial(queue_run, run))
    audit_record(
        organization=organization,
        action=Action.CAMPAIGN_LAUNCHED,
        target=campaign,
        changes={
            "candidates": sorted({planned.candidate.name for planned in plan.runs}),
            "runs_queued": queued,
            "runs_reused": len(plan.runs) - queued,
        },
    )
    # A campaign whose runs all existed and succeeded is finished at once.
    from .execution import campaigns_refresh

    transaction.on_commit(lambda: campaigns_refresh(campaign_ids=[campaign.pk]))
    return campaign


def _get_or_create_run(
    organization: Organization, planned: PlannedRun, eval_settings: dict[str, Any]
) -> tuple[EvaluationRun, bool]:
    existing = _live_run(organization, planned.fingerprint)
    if existing is not None:
        return existing, False
    try:
        # The partial unique index on live fingerprints makes a concurrent launch of the same
        # work fail here instead of queueing it twice; the savepoint keeps our transaction.
        with transaction.atomic():
            run = EvaluationRun.objects.create(
                organization=organization,
                candidate=planned.candidate,
                suite_version=planned.suite_version,
                fingerprint=planned.fingerprint,
                fingerprint_parts=planned.fingerprint_parts,
                eval_settings=eval_settings,
                queue=planned.queue,
            )
    except IntegrityError:
        winner = _live_run(organization, planned.fingerprint)
        if winner is None:
            raise
        return winner, False
    return run, True


def _live_run(organization: Organization, fingerprint: str) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(
        organization=organization, fingerprint=fingerprint, status__in=LIVE_RUN_STATUSES
    ).first()


def _access(candidate: CandidateModel, problems: list[str]) -> EvaluationAccess | None:
    try:
        return candidate.evaluation_access
    except EvaluationAccess.DoesNotExist:
        problems.append(
            f"{candidate.name} has no evaluation access: register how to reach the model "
            "(a checkpoint or an endpoint) before evaluating it."
        )
        return None
