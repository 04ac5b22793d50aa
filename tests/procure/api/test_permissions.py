"""Every endpoint: no credentials → 401, another organisation → 404, too low a role → 403.

The table lists every operation of the API with the least role it needs; a test checks that
the table covers every operation in the schema, so a new endpoint cannot be left out.
"""

import pytest
from rest_framework.test import APIClient

from procure.accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

V, E, A = Role.VIEWER, Role.EDITOR, Role.ADMIN
ORG = "/api/v1/organizations/{slug}/"
OPERATIONS = [
    ("get", ORG, V),
    ("get", ORG + "candidates/", V),
    ("post", ORG + "candidates/", E),
    ("post", ORG + "candidates/import/", E),
    ("get", ORG + "candidates/offers/", V),
    ("get", ORG + "candidates/{candidate}/", V),
    ("patch", ORG + "candidates/{candidate}/", E),
    ("delete", ORG + "candidates/{candidate}/", E),
    ("get", ORG + "candidates/{candidate}/deployment-options/", V),
    ("post", ORG + "candidates/{candidate}/deployment-options/", E),
    ("get", ORG + "candidates/{candidate}/deployment-options/{option}/", V),
    ("patch", ORG + "candidates/{candidate}/deployment-options/{option}/", E),
    ("delete", ORG + "candidates/{candidate}/deployment-options/{option}/", E),
    ("get", ORG + "candidates/{candidate}/evaluation-access/", V),
    ("put", ORG + "candidates/{candidate}/evaluation-access/", E),
    ("get", ORG + "members/", A),
    ("post", ORG + "members/", A),
    ("patch", ORG + "members/{member}/", A),
    ("delete", ORG + "members/{member}/", A),
    ("get", ORG + "suites/", V),
    ("post", ORG + "suites/", E),
    ("post", ORG + "suites/validate/", V),
    ("get", ORG + "suites/{suite}/", V),
    ("get", ORG + "suites/{suite}/versions/", V),
    ("get", ORG + "profiles/", V),
    ("post", ORG + "profiles/", E),
    ("get", ORG + "profiles/{profile}/", V),
    ("patch", ORG + "profiles/{profile}/", E),
    ("delete", ORG + "profiles/{profile}/", E),
    ("get", ORG + "campaigns/", V),
    ("post", ORG + "campaigns/", E),
    ("post", ORG + "campaigns/estimate/", V),
    ("get", ORG + "campaigns/{campaign}/", V),
    ("post", ORG + "campaigns/{campaign}/cancel/", E),
    ("get", ORG + "runs/", V),
    ("get", ORG + "runs/{run}/", V),
    ("get", ORG + "runs/{run}/samples/", V),
    ("post", ORG + "runs/{run}/retry/", E),
    ("get", ORG + "reports/", V),
    ("post", ORG + "reports/", E),
    ("get", ORG + "reports/{report}/", V),
    ("get", ORG + "reports/{report}/pdf/", V),
    ("get", ORG + "reports/{report}/diff/{previous}/", V),
    ("get", ORG + "profiles/{profile}/schedule/", V),
    ("put", ORG + "profiles/{profile}/schedule/", E),
    ("delete", ORG + "profiles/{profile}/schedule/", E),
    ("post", ORG + "profiles/{profile}/schedule/run/", E),
    ("get", ORG + "profiles/{profile}/schedule/firings/", V),
    ("get", ORG + "alerts/", V),
    ("get", ORG + "alerts/{alert}/", V),
    ("post", ORG + "alerts/{alert}/read/", V),
    ("get", ORG + "audit/", A),
]
# Not under an organisation: any authenticated user, for their own rows.
PERSONAL = [
    ("get", "/api/v1/organizations/"),
    ("get", "/api/v1/tokens/"),
    ("post", "/api/v1/tokens/"),
    ("delete", "/api/v1/tokens/1/"),
]


@pytest.fixture
def ids(org):
    candidate = f.CandidateFactory(organization=org)
    suite = f.SuiteFactory(organization=org)
    version = f.SuiteVersionFactory(suite=suite)
    profile = f.ProfileFactory(organization=org)
    campaign = f.CampaignFactory(organization=org, profile=profile)
    run = f.RunFactory(organization=org, candidate=candidate, suite_version=version)
    campaign.runs.add(run)
    return {
        "slug": org.slug,
        "candidate": candidate.pk,
        "option": f.ApiOptionFactory(candidate=candidate).pk,
        "suite": suite.pk,
        "profile": profile.pk,
        "campaign": campaign.pk,
        "run": run.pk,
        "report": f.ReportFactory(organization=org, campaign=campaign).pk,
        "previous": f.ReportFactory(organization=org, campaign=campaign).pk,
        "alert": f.AlertFactory(organization=org).pk,
        "member": f.MembershipFactory(organization=org).pk,
    }


def call(client: APIClient, method: str, path: str):
    return getattr(client, method)(path, {}, format="json")


@pytest.mark.parametrize(("method", "path", "role"), OPERATIONS)
def test_without_credentials_it_is_401(ids, method, path, role):
    response = call(APIClient(), method, path.format(**ids))

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize(("method", "path", "role"), OPERATIONS)
def test_with_a_revoked_or_wrong_token_it_is_401(ids, method, path, role):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token prc_not-a-real-key")

    assert call(client, method, path.format(**ids)).status_code == 401


@pytest.mark.parametrize(("method", "path", "role"), OPERATIONS)
def test_an_admin_of_another_organisation_gets_404(api_for, ids, method, path, role):
    outsider = api_for(Role.ADMIN, organization=f.OrganizationFactory())

    response = call(outsider, method, path.format(**ids))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such organisation."}


@pytest.mark.parametrize(("method", "path", "role"), OPERATIONS)
def test_an_organisation_that_does_not_exist_looks_like_one_you_do_not_belong_to(
    api_for, ids, method, path, role
):
    response = call(api_for(Role.ADMIN), method, path.format(**{**ids, "slug": "no-such-org"}))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such organisation."}


@pytest.mark.parametrize(
    ("method", "path", "role"), [op for op in OPERATIONS if op[2] != Role.VIEWER]
)
def test_a_member_below_the_role_gets_403(api_for, ids, method, path, role):
    below = Role.VIEWER if role == Role.EDITOR else Role.EDITOR

    response = call(api_for(below), method, path.format(**ids))

    assert response.status_code == 403
    assert f"needs the {role} role" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), PERSONAL)
def test_personal_endpoints_need_credentials_too(method, path):
    assert call(APIClient(), method, path).status_code == 401


def test_the_table_covers_every_operation_in_the_schema():
    schema = APIClient().get("/api/schema/?format=json").json()
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    tested = {(method, _as_template(path)) for method, path, _ in OPERATIONS} | {
        (method, _as_template(path)) for method, path in PERSONAL
    }

    assert documented == tested


def _as_template(path: str) -> str:
    names = {
        "{candidate}": "{candidate_id}",
        "{option}": "{option_id}",
        "{suite}": "{suite_id}",
        "{profile}": "{profile_id}",
        "{campaign}": "{campaign_id}",
        "{run}": "{run_id}",
        "{report}": "{report_id}",
        "{previous}": "{previous_id}",
        "{alert}": "{alert_id}",
        "{member}": "{member_id}",
        "/tokens/1/": "/tokens/{token_id}/",
    }
    for short, long in names.items():
        path = path.replace(short, long)
    return path
