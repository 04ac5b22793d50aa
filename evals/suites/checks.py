"""Small composable checks for YAML values: each returns the cleaned value or raises Invalid.

Mappings and lists check every entry and record each failure with its own path, so one upload
gets every problem reported at once instead of one per attempt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from evals.suites import limits
from evals.suites.report import Problem
from evals.suites.yaml_source import REFUSED, Path, YamlFile

NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{limits.MAX_NAME_CHARS - 1}}}")


class Invalid(Exception):
    """A value that breaks a rule; the message says which, in plain English.

    `wrong_type` marks "must be text/a list/..." failures, so that `either` can prefer the
    message of the alternative whose type the value does have.
    """

    def __init__(self, message: str, *, wrong_type: bool = False) -> None:
        super().__init__(message)
        self.wrong_type = wrong_type


class Reader:
    """Collects problems for one YAML file while checks run over it."""

    def __init__(self, source: YamlFile) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []

    def report(self, path: Path, message: str) -> None:
        self.problems.append(self.source.problem(path, message))

    def note(self, path: Path, message: str) -> None:
        """Something accepted but changed, e.g. a key dropped because it does nothing."""
        self.notes.append(self.source.problem(path, message))

    def check(self, check: Check, value: Any, path: Path) -> Any:
        """The cleaned value, or None after recording why `value` failed `check`."""
        if value is REFUSED:
            return None  # reported while reading the YAML
        try:
            return check(self, value, path)
        except Invalid as error:
            self.report(path, str(error))
            return None


Check = Callable[[Reader, Any, Path], Any]


def text(max_chars: int) -> Check:
    def check(reader: Reader, value: Any, path: Path) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be text, not {kind_of(value)}", wrong_type=True)
        if len(value) > max_chars:
            raise Invalid(f"must be at most {max_chars} characters")
        return value

    return check


def name(reader: Reader, value: Any, path: Path) -> str:
    """A task, group, tag or split name."""
    if value is None or value == "":
        raise Invalid("is empty: write a name, or remove the key")
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise Invalid(
            "names start with a letter or digit and use only letters, digits, '_', '.' and '-' "
            f"(at most {limits.MAX_NAME_CHARS})"
        )
    return value


def integer(low: int, high: int) -> Check:
    return _numeric(low, high, int, "a whole number")


def number(low: float, high: float) -> Check:
    return _numeric(low, high, int | float, "a number")


def _numeric(low: float, high: float, kinds: Any, label: str) -> Check:
    def check(reader: Reader, value: Any, path: Path) -> Any:
        message = f"must be {label} from {low:g} to {high:g}"
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise Invalid(message, wrong_type=True)
        if not low <= value <= high:
            raise Invalid(message)
        return value

    return check


def boolean(reader: Reader, value: Any, path: Path) -> bool:
    if not isinstance(value, bool):
        raise Invalid("must be true or false", wrong_type=True)
    return value


def one_of(*allowed: Any) -> Check:
    def check(reader: Reader, value: Any, path: Path) -> Any:
        if isinstance(value, bool) != isinstance(allowed[0], bool) or value not in allowed:
            raise Invalid(f"must be one of: {', '.join(map(str, allowed))}")
        return value

    return check


def regex(reader: Reader, value: Any, path: Path) -> str:
    pattern = text(500)(reader, value, path)
    try:
        re.compile(pattern)
    except re.error as error:
        raise Invalid(f"is not a valid regular expression ({error})") from None
    return pattern


def either(*checks: Check) -> Check:
    """The first check that passes; else the failure of a check whose type the value has."""

    def check(reader: Reader, value: Any, path: Path) -> Any:
        failures: list[Invalid] = []
        for candidate in checks:
            try:
                return candidate(reader, value, path)
            except Invalid as error:
                failures.append(error)
        raise next((error for error in failures if not error.wrong_type), failures[-1])

    return check


def list_of(item: Check, max_items: int) -> Check:
    def check(reader: Reader, value: Any, path: Path) -> list[Any]:
        if not isinstance(value, list):
            raise Invalid("must be a list", wrong_type=True)
        if not value:
            raise Invalid("must not be empty")
        if len(value) > max_items:
            raise Invalid(f"may hold at most {max_items} entries")
        return [reader.check(item, entry, (*path, index)) for index, entry in enumerate(value)]

    return check


def mapping(
    schema: Mapping[str, Check],
    *,
    required: tuple[str, ...] = (),
    refused: Mapping[str, str] | None = None,
) -> Check:
    """A mapping with only the keys of `schema`; `refused` explains keys we turn away."""

    def check(reader: Reader, value: Any, path: Path) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(f"must be a mapping of keys, not {kind_of(value)}", wrong_type=True)
        cleaned: dict[str, Any] = {}
        for key, entry in value.items():
            if key in schema:
                cleaned[key] = reader.check(schema[key], entry, (*path, key))
                if entry is REFUSED:
                    del cleaned[key]
            elif refused and key in refused:
                reader.report((*path, key), refused[key])
            else:
                allowed = ", ".join(schema)
                reader.report((*path, key), f"unknown key '{key}' (allowed here: {allowed})")
        for key in required:
            if key not in value:
                reader.report(path, f"the key '{key}' is required")
        return cleaned

    return check


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing" if value is None else type(value).__name__
