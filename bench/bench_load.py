"""Load check: the main pages and API endpoints under concurrent clients, against a bare view.

Starts gunicorn with procure.settings.production on loopback (a SECRET_KEY and a Fernet key
generated for the run, SECURE_SSL_REDIRECT off, ALLOWED_HOSTS 127.0.0.1) over a database it
prepares itself (`procure_bench`: dropped, migrated, demo organisation and seed catalog, a
finished campaign with its report), logs in as the demo admin through the login form and with
an API token, and drives each endpoint with a bounded load: a fixed number of requests, a time
cap, a few client threads. Each client alternates the endpoint with /bench/bare (the same
middleware, no database work, served only when PROCURE_BENCH_BARE_VIEW is set), so both see
the same load, and the ratio of their latencies is printed side by side (the bare requests
queue behind the endpoint's, which is the point: same load; the first row is the bare view
against itself). Plain script, not a test; traffic goes to 127.0.0.1 only:

    .venv/bin/python bench/bench_load.py [--requests 100] [--clients 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
DATABASE = "procure_bench"
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://procure:procure@127.0.0.1:5432")
# The local demo's admin, as documented in the README.
DEMO_USER, DEMO_PASSWORD = "demo", "demo-password-1"

SETUP = """
import json, django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from procure.accounts.models import Organization
from procure.accounts.services import token_create
from procure.reports.services import report_generate
from tests.support.reportkit import LEGAL_MARKET, finished_campaign
call_command("demo_setup", verbosity=0)
org = Organization.objects.get(name="Demo Buyer Ltd")
campaign = finished_campaign(org, LEGAL_MARKET, items=300, allowed_regions=["eu"])
report = report_generate(organization=org, campaign_id=campaign.pk)
token = token_create(user=User.objects.get(username="demo"), name="bench").key
print(json.dumps({"slug": org.slug, "report": report.pk, "token": token}))
"""


@dataclass
class Target:
    name: str
    path: str
    api: bool = False


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="per endpoint (and as many bare)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--time-cap", type=float, default=45.0, help="seconds per endpoint")
    parser.add_argument("--keep-db", action="store_true", help=f"leave {DATABASE} behind")
    args = parser.parse_args()

    env = production_env()
    print(f"preparing {DATABASE} (migrate, demo organisation, a finished campaign and report)…")
    recreate_database()
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        facts = json.loads(run_python(env, SETUP).strip().splitlines()[-1])
        port = free_port()
        server = start_gunicorn(env, port, args.workers)
        try:
            wait_until_serving(port)
            cookie = log_in(port)
            slug, report = facts["slug"], facts["report"]
            api = f"/api/v1/organizations/{slug}"
            targets = [
                # The bare view against itself: the baseline with nothing else loading the server.
                Target("bare view (alone)", "/bench/bare"),
                Target("page: overview", f"/o/{slug}/"),
                Target("page: profile list", f"/o/{slug}/profiles/"),
                Target("page: catalog list", f"/o/{slug}/catalog/"),
                Target("page: reports list", f"/o/{slug}/reports/"),
                Target("page: a report", f"/o/{slug}/reports/{report}/"),
                Target("api: candidates list", f"{api}/candidates/", api=True),
                Target("api: campaigns list", f"{api}/campaigns/", api=True),
                Target("api: report JSON", f"{api}/reports/{report}/", api=True),
            ]
            headers = {
                "page": {"Cookie": cookie},
                "api": {"Authorization": f"Token {facts['token']}"},
            }
            print(
                f"gunicorn {args.workers} sync workers on {HOST}:{port}, {args.clients} clients, "
                f"{args.requests} requests per endpoint + as many to /bench/bare, "
                f"cap {args.time_cap:.0f} s per endpoint; load average {os.getloadavg()[0]:.1f}\n"
            )
            print(
                f"{'endpoint':24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'bare p50':>9} "
                f"{'bare p95':>9} {'×p50':>6} {'×p95':>6} {'×alone':>7} {'errors':>6}"
            )
            alone: Samples | None = None
            for target in targets:
                measured, bare = drive(port, target, headers, args)
                alone = alone or bare
                print(
                    f"{target.name:24} {len(measured.latencies):4d} "
                    f"{measured.percentile(0.5):8.1f} {measured.percentile(0.95):8.1f} "
                    f"{bare.percentile(0.5):9.1f} {bare.percentile(0.95):9.1f} "
                    f"{ratio(measured, bare, 0.5):>6} {ratio(measured, bare, 0.95):>6} "
                    f"{ratio(measured, alone, 0.5):>7} {measured.errors + bare.errors:6d}"
                )
            print(
                "\n×p50, ×p95: against the bare view's requests sent alongside (same load); "
                "×alone: p50 against the bare view's p50 in the first row."
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if not args.keep_db:
            drop_database()
    return 0


def production_env() -> dict[str, str]:
    data_dir = ROOT / "var" / "bench-load"
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns when absent
    return {
        **os.environ,
        "PROCURE_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "procure.settings.production",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{SERVER_URL}/{DATABASE}",
        "PROCURE_BENCH_BARE_VIEW": "true",
        "LOG_LEVEL": "WARNING",
    }


def recreate_database() -> None:
    drop_database()
    psql(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def psql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def run_python(env: dict[str, str], code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "procure.wsgi:application", "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--log-level", "warning", "--timeout", "60"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_until_serving(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if request(port, "/bench/bare")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start serving")


def request(port: int, path: str, headers: dict[str, str] | None = None, body: str | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def log_in(port: int) -> str:
    """A session cookie for the demo admin, through the login form as a browser would."""
    status, headers, page = request(port, "/login/")
    assert status == 200, status
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["set-cookie"])
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf_cookie and token
    form = urlencode({"username": DEMO_USER, "password": DEMO_PASSWORD,
                      "csrfmiddlewaretoken": token.group(1).decode()})  # fmt: skip
    status, headers, _ = request(
        port, "/login/", method="POST", body=form,
        headers={"Cookie": f"csrftoken={csrf_cookie.group(1)}",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    session = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    assert status == 302 and session, (status, headers)
    return f"sessionid={session.group(1)}"


def drive(port: int, target: Target, headers: dict[str, dict[str, str]],
          args: argparse.Namespace) -> tuple[Samples, Samples]:  # fmt: skip
    """`args.requests` requests to the target and as many to the bare view, alternating, from
    `args.clients` threads, stopping early at the time cap."""
    measured, bare = Samples(), Samples()
    lock = threading.Lock()
    jobs = [(target.path, measured), ("/bench/bare", bare)] * args.requests
    deadline = time.monotonic() + args.time_cap
    sent_headers = headers["api" if target.api else "page"]

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                if not jobs:
                    return
                path, samples = jobs.pop()
            start = time.perf_counter()
            try:
                status = request(port, path, sent_headers)[0]
            except OSError:
                status = 0
            elapsed = time.perf_counter() - start
            with lock:
                if status == 200:
                    samples.latencies.append(elapsed)
                else:
                    samples.errors += 1

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return measured, bare


def ratio(measured: Samples, bare: Samples, q: float) -> str:
    base = bare.percentile(q)
    return f"{measured.percentile(q) / base:.1f}×" if base else "—"


if __name__ == "__main__":
    sys.exit(main())
