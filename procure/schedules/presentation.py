"""What the side-by-side diff and the history pages show, read from snapshots only (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .drift import CandidateView, candidate_views, format_cost, format_fit, recommended_name


@dataclass(frozen=True)
class Cell:
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class CandidateRow:
    name: str
    status: Cell
    fit: Cell
    cost: Cell
    revision: Cell


@dataclass(frozen=True)
class HistoryRow:
    """One report in a profile's history: what it recommended and the key figures."""

    recommended: str | None
    fit: float | None
    monthly_cost: float | None
    currency: str
    decided_on: str
    verdict: str


MISSING = "—"


def side_by_side(before: dict[str, Any], after: dict[str, Any]) -> list[CandidateRow]:
    """A row per candidate of either snapshot (the later one's order first)."""
    old, new = candidate_views(before), candidate_views(after)
    old_pick = before["recommendation"]["verdict"]["recommended_id"]
    new_pick = after["recommendation"]["verdict"]["recommended_id"]
    rows = []
    for cid in [*new, *(cid for cid in old if cid not in new)]:
        a, b = old.get(cid), new.get(cid)
        name = (b or a).name  # type: ignore[union-attr]  # one of them exists
        rows.append(
            CandidateRow(
                name=name,
                status=Cell(_status(a, old_pick), _status(b, new_pick)),
                fit=Cell(_fit(a), _fit(b)),
                cost=Cell(_cost(a), _cost(b)),
                revision=Cell(_revision(a), _revision(b)),
            )
        )
    return rows


def history_row(snapshot: dict[str, Any]) -> HistoryRow:
    verdict = snapshot["recommendation"]["verdict"]
    pick = candidate_views(snapshot).get(verdict["recommended_id"] or "")
    return HistoryRow(
        recommended=recommended_name(snapshot),
        fit=pick.fit if pick else None,
        monthly_cost=pick.monthly_cost if pick else None,
        currency=pick.currency if pick else "USD",
        decided_on=verdict["decided_on"],
        verdict=verdict["sentence"],
    )


def _status(view: CandidateView | None, recommended_id: str | None) -> str:
    if view is None:
        return "not evaluated"
    if view.id == recommended_id:
        return "recommended"
    if not view.eligible:
        return "excluded: " + "; ".join(view.exclusions) if view.exclusions else "excluded"
    return "eligible"


def _fit(view: CandidateView | None) -> str:
    return format_fit(view.fit) if view else MISSING


def _cost(view: CandidateView | None) -> str:
    if view is None:
        return MISSING
    cost = format_cost(view)
    return f"{cost} ({view.chosen_option})" if view.chosen_option else cost


def _revision(view: CandidateView | None) -> str:
    if view is None:
        return MISSING
    return ", ".join(revision or "none" for revision in view.revisions) or MISSING
