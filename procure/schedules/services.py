"""Setting schedules and firing them. Every write is scoped to one organisation."""

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from procure.accounts.models import Membership, Organization
from procure.audit.models import Action
from procure.audit.services import audit_delete, audit_record, changed_fields, field_values
from procure.catalog.models import CandidateModel
from procure.catalog.selectors import candidate_list
from procure.profiles.models import TaskProfile
from procure.profiles.selectors import profile_get
from procure.runs.models import CampaignRun, CampaignStatus
from procure.runs.planning import CampaignRefused, campaign_launch

from .beat import periodic_task_sync
from .crontab import PRESETS, CrontabInvalid, parse_crontab
from .models import Comparison, FiringOutcome, Frequency, Schedule, ScheduleFiring, Trigger
from .selectors import current_campaigns, schedule_get

logger = logging.getLogger(__name__)


@transaction.atomic
def schedule_set(
    *,
    organization: Organization,
    profile_id: int,
    frequency: str,
    crontab: str = "",
    enabled: bool = True,
    candidate_ids: Sequence[int] = (),
    watcher_ids: Sequence[int] = (),
    fit_threshold: float = 0.02,
    cost_threshold: float = 0.10,
    user: User | None = None,
) -> Schedule:
    """Create or replace the profile's schedule and its beat entry.

    `crontab` is needed for the custom frequency only (a preset's crontab may be passed back
    unchanged). No `candidate_ids`: each firing takes the candidates of the profile's latest
    campaign. Raises ValidationError naming each bad field; nothing is saved then.
    """
    profile = profile_get(organization=organization, profile_id=profile_id)
    # Two first saves at once must not both create the profile's one schedule.
    TaskProfile.objects.select_for_update().filter(pk=profile.pk).first()
    errors: dict[str, list[str]] = {}
    expression = _expression(frequency, crontab.strip(), errors)
    candidates = _candidates(organization, candidate_ids, errors)
    watchers = _watchers(organization, watcher_ids, errors)
    schedule = Schedule.objects.filter(profile=profile).first() or Schedule(
        organization=organization, profile=profile, created_by=user
    )
    before = field_values(schedule, AUDITED_FIELDS) if schedule.pk else {}
    schedule.frequency = frequency
    schedule.crontab = expression
    schedule.enabled = enabled
    schedule.fit_threshold = fit_threshold
    schedule.cost_threshold = cost_threshold
    try:
        # frequency and crontab are checked above, with messages of their own.
        schedule.full_clean(
            exclude=["frequency", "crontab", "organization", "profile", "created_by"]
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    schedule.save()
    schedule.candidates.set(candidates)
    schedule.watchers.set(watchers)
    periodic_task_sync(schedule)
    audit_record(
        organization=organization,
        action=Action.SCHEDULE_SET,
        target=schedule,
        changes=changed_fields(before, field_values(schedule, AUDITED_FIELDS)),
    )
    return schedule


# What the audit log notes of a schedule change (candidates and watchers are lists of ids).
AUDITED_FIELDS = ("frequency", "crontab", "enabled", "fit_threshold", "cost_threshold")


def _expression(frequency: str, crontab: str, errors: dict[str, list[str]]) -> str:
    if frequency not in Frequency.values:
        errors["frequency"] = [f"Choose one of {', '.join(Frequency.values)}."]
        return ""
    if frequency != Frequency.CUSTOM:
        preset = PRESETS[frequency]
        if crontab and crontab.split() != preset.split():
            errors["crontab"] = [
                f"A {frequency} schedule runs '{preset}'; choose the custom frequency to run "
                f"'{crontab}'."
            ]
        return preset
    if not crontab:
        errors["crontab"] = ["A custom schedule needs a crontab, e.g. '0 6 * * 1-5'."]
        return ""
    try:
        return parse_crontab(crontab).expression
    except CrontabInvalid as exc:
        errors["crontab"] = [str(exc)]
        return ""


def _candidates(
    organization: Organization, ids: Sequence[int], errors: dict[str, list[str]]
) -> list[CandidateModel]:
    found = list(candidate_list(organization=organization).filter(pk__in=ids))
    missing = sorted(set(ids) - {c.pk for c in found})
    if missing:
        errors["candidates"] = [f"No candidate with id {', '.join(map(str, missing))} here."]
    return found


def _watchers(
    organization: Organization, ids: Sequence[int], errors: dict[str, list[str]]
) -> list[User]:
    members = {
        m.user_id: m.user
        for m in Membership.objects.filter(
            organization=organization, user_id__in=ids
        ).select_related("user")
    }
    missing = sorted(set(ids) - set(members))
    if missing:
        errors["watchers"] = [
            f"User {', '.join(map(str, missing))} is not a member of {organization.name}."
        ]
    return list(members.values())


@transaction.atomic
def schedule_delete(*, organization: Organization, profile_id: int) -> None:
    """Remove the schedule; its beat entry goes with it (procure/schedules/apps.py)."""
    schedule = schedule_get(organization=organization, profile_id=profile_id)
    audit_delete(organization=organization, action=Action.SCHEDULE_DELETED, target=schedule)


@transaction.atomic
def schedule_fire(
    *,
    schedule_id: int,
    sent_at: datetime,
    trigger: str = Trigger.BEAT,
    user: User | None = None,
) -> ScheduleFiring | None:
    """Launch the schedule's campaign once for this trigger, or record why not.

    The schedule's row is locked for the whole decision, so two triggers processed at once
    (two workers, or beat and "run now") are decided one after the other: the second sees
    what the first did. A trigger sent before the last launch is skipped: while workers are
    down beat keeps sending, and when they return the first message launches and the rest,
    all sent before that launch, do nothing. None: the schedule was deleted meanwhile.
    """
    schedule = (
        Schedule.objects.select_for_update(of=("self",))
        .select_related("profile", "organization")
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        return None
    record = partial(_record, schedule, sent_at=sent_at, trigger=trigger, user=user)
    if trigger == Trigger.BEAT and not schedule.enabled:
        return record(FiringOutcome.SKIPPED, "The schedule is disabled.")
    if schedule.last_fired_at is not None and schedule.last_fired_at >= sent_at:
        return record(
            FiringOutcome.SKIPPED,
            f"Already launched at {schedule.last_fired_at:%Y-%m-%d %H:%M:%S} UTC, after this "
            "trigger was sent (a missed or repeated trigger runs once).",
        )
    running = schedule.firings.filter(campaign__status=CampaignStatus.RUNNING).first()
    if running is not None:
        return record(
            FiringOutcome.SKIPPED,
            f"The previous campaign (#{running.campaign_id}) is still running.",
        )
    latest = current_campaigns(
        organization=schedule.organization, profile_id=schedule.profile_id
    ).first()
    candidate_ids = [c.pk for c in schedule.candidates.all()] or (
        list(latest.candidates.values_list("pk", flat=True)) if latest else []
    )
    if not candidate_ids:
        return record(
            FiringOutcome.REFUSED,
            "No candidates to evaluate: choose them in the schedule, or launch a campaign for "
            "the profile first.",
        )
    try:
        campaign = campaign_launch(
            organization=schedule.organization,
            profile_id=schedule.profile_id,
            candidate_ids=candidate_ids,
            user=user,
            eval_settings=latest.eval_settings if latest else None,
        )
    except CampaignRefused as exc:
        return record(FiringOutcome.REFUSED, "; ".join(exc.problems))
    now = timezone.now()
    Schedule.objects.filter(pk=schedule.pk).update(last_fired_at=now)
    reused = CampaignRun.objects.filter(campaign=campaign, reused=True).count()
    return record(
        FiringOutcome.LAUNCHED,
        "",
        campaign=campaign,
        runs_queued=campaign.runs.count() - reused,
        runs_reused=reused,
        comparison=Comparison.PENDING,
    )


def _record(
    schedule: Schedule,
    outcome: str,
    reason: str,
    *,
    sent_at: datetime,
    trigger: str,
    user: User | None,
    **fields: object,
) -> ScheduleFiring:
    if outcome != FiringOutcome.LAUNCHED:
        logger.info("schedule %s: %s (%s)", schedule.pk, outcome, reason)
    return ScheduleFiring.objects.create(
        schedule=schedule,
        trigger=trigger,
        triggered_by=user,
        sent_at=sent_at,
        outcome=outcome,
        reason=reason,
        **fields,
    )
