"""The item resampling every uncertainty statement rests on: a paired, stratified bootstrap.

Paired: all candidates are resampled with the same items in a suite, so shared item difficulty
cancels in their differences. Stratified: each suite is resampled on its own (its n items drawn
with replacement), as the profile fit is a weighted sum of per-suite means.

Drawn cheaply, and still exactly within every resample. Drawing one multinomial counts matrix
C (resamples x items) per suite costs suites x items x resamples random draws (50 million at
100 x 500 x 1,000): that, not arithmetic, was the cost of the whole engine. Instead, suites with
the same number of items n share one C_n, and suite j among them reads row (r + j) mod R of it
in resample r. Within a resample the suites therefore use different rows of C_n, which are
independent multinomial draws: every single resample is an exact draw of the stratified
bootstrap. Resamples are not independent of each other (resample r's row for suite j is
resample r'-s row for another suite), which only affects Monte Carlo error, and only slightly:
each suite's items are put in a random order first, so the scores two suites see through the
same row are unrelated. Tests check that P(best) and intervals match independent draws.

Suites of the same size then go through one matrix product (members x items) @ C_n.T instead
of one small product per suite, and with 0/1 scores and integer counts the sums are exact.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from procure.decision.fit import FitTable
from procure.decision.inputs import SuiteEvidence
from procure.decision.stats import multinomial_counts, percentile_interval

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]

_BATCH_FLOATS = 16_000_000  # bounds one product's output (64 MB of float32)


@dataclass
class SuiteItems:
    """One suite's items as the ranked candidates share them (all of them, or their overlap)."""

    index: int
    weight: float
    n: int
    positions: dict[int, npt.NDArray[np.intp]] | None  # per candidate, when item sets differ

    def rows(self, table: FitTable, members: list[int]) -> Float32Array:
        """The members' scores on these items (members x n), float32."""
        s = self.index
        if self.positions is None:
            return np.array([_goodness(table, c, s) for c in members], dtype=np.float32)
        positions = self.positions
        return np.array([_goodness(table, c, s)[positions[c]] for c in members], dtype=np.float32)


def align(table: FitTable, s: int, ranked: list[int], notes: list[str]) -> SuiteItems:
    """The items of suite s that every ranked candidate was scored on, in a common order."""
    weight = float(table.weights[s])
    if not ranked:
        return SuiteItems(s, weight, 0, None)
    if len(set(table.item_keys[ranked, s])) == 1:
        return SuiteItems(s, weight, int(table.n[ranked[0], s]), None)
    evidences: list[SuiteEvidence] = [e for c in ranked if (e := table.evidence[c][s])]
    common = evidences[0].ids
    for e in evidences[1:]:
        common = np.intersect1d(common, e.ids)
    suite_id = table.suite_ids[s]
    if common.size == 0:
        raise ValueError(
            f"the candidates share no items on suite {suite_id}: scored on different versions?"
        )
    positions = {}
    for c, e in zip(ranked, evidences, strict=True):
        sorter = np.argsort(e.ids, kind="stable")
        positions[c] = sorter[np.searchsorted(e.ids, common, sorter=sorter)]
    notes.append(
        f"Candidates were scored on different items of {suite_id}; paired statistics use the "
        f"{common.size} items they all share."
    )
    return SuiteItems(s, weight, int(common.size), positions)


class Resampler:
    """Shared bootstrap counts, seeded by the profile's seed alone (see the module docstring)."""

    def __init__(self, seed: int, resamples: int) -> None:
        self.seed = seed
        self.resamples = resamples
        self._counts: dict[tuple[int, int], Float32Array] = {}

    def counts(self, n_items: int, copy: int = 0) -> Float32Array:
        """Counts matrix (resamples x n_items); `copy` numbers independent matrices of a size."""
        key = (n_items, copy)
        if key not in self._counts:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(n_items, copy))
            rng = np.random.default_rng(sequence)
            self._counts[key] = multinomial_counts(rng, n_items, self.resamples)
        return self._counts[key]

    def suite_means(self, rows: Float32Array) -> FloatArray:
        """Resampled means of one suite's rows (rows x resamples), for that suite alone."""
        n = rows.shape[1]
        sums: FloatArray = (rows @ self.counts(n).T).astype(np.float64)
        return sums / n

    def profile_fits(
        self, table: FitTable, suites: list[SuiteItems], members: list[int]
    ) -> tuple[FloatArray, FloatArray]:
        """Resampled profile fits (members x resamples) and point fits on the shared items."""
        draws = self.resamples
        resampled = np.zeros((len(members), draws), dtype=np.float32)
        point = np.zeros(len(members))
        groups: dict[tuple[int, int], list[tuple[SuiteItems, int]]] = defaultdict(list)
        seen: dict[int, int] = defaultdict(int)
        for suite in suites:
            j = seen[suite.n]
            seen[suite.n] += 1
            groups[(suite.n, j // draws)].append((suite, j % draws))
        batch = max(1, _BATCH_FLOATS // max(1, len(members) * draws))
        for (n, copy), group in groups.items():
            counts = self.counts(n, copy)
            for start in range(0, len(group), batch):
                part = group[start : start + batch]
                scores = np.empty((len(part), len(members), n), dtype=np.float32)
                for b, (suite, _) in enumerate(part):
                    rows = suite.rows(table, members)
                    point += suite.weight * rows.mean(axis=1, dtype=np.float64)
                    # Weighted here so that the suites' sums simply add up below.
                    permuted = rows[:, self._permutation(table.suite_ids[suite.index], n)]
                    np.multiply(permuted, suite.weight / n, out=scores[b])
                sums = (scores.reshape(-1, n) @ counts.T).reshape(len(part), len(members), draws)
                for b, (_, offset) in enumerate(part):
                    # Resample r of this suite is row (r + offset) mod R of the counts.
                    resampled[:, : draws - offset] += sums[b][:, offset:]
                    resampled[:, draws - offset :] += sums[b][:, :offset]
        return resampled.astype(np.float64), point

    def _permutation(self, suite_id: str, n_items: int) -> npt.NDArray[np.intp]:
        # Keyed by the suite's id, so a suite's item order does not depend on other suites.
        key = int.from_bytes(hashlib.blake2b(suite_id.encode(), digest_size=8).digest(), "big")
        sequence = np.random.SeedSequence(self.seed, spawn_key=(key, n_items))
        return np.random.default_rng(sequence).permutation(n_items)


def bootstrap_suite_intervals(
    table: FitTable, s: int, resampler: Resampler, confidence: float
) -> None:
    """Percentile intervals for every non-0/1 result on suite s (all candidates, own items)."""
    by_size: dict[int, list[int]] = defaultdict(list)
    for c in np.flatnonzero(~table.binary[:, s] & (table.n[:, s] > 0)).tolist():
        by_size[int(table.n[c, s])].append(c)
    for group in by_size.values():
        rows = np.stack([_goodness(table, c, s) for c in group]).astype(np.float32)
        low, high = percentile_interval(resampler.suite_means(rows), confidence)
        table.low[group, s] = low
        table.high[group, s] = high


def _goodness(table: FitTable, c: int, s: int) -> FloatArray:
    evidence = table.evidence[c][s]
    assert evidence is not None
    return evidence.goodness
