"""Security headers. The tenant matrix checks CSP, nosniff, Referrer-Policy, X-Frame-Options and
COOP on every response it receives (tests/abuse/tenancy.py); here: how the policy works with the
pages' scripts, and what production adds (HSTS, HTTPS, secure HttpOnly cookies)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from procure.accounts.models import Role
from tests import factories as f
from tests.support.figures import record_figure

from .tenancy import SECURITY_HEADERS, header_problems

pytestmark = [pytest.mark.abuse]
SUITE = "security headers"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def editor(client, db):
    member = f.MembershipFactory(role=Role.EDITOR, organization__slug="acme")
    member.user.save()
    client.force_login(member.user)
    return client


def test_inline_scripts_run_only_with_the_responses_nonce(editor):
    response = editor.get("/o/acme/profiles/new/")

    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce, policy
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert scripts and all(f'nonce="{nonce.group(1)}"' in attributes for attributes in scripts)
    # A fresh nonce each response: one seen in a page cannot be replayed.
    assert editor.get("/o/acme/profiles/new/")["Content-Security-Policy"] != policy
    assert not header_problems(response)


def test_no_template_uses_inline_event_handlers_which_the_policy_refuses():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in re.finditer(r"\son[a-z]+=\"", path.read_text())
    ]

    assert not offenders, offenders


def test_only_the_api_documentation_pages_allow_their_cdn(client, db):
    docs = client.get("/api/docs/")["Content-Security-Policy"]
    login = client.get("/login/")["Content-Security-Policy"]

    assert "https://cdn.jsdelivr.net" in docs
    assert "cdn.jsdelivr.net" not in login
    assert "'unsafe-inline'" not in docs.split("script-src")[1].split(";")[0]


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/login/")
secure = client.get("/login/", secure=True)
health = client.get("/healthz")
cookie = secure.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "health_redirected": health.status_code in (301, 302),
    "headers": {name: secure.get(name) for name in [
        "Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
        "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy"]},
    "csrf_cookie": {"secure": bool(cookie["secure"]), "httponly": bool(cookie["httponly"])},
    "session_cookie": {"secure": settings.SESSION_COOKIE_SECURE,
                       "httponly": settings.SESSION_COOKIE_HTTPONLY},
}))
"""


def test_production_adds_hsts_https_and_secure_httponly_cookies():
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}},
        "DJANGO_SETTINGS_MODULE": "procure.settings.production",
        "SECRET_KEY": "x7!" + "k" * 30 + "9f#Qz" + "m" * 20,
        "ALLOWED_HOSTS": "testserver",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["plain"] == [301, "https://testserver/login/"]
    assert not seen["health_redirected"]  # load balancers probe over plain HTTP
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert all(headers[name] == value for name, value in SECURITY_HEADERS.items())
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert seen["csrf_cookie"] == {"secure": True, "httponly": True}
    assert seen["session_cookie"] == {"secure": True, "httponly": True}
    record_figure(
        SUITE,
        "headers checked",
        ", ".join(
            ["Content-Security-Policy", *SECURITY_HEADERS, "Strict-Transport-Security (prod)"]
        ),
    )
    record_figure(SUITE, "production cookies", "session and CSRF: Secure, HttpOnly")
