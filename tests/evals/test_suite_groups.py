"""Group rows computed as lm-eval computes them (lm_eval.api.group.Group.aggregate)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lm_eval.api.metrics import (
    aggregate_subtask_metrics,
    pooled_sample_stderr,
    unweighted_mean_stderr,
)

from evals.spec import MetricResult
from evals.suites import materialise_suite
from evals.suites.groups import Aggregate, GroupSpec, group_metrics, read_groups

# The example: 6 items at 0.5 and 2 items at 0.0.
TASKS = (
    MetricResult("big", "acc", "none", 0.5, 0.2236, 6),
    MetricResult("small", "acc", "none", 0.0, 0.0, 2),
)


@pytest.mark.parametrize(("weight_by_size", "expected"), [(True, 0.375), (False, 0.25)])
def test_it_aggregates_a_group_as_lm_eval_does(weight_by_size: bool, expected: float) -> None:
    group = GroupSpec("g", ("big", "small"), (Aggregate("acc", weight_by_size, None),))

    (row,) = group_metrics([group], TASKS)

    values, stderrs, sizes = [0.5, 0.0], [0.2236, 0.0], [6, 2]
    assert row.value == pytest.approx(expected)
    assert row.value == pytest.approx(aggregate_subtask_metrics(values, sizes, weight_by_size))
    lm_eval_stderr = (
        pooled_sample_stderr(stderrs, sizes) if weight_by_size else unweighted_mean_stderr(stderrs)
    )
    assert row.stderr == pytest.approx(lm_eval_stderr)
    assert (row.task, row.metric, row.filter, row.n) == ("g", "acc", "none", 8)


def test_it_aggregates_every_filter_the_tasks_report_unless_some_are_listed() -> None:
    rows = (
        MetricResult("a", "exact_match", "strict-match", 1.0, None, 1),
        MetricResult("a", "exact_match", "flexible-extract", 0.0, None, 1),
    )
    every = GroupSpec("g", ("a",), (Aggregate("exact_match", True, None),))
    listed = GroupSpec("h", ("a",), (Aggregate("exact_match", True, ("flexible-extract",)),))

    found = {(r.task, r.filter): r.value for r in group_metrics([every, listed], rows)}

    assert found == {
        ("g", "strict-match"): 1.0,
        ("g", "flexible-extract"): 0.0,
        ("h", "flexible-extract"): 0.0,
    }


def test_it_reads_groups_with_their_leaf_tasks_from_a_materialised_suite(
    legal_group: dict[str, bytes], tmp_path: Path
) -> None:
    files = {
        **legal_group,
        "procure_legal.yaml": legal_group["procure_legal.yaml"].replace(
            b"weight_by_size: true", b"weight_by_size: false"
        ),
        "outer.yaml": b"group: procure_outer\ntask: [procure_legal, procure_legal_latin]\n"
        b"aggregate_metric_list:\n  - metric: acc\n",
    }
    suite = materialise_suite(files, tmp_path / "suite")

    groups = {group.name: group for group in read_groups(suite.directory)}

    assert groups["procure_legal"].leaves == ("procure_contract_clauses", "procure_legal_latin")
    assert groups["procure_legal"].aggregates == (Aggregate("acc", False, None),)
    # A leaf reached twice counts twice, as in lm-eval's Group.get_all_tasks().
    assert groups["procure_outer"].leaves == (
        "procure_contract_clauses",
        "procure_legal_latin",
        "procure_legal_latin",
    )
