"""Every URL × every role × every method: nobody reaches another organisation's rows.

Organisations alpha and bravo each have a viewer, an editor and an admin; anonymous visitors
and a user of no organisation complete the roles. Each request runs in a savepoint that is
rolled back afterwards, and PostgreSQL's per-transaction statistics tell whether it wrote a row.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from procure.accounts.models import ROLE_RANK, ApiToken, Organization, Role
from procure.accounts.services import token_create
from tests import factories as f
from tests.support.figures import add_to_figure, record_figure

from .tenancy import (
    FIXED_VALUES,
    ROLES,
    Endpoint,
    Probe,
    Tenant,
    endpoints,
)

pytestmark = [pytest.mark.abuse, pytest.mark.django_db]
SUITE = "tenant isolation matrix"
ENDPOINTS = endpoints()
ORG_ENDPOINTS = [e for e in ENDPOINTS if e.kind in ("web-org", "api-org")]
# Reachable without logging in, on purpose: health checks, the login page, the API's schema
# and documentation, and the API's JSON 404 for unknown paths.
# Logging out without a session does nothing.
PUBLIC = {
    *("healthz", "login/", "logout/", "admin/login/", "admin/logout/"),
    *("api/schema/", "api/docs/", "api/redoc/", "api/"),
}
NONEXISTENT_ID = 10**15
# A refusal with a message (400, 409, 415 for a JSON body where a file upload is expected) is
# what an empty probe deserves.
ALLOWED_WRITE_ANSWERS = {200, 201, 204, 302, 400, 409, 415}


@pytest.fixture(autouse=True)
def _cheap_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Access is decided before rendering; PDF rendering (seconds each) is tested in its own right.
    for module in ("procure.web.reports", "procure.api.reports"):
        monkeypatch.setattr(f"{module}.render_pdf", lambda report: b"%PDF-1.7 matrix")


@pytest.fixture(autouse=True)
def _fresh_clients(tenants: tuple[Tenant, Tenant]) -> None:
    # A session lives in the test's transaction: the next test logs in again.
    for tenant in tenants:
        tenant._clients.clear()


def client_for(tenant: Tenant, role: str, endpoint: Endpoint) -> Client:
    return tenant.client(role, api=endpoint.is_api)


def values(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    return {"slug": tenant.slug, **FIXED_VALUES, **tenant.ids, **overrides}


_ACCEPTED: dict[str, list[str]] = {}


def accepted(endpoint: Endpoint, probe: Probe, tenant: Tenant) -> list[str]:
    """The methods the endpoint answers (pages: those that are not a 405 for an admin)."""
    if endpoint.route not in _ACCEPTED:
        methods = endpoint.methods()
        if not endpoint.is_api:
            client = tenant.client(Role.ADMIN, api=False)
            url = endpoint.url(values(tenant))
            methods = [m for m in methods if probe.send(client, m, url)[0].status_code != 405]
        _ACCEPTED[endpoint.route] = methods
    return _ACCEPTED[endpoint.route]


def test_discovery_finds_every_page_and_endpoint_with_a_value_for_each_parameter(tenants):
    alpha, _ = tenants
    routes = {str(endpoint) for endpoint in ENDPOINTS}

    assert {"/o/<slug:slug>/profiles/<oid:profile_id>/edit/", "/o/<slug:slug>/audit/"} <= routes
    assert "/api/v1/organizations/<slug:slug>/candidates/<id:candidate_id>/" in routes
    assert len(ORG_ENDPOINTS) >= 55
    for endpoint in ENDPOINTS:
        endpoint.url(values(alpha, token_id=1))  # fails naming any parameter without a value
        if endpoint in ORG_ENDPOINTS:
            for method in endpoint.methods():
                assert endpoint.required_role(method) in Role.values
    record_figure(SUITE, "urls discovered (web pages, API endpoints, admin)", len(ENDPOINTS))
    record_figure(SUITE, "organisation urls", len(ORG_ENDPOINTS))


def test_anonymous_visitors_are_sent_to_log_in_and_write_nothing(tenants):
    alpha, _ = tenants
    probe, failures = Probe(), []
    for endpoint in ENDPOINTS:
        for method in endpoint.methods():
            url = endpoint.url(values(alpha, token_id=alpha.token_ids[Role.VIEWER]))
            client = APIClient() if endpoint.is_api else Client()
            response, written = probe.send(client, method, url)
            status = response.status_code
            if written:
                failures.append(f"{method.upper()} {url}: wrote {written}")
            if endpoint.route in PUBLIC or status == 405:
                continue
            if endpoint.is_api:
                ok = status == 401
            else:
                location = response.get("Location", "")
                ok = status == 302 and (
                    location.startswith("/login/?next=")
                    or location.startswith("/admin/login/?next=")
                )
            if not ok:
                failures.append(f"{method.upper()} {url}: {status} for an anonymous visitor")

    assert not failures + probe.header_problems, "\n".join(failures + probe.header_problems)
    add_to_figure(SUITE, "endpoint × role × method cases checked", probe.requests)
    _count(probe)


def test_a_user_of_no_organisation_gets_404_for_every_organisation_url(tenants):
    alpha, _ = tenants
    loner = f.UserFactory()
    loner.save()  # the factory sets the password after saving; the session must match it
    web = Client()
    web.force_login(loner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=loner, name='t').key}")
    probe, failures = Probe(), []
    for endpoint in ORG_ENDPOINTS:
        for method in accepted(endpoint, probe, alpha):
            url = endpoint.url(values(alpha))
            response, written = probe.send(api if endpoint.is_api else web, method, url)
            if response.status_code != 404 or written:
                failures.append(f"{method.upper()} {url}: {response.status_code}, wrote {written}")
            add_to_figure(SUITE, "endpoint × role × method cases checked")

    assert not failures + probe.header_problems, "\n".join(failures + probe.header_problems)
    _count(probe)


def test_each_role_gets_what_it_should_in_its_own_organisation(tenants):
    alpha, _ = tenants
    probe, failures = Probe(), []
    for endpoint in ORG_ENDPOINTS:
        url = endpoint.url(values(alpha))
        for method in accepted(endpoint, probe, alpha):
            needed = endpoint.required_role(method)
            for role in ROLES:
                response, written = probe.send(client_for(alpha, role, endpoint), method, url)
                add_to_figure(SUITE, "endpoint × role × method cases checked")
                problem = _own_org_problem(endpoint, method, role, needed, response, written)
                if problem:
                    failures.append(f"{method.upper()} {url} as {role}: {problem}")

    assert not failures + probe.header_problems, "\n".join(failures + probe.header_problems)
    _count(probe)


# What any member may change because it is their own, not the organisation's: marking their
# notifications read.
VIEWERS_OWN_ROWS = frozenset({"schedules_notification"})


def _own_org_problem(
    endpoint: Endpoint, method: str, role: str, needed: str, response: Any, written: list[str]
) -> str:
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if role == Role.VIEWER and set(written) - VIEWERS_OWN_ROWS:
        return f"a viewer wrote to {written}"
    if not _can(role, needed):
        if written:
            return f"wrote {written} without the {needed} role"
        if status != 403:
            return f"{status}, expected 403 (needs {needed})"
        body = response.content.decode(errors="replace")
        return "" if f"needs the {needed} role" in body else "a 403 that does not name the role"
    if method == "get":
        return "" if status == 200 else f"{status}, expected 200"
    return "" if status in ALLOWED_WRITE_ANSWERS else f"{status} for an allowed write"


def test_members_of_another_organisation_get_404_and_change_nothing(tenants):
    alpha, bravo = tenants
    before = _organisation_rows(bravo)
    probe, failures, succeeded, cross = Probe(), [], 0, 0
    for endpoint in ORG_ENDPOINTS:
        for method in accepted(endpoint, probe, alpha):
            needed = endpoint.required_role(method)
            # Bravo's URL (its slug and ids), then alpha's slug with one of bravo's ids at a time.
            aims: list[tuple[str, str, str | None]] = [
                ("bravo's slug and ids", endpoint.url(values(bravo)), None)
            ]
            for name in endpoint.id_parameters:
                theirs = endpoint.url(values(alpha, **{name: bravo.ids[name]}))
                nowhere = endpoint.url(values(alpha, **{name: NONEXISTENT_ID}))
                aims.append((f"bravo's {name}", theirs, nowhere))
            for role in ROLES:
                client = client_for(alpha, role, endpoint)
                for aim, url, nowhere in aims:
                    response, written = probe.send(client, method, url)
                    cross += 1
                    status = response.status_code
                    if status < 400 or written:
                        succeeded += 1
                    expected = 404
                    if nowhere is not None and not _can(role, needed):
                        # Too low a role is refused before any lookup, whatever the id: the
                        # answer must be the one an id that exists nowhere gets.
                        expected = probe.send(client, method, nowhere)[0].status_code
                    if status != expected or written:
                        failures.append(
                            f"{method.upper()} {url} as alpha's {role} ({aim}): {status}, "
                            f"expected {expected}; wrote {written}"
                        )

    assert not failures + probe.header_problems, "\n".join(failures + probe.header_problems)
    assert _organisation_rows(bravo) == before
    add_to_figure(SUITE, "cross-organisation requests", cross)
    add_to_figure(SUITE, "cross-organisation reads or writes that succeeded", succeeded)
    add_to_figure(SUITE, "endpoint × role × method cases checked", cross)
    _count(probe)


def test_personal_endpoints_never_show_or_revoke_another_users_tokens(tenants):
    alpha, bravo = tenants
    theirs = bravo.token_ids[Role.ADMIN]
    probe, failures = Probe(), []
    for role in ROLES:
        api, web = alpha.api(role), alpha.web(role)
        listed, _ = probe.send(api, "get", "/api/v1/tokens/")
        organisations, _ = probe.send(api, "get", "/api/v1/organizations/")
        revoked, written = probe.send(api, "delete", f"/api/v1/tokens/{theirs}/")
        _, web_written = probe.send(web, "post", f"/account/tokens/{theirs}/revoke/")
        if theirs in {token["id"] for token in listed.json()["results"]}:
            failures.append(f"alpha's {role} lists bravo's token")
        if bravo.slug in organisations.content.decode():
            failures.append(f"alpha's {role} lists bravo among its organisations")
        if revoked.status_code != 404 or written or web_written:
            failures.append(f"alpha's {role} revoking bravo's token: {revoked.status_code}")
        add_to_figure(SUITE, "endpoint × role × method cases checked", 4)

    assert not failures + probe.header_problems, "\n".join(failures + probe.header_problems)
    assert ApiToken.objects.filter(pk=theirs).exists()
    _count(probe)


def _organisation_rows(tenant: Tenant) -> dict[str, list[dict[str, Any]]]:
    """Every row that belongs to the organisation, as plain values, to compare before/after."""
    from django.apps import apps

    rows = {}
    for model in apps.get_models():
        if not model.__module__.startswith("procure."):
            continue
        path = _organisation_path(model)
        if path is None:
            continue
        queryset = model.objects.filter(**{path: tenant.organization.pk}).distinct().order_by("pk")
        rows[model.__name__] = [
            {k: v for k, v in row.items() if k != "last_used_at"} for row in queryset.values()
        ]
    return rows


def _organisation_path(model: Any) -> str | None:
    """How to filter the model's rows by organisation (None: rows of no organisation)."""
    if model is Organization:
        return "pk"
    fields = model._meta.get_fields()
    if any(field.name == "organization" for field in fields):
        return "organization"
    for field in fields:
        related = field.related_model if field.many_to_one or field.one_to_one else None
        if (
            related is not None
            and field.concrete
            and any(other.name == "organization" for other in related._meta.get_fields())
        ):
            return f"{field.name}__organization"
    if any(field.name == "user" for field in fields):
        return "user__memberships__organization"
    return None


def _can(role: str, needed: str) -> bool:
    return ROLE_RANK[Role(role)] >= ROLE_RANK[Role(needed)]


def _count(probe: Probe) -> None:
    add_to_figure(SUITE, "requests sent", probe.requests)
    # Every one of them was checked for the security headers as well.
    add_to_figure("security headers", "responses checked", probe.requests)
