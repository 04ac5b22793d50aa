"""Ranking eligible candidates by the profile's weights, dominance and the Pareto frontier.

Normalisation, so that the three criteria share one 0-1 scale:
* fit as it is (a mean item score in [0, 1]);
* cost as cheapest / own monthly cost (1 for the cheapest, 0.5 for twice its cost; a free
  option makes every paid one 0);
* sovereignty as the soft-preference score in [0, 1].
The weights are divided by their sum, so multiplying them all by a constant changes nothing.
Scores are rounded to 12 decimals so float noise cannot reorder equal scores; ties go to a
non-dominated candidate, then higher fit, lower cost, higher sovereignty, then id.

Candidate j dominates i when j is at least as good on fit, cost and sovereignty and strictly
better on one. With non-negative weights a dominator never scores lower, so the top of the
ranking is never dominated.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

_BLOCK = 512  # rows per block in the pairwise dominance test: bounds memory to 512 x n


def cost_scores(costs: FloatArray) -> FloatArray:
    cheapest = costs.min()
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = np.where(costs == cheapest, 1.0, cheapest / costs)
    return result


def weighted_scores(
    fit: FloatArray, cost_score: FloatArray, sovereignty: FloatArray, shares: tuple[float, ...]
) -> FloatArray:
    fit_share, cost_share, sovereignty_share = shares
    raw = fit_share * fit + cost_share * cost_score + sovereignty_share * sovereignty
    rounded: FloatArray = np.round(raw, 12)
    return rounded


def dominators(criteria: tuple[FloatArray, ...], score: FloatArray) -> IntArray:
    """For each row, the highest-scoring row that dominates it, or -1 (higher is better)."""
    n = score.size
    result = np.full(n, -1, dtype=np.intp)
    for start in range(0, n, _BLOCK):
        rows = slice(start, min(n, start + _BLOCK))
        at_least = np.ones((rows.stop - start, n), dtype=bool)
        better = np.zeros_like(at_least)
        for values in criteria:
            mine = values[rows, None]
            at_least &= values[None, :] >= mine
            better |= values[None, :] > mine
        dominated = at_least & better
        has = dominated.any(axis=1)
        ranked = np.where(dominated, score[None, :], -np.inf)
        result[start + np.flatnonzero(has)] = ranked[has].argmax(axis=1)
    return result


def ranking_order(
    score: FloatArray,
    dominated: BoolArray,
    fit: FloatArray,
    cost: FloatArray,
    sovereignty: FloatArray,
    id_rank: IntArray,
) -> IntArray:
    """Row indices best first (see the module docstring for the tie-breaks)."""
    order: IntArray = np.lexsort((id_rank, -sovereignty, cost, -fit, dominated, -score))
    return order


def best(
    score: FloatArray, fit: FloatArray, cost: FloatArray, sovereignty: FloatArray, id_rank: IntArray
) -> int:
    """The top of `ranking_order`, without the all-pairs dominance test.

    Anyone dominating a top-scoring candidate also has the top score, so dominance only needs
    checking among the tied: cheap enough to call at every point of a volume search.
    """
    tied = np.flatnonzero(score == score.max())
    if tied.size == 1:
        return int(tied[0])
    criteria = (fit[tied], -cost[tied], sovereignty[tied])
    dominated = dominators(criteria, score[tied]) >= 0
    order = ranking_order(
        score[tied], dominated, fit[tied], cost[tied], sovereignty[tied], id_rank[tied]
    )
    return int(tied[order[0]])


def frontier(fit: FloatArray, cost: FloatArray) -> IntArray:
    """Rows on the quality-vs-cost Pareto frontier (no one offers more fit for less), cheapest
    first."""
    on = dominators((fit, -cost), np.zeros_like(fit)) < 0
    rows = np.flatnonzero(on)
    ordered: IntArray = rows[np.lexsort((-fit[rows], cost[rows]))]
    return ordered


def id_ranks(ids: list[str]) -> IntArray:
    ranks = np.empty(len(ids), dtype=np.intp)
    ranks[np.argsort(np.array(ids, dtype=str), kind="stable")] = np.arange(len(ids))
    return ranks
