import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# One `transformers serve` per session for every test that asks for it (tests/evals,
# tests/procure): defined once here, a session fixture is started once.
from tests.evals.real_server import real_server  # noqa: F401

if TYPE_CHECKING:
    from tests.support.worker import WorkerProcess

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "var" / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Throttling counts live in the cache: one test's failed tokens must not throttle the next."""
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def broker_clean() -> None:
    """Empty the test broker database so no message from an earlier session is delivered."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture(scope="session")
def _session_worker(
    django_db_setup: None, broker_clean: None, artifacts_dir: Path
) -> Iterator["WorkerProcess"]:
    # One worker for the session: starting one costs seconds (imports, lm-eval, torch), and a
    # warm worker is how production runs anyway.
    from tests.support.worker import WorkerProcess

    worker = WorkerProcess(artifacts_dir / "worker.log")
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_worker(
    transactional_db: None, _session_worker: "WorkerProcess"
) -> Iterator["WorkerProcess"]:
    """A real worker process, (re)started if a test killed it. Tests using it see only
    committed data, hence transactional_db; the test's rows are removed only once the worker
    has finished what the test set off."""
    if not _session_worker.alive:
        _session_worker.start()
    yield _session_worker
    _session_worker.wait_idle()


@pytest.fixture(scope="session")
def demo_assets():  # type: ignore[no-untyped-def]
    """The demo's two tiny trained models and four suites, in the fast "test" build.

    Cached across sessions under var/ (or PROCURE_TEST_ASSETS_DIR): the first build trains for
    about a minute.
    """
    from evals.demo.build import ensure_demo_assets

    directory = Path(os.environ.get("PROCURE_TEST_ASSETS_DIR", ROOT / "var" / "test-assets"))
    return ensure_demo_assets(directory, profile="test")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.support import figures

    if not figures.recorded():
        return
    terminalreporter.section("reliability and security figures")
    for line in figures.summary_lines():
        terminalreporter.write_line(line)
    figures.write(ARTIFACTS / "figures.json")
