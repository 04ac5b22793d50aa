"""How lm-eval turns one row into a prompt, choices and target, mirrored in our sandbox.

The rules follow `lm_eval.api.task.ConfigurableTask.doc_to_text/doc_to_target/doc_to_choice`
and `Task.resolve_field`: a value naming a field is that field; any other text is a template;
rendered choices are read with `ast.literal_eval`; digits become an index when the task has
choices; text shaped like a list becomes a list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from jinja2 import Template

from evals.suites.templates import compile_template, render

TEMPLATE_KEYS = ("description", "doc_to_text", "doc_to_target", "doc_to_choice")


class TaskPrompts:
    """The prompt-building part of one validated task configuration."""

    def __init__(self, config: Mapping[str, Any], fields: Sequence[str]) -> None:
        self.config = config
        self.fields = frozenset(fields)
        self.has_choices = config.get("doc_to_choice") is not None
        self.templates: dict[str, Template] = {
            key: compile_template(value)
            for key in TEMPLATE_KEYS
            if isinstance(value := config.get(key), str) and value not in self.fields
        }

    def _field_or_render(self, key: str, row: Mapping[str, Any]) -> Any:
        value = self.config[key]
        return row[value] if value in self.fields else render(self.templates[key], row)

    def description(self, row: Mapping[str, Any]) -> str:
        if not self.config.get("description"):
            return ""
        with failing_as("description"):
            return str(self._field_or_render("description", row))

    def text(self, row: Mapping[str, Any]) -> Any:
        with failing_as("doc_to_text"):
            text = self._field_or_render("doc_to_text", row)
            if isinstance(text, str) and text.isdigit() and self.has_choices:
                return ast.literal_eval(text)
            return text

    def target(self, row: Mapping[str, Any]) -> Any:
        spec = self.config["doc_to_target"]
        if not isinstance(spec, str):
            return spec
        with failing_as("doc_to_target"):
            target = self._field_or_render("doc_to_target", row)
            if spec in self.fields:
                return target
            if target.isdigit() and self.has_choices:
                return ast.literal_eval(target)
            if len(target) >= 2 and target[0] == "[" and target[-1] == "]":
                try:
                    return ast.literal_eval(target)
                except (SyntaxError, ValueError):
                    return target
            return target

    def choices(self, row: Mapping[str, Any]) -> Any:
        spec = self.config.get("doc_to_choice")
        if spec is None or isinstance(spec, list):
            return spec
        with failing_as("doc_to_choice"):
            choices = self._field_or_render("doc_to_choice", row)
            return choices if spec in self.fields else ast.literal_eval(choices)


class ItemError(Exception):
    """A row that lm-eval would crash on or mis-score; `key` names the configuration key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@contextmanager
def failing_as(key: str) -> Iterator[None]:
    """Report any failure inside as an `ItemError` of `key`.

    Untrusted templates over untrusted rows can fail in any way Python can (a missing field,
    a sandbox refusal, a division by zero, a choice list that is not a literal), so this is
    the one place that catches broadly, turning each failure into a located problem.
    """
    try:
        yield
    except ItemError:
        raise
    except Exception as error:
        raise ItemError(key, f"{type(error).__name__}: {error}") from error


def build_item(prompts: TaskPrompts, output_type: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The zero-shot prompt, choices and target text lm-eval would build from `row`.

    Raises `ItemError` for a row lm-eval would mis-score or crash on, and whatever the
    sandbox raises for a template that fails on this row.
    """
    text = prompts.text(row)
    choices = prompts.choices(row)
    if choices is not None and (
        not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices)
    ):
        raise ItemError("doc_to_choice", "must give a non-empty list of texts")
    if isinstance(text, int):
        return _per_choice_item(prompts, output_type, row, text, choices)
    if not isinstance(text, str):
        raise ItemError("doc_to_text", f"must give text, not {type(text).__name__}")
    target = prompts.target(row)
    return {
        "prompt": prompts.description(row) + text,
        "choices": choices,
        "target": _target_text(output_type, target, choices),
    }


def _per_choice_item(
    prompts: TaskPrompts,
    output_type: str,
    row: Mapping[str, Any],
    gold: int,
    choices: list[str] | None,
) -> dict[str, Any]:
    """One context per choice (winogrande's form): doc_to_text gives the index of the right
    context, doc_to_choice the contexts, doc_to_target the continuation scored after each
    (`ConfigurableTask.construct_requests` with `multiple_input`)."""
    if output_type != "multiple_choice" or choices is None:
        raise ItemError(
            "doc_to_text",
            "doc_to_text gave only digits, which lm-eval reads as the index of the right "
            "context; that form needs output_type: multiple_choice and doc_to_choice listing "
            "one context per choice",
        )
    if not 0 <= gold < len(choices):
        message = f"the index {gold} is not a context index (there are {len(choices)} contexts)"
        raise ItemError("doc_to_text", message)
    target = prompts.target(row)
    if isinstance(target, list | bool):
        raise ItemError(
            "doc_to_target", "must give the continuation text scored after each context"
        )
    description = prompts.description(row)
    return {
        "prompt": [description + context for context in choices],
        "choices": choices,
        "target": str(target),
        "gold": gold,
    }


def _target_text(output_type: str, target: Any, choices: list[str] | None) -> str | list[str]:
    if choices is not None:
        indexes = target if isinstance(target, list) else [target]
        # lm-eval matches a text target against the choices only when scoring choices; a
        # generation task indexes the choices with the target, so it must be a number.
        by_text = output_type == "multiple_choice"
        resolved = [_choice(index, choices, by_text) for index in indexes]
        return resolved if isinstance(target, list) else resolved[0]
    if output_type == "multiple_choice":
        raise ItemError("doc_to_choice", "multiple_choice tasks need doc_to_choice")
    if output_type == "generate_until" and isinstance(target, list):
        if not all(isinstance(t, str) for t in target):
            raise ItemError("doc_to_target", "must give text or a list of texts")
        return target
    if isinstance(target, str) or (output_type == "generate_until" and isinstance(target, int)):
        return str(target)
    raise ItemError("doc_to_target", f"must give text, not {type(target).__name__}")


def _choice(index: Any, choices: list[str], by_text: bool) -> str:
    if isinstance(index, str) and by_text:
        if index not in choices:
            raise ItemError("doc_to_target", f"the target {index[:40]!r} is not one of the choices")
        return index
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(choices):
        message = f"the target {index!r} is not a choice index (there are {len(choices)} choices)"
        raise ItemError("doc_to_target", message)
    return choices[index]
