"""Executing one run on a worker: claim, evaluate with progress and heartbeats, store once.

Exactly-once rests on the run row, not on the broker. A worker claims a run with a conditional
UPDATE that succeeds for one claimant only and stamps it with a claim token; every later write
(progress, heartbeat, results, failure) is conditional on that token. A message delivered twice,
or a worker thought dead that wakes up, finds its token gone and writes nothing.
"""

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

import evals.runner
from evals.redact import redact
from evals.spec import EvalError, ModelSpec, RunResult, RunSpec
from procure.catalog.models import EvaluationAccess
from procure.core.crypto import SecretUnreadable
from procure.suites.services import suite_version_materialise

from .fingerprints import model_fingerprint
from .models import (
    Campaign,
    CampaignStatus,
    EvaluationRun,
    MetricResult,
    RunStatus,
    SampleResult,
)
from .signals import campaign_finished

logger = logging.getLogger(__name__)

# The database errors that mean "the server went away" (a restart, a failover, a cut network),
# as opposed to a bug: the run is handed back to the queue instead of failing.
DATABASE_GONE = (OperationalError, InterfaceError)


class RunAbandoned(Exception):
    """Our claim on the run is gone (cancelled, or taken over after a missed heartbeat)."""


@dataclass(frozen=True)
class Outcome:
    status: str  # the run's status after this attempt, or "skipped" when we did not claim it
    retry_in: int | None = None  # seconds until the run should be queued again


def run_claim(*, run_id: int, worker: str) -> str | None:
    """Claim a queued run, or a running one whose worker stopped heart-beating.

    Returns the claim token, or None when the run is someone else's, finished or cancelled.
    """
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    now = timezone.now()
    stale = now - timedelta(seconds=settings.RUN_STALE_AFTER_SECONDS)
    claimed = (
        EvaluationRun.objects.filter(pk=run_id)
        .filter(Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale))
        .update(
            status=RunStatus.RUNNING,
            worker=token,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            progress_done=0,
        )
    )
    return token if claimed == 1 else None


def run_execute(*, run_id: int, worker: str) -> Outcome:
    """Claim the run, evaluate it and store its results; a no-op if the run is not ours."""
    token = run_claim(run_id=run_id, worker=worker)
    if token is None:
        return Outcome(status="skipped")
    run = EvaluationRun.objects.select_related("suite_version__suite").get(pk=run_id)
    secret = ""
    heartbeat = _Heartbeat(run_id, token)
    try:
        secret = _secret(run)
        spec = _run_spec(run, secret)
        heartbeat.start()
        result = evals.runner.run(spec, on_progress=_progress_writer(run_id, token, heartbeat))
    except RunAbandoned:
        return Outcome(status="abandoned")
    except DATABASE_GONE as exc:
        return _interrupted(run_id, token, exc)
    except EvalError as exc:
        return _fail(run, token, exc, [secret])
    except Exception as exc:  # our bug or the platform's: fail the run, keep the worker alive
        logger.exception("run %s failed unexpectedly", run_id)
        return _fail(run, token, exc, [secret])
    finally:
        heartbeat.stop()
    try:
        stored = _store(run_id, token, result)
    except DATABASE_GONE as exc:
        return _interrupted(run_id, token, exc)
    return Outcome(status=RunStatus.SUCCEEDED if stored else "abandoned")


def _interrupted(run_id: int, token: str, exc: BaseException, attempts: int = 10) -> Outcome:
    """The database went away mid-run. Nothing partial was stored (results are written in one
    transaction), so the run is handed back to the queue as soon as the database answers again.
    If it stays away, the run keeps our stale claim and housekeeping takes it over later."""
    logger.warning("run %s interrupted by the database going away: %s", run_id, exc)
    for _ in range(attempts):
        _close_connection()
        try:
            released = EvaluationRun.objects.filter(
                pk=run_id, status=RunStatus.RUNNING, worker=token
            ).update(status=RunStatus.QUEUED, worker="", progress_done=0)
        except DATABASE_GONE:
            time.sleep(1)
            continue
        if not released:
            return Outcome(status="abandoned")
        return Outcome(status=RunStatus.QUEUED, retry_in=settings.RUN_RETRY_BACKOFF_SECONDS)
    return Outcome(status="interrupted")


def _close_connection() -> None:
    # A broken connection may fail to close cleanly; closing it is all we wanted.
    with contextlib.suppress(DatabaseError):
        connection.close()


def _secret(run: EvaluationRun) -> str:
    try:
        return EvaluationAccess.objects.get(candidate_id=run.candidate_id).get_secret()
    except EvaluationAccess.DoesNotExist:
        return ""
    except SecretUnreadable as exc:
        raise EvalError(
            "The candidate's API key cannot be decrypted with this deployment's keys; "
            "enter it again."
        ) from exc


def _run_spec(run: EvaluationRun, secret: str) -> RunSpec:
    # Evaluate exactly the model that was fingerprinted at planning time, whatever the
    # registration says now: the evidence must match its fingerprint.
    model = run.fingerprint_parts["model"]
    suite = suite_version_materialise(run.suite_version)
    data_dir = Path(settings.DATA_DIR)
    return RunSpec(
        model=ModelSpec(
            backend=model["backend"],
            identity=model["identity"],
            revision=model["revision"],
            options={str(k): str(v) for k, v in model["options"].items()},
        ),
        suite_dir=suite.directory,
        tasks=suite.task_names,
        num_fewshot=run.eval_settings.get("num_fewshot"),
        limit=run.eval_settings.get("limit"),
        seed=run.eval_settings.get("seed") or 1234,
        batch_size=settings.RUN_BATCH_SIZE,
        cache_dir=str(data_dir / "request-cache" / model_fingerprint(model)),
        api_key=secret or None,
    )


def _progress_writer(
    run_id: int, token: str, heartbeat: "_Heartbeat"
) -> Callable[[int, int], None]:
    def write(done: int, total: int) -> None:
        if heartbeat.lost:
            raise RunAbandoned()
        updated = EvaluationRun.objects.filter(
            pk=run_id, status=RunStatus.RUNNING, worker=token
        ).update(progress_done=min(done, total), progress_total=total, heartbeat_at=timezone.now())
        if not updated:
            raise RunAbandoned()

    return write


def _store(run_id: int, token: str, result: RunResult) -> bool:
    """Store the results and mark the run succeeded, atomically and only if it is still ours."""
    with transaction.atomic():
        updated = EvaluationRun.objects.filter(
            pk=run_id, status=RunStatus.RUNNING, worker=token
        ).update(
            status=RunStatus.SUCCEEDED,
            finished_at=timezone.now(),
            # The final count comes from the result: requests answered from the request cache
            # may never have passed through the progress callback.
            progress_done=result.requests or F("progress_total"),
            progress_total=result.requests or F("progress_total"),
            lm_eval_version=result.lm_eval_version,
            model_info=dict(result.model_info),
            wall_seconds=result.wall_seconds,
            requests_per_second=result.requests_per_second,
            tokens_per_second=result.tokens_per_second,
            latency_p50_ms=result.latency_p50_ms,
            latency_p95_ms=result.latency_p95_ms,
            output_tokens_per_second=result.output_tokens_per_second,
            error_kind="",
            error_message="",
        )
        if not updated:
            return False
        MetricResult.objects.bulk_create(
            MetricResult(
                run_id=run_id,
                task=m.task,
                metric=m.metric,
                filter=m.filter,
                value=m.value,
                stderr=m.stderr,
                n=m.n,
            )
            for m in result.metrics
        )
        SampleResult.objects.bulk_create(
            (
                SampleResult(
                    run_id=run_id,
                    task=s.task,
                    doc_id=s.doc_id,
                    metric=s.metric,
                    filter=s.filter,
                    value=s.value,
                )
                for s in result.samples
            ),
            batch_size=5000,
        )
        transaction.on_commit(lambda: campaigns_refresh(run_id=run_id))
    return True


def _fail(run: EvaluationRun, token: str, exc: BaseException, secrets: Iterable[str]) -> Outcome:
    retry = getattr(exc, "retryable", False) and run.attempts < settings.RUN_MAX_ATTEMPTS
    message = redact(str(exc) or type(exc).__name__, list(secrets))
    if type(exc).__name__ == "SoftTimeLimitExceeded":
        message = f"The run exceeded its time limit of {settings.CELERY_TASK_SOFT_TIME_LIMIT} s."
    status = RunStatus.QUEUED if retry else RunStatus.FAILED
    updated = EvaluationRun.objects.filter(
        pk=run.pk, status=RunStatus.RUNNING, worker=token
    ).update(
        status=status,
        error_kind=type(exc).__name__,
        error_message=message[:4000],
        finished_at=None if retry else timezone.now(),
        worker="" if retry else token,
    )
    if not updated:
        return Outcome(status="abandoned")
    if retry:
        backoff = settings.RUN_RETRY_BACKOFF_SECONDS * 3 ** (run.attempts - 1)
        return Outcome(status=status, retry_in=int(backoff))
    transaction.on_commit(lambda: campaigns_refresh(run_id=run.pk))
    return Outcome(status=status)


def campaigns_refresh(*, run_id: int | None = None, campaign_ids: Iterable[int] = ()) -> None:
    """Finish the running campaigns (of this run, or these ids) whose runs are all done."""
    campaigns = Campaign.objects.filter(status=CampaignStatus.RUNNING)
    if run_id is not None:
        campaigns = campaigns.filter(runs__id=run_id)
    else:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    for campaign in campaigns.distinct():
        statuses = set(campaign.runs.values_list("status", flat=True))
        if statuses & {RunStatus.QUEUED, RunStatus.RUNNING}:
            continue
        final = (
            CampaignStatus.SUCCEEDED if statuses <= {RunStatus.SUCCEEDED} else CampaignStatus.FAILED
        )
        # Conditional: when two workers finish the last runs at once, one finishes the campaign
        # and only that one announces it.
        if Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.RUNNING).update(
            status=final, finished_at=timezone.now()
        ):
            transaction.on_commit(
                partial(campaign_finished.send, sender=Campaign, campaign_id=campaign.pk)
            )


class _Heartbeat:
    """Stamps the run every few seconds while the model loads and evaluates.

    Progress alone is not enough: loading a large checkpoint or one slow request can take
    longer than the stale threshold, and a silent run would be taken over by housekeeping.
    """

    def __init__(self, run_id: int, token: str) -> None:
        self.run_id = run_id
        self.token = token
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{run_id}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.RUN_HEARTBEAT_SECONDS):
                try:
                    updated = EvaluationRun.objects.filter(
                        pk=self.run_id, status=RunStatus.RUNNING, worker=self.token
                    ).update(heartbeat_at=timezone.now())
                except DATABASE_GONE:
                    # A database restart: reconnect at the next beat. If the evaluation hits
                    # the same outage, it hands the run back itself (see _interrupted).
                    _close_connection()
                    continue
                if not updated:
                    self.lost = True
                    return
        finally:
            # This thread has its own database connection; do not leak it.
            _close_connection()
