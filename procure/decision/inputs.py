"""What the decision engine is given: frozen, validated plain data (no Django, no database).

A service in `procure/` builds these from a finished campaign. Everything is checked here, at
construction, so that a malformed profile or a metric on the wrong scale fails loudly where it
was built rather than as a strange number in a report.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

GENERAL = "general"
"""The `specialisation` of a general-purpose model; anything else names a domain."""

Handling = Literal["flag", "exclude"]
PreferenceRule = Literal[
    "data_regions", "self_hosting", "open_weights", "licences", "vendor_jurisdictions"
]
FloatArray = npt.NDArray[np.float64]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _finite_non_negative(value: float, what: str) -> None:
    _require(math.isfinite(value) and value >= 0, f"{what} must be a finite number >= 0")


@dataclass(frozen=True)
class ApiOption:
    """A hosted endpoint billed per token. Prices are per million tokens."""

    name: str
    provider: str
    regions: tuple[str, ...]
    input_price_per_mtok: float
    output_price_per_mtok: float
    p95_latency_ms: float | None = None
    # Where the p95 comes from, said in findings: "claimed" (a catalogue) or "measured" (ours).
    latency_source: str = "claimed"

    def __post_init__(self) -> None:
        _finite_non_negative(self.input_price_per_mtok, f"{self.name}: input price")
        _finite_non_negative(self.output_price_per_mtok, f"{self.name}: output price")


@dataclass(frozen=True)
class SelfHostedOption:
    """Instances we run ourselves: billed per hour, sized for the peak load."""

    name: str
    hardware: str
    regions: tuple[str, ...]
    hourly_rate: float
    throughput_rps: float
    min_instances: int = 1
    fixed_monthly_ops: float = 0.0
    p95_latency_ms: float | None = None
    # Where the p95 comes from, said in findings: "claimed" (a catalogue) or "measured" (ours).
    latency_source: str = "claimed"

    def __post_init__(self) -> None:
        _finite_non_negative(self.hourly_rate, f"{self.name}: hourly rate")
        _finite_non_negative(self.fixed_monthly_ops, f"{self.name}: fixed monthly ops")
        _require(
            math.isfinite(self.throughput_rps) and self.throughput_rps > 0,
            f"{self.name}: throughput_rps must be > 0",
        )
        _require(self.min_instances >= 0, f"{self.name}: min_instances must be >= 0")


DeploymentOption = ApiOption | SelfHostedOption


def _read_only(array: npt.NDArray[np.generic]) -> None:
    array.setflags(write=False)


@dataclass(frozen=True, eq=False)
class SuiteEvidence:
    """One candidate's per-item results on one suite, for the suite's primary metric.

    `scores` must lie in [0, 1] (accuracy, exact match, F1, ...); with `higher_is_better=False`
    (an error rate) the engine uses 1 - score. `item_ids` aligns items across candidates, which
    paired statistics need. Both are stored as read-only numpy arrays; any sequence is accepted.
    `value` and `stderr` are what lm-eval reported, kept for display: every number the engine
    produces is recomputed from the item scores, so a reader can reproduce it from them.
    Equality is identity (the arrays make value equality ambiguous).
    """

    suite_id: str
    metric: str
    higher_is_better: bool
    scores: npt.ArrayLike
    item_ids: npt.ArrayLike
    value: float | None = None
    stderr: float | None = None
    goodness: FloatArray = field(init=False, repr=False)
    ids: npt.NDArray[np.generic] = field(init=False, repr=False)
    item_key: bytes = field(init=False, repr=False)
    n: int = field(init=False, repr=False)
    is_binary: bool = field(init=False, repr=False)
    total: float = field(init=False, repr=False)
    total_squares: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        raw = np.asarray(self.scores, dtype=np.float64)
        _require(raw.ndim == 1 and raw.size > 0, f"{self.suite_id}: scores must be a 1-D list")
        _require(
            bool(np.all((raw >= 0) & (raw <= 1))),
            f"{self.suite_id}: scores must lie in [0, 1] (metric {self.metric!r}); "
            "pass a bounded primary metric",
        )
        ids = np.asarray(self.item_ids)
        _require(ids.shape == raw.shape, f"{self.suite_id}: one item id per score")
        if ids.dtype.kind in "iu":
            ids = ids.astype(np.int64)
        _require(ids.dtype.kind in "iuU", f"{self.suite_id}: item ids must be all int or all str")
        # Copies, so that the caller changing its own buffer cannot change the evidence.
        goodness = raw.copy() if self.higher_is_better else 1.0 - raw
        ids = ids.copy()
        _read_only(goodness)
        _read_only(ids)
        set_ = object.__setattr__  # frozen: derived fields are filled once, here
        set_(self, "goodness", goodness)
        set_(self, "ids", ids)
        set_(self, "item_key", hashlib.blake2b(ids.tobytes(), digest_size=16).digest())
        set_(self, "n", int(goodness.size))
        set_(self, "is_binary", bool(np.all((goodness == 0) | (goodness == 1))))
        set_(self, "total", float(goodness.sum()))
        set_(self, "total_squares", float(goodness @ goodness))

    @property
    def mean(self) -> float:
        return self.total / self.n


@dataclass(frozen=True)
class CandidateInput:
    """A model on offer: who sells it, how it can be deployed, and what it scored."""

    id: str
    name: str
    specialisation: str
    licence: str
    open_weights: bool
    vendor_jurisdiction: str
    options: tuple[DeploymentOption, ...]
    evidence: tuple[SuiteEvidence, ...]
    evidence_by_suite: Mapping[str, SuiteEvidence] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_suite = {e.suite_id: e for e in self.evidence}
        _require(len(by_suite) == len(self.evidence), f"{self.id}: two results for the same suite")
        _require(
            len({o.name for o in self.options}) == len(self.options),
            f"{self.id}: deployment option names must be unique",
        )
        object.__setattr__(self, "evidence_by_suite", by_suite)

    @property
    def is_general(self) -> bool:
        return self.specialisation == GENERAL


@dataclass(frozen=True)
class Workload:
    """Monthly volume and the per-request shape; peak load sizes self-hosted instances."""

    monthly_requests: float
    input_tokens: float
    output_tokens: float
    peak_rps: float
    latency_target_ms: float | None = None

    def __post_init__(self) -> None:
        _require(
            math.isfinite(self.monthly_requests) and self.monthly_requests > 0,
            "monthly_requests must be > 0",
        )
        _require(math.isfinite(self.peak_rps) and self.peak_rps > 0, "peak_rps must be > 0")
        _finite_non_negative(self.input_tokens, "input_tokens")
        _finite_non_negative(self.output_tokens, "output_tokens")

    def at_volume(self, monthly_requests: float) -> Workload:
        """The same workload at another volume; peak load scales with it (same peak shape)."""
        scale = monthly_requests / self.monthly_requests
        return Workload(
            monthly_requests=monthly_requests,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            peak_rps=self.peak_rps * scale,
            latency_target_ms=self.latency_target_ms,
        )


@dataclass(frozen=True)
class HardRules:
    """Sovereignty rules that exclude a candidate. An empty tuple means the rule is off."""

    allowed_data_regions: tuple[str, ...] = ()
    data_region_label: str = ""  # e.g. "EU", used in reasons: "data must stay in EU (...)"
    self_hosting_required: bool = False
    open_weights_required: bool = False
    allowed_licences: tuple[str, ...] = ()
    allowed_vendor_jurisdictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SoftPreference:
    """A wish that adds `weight` to the sovereignty score when met.

    `values` lists the acceptable regions, licences or jurisdictions for the list rules and is
    ignored for `self_hosting` and `open_weights`.
    """

    rule: PreferenceRule
    weight: float
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _finite_non_negative(self.weight, f"preference {self.rule}: weight")


@dataclass(frozen=True)
class Weights:
    """Relative importance of fit, cost and sovereignty; only their ratios matter."""

    fit: float
    cost: float
    sovereignty: float

    def __post_init__(self) -> None:
        for name in ("fit", "cost", "sovereignty"):
            _finite_non_negative(getattr(self, name), f"weight {name}")
        _require(self.fit + self.cost + self.sovereignty > 0, "at least one weight must be > 0")

    def shares(self) -> tuple[float, float, float]:
        total = self.fit + self.cost + self.sovereignty
        return self.fit / total, self.cost / total, self.sovereignty / total


@dataclass(frozen=True)
class ProfileInput:
    """The buyer's task: which suites matter how much, the workload, rules and weights."""

    suite_weights: Mapping[str, float]
    workload: Workload
    weights: Weights
    rules: HardRules = HardRules()
    preferences: tuple[SoftPreference, ...] = ()
    quality_bar: float | None = None
    below_bar: Handling = "flag"
    budget_monthly: float | None = None
    over_budget: Handling = "flag"
    resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95  # of every interval; the verdict's "distinguishable" is at this level
    alpha: float = 0.05  # no longer read by the verdict (it uses `confidence`); kept for callers
    currency: str = "USD"  # of every price and budget given; the engine converts nothing

    def __post_init__(self) -> None:
        _require(len(self.suite_weights) > 0, "the profile needs at least one suite")
        for suite_id, weight in self.suite_weights.items():
            _finite_non_negative(weight, f"suite weight {suite_id}")
        _require(sum(self.suite_weights.values()) > 0, "at least one suite weight must be > 0")
        if self.quality_bar is not None:
            _require(0 <= self.quality_bar <= 1, "quality_bar is a fit in [0, 1]")
        if self.budget_monthly is not None:
            _finite_non_negative(self.budget_monthly, "budget_monthly")
        _require(self.below_bar in ("flag", "exclude"), "below_bar is 'flag' or 'exclude'")
        _require(self.over_budget in ("flag", "exclude"), "over_budget is 'flag' or 'exclude'")
        _require(self.resamples >= 10, "resamples must be >= 10")
        _require(self.seed >= 0, "seed must be >= 0")
        _require(0 < self.confidence < 1, "confidence must be in (0, 1)")
        _require(0 < self.alpha < 1, "alpha must be in (0, 1)")

    def weighted_suites(self) -> tuple[tuple[str, float], ...]:
        """(suite, weight share) for suites with weight > 0, in a stable (sorted) order."""
        total = sum(self.suite_weights.values())
        return tuple(
            (suite_id, weight / total)
            for suite_id, weight in sorted(self.suite_weights.items())
            if weight > 0
        )
