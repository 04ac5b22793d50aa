import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

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


@pytest.fixture(scope="session")
def broker_clean() -> None:
    """Empty the test broker database so no message from an earlier session is delivered."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture
def celery_worker(
    transactional_db: None, broker_clean: None, artifacts_dir: Path
) -> Iterator["WorkerProcess"]:
    """A real worker process. Tests using it see only committed data, hence transactional_db."""
    from tests.support.worker import WorkerProcess

    worker = WorkerProcess(artifacts_dir / "worker.log").start()
    try:
        yield worker
    finally:
        worker.stop()
