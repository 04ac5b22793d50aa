"""Scrub secrets from anything we return, store or raise."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from evals.spec import EvalError

REDACTED = "[REDACTED]"

T = TypeVar("T")


def redact(obj: T, secrets: Iterable[str | None]) -> T:
    """Return a copy of `obj` with every occurrence of each secret replaced by `[REDACTED]`.

    Walks strings, mappings, lists, tuples, sets and dataclasses (frozen ones are rebuilt);
    anything else is returned as is. Empty secrets are ignored.
    """
    needles = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not needles:
        return obj
    return _walk(obj, needles)


def _walk(obj: Any, needles: list[str]) -> Any:
    if isinstance(obj, str):
        for needle in needles:
            obj = obj.replace(needle, REDACTED)
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _walk(getattr(obj, f.name), needles) for f in dataclasses.fields(obj)}
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, Mapping):
        return {_walk(k, needles): _walk(v, needles) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return type(obj)(_walk(item, needles) for item in obj)
    return obj


def redact_error(exc: EvalError, secrets: Iterable[str | None]) -> EvalError:
    """A copy of `exc` of the same class, message and attributes scrubbed of `secrets`.

    Raise it outside the `except` block that caught `exc`: the original chain may hold a
    request and its headers.
    """
    clean = type(exc)(redact(str(exc), secrets))
    clean.__dict__.update(redact(dict(exc.__dict__), secrets))
    return clean
