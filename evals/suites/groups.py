"""Group scores of a suite, computed from its task scores exactly as lm-eval computes them.

Workers ask lm-eval for the suite's tasks by name, so lm-eval reports no group rows; these
functions add them. They follow `lm_eval.api.group.Group.aggregate` (0.4.13): a group
aggregates its *leaf* tasks (members of member groups and tagged tasks included),
per `aggregate_metric_list` entry and per filter (those listed, else every filter a leaf task
reports for the metric); the value is `aggregate_subtask_metrics` (size-weighted mean, or the
plain mean of task scores with `weight_by_size: false`), the stderr `pooled_sample_stderr`
or `unweighted_mean_stderr` respectively, and n the leaf tasks' sizes summed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evals.spec import MetricResult


@dataclass(frozen=True)
class Aggregate:
    metric: str
    weight_by_size: bool
    filters: tuple[str, ...] | None  # None: every filter the leaf tasks report


@dataclass(frozen=True)
class GroupSpec:
    name: str
    leaves: tuple[str, ...]
    aggregates: tuple[Aggregate, ...]


def read_groups(suite_dir: str | Path) -> tuple[GroupSpec, ...]:
    """The groups of a suite materialised by `materialise_suite` (YAML we wrote ourselves)."""
    tasks: dict[str, list[str]] = {}  # task -> its tags
    groups: dict[str, Mapping[str, Any]] = {}
    for path in sorted(Path(suite_dir).glob("*.yaml")):
        config = yaml.safe_load(path.read_text("utf-8"))
        if "group" in config:
            groups[config["group"]] = config
        elif "task" in config:
            tags = config.get("tag") or []
            tasks[config["task"]] = [tags] if isinstance(tags, str) else list(tags)

    def leaves(member: str, seen: frozenset[str]) -> list[str]:
        if member in tasks:
            return [member]
        if member in groups and member not in seen:
            # lm-eval keys a group's children by name, then lists their leaves without
            # removing repeats (Group.get_all_tasks): a task in two member groups counts twice.
            children = dict.fromkeys(groups[member]["task"])
            return [leaf for m in children for leaf in leaves(m, seen | {member})]
        return [task for task, tags in tasks.items() if member in tags]

    return tuple(
        GroupSpec(
            name=name,
            leaves=tuple(leaves(name, frozenset())),
            aggregates=tuple(
                Aggregate(
                    metric=entry["metric"],
                    weight_by_size=entry.get("weight_by_size", True),
                    filters=_filters(entry.get("filter_list")),
                )
                for entry in config.get("aggregate_metric_list") or []
            ),
        )
        for name, config in groups.items()
    )


def _filters(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def group_metrics(
    groups: Sequence[GroupSpec], metrics: Sequence[MetricResult]
) -> tuple[MetricResult, ...]:
    """One row per group, aggregated metric and filter, beside the task rows `metrics`."""
    by_task: dict[str, dict[tuple[str, str], MetricResult]] = {}
    for row in metrics:
        by_task.setdefault(row.task, {})[(row.metric, row.filter)] = row
    rows: list[MetricResult] = []
    for group in groups:
        for aggregate in group.aggregates:
            filters = aggregate.filters or tuple(
                dict.fromkeys(
                    f
                    for leaf in group.leaves
                    for (metric, f) in by_task.get(leaf, {})
                    if metric == aggregate.metric
                )
            )
            for filter_name in filters:
                found = [
                    by_task[leaf][(aggregate.metric, filter_name)]
                    for leaf in group.leaves
                    if (aggregate.metric, filter_name) in by_task.get(leaf, {})
                ]
                if found:
                    rows.append(_aggregate(group.name, aggregate, filter_name, found))
    return tuple(rows)


def _aggregate(
    group: str, aggregate: Aggregate, filter_name: str, found: list[MetricResult]
) -> MetricResult:
    values = [row.value for row in found]
    sizes = [row.n for row in found]
    weights = sizes if aggregate.weight_by_size else [1] * len(sizes)
    value = sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)
    stderrs = [row.stderr for row in found]
    stderr: float | None = None
    if all(s is not None for s in stderrs):
        errors = [float(s) for s in stderrs if s is not None]
        if aggregate.weight_by_size:
            stderr = pooled_sample_stderr(errors, sizes)
        else:
            stderr = math.sqrt(sum(e**2 for e in errors)) / len(errors)
    return MetricResult(group, aggregate.metric, filter_name, value, stderr, sum(sizes))


def pooled_sample_stderr(stderrs: Sequence[float], sizes: Sequence[int]) -> float | None:
    """`lm_eval.api.metrics.pooled_sample_stderr` (None where it would divide by zero)."""
    degrees = sum(sizes) - len(sizes)
    if degrees <= 0:
        return None
    variance = sum((n - 1) * e**2 * n for n, e in zip(sizes, stderrs, strict=True)) / degrees
    return math.sqrt(variance / sum(sizes))
