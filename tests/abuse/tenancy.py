"""Two organisations with one of everything, every URL the project serves, and a write counter.

The URL list comes from Django's resolver, not from a table: a page or endpoint added later is
in the matrix the day it is added, and the matrix fails until its parameters have a value here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.test import APIClient

from procure.accounts.models import Organization, Role
from procure.accounts.services import member_add, token_create
from procure.catalog.models import DeploymentOption, ExchangeRate
from procure.reports.services import report_generate
from procure.runs.models import EvaluationRun
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, profile_with, upload_dir
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

ROLES = (Role.VIEWER, Role.EDITOR, Role.ADMIN)
PASSWORD = "correct horse battery"
WRITE_METHODS = ("post", "put", "patch", "delete")
# Rows that reading a page may write on purpose: a session, a token's last use (per minute).
BOOKKEEPING_TABLES = frozenset({"django_session", "accounts_apitoken"})


@dataclass
class Tenant:
    organization: Organization
    users: dict[str, Any]  # role -> User
    tokens: dict[str, str]  # role -> API key
    ids: dict[str, Any]  # URL parameter name -> value
    token_ids: dict[str, int] = field(default_factory=dict)
    _clients: dict[tuple[str, bool], Client] = field(default_factory=dict, repr=False)

    @property
    def slug(self) -> str:
        return self.organization.slug

    def web(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client

    def api(self, role: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
        return client

    def client(self, role: str, *, api: bool) -> Client:
        """One client per role and kind for a whole test (a login per request costs writes)."""
        key = (role, api)
        if key not in self._clients:
            self._clients[key] = self.api(role) if api else self.web(role)
        return self._clients[key]


def tenant(name: str) -> Tenant:
    """An organisation with members of every role, a finished campaign with its report, a
    real uploaded suite, a spare profile, deployment options and evaluation access."""
    organization = f.OrganizationFactory(name=name, slug=name.lower())
    users = {
        role: member_add(
            organization=organization, username=f"{name}-{role}", role=role, password=PASSWORD
        )
        for role in ROLES
    }
    new_tokens = {role: token_create(user=users[role], name="matrix") for role in ROLES}
    campaign = finished_campaign(organization, LEGAL_MARKET, items=40, allowed_regions=["eu"])
    previous = report_generate(organization=organization, campaign_id=campaign.pk)
    report = report_generate(organization=organization, campaign_id=campaign.pk)
    alert = f.AlertFactory(
        organization=organization, profile=campaign.profile, report=report,
        previous_report=previous,
    )  # fmt: skip
    for user in users.values():
        f.NotificationFactory(alert=alert, user=user)
    run = EvaluationRun.objects.filter(campaigns=campaign).select_related("candidate").first()
    assert run is not None
    option = DeploymentOption.objects.filter(candidate=run.candidate).first()
    assert option is not None
    f.EvaluationAccessFactory(candidate=run.candidate)
    version = upload_dir(organization, "Legal terms", SAMPLE_SUITES / "legal_terms")
    spare = profile_with(organization, "Spare profile", [version])
    schedule = f.ScheduleFactory(organization=organization, profile=spare)
    rate = ExchangeRate.objects.create(
        organization=organization, currency="EUR", rate=Decimal("1.1"), valid_on=date(2026, 1, 1)
    )
    f.FiringFactory(schedule=schedule, campaign=campaign)
    ids = {
        "candidate_id": run.candidate_id,
        "option_id": option.pk,
        "suite_id": version.suite_id,
        "version_id": version.pk,
        "profile_id": spare.pk,
        "campaign_id": campaign.pk,
        "run_id": run.pk,
        "report_id": report.pk,
        "previous_id": previous.pk,
        "alert_id": alert.pk,
        "member_id": organization.memberships.get(user=users[Role.VIEWER]).pk,
        "rate_id": rate.pk,
    }
    return Tenant(
        organization=organization,
        users=users,
        tokens={role: new.key for role, new in new_tokens.items()},
        ids=ids,
        token_ids={role: new.token.pk for role, new in new_tokens.items()},
    )


# --- Every URL --------------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
# Parameters that name no organisation's row: the same value serves every caller.
FIXED_VALUES = {
    "file_format": "csv",
    "app_label": "catalog",
    "object_id": "1",
    "id": "1",
    "content_type_id": "1",
    "url": "nothing-here/",
}


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "o/<slug:slug>/profiles/<oid:profile_id>/"
    name: str | None  # "web:profile-detail"
    callback: Any

    @property
    def parameters(self) -> list[str]:
        return [m.group("name") for m in PARAMETER.finditer(self.route)]

    @property
    def id_parameters(self) -> list[str]:
        fixed = FIXED_VALUES
        return [name for name in self.parameters if name.endswith("_id") and name not in fixed]

    @property
    def kind(self) -> str:
        if self.route.startswith("api/v1/organizations/<slug:slug>/"):
            return "api-org"
        if self.route.startswith("o/<slug:slug>/"):
            return "web-org"
        if self.route.startswith("admin/"):
            return "admin"
        return "api" if self.route.startswith("api/") else "web"

    @property
    def is_api(self) -> bool:
        return self.kind in ("api", "api-org")

    def methods(self) -> list[str]:
        """The methods an API class handles; for pages, GET and POST (what HTML sends)."""
        view_class = getattr(self.callback, "cls", None)
        if view_class is not None and hasattr(view_class, "role_for"):
            names = ("get", "post", "put", "patch", "delete")
            return [m for m in names if hasattr(view_class, m)]
        return ["get", "post"]

    def required_role(self, method: str) -> str:
        view_class = getattr(self.callback, "cls", None)
        if view_class is not None and hasattr(view_class, "role_for"):
            return str(view_class.role_for(method))
        role = getattr(self.callback, "required_role", None)
        assert role is not None, f"{self.route}: an organisation page without member_view"
        return str(role)

    def url(self, values: dict[str, Any]) -> str:
        missing = [name for name in self.parameters if name not in values]
        assert not missing, f"{self.route}: give the matrix a value for {missing}"
        if self.name and self.name.startswith("admin:"):
            wanted = {name: values[name] for name in self.parameters}
            return reverse(self.name, kwargs=wanted)
        if self.route == "api/":
            return "/api/no-such-endpoint/"  # the API's catch-all
        return "/" + PARAMETER.sub(lambda m: str(values[m.group("name")]), self.route)

    def __str__(self) -> str:
        return "/" + self.route


def endpoints() -> list[Endpoint]:
    found = list(_walk(get_resolver().url_patterns, "", None))
    # Logging out ends the session the later requests use: last.
    return sorted(found, key=lambda endpoint: endpoint.route.startswith("logout"))


def _walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[Endpoint]:
    for pattern in patterns:
        route = prefix + _route(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Endpoint(route=route, name=name, callback=pattern.callback)


def _route(pattern: Any) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    assert isinstance(pattern, RegexPattern)
    # Named regex groups read as parameters; the rest of the regex only matters to reverse().
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", str(pattern).lstrip("^").rstrip("$"))


# --- Writes -----------------------------------------------------------------------------------


def rows_written() -> dict[str, int]:
    """Rows inserted, updated or deleted so far in this transaction, by table (PostgreSQL's own
    per-transaction statistics, savepoints included)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return {table: count for table, count in cursor.fetchall() if count}


def tables_changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(
        table
        for table, count in after.items()
        if count != before.get(table, 0) and table not in BOOKKEEPING_TABLES
    )


def call(client: Client, method: str, url: str, data: Any = None, **extra: Any) -> Any:
    """One request; without data, an empty body (JSON for the API), which is what a probe sends.
    With data, a form (multipart for files) unless `extra` says otherwise (format="json")."""
    if data is not None:
        return getattr(client, method)(url, data, **extra)
    if isinstance(client, APIClient):
        return getattr(client, method)(url, {}, format="json")
    return getattr(client, method)(url, {})


# --- Security headers, on every response the probes receive ------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def header_problems(response: Any) -> list[str]:
    """What is missing from a response's security headers (empty when all is well)."""
    problems = [
        f"{name} is {response.get(name)!r}"
        for name, value in SECURITY_HEADERS.items()
        if response.get(name) != value
    ]
    policy = response.get("Content-Security-Policy", "")
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    scripts = directives.get("script-src", "")
    if (
        directives.get("default-src") != "'self'"
        or directives.get("frame-ancestors") != "'none'"
        or directives.get("object-src") != "'none'"
        or not scripts.startswith("'self'")
        or "unsafe" in scripts
    ):
        problems.append(f"Content-Security-Policy is {policy!r}")
    return problems


class Probe:
    """Sends requests, each in a rolled-back savepoint, noting the tables it wrote to and any
    security header a response lacks."""

    def __init__(self) -> None:
        self.requests = 0
        self.header_problems: list[str] = []

    def send(
        self, client: Client, method: str, url: str, data: Any = None, **extra: Any
    ) -> tuple[Any, list[str]]:
        with transaction.atomic():
            before = rows_written()
            response = call(client, method, url, data, **extra)
            written = tables_changed(before, rows_written())
            transaction.set_rollback(True)
        self.requests += 1
        for problem in header_problems(response):
            self.header_problems.append(f"{method.upper()} {url}: {problem}")
        return response, written
