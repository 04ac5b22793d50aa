from celery import shared_task
from django.db import connection


@shared_task(name="core.ping", queue="housekeeping")
def ping(token: str) -> dict[str, str]:
    """Round trip through the broker to a worker that reaches the database (probes, tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    return {"token": token, "database": database}
