"""pytest: real PostgreSQL and Redis, fast password hashing, an isolated Redis database."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATA_DIR, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Redis database 15 keeps test messages away from a developer's running demo (database 0).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
# Each test session writes materialised suites and request caches to a directory of its own
# (inherited by the worker processes it starts, through the environment): a request cache left
# by an earlier session would answer a test's requests without evaluating anything.
if "PROCURE_TEST_DATA_DIR" not in os.environ:
    (DATA_DIR / "test").mkdir(parents=True, exist_ok=True)
    os.environ["PROCURE_TEST_DATA_DIR"] = tempfile.mkdtemp(prefix="session-", dir=DATA_DIR / "test")
DATA_DIR = Path(os.environ["PROCURE_TEST_DATA_DIR"])
# Worker processes that tests start write their e-mail as files under the session's data
# directory, where tests read them; the pytest process itself sends to Django's in-memory
# outbox (pytest-django puts the locmem backend in place for it).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = DATA_DIR / "outbox"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never serve collected static files.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]  # noqa: F405
# Fault tests kill workers: take their runs over within seconds, not minutes. The fault suite
# (python -m tests.fault) tightens the lost-message and attempt limits through the environment.
RUN_HEARTBEAT_SECONDS = 1
RUN_STALE_AFTER_SECONDS = 4
RUN_REQUEUE_AFTER_SECONDS = env.int("RUN_REQUEUE_AFTER_SECONDS", default=30)
RUN_RETRY_BACKOFF_SECONDS = 1
RUN_MAX_ATTEMPTS = env.int("RUN_MAX_ATTEMPTS", default=5)
