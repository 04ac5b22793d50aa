"""Keeping django-celery-beat's PeriodicTask of each schedule in step with the schedule.

Beat reads only its own tables. Each schedule owns one PeriodicTask (task `schedules.fire`,
kwargs {"schedule_id": id}, on the housekeeping queue) with a CrontabSchedule in UTC; saving
a PeriodicTask bumps django-celery-beat's change marker, so a running beat picks the change up
within seconds.
"""

import json

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from .crontab import parse_crontab
from .models import Schedule

FIRE_TASK = "schedules.fire"
QUEUE = "housekeeping"


def periodic_task_sync(schedule: Schedule) -> PeriodicTask:
    """Create or update the schedule's PeriodicTask to match its crontab and `enabled`."""
    fields = parse_crontab(schedule.crontab)
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=fields.minute,
        hour=fields.hour,
        day_of_month=fields.day_of_month,
        month_of_year=fields.month_of_year,
        day_of_week=fields.day_of_week,
        timezone=settings.CELERY_TIMEZONE,
    )
    task, _ = PeriodicTask.objects.update_or_create(
        name=schedule.beat_name,
        defaults={
            "task": FIRE_TASK,
            "crontab": crontab,
            "interval": None,
            "kwargs": json.dumps({"schedule_id": schedule.pk}),
            "queue": QUEUE,
            "enabled": schedule.enabled,
            "description": f"Re-evaluate the profile '{schedule.profile.name}' (procure).",
        },
    )
    if schedule.periodic_task_id != task.pk:
        Schedule.objects.filter(pk=schedule.pk).update(periodic_task=task)
        schedule.periodic_task = task
    return task


def periodic_task_remove(schedule: Schedule) -> None:
    PeriodicTask.objects.filter(name=schedule.beat_name).delete()
