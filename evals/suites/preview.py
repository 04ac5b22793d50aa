"""Showing uploaders what their items look like, rendered in the sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evals.spec import SuiteError
from evals.suites.prompts import TaskPrompts, build_item
from evals.suites.report import SuiteRefused
from evals.suites.validate import check_suite


def preview_items(files: Mapping[str, bytes], task_name: str, n: int = 5) -> list[dict[str, Any]]:
    """The first `n` items of a task as lm-eval would build them zero-shot.

    Each item is `{"doc_id", "prompt", "choices", "target"}`: the prompt is the description
    followed by doc_to_text, `choices` is None for tasks without doc_to_choice, and `target`
    is the expected answer as text. Raises `SuiteRefused` for an invalid upload and
    `SuiteError` for an unknown task.
    """
    checked = check_suite(files)
    if not checked.report.ok:
        raise SuiteRefused(checked.report.problems)
    task = next((task for task in checked.tasks if task.name == task_name), None)
    if task is None:
        known = ", ".join(task.name for task in checked.tasks)
        raise SuiteError(f"the suite has no task named {task_name!r} (it has: {known})")
    prompts = TaskPrompts(task.config, task.fields)
    output_type = task.config["output_type"]
    return [
        {"doc_id": doc_id, **build_item(prompts, output_type, row)}
        for doc_id, row in enumerate(task.eval_rows[: max(n, 0)])
    ]
