"""Triggering schedules the way production does: django-celery-beat's real DatabaseScheduler
reads the PeriodicTask rows, finds an entry due and sends its message to the real broker."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

import procure.schedules.tasks  # noqa: F401  (beat sends registered tasks through their apply_async)
from procure.celery import app
from procure.schedules.models import Schedule

MAX_TICKS = 10


def beat_trigger(schedule: Schedule) -> None:
    """Make the schedule's beat entry due (its last run a day ago) and tick a fresh scheduler
    until it has sent that entry's message once."""
    name = schedule.beat_name
    PeriodicTask.objects.filter(name=name).update(last_run_at=timezone.now() - timedelta(days=1))
    sent_before = PeriodicTask.objects.get(name=name).total_run_count
    scheduler = DatabaseScheduler(app=app)
    try:
        for _ in range(MAX_TICKS):
            scheduler.tick()  # sends at most one due entry (ours, or another one that is due)
            scheduler.sync()  # writes each sent entry's run count back to its row
            if PeriodicTask.objects.get(name=name).total_run_count > sent_before:
                return
        raise AssertionError(f"beat never sent {name} in {MAX_TICKS} ticks")
    finally:
        scheduler.close()


def outbox() -> list[EmailMessage]:
    """E-mails written by worker processes (procure/settings/test.py: filebased backend)."""
    directory = Path(settings.EMAIL_FILE_PATH)
    if not directory.is_dir():
        return []
    found: list[EmailMessage] = []
    for path in sorted(directory.glob("*.log")):
        # One file per connection; messages inside are separated by a line of dashes.
        for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                found.append(message)
    return found
