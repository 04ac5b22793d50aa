"""P(best) and paired comparisons, from the shared item resamples of resampling.py.

P(best): the share of resamples in which a candidate has the highest weighted score (ties
share the win). Only fit is resampled; cost and sovereignty are fixed numbers.

Exactly resampling every candidate costs candidates x items x resamples multiply-adds (5e10 at
1,000 x 50,000 x 1,000), mostly spent on candidates that cannot win. So, first, a screen:
candidate c can only be best in a resample if it beats the leader L there, i.e. if the
bootstrap fluctuation of its paired difference from L (a sum of independent draws, one per item
drawn) exceeds its score gap divided by the fit share. Bernstein's inequality bounds the chance
of that by SCREEN_DELTA per resample, from the difference's variance (at most (sd_c + sd_L)^2,
which needs no pass over the items) and the size of one draw. Resampled exactly: every candidate
the bound cannot rule out (the contenders), the next NEXT_COMPARED in rank, and the verdict's
pair. The rest get P(best) = 0; the chance that any of them would have won any resample is below
candidates x resamples x SCREEN_DELTA (1e-6 at the size above). When every candidate is
statistically tied with the leader nothing is screened out: still correct, only slower.

Comparisons: the winner against every other resampled candidate over the whole profile, and the
verdict's specialist against its general model over the profile and suite by suite. With a
single suite of 0/1 scores: the exact McNemar test with its matching interval; otherwise the
paired bootstrap (percentile interval, and twice the smaller share of resampled differences on
either side of zero as p-value). Benjamini-Hochberg adjusts the p-values within each family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from procure.decision.fit import FitTable
from procure.decision.inputs import CandidateInput, ProfileInput
from procure.decision.outputs import Comparison, TestName
from procure.decision.resampling import Resampler, SuiteItems, align, bootstrap_suite_intervals
from procure.decision.stats import (
    benjamini_hochberg,
    bernstein_margin,
    bootstrap_p_value,
    mcnemar_exact,
    mcnemar_interval,
    percentile_interval,
)

FloatArray = npt.NDArray[np.float64]

SCREEN_DELTA = 1e-12
NEXT_COMPARED = 10
# Resampled scores this close share the win: non-0/1 scores carry float32 rounding (~1e-7).
_TIE = 1e-6


@dataclass
class Resampling:
    p_best: dict[int, float]  # candidate index -> P(best); screened-out candidates are absent
    comparisons: list[Comparison]  # the winner against every other resampled candidate
    verdict: Comparison | None  # specialist against general over the profile
    verdict_per_suite: tuple[Comparison, ...]
    resampled: int
    notes: list[str] = field(default_factory=list)


def resample(
    table: FitTable,
    candidates: tuple[CandidateInput, ...],
    ranked: list[int],
    other_score: FloatArray,
    fit_share: float,
    pair: tuple[int, int] | None,
    profile: ProfileInput,
) -> Resampling:
    """Fill bootstrap intervals for non-0/1 suites into `table`; resample the ranked candidates.

    `ranked` holds candidate indices best first; `other_score` the cost and sovereignty part of
    their scores (score = fit_share x fit + other_score); `pair` the (specialist, general)
    candidate indices the verdict compares.
    """
    notes: list[str] = []
    resampler = Resampler(profile.seed, profile.resamples)
    for s in range(len(table.suite_ids)):
        bootstrap_suite_intervals(table, s, resampler, profile.confidence)
    suites = [align(table, s, ranked, notes) for s in range(len(table.suite_ids))]
    aligned = all(suite.positions is None for suite in suites)
    members = _resampled_members(table, ranked, other_score, fit_share, pair, screen=aligned)
    if not members:
        return Resampling({}, [], None, (), 0, notes)
    resampled_fit, point_fit = resampler.profile_fits(table, suites, members)
    rank_of = {c: k for k, c in enumerate(ranked)}
    scores = fit_share * resampled_fit + other_score[[rank_of[c] for c in members], None]
    winners = scores >= scores.max(axis=0) - _TIE
    p_best = (winners / winners.sum(axis=0)).mean(axis=1)

    n_items = sum(suite.n for suite in suites)
    ids = [candidates[c].id for c in members]
    lifts = point_fit[0] - point_fit[1:]
    if len(suites) == 1 and all(table.binary[c, 0] for c in members):
        matrix = suites[0].rows(table, members).astype(np.float64)
        only_first = (matrix[0] * (1 - matrix[1:])).sum(axis=1)
        only_other = ((1 - matrix[0]) * matrix[1:]).sum(axis=1)
        stats = _mcnemar(only_first, only_other, n_items, profile.confidence)
    else:
        stats = _bootstrap(resampled_fit[0] - resampled_fit[1:], profile.confidence)
    family = [(ids[0], ids[k], None, lifts[k - 1], n_items) for k in range(1, len(members))]
    comparisons = _comparisons(family, [stats])

    verdict: Comparison | None = None
    per_suite: tuple[Comparison, ...] = ()
    if pair is not None:
        per_suite = _pair_by_suite(table, candidates, suites, resampler, pair, profile)
        if len(suites) == 1:
            verdict = per_suite[0]  # one suite: the profile comparison is that suite's
        else:
            a, b = members.index(pair[0]), members.index(pair[1])
            difference = (resampled_fit[a] - resampled_fit[b])[None, :]
            row = (ids[a], ids[b], None, point_fit[a] - point_fit[b], n_items)
            verdict = _comparisons([row], [_bootstrap(difference, profile.confidence)])[0]
    return Resampling(
        p_best={c: float(p_best[k]) for k, c in enumerate(members)},
        comparisons=comparisons,
        verdict=verdict,
        verdict_per_suite=per_suite,
        resampled=len(members),
        notes=notes,
    )


def _pair_by_suite(
    table: FitTable,
    candidates: tuple[CandidateInput, ...],
    suites: list[SuiteItems],
    resampler: Resampler,
    pair: tuple[int, int],
    profile: ProfileInput,
) -> tuple[Comparison, ...]:
    """Specialist minus general suite by suite, Benjamini-Hochberg across the suites."""
    family = []
    stats = []
    for suite in suites:
        rows = suite.rows(table, list(pair))
        values = rows.astype(np.float64)
        if table.binary[pair[0], suite.index] and table.binary[pair[1], suite.index]:
            only_a = (values[0] * (1 - values[1])).sum(keepdims=True)
            only_b = ((1 - values[0]) * values[1]).sum(keepdims=True)
            stats.append(_mcnemar(only_a, only_b, suite.n, profile.confidence))
        else:
            means = resampler.suite_means(rows)
            stats.append(_bootstrap((means[0] - means[1])[None, :], profile.confidence))
        lift = float(values[0].mean() - values[1].mean())
        suite_id = table.suite_ids[suite.index]
        family.append((candidates[pair[0]].id, candidates[pair[1]].id, suite_id, lift, suite.n))
    return tuple(_comparisons(family, stats))


Stats = tuple[FloatArray, FloatArray, FloatArray, TestName]  # low, high, p, test
Row = tuple[str, str, str | None, float, int]  # a, b, suite (None: profile), lift, items


def _mcnemar(only_a: FloatArray, only_b: FloatArray, n_items: int, confidence: float) -> Stats:
    """Exact McNemar p-values with the interval that matches them (see stats.py)."""
    low, high = mcnemar_interval(only_a, only_b, n_items, confidence)
    return low, high, mcnemar_exact(only_a, only_b), "mcnemar_exact"


def _bootstrap(differences: FloatArray, confidence: float) -> Stats:
    """Percentile interval and bootstrap p-value of paired resampled differences (rows)."""
    low, high = percentile_interval(differences, confidence)
    return low, high, bootstrap_p_value(differences), "paired_bootstrap"


def _comparisons(family: Sequence[Row], stats: list[Stats]) -> list[Comparison]:
    """Comparisons from (a, b, suite, lift, items) rows and their statistics, which come in
    blocks (one block per test); p-values adjusted by Benjamini-Hochberg over the family."""
    low = np.concatenate([block[0] for block in stats]).tolist()
    high = np.concatenate([block[1] for block in stats]).tolist()
    p = np.concatenate([block[2] for block in stats])
    tests = [block[3] for block in stats for _ in range(len(block[2]))]
    adjusted = benjamini_hochberg(p).tolist()
    return [
        Comparison(
            a_id=a_id,
            b_id=b_id,
            suite_id=suite_id,
            lift=float(lift),
            low=low[k],
            high=high[k],
            p_value=float(p[k]),
            p_adjusted=adjusted[k],
            test=tests[k],
            n_items=n_items,
        )
        for k, (a_id, b_id, suite_id, lift, n_items) in enumerate(family)
    ]


def _resampled_members(
    table: FitTable,
    ranked: list[int],
    other_score: FloatArray,
    fit_share: float,
    pair: tuple[int, int] | None,
    screen: bool,
) -> list[int]:
    """Contenders (see the module docstring), the next few in rank and the verdict's pair.

    Without `screen` (candidates scored on different items, so their own-item fits are not what
    is resampled) every ranked candidate is resampled.
    """
    if not ranked:
        return []
    if fit_share > 0 and not screen:
        return list(ranked)
    keep = set(range(min(len(ranked), 1 + NEXT_COMPARED)))
    if pair is not None:
        keep.update(ranked.index(c) for c in pair)
    if fit_share > 0 and len(ranked) > 1:
        rows = np.array(ranked)
        fit = table.fit[rows]
        n = table.n[rows].astype(np.float64)
        second_moment = np.array(
            [[e.total_squares / e.n if e else 0.0 for e in table.evidence[c]] for c in ranked]
        )
        sd = np.sqrt(np.maximum(second_moment - fit * fit, 0.0))
        weights = table.weights
        variance = (((sd + sd[0]) ** 2) / n) @ (weights * weights)
        # One draw moves the weighted difference by at most w / n x |d - mean d| <= w / n x 2.
        step = ((weights / n) * 2).max(axis=1)
        margin = bernstein_margin(variance, step, SCREEN_DELTA)
        score = fit_share * (fit @ weights) + other_score
        gap = (score[0] - score) / fit_share
        keep.update(np.flatnonzero(gap < margin).tolist())
    return [ranked[k] for k in sorted(keep)]
