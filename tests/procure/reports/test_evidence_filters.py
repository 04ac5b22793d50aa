"""Evidence is judged on a task's primary filter: the first it lists, not the first by name."""

import pytest

from procure.reports.evidence import run_evidence
from procure.runs.models import SampleResult
from tests import factories as f
from tests.support.reportkit import Offer, finished_campaign


@pytest.mark.parametrize(
    ("primary_filter", "expected"), [("strict-match", [0.0, 0.0]), ("flexible-extract", [1.0, 1.0])]
)
def test_it_scores_items_on_the_primary_filter(db, primary_filter: str, expected: list) -> None:
    org = f.OrganizationFactory()
    campaign = finished_campaign(org, [Offer("m", "general", {"Maths": 1.0})], items=2)
    run = campaign.runs.get()
    version = run.suite_version
    task = version.tasks[0]["name"]
    version.tasks = [{**version.tasks[0], "primary_filter": primary_filter}]
    version.save()
    SampleResult.objects.filter(run=run).delete()
    # gsm8k's order: strict-match first, flexible-extract second ("f" sorts before "s").
    for filter_name, value in (("strict-match", 0.0), ("flexible-extract", 1.0)):
        SampleResult.objects.bulk_create(
            SampleResult(
                run=run, task=task, doc_id=i, metric="acc", filter=filter_name, value=value
            )
            for i in range(2)
        )

    evidence = run_evidence(run)

    assert evidence is not None
    assert list(evidence.scores) == expected
