"""Figures that the fault and abuse suites measure, printed at the end of the pytest run.

A robustness claim counts only as a measured number: each suite records what it attempted and
what it found (runs finished exactly once, endpoints × roles checked, secret occurrences…), and
`tests/conftest.py` prints them in the terminal summary and writes them to
var/test-artifacts/figures.json, where the README's figures come from.
"""

from __future__ import annotations

import json
from pathlib import Path

_figures: dict[str, dict[str, float | int | str]] = {}


def record_figure(suite: str, name: str, value: float | int | str) -> None:
    """Note one measured figure of a suite (a later value for the same name replaces it)."""
    _figures.setdefault(suite, {})[name] = value


def add_to_figure(suite: str, name: str, amount: int = 1) -> None:
    """Add to a counting figure, for tests that each contribute part of a total."""
    current = _figures.setdefault(suite, {}).get(name, 0)
    assert isinstance(current, int | float)
    _figures[suite][name] = current + amount


def recorded() -> dict[str, dict[str, float | int | str]]:
    return {suite: dict(values) for suite, values in sorted(_figures.items())}


def summary_lines() -> list[str]:
    lines = []
    for suite, values in recorded().items():
        lines.append(f"{suite}:")
        lines.extend(f"  {name}: {value}" for name, value in values.items())
    return lines


def write(path: Path) -> None:
    """Merge this session's figures into the file: the fault suite and the main suite run as
    two pytest sessions, and each replaces only the suites it measured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        merged = json.loads(path.read_text())
    except (OSError, ValueError):
        merged = {}
    merged.update(recorded())
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
