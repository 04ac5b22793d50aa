"""Fit: how well each candidate does on the profile's suites, with honest intervals.

Per suite, fit is the mean item score (oriented so higher is better, in [0, 1]). Its interval
is the Wilson score interval when every item score is 0 or 1, and a percentile bootstrap
interval otherwise (filled in by the resampling pass, which already draws the resamples).
Profile fit is the weighted mean over the profile's suites, its interval combined from the
suite intervals by MOVER (stats.mover_weighted_mean). A candidate without evidence for one of
the profile's weighted suites has no profile fit: comparing it on fewer suites would compare
different things, so it is excluded with a reason naming the missing suites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from procure.decision.inputs import CandidateInput, ProfileInput, SuiteEvidence
from procure.decision.outputs import Finding, SuiteFits
from procure.decision.stats import mover_weighted_mean, wilson_interval

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class FitTable:
    """Point fits and intervals for every (candidate, suite) pair; NaN where evidence is missing."""

    suite_ids: tuple[str, ...]
    weights: FloatArray  # (suites,) shares summing to 1
    evidence: list[list[SuiteEvidence | None]]  # [candidate][suite]
    fit: FloatArray  # (candidates, suites)
    low: FloatArray
    high: FloatArray
    binary: BoolArray
    n: npt.NDArray[np.int64]
    complete: BoolArray  # (candidates,): evidence for every suite
    item_keys: npt.NDArray[np.object_]  # (candidates, suites): SuiteEvidence.item_key or None
    metrics: npt.NDArray[np.object_]  # (candidates, suites): metric names or None
    methods: npt.NDArray[np.object_]  # (candidates, suites): "wilson" or "bootstrap"

    def profile(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Profile fit and its interval per candidate (NaN for incomplete candidates)."""
        estimate = np.full(len(self.complete), np.nan)
        low = estimate.copy()
        high = estimate.copy()
        rows = np.flatnonzero(self.complete)
        if rows.size:
            estimate[rows], low[rows], high[rows] = mover_weighted_mean(
                self.weights, self.fit[rows], self.low[rows], self.high[rows]
            )
        return estimate, low, high

    def profile_point(self) -> FloatArray:
        """Profile fit without intervals (NaN for incomplete candidates)."""
        with np.errstate(invalid="ignore"):
            point: FloatArray = np.where(
                self.complete, np.nan_to_num(self.fit) @ self.weights, np.nan
            )
        return point

    def suite_fits(self, candidate: int) -> SuiteFits:
        # Whole rows through tolist(): reading numpy cells one by one is slow at 100,000 cells.
        present: slice | list[int] = slice(None)
        if not self.complete[candidate]:
            present = np.flatnonzero(self.n[candidate] > 0).tolist()

        def column(values: npt.NDArray[Any]) -> tuple[Any, ...]:
            return tuple(values[candidate, present].tolist())

        return SuiteFits(
            suite_ids=tuple(np.array(self.suite_ids, dtype=object)[present].tolist()),
            metrics=column(self.metrics),
            weights=tuple(self.weights[present].tolist()),
            n=column(self.n),
            fit=column(self.fit),
            low=column(self.low),
            high=column(self.high),
            methods=column(self.methods),
        )

    def missing_evidence(self, candidate: int) -> Finding | None:
        missing = [
            f"{suite_id} (weight {self.weights[s]:.2f})"
            for s, suite_id in enumerate(self.suite_ids)
            if self.evidence[candidate][s] is None
        ]
        if not missing:
            return None
        noun = "suite" if len(missing) == 1 else "suites"
        return Finding("missing_evidence", f"no evidence for {noun} {', '.join(missing)}")


def fit_table(profile: ProfileInput, candidates: tuple[CandidateInput, ...]) -> FitTable:
    """Point fits for all candidates, with Wilson intervals where the scores are 0/1."""
    suites = profile.weighted_suites()
    suite_ids = tuple(suite_id for suite_id, _ in suites)
    evidence = [[c.evidence_by_suite.get(suite_id) for suite_id in suite_ids] for c in candidates]
    shape = (len(candidates), len(suite_ids))
    flat = [e for row in evidence for e in row]
    present = np.array([e is not None for e in flat], dtype=bool).reshape(shape)
    n = np.array([e.n if e else 0 for e in flat], dtype=np.int64).reshape(shape)
    total = np.array([e.total if e else np.nan for e in flat]).reshape(shape)
    binary = np.array([bool(e and e.is_binary) for e in flat], dtype=bool).reshape(shape)
    keys = np.empty(len(flat), dtype=object)
    keys[:] = [e.item_key if e else None for e in flat]
    metrics = np.empty(len(flat), dtype=object)
    metrics[:] = [e.metric if e else None for e in flat]
    methods = np.where(binary, "wilson", "bootstrap").astype(object)
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = total / n
        wilson_low, wilson_high = wilson_interval(total, n, profile.confidence)
    low = np.where(binary, wilson_low, np.nan)
    high = np.where(binary, wilson_high, np.nan)
    return FitTable(
        suite_ids=suite_ids,
        weights=np.array([weight for _, weight in suites]),
        evidence=evidence,
        fit=np.where(present, fit, np.nan),
        low=low,
        high=high,
        binary=binary,
        n=n,
        complete=np.asarray(present.all(axis=1), dtype=bool),
        item_keys=keys.reshape(shape),
        metrics=metrics.reshape(shape),
        methods=methods,
    )
