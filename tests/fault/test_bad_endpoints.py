"""Model endpoints that time out, fail, rate-limit or answer garbage, beside healthy models: each
bad run fails (after retries where retrying can help) with a clear message; the others finish."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evals.openai_server import serve_in_thread
from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.runs.models import CampaignStatus, EvaluationRun, MetricResult, RunStatus
from procure.runs.planning import campaign_launch
from tests import factories as f
from tests.support.evalkit import (
    SAMPLE_SUITES,
    hf_candidate,
    profile_with,
    tiny_checkpoint,
    upload_dir,
)
from tests.support.figures import record_figure
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.fault, pytest.mark.services, pytest.mark.slow]

# fault mode → (what the run's error must say, whether retrying it makes sense)
FAULTS = {
    "slow": ("did not answer within 1 s", True),
    "500": ("server error (HTTP 500)", True),
    "429": ("rate-limiting us (HTTP 429)", True),
    "garbage": ("not JSON", False),
}


@pytest.fixture
def endpoints() -> Iterator[dict[str, str]]:
    """A healthy endpoint and one per fault mode, all serving the same tiny model."""
    stops, urls = [], {}
    for fault in (None, *FAULTS):
        url, stop = serve_in_thread(tiny_checkpoint(), fault=fault, fault_sleep=5)  # type: ignore[arg-type]
        urls[fault or "healthy"] = url
        stops.append(stop)
    yield urls
    for stop in stops:
        stop()


def endpoint_candidate(org, name: str, base_url: str, timeout: str) -> CandidateModel:
    candidate = CandidateModel.objects.create(
        organization=org, name=name, provider="Vendor", licence="proprietary",
        vendor_jurisdiction="US",
    )  # fmt: skip
    EvaluationAccess.objects.create(
        candidate=candidate, backend="local-completions", identity="tiny",
        options={"base_url": f"{base_url}/completions", "tokenizer": str(tiny_checkpoint()),
                 "timeout": timeout},
    )  # fmt: skip
    return candidate


def test_bad_endpoints_fail_clearly_and_leave_the_other_runs_alone(workers, beat, endpoints):
    org = f.OrganizationFactory()
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    # Only the slow endpoint is held to 1 s: five servers share this process's interpreter,
    # and a healthy answer may take longer than that on a busy machine.
    candidates = {
        name: endpoint_candidate(org, name, url, timeout="1" if name == "slow" else "60")
        for name, url in endpoints.items()
    }
    candidates["local"] = hf_candidate(org, "local", tiny_checkpoint())
    profile = profile_with(org, "Endpoints", [version])

    campaign = campaign_launch(
        organization=org,
        profile_id=profile.pk,
        candidate_ids=[c.pk for c in candidates.values()],
    )
    wait_for(lambda: campaign.refresh_from_db() or campaign.status != "running", timeout=240)
    run = {
        name: EvaluationRun.objects.get(campaigns=campaign, candidate=candidate)
        for name, candidate in candidates.items()
    }

    assert campaign.status == CampaignStatus.FAILED  # some runs failed, and the campaign says so
    for healthy in ("healthy", "local"):
        assert run[healthy].status == RunStatus.SUCCEEDED, run[healthy].error_message
        assert MetricResult.objects.filter(run=run[healthy], metric="acc").exists()
    for fault, (message, retried) in FAULTS.items():
        failed = run[fault]
        assert failed.status == RunStatus.FAILED
        assert message in failed.error_message and endpoints[fault] in failed.error_message
        # Retried up to the limit (3 attempts in the fault suite) only where it could help.
        assert failed.attempts == (3 if retried else 1), (fault, failed.attempts)
        assert not MetricResult.objects.filter(run=failed).exists()

    suite = "fault: broken model endpoints"
    record_figure(suite, "endpoint faults tried", ", ".join(FAULTS))
    record_figure(suite, "bad runs failed with a clear message", sum(
        run[fault].status == RunStatus.FAILED for fault in FAULTS))  # fmt: skip
    record_figure(suite, "attempts per bad run", ", ".join(
        f"{fault} {run[fault].attempts}" for fault in FAULTS))  # fmt: skip
    record_figure(suite, "healthy runs unaffected", sum(
        run[name].status == RunStatus.SUCCEEDED for name in ("healthy", "local")))  # fmt: skip
