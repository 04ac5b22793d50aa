"""Property-based run of the whole API against its own OpenAPI schema (schemathesis).

Every operation gets generated requests, valid and invalid, from an admin of a seeded
organisation whose objects the path ids point at. Each response must be below 500 and match
the schema (status code documented, body shape, content type). Bounded: a few examples per
operation, so the run takes well under a minute.
"""

from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from procure.accounts.models import Organization, Role
from procure.accounts.services import token_create
from procure.reports.models import ReportSnapshot
from procure.reports.services import report_generate
from tests import factories as f
from tests.support import reportkit
from tests.support.evalkit import SAMPLE_SUITES, upload_dir

EXAMPLES_PER_OPERATION = 10


@dataclass(frozen=True)
class Seeded:
    key: str
    path_parameters: dict[str, object]


@pytest.fixture
def seeded(db) -> Seeded:
    membership = f.MembershipFactory(role=Role.ADMIN)
    org = membership.organization
    candidate = f.CandidateFactory(organization=org)
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    profile = f.ProfileFactory(organization=org)
    f.ProfileSuiteFactory(profile=profile, suite=version.suite)
    campaign = f.CampaignFactory(organization=org, profile=profile)
    run = f.RunFactory(organization=org, candidate=candidate, suite_version=version)
    campaign.runs.add(run)
    f.MetricResultFactory(run=run)
    f.SampleResultFactory(run=run)
    schedule = f.ScheduleFactory(organization=org, profile=profile)
    f.FiringFactory(schedule=schedule, campaign=campaign)
    alert = f.AlertFactory(organization=org, profile=profile)
    f.NotificationFactory(alert=alert, user=membership.user)
    key = token_create(user=membership.user, name="schemathesis").key
    ids = {
        "slug": org.slug,
        "candidate_id": candidate.pk,
        "option_id": f.ApiOptionFactory(candidate=candidate).pk,
        "suite_id": version.suite_id,
        "profile_id": profile.pk,
        "campaign_id": campaign.pk,
        "run_id": run.pk,
        "alert_id": alert.pk,
        "member_id": f.MembershipFactory(organization=org, role=Role.VIEWER).pk,
        "token_id": 10**17,  # revoking the token in use would end the run's authentication
    }
    return Seeded(key=key, path_parameters=ids)


def real_report(seeded: Seeded) -> ReportSnapshot:
    """A report with a real snapshot, for the operations that render one (it takes a second)."""
    organization = Organization.objects.get(slug=seeded.path_parameters["slug"])
    campaign = reportkit.finished_campaign(organization, reportkit.LEGAL_MARKET)
    return report_generate(organization=organization, campaign_id=campaign.pk)


@pytest.fixture
def in_test_transaction():
    """Requests through the WSGI app would close the test's connection (Django closes
    connections whose autocommit state changed); the test client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded once at collection: the schema view needs no database.
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_response_is_below_500_and_matches_the_schema(
    operation, seeded: Seeded, in_test_transaction: None
):
    # Path ids point at the seeded objects, so most requests reach real rows instead of
    # stopping at the 404 of a random id.
    fixed = {
        name: value
        for name, value in seeded.path_parameters.items()
        if name in (operation.path_parameters or {})
    }
    if "report_id" in fixed:
        fixed["report_id"] = real_report(seeded).pk
    if "previous_id" in (operation.path_parameters or {}):
        # A real report against itself (no change), so the diff is computed, not a 404.
        fixed["report_id"] = fixed["previous_id"] = real_report(seeded).pk
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,  # the same requests on every run: a failure here is reproducible
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Token {seeded.key}"},
            # Valid per the schema is not always acceptable: business rules ("an API offer
            # needs prices", "a campaign needs a profile with suites") answer 400 by design.
            excluded_checks=[positive_data_acceptance],
        )

    check()
