"""Redis restarted right after a campaign's last run commits: the report message waiting in the
broker is lost, yet housekeeping (beat, every 2 s here) makes the report from the database and
the schedule's firing is compared."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from procure.reports.models import ReportSnapshot
from procure.runs.models import Campaign, CampaignStatus
from procure.schedules.models import Comparison, ScheduleFiring
from tests import factories as f
from tests.support.evalkit import synthetic_campaign
from tests.support.private_services import PrivateServices
from tests.support.waiting import wait_for
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.fault, pytest.mark.services, pytest.mark.slow]


def test_a_redis_restart_after_the_last_run_loses_neither_report_nor_comparison(
    transactional_db: None,
    _worker_pool: list[WorkerProcess],
    beat: None,
    private_services: PrivateServices,
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    # Nobody takes housekeeping messages while the campaign runs, so the report's message is
    # still in Redis when it restarts (the pool's workers come back for the next test).
    for worker in _worker_pool:
        worker.stop()
    log = artifacts_dir / "fault-lost-followups.log"
    evaluator = WorkerProcess(log, queues="eval_cpu", name="evaluator")
    housekeeper = WorkerProcess(log, queues="housekeeping", name="housekeeper")
    try:
        evaluator.start(90)
        org = f.OrganizationFactory()
        campaign = synthetic_campaign(org, tmp_path, candidates=1, suites=1, items=20)
        schedule = f.ScheduleFactory(organization=org, profile=campaign.profile)
        firing = f.FiringFactory(
            schedule=schedule, campaign=campaign, comparison=Comparison.PENDING
        )

        finished = wait_for(
            lambda: (
                Campaign.objects.filter(pk=campaign.pk)
                .exclude(status=CampaignStatus.RUNNING)
                .first()
            ),
            timeout=240,
        )
        assert finished.status == CampaignStatus.SUCCEEDED
        broker = redis.Redis(port=private_services.redis.port)
        # The report's message is sent when the worker's transaction commits, a moment after
        # the status we polled became visible: wait for it rather than read once.
        wait_for(
            lambda: any(
                b"reports.generate_for_campaign" in message
                for message in broker.lrange("housekeeping", 0, -1)
            ),
            timeout=30,
        )
        private_services.redis.restart()
        assert not ReportSnapshot.objects.filter(campaign=campaign).exists()

        housekeeper.start(90)
        report = wait_for(
            lambda: ReportSnapshot.objects.filter(campaign=campaign).first(), timeout=120
        )
        compared = wait_for(
            lambda: (
                ScheduleFiring.objects.filter(pk=firing.pk)
                .exclude(comparison=Comparison.PENDING)
                .first()
            ),
            timeout=120,
        )
        assert compared.comparison == Comparison.FIRST
        assert compared.report_id == report.pk
        assert housekeeper.wait_idle(timeout=60)
        assert ReportSnapshot.objects.filter(campaign=campaign).count() == 1
    finally:
        evaluator.stop()
        housekeeper.stop()
