"""Schedules as 5-field crontab expressions: presets, validation, the next firing time.

Two libraries read an expression: celery's beat computes when it is due, and
django-celery-beat validates the fields it stores (with python-crontab). They disagree at the
edges (celery wraps "30-10" round the hour, python-crontab refuses it; python-crontab takes 7
for Sunday, celery does not), so an expression is accepted only when both accept it, and a
refusal names the field in words a person can act on.
"""

from dataclasses import dataclass
from datetime import datetime

from celery.schedules import crontab as celery_crontab
from celery.schedules import crontab_parser
from django.core.exceptions import ValidationError
from django_celery_beat import validators

PRESETS = {
    # Early morning UTC: scheduled evaluations land before the working day in Europe.
    "daily": "0 2 * * *",
    "weekly": "0 2 * * mon",
    "monthly": "0 2 1 * *",
}


@dataclass(frozen=True)
class CronField:
    name: str  # django-celery-beat's CrontabSchedule field
    label: str
    low: int
    high: int
    names: str = ""  # what else the field accepts, for the message


FIELDS = (
    CronField("minute", "minute", 0, 59),
    CronField("hour", "hour", 0, 23),
    CronField("day_of_month", "day of the month", 1, 31),
    CronField("month_of_year", "month", 1, 12, " or jan–dec"),
    CronField("day_of_week", "day of the week", 0, 6, " (0 = Sunday) or sun–sat"),
)
ORDINALS = ("1st", "2nd", "3rd", "4th", "5th")


class CrontabInvalid(ValueError):
    """The expression cannot be used; `field` is the CrontabSchedule field at fault, if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Crontab:
    minute: str
    hour: str
    day_of_month: str
    month_of_year: str
    day_of_week: str

    @property
    def expression(self) -> str:
        return " ".join(getattr(self, field.name) for field in FIELDS)

    def as_celery(self) -> celery_crontab:
        return celery_crontab(**{field.name: getattr(self, field.name) for field in FIELDS})

    def next_after(self, moment: datetime) -> datetime:
        """The first time after `moment` (an aware datetime) at which the expression fires."""
        start, forward, _now = self.as_celery().remaining_delta(moment)
        nxt: datetime = start + forward
        return nxt


def parse_crontab(expression: str) -> Crontab:
    """Validate a 5-field crontab ("minute hour day-of-month month day-of-week").

    Raises CrontabInvalid with a message naming the field that is wrong.
    """
    parts = expression.split()
    if len(parts) != len(FIELDS):
        raise CrontabInvalid(
            f"A crontab has 5 fields separated by spaces (minute, hour, day of the month, "
            f"month, day of the week), e.g. '0 2 * * mon'; this one has {len(parts)}."
        )
    for position, (field, value) in enumerate(zip(FIELDS, parts, strict=True)):
        if not _accepted(field, value):
            raise CrontabInvalid(
                f"The {field.label} field ({ORDINALS[position]} of 5) cannot be '{value}': use "
                f"numbers from {field.low} to {field.high}{field.names}, '*', ranges like 1-5, "
                "lists like 1,15 or steps like */10.",
                field=field.name,
            )
    crontab = Crontab(*parts)
    try:
        crontab.as_celery()
    except ValueError as exc:  # e.g. day 31 in a month that never has one
        raise CrontabInvalid(
            f"This crontab never fires: {exc}".rstrip("."), field="day_of_month"
        ) from exc
    return crontab


def _accepted(field: CronField, value: str) -> bool:
    try:
        # celery's parser takes the count of values from 0, or the highest value from 1.
        crontab_parser(field.high + 1 - field.low, field.low).parse(value)
        getattr(validators, f"{field.name}_validator")(value)
    except (ValueError, ValidationError, crontab_parser.ParseException):
        return False
    return True
