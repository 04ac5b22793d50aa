"""An API-key candidate evaluated by a worker: the key reaches the endpoint, nothing else.

After a real campaign (worker, endpoint that refuses requests without the key, report), the key
is searched for in the database dump, the worker's log, the results, the report snapshot, the
data directory, the audit log, and every page and API response an admin of the
organisation can GET (reports as JSON, HTML and PDF text included).
"""

import json
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from evals.openai_server import serve_in_thread
from procure.accounts.models import Role
from procure.accounts.services import member_add, organization_get_or_create, token_create
from procure.audit.models import Action, AuditEvent
from procure.catalog.models import CandidateModel, ExchangeRate
from procure.catalog.services import deployment_option_create, evaluation_access_set
from procure.reports.models import ReportSnapshot
from procure.reports.services import report_generate
from procure.runs.models import CampaignStatus, EvaluationRun, MetricResult
from procure.runs.planning import campaign_launch
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, profile_with, tiny_checkpoint, upload_dir
from tests.support.figures import add_to_figure, record_figure
from tests.support.waiting import wait_for
from tests.support.worker import database_url

from .tenancy import FIXED_VALUES, endpoints

pytestmark = [pytest.mark.abuse, pytest.mark.services, pytest.mark.slow]
SUITE = "secrets"
KEY = "sk-procure-SECRET-4d1c9e7a0b"
MARKERS = (KEY, "sk-procure")  # the key, and its prefix (a truncated or masked leak)


class Search:
    """Counts the places searched and the occurrences of the key found in them."""

    def __init__(self) -> None:
        self.places: list[str] = []
        self.found: list[str] = []

    def look(self, place: str, text: str) -> None:
        self.places.append(place)
        self.found += [f"{marker!r} in {place}" for marker in MARKERS if marker in text]


def test_an_endpoint_key_appears_nowhere_but_at_the_endpoint(celery_worker, artifacts_dir):
    checkpoint = tiny_checkpoint()
    base_url, stop = serve_in_thread(checkpoint, api_key=KEY)
    try:
        org = key_holder_organization()
        version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
        candidate = CandidateModel.objects.create(
            organization=org, name="Hosted", provider="Vendor", licence="proprietary",
            vendor_jurisdiction="US",
        )  # fmt: skip
        deployment_option_create(
            organization=org, candidate_id=candidate.pk, kind="api", name="Vendor API",
            regions=["us"], input_price_per_mtok="1.00", output_price_per_mtok="2.00",
        )  # fmt: skip
        access = evaluation_access_set(
            organization=org, candidate_id=candidate.pk, backend="local-completions",
            identity="tiny", options={"base_url": f"{base_url}/completions",
                                      "tokenizer": str(checkpoint)},
            secret=KEY, can_manage_secrets=True,
        )  # fmt: skip
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
    search = Search()
    dump = subprocess.run(
        ["pg_dump", "--data-only", database_url()], capture_output=True, text=True, check=True
    ).stdout
    search.look("pg_dump of the database", dump)
    assert access.secret_encrypted and access.secret_encrypted in dump  # stored, encrypted
    assert "Hosted" in dump
    results = json.dumps(
        [list(EvaluationRun.objects.values()), list(MetricResult.objects.values())], default=str
    )
    search.look("run and metric rows", results)
    report = ReportSnapshot.objects.get(campaign=campaign)
    search.look("report snapshot", json.dumps(report.snapshot))
    search.look("worker log", (artifacts_dir / "worker.log").read_text())
    assert AuditEvent.objects.filter(organization=org, action=Action.SECRET_SET).exists()
    search.look("audit log", json.dumps(list(AuditEvent.objects.values()), default=str))
    for path in sorted(settings.DATA_DIR.rglob("*")):
        if path.is_file() and path.stat().st_size < 5_000_000:
            search.look(f"data dir: {path.name}", path.read_text(errors="ignore"))
    ids = {
        "slug": org.slug,
        **FIXED_VALUES,
        "candidate_id": candidate.pk,
        "option_id": candidate.deployment_options.get().pk,
        "suite_id": version.suite_id,
        "version_id": version.pk,
        "profile_id": profile.pk,
        "campaign_id": campaign.pk,
        "run_id": campaign.runs.get().pk,
        "report_id": report.pk,
        # The diff page of the report against a regenerated one, which an alert links to.
        "previous_id": report_generate(organization=org, campaign_id=campaign.pk).pk,
        "alert_id": f.AlertFactory(organization=org, report=report).pk,
        "member_id": org.memberships.get(role=Role.VIEWER).pk,
        "rate_id": ExchangeRate.objects.create(
            organization=org, currency="EUR", rate=Decimal("1.1"), valid_on=date(2026, 1, 1)
        ).pk,
    }
    # An admin reads every page a viewer or editor can, and the members and audit pages too.
    look_at_every_page(search, org, Role.ADMIN, ids)

    assert not search.found, search.found
    record_figure(SUITE, "places searched", len(search.places))
    record_figure(
        SUITE, "pages and API responses searched", sum("GET " in p for p in search.places)
    )
    record_figure(SUITE, "secret occurrences found", len(search.found))
    add_to_figure(SUITE, "campaigns run with an API-key candidate")


def key_holder_organization():
    org = organization_get_or_create(name="Key Holder Ltd")
    for role in (Role.ADMIN, Role.VIEWER):
        member_add(organization=org, username=f"keys-{role}", role=role, password="x" * 12)
    return org


def look_at_every_page(search: Search, org, role: str, ids: dict[str, object]) -> None:
    user = org.memberships.get(role=role).user
    web = Client()
    web.force_login(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='search').key}")
    for endpoint in endpoints():
        if endpoint.kind not in ("web-org", "api-org") or "get" not in endpoint.methods():
            continue
        url = endpoint.url(ids)
        response = (api if endpoint.is_api else web).get(url)
        if response.status_code != 200:
            continue  # pages this role may not read (403) hold nothing to leak
        body = b"".join(response) if response.streaming else response.content
        if response["Content-Type"].startswith("application/pdf"):
            search.look(f"GET {url} as {role} (PDF text)", pdf_text(body))
        else:
            search.look(f"GET {url} as {role}", body.decode(errors="ignore"))


def pdf_text(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "report.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
