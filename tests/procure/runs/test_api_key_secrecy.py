"""An API-key candidate evaluated by a worker: the key reaches the endpoint, nothing else."""

import json
import subprocess

import pytest
from django.conf import settings

from evals.openai_server import serve_in_thread
from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.reports.models import ReportSnapshot
from procure.runs.models import CampaignStatus, EvaluationRun, MetricResult
from procure.runs.planning import campaign_launch
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, profile_with, tiny_checkpoint, upload_dir
from tests.support.waiting import wait_for
from tests.support.worker import database_url

pytestmark = [pytest.mark.services, pytest.mark.slow]
KEY = "sk-procure-SECRET-4d1c9e7a0b"


def test_an_endpoint_key_appears_in_no_column_result_report_or_log_line(
    celery_worker, artifacts_dir
):
    checkpoint = tiny_checkpoint()
    base_url, stop = serve_in_thread(checkpoint, api_key=KEY)
    try:
        org = f.OrganizationFactory()
        version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
        candidate = CandidateModel.objects.create(
            organization=org, name="Hosted", provider="Vendor", licence="proprietary",
            vendor_jurisdiction="US",
        )  # fmt: skip
        access = EvaluationAccess(
            candidate=candidate, backend="local-completions", identity="tiny",
            options={"base_url": f"{base_url}/completions", "tokenizer": str(checkpoint)},
        )  # fmt: skip
        access.set_secret(KEY)
        access.save()
        profile = profile_with(org, "P", [version])

        campaign = campaign_launch(
            organization=org, profile_id=profile.pk, candidate_ids=[candidate.pk]
        )
        wait_for(lambda: campaign.refresh_from_db() or campaign.status != "running", timeout=180)
        wait_for(lambda: ReportSnapshot.objects.filter(campaign=campaign).exists(), timeout=60)
    finally:
        stop()

    # The server refuses requests without the key (401): success proves the key reached it.
    assert campaign.status == CampaignStatus.SUCCEEDED, campaign.runs.get().error_message
    assert MetricResult.objects.filter(run__campaigns=campaign, metric="acc").exists()
    dump = subprocess.run(
        ["pg_dump", "--data-only", database_url()], capture_output=True, text=True, check=True
    ).stdout
    assert "sk-procure" not in dump  # neither in plaintext nor in any column
    assert access.secret_encrypted and access.secret_encrypted in dump  # stored, encrypted
    results = json.dumps(
        [list(EvaluationRun.objects.values()), list(MetricResult.objects.values())], default=str
    )
    assert KEY not in results
    assert KEY not in json.dumps(ReportSnapshot.objects.get(campaign=campaign).snapshot)
    worker_log = (artifacts_dir / "worker.log").read_text()
    assert "Hosted" in dump and KEY not in worker_log
    assert settings.DATA_DIR.exists() and not any(
        KEY in path.read_text(errors="ignore")
        for path in settings.DATA_DIR.rglob("*")
        if path.is_file() and path.stat().st_size < 5_000_000
    )
