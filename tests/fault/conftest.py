"""Fixtures of the fault suite: private servers, a real beat, several real workers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import InterfaceError, OperationalError, connection

from tests.support.private_services import PrivateServices
from tests.support.worker import ROOT, WorkerProcess, database_url

T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if PrivateServices.from_env() is not None:
        return
    skip = pytest.mark.skip(
        reason="the fault suite restarts its servers: run it as `python -m tests.fault` "
        "(make test does), which gives it a PostgreSQL and a Redis of its own"
    )
    for item in items:
        if "fault" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def private_services() -> PrivateServices:
    services = PrivateServices.from_env()
    assert services is not None
    return services


@pytest.fixture(scope="session")
def _worker_pool(django_db_setup: None, artifacts_dir: Path) -> Iterator[list[WorkerProcess]]:
    log = artifacts_dir / "fault-workers.log"
    log.unlink(missing_ok=True)
    pool = [WorkerProcess(log, name=f"fault{n}") for n in range(2)]
    yield pool
    for worker in pool:
        worker.stop()


@pytest.fixture
def workers(transactional_db: None, _worker_pool: list[WorkerProcess]) -> list[WorkerProcess]:
    """Two real worker processes, (re)started together: each takes seconds to import lm-eval."""
    down = [worker for worker in _worker_pool if not worker.alive]
    for worker in down:
        worker.launch()
    for worker in _worker_pool:
        worker.wait_ready(90)
    return _worker_pool


@pytest.fixture
def beat(transactional_db: None, artifacts_dir: Path, tmp_path: Path) -> Iterator[None]:
    """A real `celery beat` sending the housekeeping task (every 2 s in the fault suite)."""
    log = (artifacts_dir / "fault-beat.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "procure", "beat",
            "-S", "celery.beat:PersistentScheduler", "-s", str(tmp_path / "beat-schedule"),
            "--loglevel", "INFO",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    yield
    process.terminate()
    process.wait(timeout=20)


def tolerant(check: Callable[[], T]) -> Callable[[], T | None]:
    """`check`, but a database that is restarting answers None instead of raising."""

    def call() -> T | None:
        try:
            return check()
        except (OperationalError, InterfaceError):
            connection.close()
            return None

    return call
