"""Reachability of the parts a request depends on, for /healthz."""

from django.conf import settings
from django.db import connection
from kombu import Connection


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means "down"; the message says which
        return f"error: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
