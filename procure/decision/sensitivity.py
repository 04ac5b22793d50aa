"""How far the profile can move before the winner changes: each weight, and the volume.

Weights. Vary one weight's share x of the total while the other two keep their ratio. Every
candidate's score is then linear in x: score_j(x) = x v_j + (1 - x) u_j, with v_j its value on
the varied criterion and u_j its score on the other two alone. The winner W stays ahead of j
while (v_W - v_j) x + (u_W - u_j)(1 - x) >= 0, a half-line in x; intersecting them over all j
gives the exact interval. (If the other two weights are both zero they are taken as equal.)

Volume. Costs change with volume (API linearly, self-hosting in steps, the cheapest option of a
candidate may switch, a budget may start or stop excluding), so the winner is recomputed on a
log grid from 1/1000 to 1000 times today's volume, 40 points a decade, and each change found
is refined by bisection. A change that reverses within one grid step (about 6%) can be missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from procure.decision.cost import OptionTable
from procure.decision.inputs import ProfileInput, Weights
from procure.decision.outputs import VolumeSensitivity, WeightName, WeightSensitivity
from procure.decision.ranking import best, weighted_scores

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SEARCH_DECADES = 3
POINTS_PER_DECADE = 40
_NUDGE = 1e-6


def weight_sensitivity(
    values: tuple[FloatArray, FloatArray, FloatArray],
    weights: Weights,
    winner: int,
    cost: FloatArray,
    ids: list[str],
    id_rank: IntArray,
) -> tuple[WeightSensitivity, ...]:
    """For fit, cost and sovereignty: the share interval over which `winner` stays on top.

    `values` are (fit, cost score, sovereignty) of the ranked candidates; `cost` their monthly
    costs (for tie-breaks); `winner` a row index.
    """
    raw = np.array([weights.fit, weights.cost, weights.sovereignty])
    matrix = np.column_stack(values)
    names: tuple[WeightName, ...] = ("fit", "cost", "sovereignty")
    results = []
    for k, name in enumerate(names):
        others = [i for i in range(3) if i != k]
        other_total = raw[others].sum()
        other_shares = raw[others] / other_total if other_total > 0 else np.array([0.5, 0.5])
        share = raw[k] / raw.sum()
        rest = matrix[:, others] @ other_shares
        alpha = rest[winner] - rest
        beta = (matrix[winner, k] - matrix[:, k]) - alpha
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = -alpha / beta
        rising, falling = beta > 0, beta < 0
        low = max(0.0, float(crossing[rising].max(initial=0.0)))
        high = min(1.0, float(crossing[falling].min(initial=1.0)))
        low, high = min(low, share), max(high, share)

        def winner_at(x: float, k: int = k, other_shares: FloatArray = other_shares) -> str:
            shares = np.zeros(3)
            shares[k] = x
            shares[[i for i in range(3) if i != k]] = (1 - x) * other_shares
            score = weighted_scores(*values, tuple(shares))
            return ids[best(score, values[0], cost, values[2], id_rank)]

        below = winner_at(max(0.0, low - _NUDGE)) if low > 0 else None
        above = winner_at(min(1.0, high + _NUDGE)) if high < 1 else None
        results.append(
            WeightSensitivity(
                weight=name,
                share=float(share),
                low_share=low,
                high_share=high,
                low_weight=_raw_weight(low, other_total),
                high_weight=_raw_weight(high, other_total) if high < 1 else None,
                winner_below=below if below != ids[winner] else None,
                winner_above=above if above != ids[winner] else None,
            )
        )
    return tuple(results)


def _raw_weight(share: float, other_total: float) -> float:
    # share = w / (w + others)  <=>  w = share x others / (1 - share). With the other two
    # weights at zero any positive w is a share of 1; there is no raw bound to give.
    if other_total == 0:
        return 0.0
    return share * other_total / (1 - share)


@dataclass(frozen=True)
class VolumeModel:
    """What the winner depends on at another volume, for candidates that pass every rule but
    perhaps the budget."""

    ids: list[str]
    id_rank: IntArray
    fit: FloatArray
    allowed: npt.NDArray[np.bool_]
    options: OptionTable
    profile: ProfileInput

    def winners(self, volumes: FloatArray) -> list[str | None]:
        """The winner at each volume: the same scoring as the main ranking, column by column."""
        workload = self.profile.workload
        cost, row = self.options.chosen(workload, volumes, len(self.ids))
        soft = self.options.soft_of(row)
        usable = self.allowed[:, None] & ~np.isnan(cost)
        budget = self.profile.budget_monthly
        if budget is not None and self.profile.over_budget == "exclude":
            usable &= cost <= budget
        priced = np.where(usable, cost, np.inf)
        cheapest = priced.min(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            cost_score = np.where(priced == cheapest, 1.0, cheapest / priced)
        fit_share, cost_share, sovereignty_share = self.profile.weights.shares()
        raw = fit_share * self.fit[:, None] + cost_share * cost_score + sovereignty_share * soft
        score = np.where(usable, np.round(raw, 12), -np.inf)
        top = score.max(axis=0)
        result: list[str | None] = []
        for g in range(volumes.size):
            if not usable[:, g].any():
                result.append(None)
                continue
            rows = np.flatnonzero(score[:, g] == top[g])
            if rows.size > 1:  # ties: the full tie-break, as in the main ranking
                rows = np.flatnonzero(usable[:, g])
                c = cost[rows, g]
                pick = best(score[rows, g], self.fit[rows], c, soft[rows, g], self.id_rank[rows])
                rows = rows[[pick]]
            result.append(self.ids[rows[0]])
        return result


def volume_sensitivity(model: VolumeModel) -> VolumeSensitivity:
    """The nearest volumes below and above today's at which the winner changes (or None)."""
    volume = model.profile.workload.monthly_requests
    steps = np.arange(-SEARCH_DECADES * POINTS_PER_DECADE, SEARCH_DECADES * POINTS_PER_DECADE + 1)
    grid = volume * 10.0 ** (steps / POINTS_PER_DECADE)
    winners = model.winners(grid)
    middle = SEARCH_DECADES * POINTS_PER_DECADE
    today = winners[middle]

    def single(v: float) -> str | None:
        return model.winners(np.array([v]))[0]

    lower = upper = None
    below = above = None
    for g in range(middle - 1, -1, -1):
        if winners[g] != today:
            lower, below = _bisect(single, today, grid[g], grid[g + 1])
            break
    for g in range(middle + 1, grid.size):
        if winners[g] != today:
            upper, above = _bisect(single, today, grid[g], grid[g - 1])
            break
    return VolumeSensitivity(
        volume=volume,
        searched_low=float(grid[0]),
        searched_high=float(grid[-1]),
        lower_change=lower,
        winner_below=below,
        upper_change=upper,
        winner_above=above,
    )


def _bisect(
    winner_at: Callable[[float], str | None], today: str | None, changed: float, same: float
) -> tuple[float, str | None]:
    """Narrow [changed, same] (either order) to where the winner changes; (volume, new winner).

    The volume returned is the last one at which the new winner holds, to 1 part in 10^6.
    """
    new = winner_at(changed)
    for _ in range(60):
        if abs(changed - same) <= 1e-6 * max(changed, same):
            break
        middle = float(np.sqrt(changed * same))
        who = winner_at(middle)
        if who == today:
            same = middle
        else:
            changed, new = middle, who
    return float(changed), new
