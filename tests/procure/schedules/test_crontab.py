from datetime import UTC, datetime

import pytest

from procure.schedules.crontab import PRESETS, CrontabInvalid, parse_crontab


@pytest.mark.parametrize(
    "expression",
    [
        "0 2 * * *",
        "*/15 * * * *",
        "0 6 * * 1-5",
        "30 8 1,15 * mon-fri",
        "0 0 1 jan *",
        *PRESETS.values(),
    ],
)
def test_it_accepts_what_beat_and_django_celery_beat_both_read(expression):
    assert parse_crontab(expression).expression == " ".join(expression.split())


@pytest.mark.parametrize(
    ("expression", "field", "words"),
    [
        ("60 * * * *", "minute", "The minute field (1st of 5) cannot be '60'"),
        (
            "0 25 * * *",
            "hour",
            "The hour field (2nd of 5) cannot be '25': use numbers from 0 to 23",
        ),
        ("0 2 0 * *", "day_of_month", "The day of the month field (3rd of 5) cannot be '0'"),
        ("0 2 * 13 *", "month_of_year", "The month field (4th of 5) cannot be '13'"),
        # python-crontab reads 7 as Sunday, celery does not: refused rather than half-working.
        ("0 2 * * 7", "day_of_week", "The day of the week field (5th of 5) cannot be '7'"),
        # celery would wrap 30-10 round the hour, python-crontab refuses it.
        ("30-10 * * * *", "minute", "cannot be '30-10'"),
        ("*/0 * * * *", "minute", "cannot be '*/0'"),
        ("a * * * *", "minute", "cannot be 'a'"),
        ("0 2 31 2 *", "day_of_month", "never fires"),
    ],
)
def test_it_refuses_a_bad_field_naming_it(expression, field, words):
    with pytest.raises(CrontabInvalid) as excinfo:
        parse_crontab(expression)

    assert words in str(excinfo.value)
    assert excinfo.value.field == field


@pytest.mark.parametrize("expression", ["", "0 2 * *", "0 2 * * * *"])
def test_it_refuses_the_wrong_number_of_fields(expression):
    with pytest.raises(CrontabInvalid, match="A crontab has 5 fields"):
        parse_crontab(expression)


def test_the_next_firing_follows_the_expression():
    weekly = parse_crontab(PRESETS["weekly"])

    # 2026-12-02 is a Wednesday: the next Monday 02:00 UTC is 2026-12-07.
    after = weekly.next_after(datetime(2026, 12, 2, 10, 30, tzinfo=UTC))

    assert after.replace(second=0, microsecond=0) == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
