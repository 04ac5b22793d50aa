"""What validation tells the uploader: problems located by file, line and key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from evals.spec import SuiteError, SuiteTask


@dataclass(frozen=True)
class Problem:
    """One reason a suite is refused.

    `line` is 1-based (from the YAML node, the data file's line, or None when the problem
    concerns a whole file or the whole upload); `key` is a dotted path such as
    `metric_list[0].metric`, or "" when no key is involved.
    """

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file or "upload"
        if self.line is not None:
            where += f", line {self.line}"
        if self.key:
            where += f", {self.key}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SuiteReport:
    """The outcome of validating an upload; `ok` when there is nothing to fix.

    `notes` tell what was accepted but changed (keys dropped because they do nothing).
    """

    problems: tuple[Problem, ...]
    tasks: tuple[SuiteTask, ...]
    groups: tuple[str, ...]
    content_hash: str
    notes: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class SuiteRefused(SuiteError):
    """The upload was refused; `problems` says where and why (the message lists them too)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"The suite was refused:\n{lines}")


def content_hash(files: Mapping[str, bytes]) -> str:
    """sha256 over the sorted file names and their bytes, each length-prefixed.

    The length prefixes make the encoding unambiguous: no two different uploads can produce
    the same byte stream by moving bytes between a name and a file.
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        encoded = name.encode("utf-8")
        data = files[name]
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()
