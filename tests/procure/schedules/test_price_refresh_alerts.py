"""A price refreshed from the installed price database reaches the watchers as one alert."""

from datetime import date

import pytest

from procure.catalog.refresh import catalog_refresh
from procure.reports.services import report_generate
from procure.schedules.alerts import firing_compare
from procure.schedules.models import Alert, Comparison
from tests import factories as f
from tests.procure.schedules.test_services import relaunched, scheduled_report
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

pytestmark = pytest.mark.django_db


def test_a_refreshed_price_raises_one_alert_naming_the_change(org):
    first = finished_campaign(org, LEGAL_MARKET, allowed_regions=["eu"])
    schedule = f.ScheduleFactory(organization=org, profile=first.profile)
    schedule.watchers.set([f.MembershipFactory(organization=org).user])
    report_generate(organization=org, campaign_id=first.pk)
    first.candidates.get(name="Euro General").deployment_options.update(
        price_source="genai-prices", price_source_model="mistral/mistral-large-4"
    )

    (refresh,) = catalog_refresh(today=date(2026, 12, 2), sources=["genai-prices"])
    firing, report = scheduled_report(org, schedule, relaunched(first))
    firing_compare(report_id=report.pk)
    firing_compare(report_id=report.pk)  # a redelivered task

    assert [c.field for c in refresh.changes][:2] == [
        "input_price_per_mtok",
        "output_price_per_mtok",
    ]
    firing.refresh_from_db()
    assert firing.comparison == Comparison.CHANGED
    alert = Alert.objects.get()
    messages = [c["message"] for c in alert.changes]
    assert "Euro General API: input price $10.00 → $0.70 per 1M tokens" in messages
    assert "Euro General API: output price $30.00 → $2.10 per 1M tokens" in messages
    assert alert.title.startswith("Contract review: ")
