"""How far a campaign's runs have come: done/total requests, elapsed time and time left."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from procure.runs.models import Campaign, CampaignStatus, EvaluationRun, RunStatus

# After a campaign finishes, the page keeps polling this long for its report to appear.
REPORT_WAIT = timedelta(minutes=2)


@dataclass(frozen=True)
class RunProgress:
    run: EvaluationRun
    percent: int
    elapsed: timedelta | None
    eta: timedelta | None  # None when unknown (not started, no request answered yet, finished)


@dataclass(frozen=True)
class CampaignProgress:
    campaign: Campaign
    runs: list[RunProgress]
    runs_finished: int
    requests_done: int
    requests_total: int
    elapsed: timedelta

    @property
    def all_reused(self) -> bool:
        return bool(self.runs) and all(getattr(p.run, "reused", False) for p in self.runs)


def run_progress(run: EvaluationRun, now: datetime) -> RunProgress:
    done, total = run.progress_done, run.progress_total
    percent = int(100 * done / total) if total else 0
    if run.status == RunStatus.SUCCEEDED:
        percent = 100  # requests answered from the cache may never have been counted
    elapsed = (run.finished_at or now) - run.started_at if run.started_at else None
    eta = None
    # The rate so far includes loading the model, so the estimate errs on the long side.
    if run.status == RunStatus.RUNNING and elapsed is not None and 0 < done < total:
        eta = elapsed * (total - done) / done
    return RunProgress(run=run, percent=percent, elapsed=elapsed, eta=eta)


def campaign_progress(
    campaign: Campaign, runs: Iterable[EvaluationRun], now: datetime
) -> CampaignProgress:
    progress = [run_progress(run, now) for run in runs]
    finished = [p for p in progress if p.run.status not in (RunStatus.QUEUED, RunStatus.RUNNING)]
    return CampaignProgress(
        campaign=campaign,
        runs=progress,
        runs_finished=len(finished),
        requests_done=sum(p.run.progress_done for p in progress),
        requests_total=sum(p.run.progress_total for p in progress),
        elapsed=(campaign.finished_at or now) - campaign.created_at,
    )


def keeps_polling(campaign: Campaign, has_report: bool, now: datetime) -> bool:
    """Poll while runs move, and briefly afterwards until the worker has written the report."""
    if campaign.status == CampaignStatus.RUNNING:
        return True
    waiting_for_report = campaign.status in (CampaignStatus.SUCCEEDED, CampaignStatus.FAILED)
    recent = campaign.finished_at is not None and now - campaign.finished_at < REPORT_WAIT
    return waiting_for_report and recent and not has_report
