"""What the decision engine returns: frozen plain data (str, float, int, bool, None, tuples).

`dataclasses.asdict(recommendation)` gives JSON-ready data for a report snapshot. Fits, lifts
and intervals are on the [0, 1] scale; the verdict's sentence speaks in points (x 100).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from procure.decision.power import SuitePower

RuleName = Literal[
    "data_regions",
    "self_hosting",
    "latency",
    "deployment",
    "open_weights",
    "licence",
    "vendor_jurisdiction",
    "missing_evidence",
    "quality_bar",
    "budget",
]
WeightName = Literal["fit", "cost", "sovereignty"]
TestName = Literal["mcnemar_exact", "paired_bootstrap"]
# What the verdict's recommendation rests on (verdict.py): the leader being distinguishable on
# fit and first on the weights; the tie-break (cost, then sovereignty) among candidates that are
# not distinguishable on fit; being the only candidate left; nothing being left.
Decision = Literal[
    "fit_and_weights",
    "cost_and_sovereignty",
    "only_candidate",
    "no_eligible_candidate",
]
# The one bottom line of "how sure" (verdict.py, docs/decision-method.md).
Certainty = Literal["clear", "likely", "too_close_to_call", "not_enough_evidence"]


@dataclass(frozen=True)
class Finding:
    """A rule a candidate broke (an exclusion) or should be warned about (a flag)."""

    rule: RuleName
    message: str


@dataclass(frozen=True)
class SuiteFit:
    """Fit on one suite: mean item score with its interval (Wilson for 0/1, else bootstrap)."""

    suite_id: str
    metric: str
    weight: float  # share of the profile, sums to 1 over the profile's suites
    n: int
    fit: float
    low: float
    high: float
    method: Literal["wilson", "bootstrap"]


@dataclass(frozen=True)
class SuiteFits:
    """A candidate's fit on each of the profile's suites it has evidence for, by column.

    Columns rather than one object per suite: at 1,000 candidates x 100 suites, building
    100,000 small objects was half the engine's time. Iterating yields `SuiteFit` rows.
    """

    suite_ids: tuple[str, ...]
    metrics: tuple[str, ...]
    weights: tuple[float, ...]
    n: tuple[int, ...]
    fit: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    methods: tuple[Literal["wilson", "bootstrap"], ...]

    def __iter__(self) -> Iterator[SuiteFit]:
        columns = zip(
            self.suite_ids,
            self.metrics,
            self.weights,
            self.n,
            self.fit,
            self.low,
            self.high,
            self.methods,
            strict=True,
        )
        for row in columns:
            yield SuiteFit(*row)

    def __len__(self) -> int:
        return len(self.suite_ids)

    def get(self, suite_id: str) -> SuiteFit:
        for fit in self:
            if fit.suite_id == suite_id:
                return fit
        raise KeyError(suite_id)


@dataclass(frozen=True)
class OptionCost:
    name: str
    kind: Literal["api", "self_hosted"]
    monthly_cost: float
    instances: int | None  # self-hosted only
    eligible: bool
    reasons: tuple[str, ...]  # why the option cannot be used, when it cannot


@dataclass(frozen=True)
class BreakEven:
    """Break-even monthly volume between a candidate's best API and best self-hosted option.

    `volume`: above it self-hosting is never dearer. `first_volume`: the first volume at which
    it is as cheap. None: the API stays cheaper at every volume. See cost.break_even.
    """

    api_option: str
    self_hosted_option: str
    volume: float | None
    first_volume: float | None
    explanation: str


@dataclass(frozen=True)
class CandidateAssessment:
    id: str
    name: str
    specialisation: str
    eligible: bool
    exclusions: tuple[Finding, ...]
    flags: tuple[Finding, ...]
    suite_fits: SuiteFits
    fit: float | None  # None without evidence for every suite of the profile
    fit_low: float | None
    fit_high: float | None
    option_costs: tuple[OptionCost, ...]
    chosen_option: str | None  # the cheapest eligible option
    monthly_cost: float | None
    break_even: BreakEven | None
    sovereignty: float | None  # soft-preference score in [0, 1] with the chosen option
    cost_score: float | None  # cheapest eligible monthly cost / this monthly cost
    score: float | None
    rank: int | None  # 1 = best, among eligible candidates
    p_best: float | None
    dominated_by: str | None  # an eligible candidate at least as good on fit, cost, sovereignty
    on_frontier: bool  # on the quality-vs-cost Pareto frontier
    budget_met: bool | None  # monthly cost within the profile's budget; None: no budget or cost
    latency_ms: float | None  # p95 of the chosen option (else the fastest known), None: unknown
    latency_met: bool | None  # None: no target, or the latency is not known


@dataclass(frozen=True)
class Comparison:
    """Paired comparison of candidate a against b on the same items: lift = fit(a) - fit(b)."""

    a_id: str
    b_id: str
    suite_id: str | None  # None: the whole profile (weighted over its suites)
    lift: float
    low: float
    high: float
    p_value: float
    p_adjusted: float  # Benjamini-Hochberg over the family the comparison belongs to
    test: TestName
    n_items: int


@dataclass(frozen=True)
class WeightSensitivity:
    """The range of one weight's share over which the winner stays the winner.

    The other two weights keep their ratio. Shares are in [0, 1]; `low_weight`/`high_weight`
    give the same bounds in the profile's own units (None: no upper bound).
    """

    weight: WeightName
    share: float
    low_share: float
    high_share: float
    low_weight: float
    high_weight: float | None
    winner_below: str | None
    winner_above: str | None


@dataclass(frozen=True)
class VolumeSensitivity:
    """The nearest monthly volumes, below and above today's, at which the winner changes."""

    volume: float
    searched_low: float
    searched_high: float
    lower_change: float | None
    winner_below: str | None
    upper_change: float | None
    winner_above: str | None


@dataclass(frozen=True)
class Verdict:
    """What to buy, how sure we are, and the best specialist against the best general model.

    `margin` compares the verdict's leader with its runner-up over the profile (lift = leader
    minus runner-up); `specialist_id` ... `sovereignty_difference` describe the specialist
    against the general model and are None unless both kinds are eligible.
    """

    recommended_id: str | None
    runner_up_id: str | None
    margin: Comparison | None
    tied_ids: tuple[str, ...]  # not distinguishable on fit from the leader (leader included)
    certainty: Certainty | None  # None: nothing to recommend
    certainty_label: str  # "Clear", "Likely", "Too close to call", "Not enough evidence"
    certainty_detail: str  # the numbers under the label
    detectable: float | None  # smallest lift the profile's suites detect (80% power), if close
    below_bar: bool  # no eligible candidate reaches the quality bar (flagged, not excluded)
    nearest_miss_id: str | None  # with nothing eligible: the excluded candidate closest to it
    specialist_id: str | None
    general_id: str | None
    lift: float | None  # specialist minus general, weighted over the profile's suites
    lift_low: float | None
    lift_high: float | None
    p_value: float | None
    test: TestName | None
    significant: bool | None
    per_suite: tuple[Comparison, ...]
    cost_ratio: float | None  # specialist monthly cost / general monthly cost
    sovereignty_difference: float | None  # specialist minus general
    decided_on: Decision
    sentence: str


@dataclass(frozen=True)
class Recommendation:
    candidates: tuple[CandidateAssessment, ...]  # in input order
    ranking: tuple[str, ...]  # eligible candidate ids, best first
    winner_id: str | None  # top of the ranking
    frontier: tuple[str, ...]  # quality-vs-cost Pareto frontier, cheapest first
    comparisons: tuple[Comparison, ...]  # the verdict's leader against the other resampled ones
    weight_sensitivity: tuple[WeightSensitivity, ...]
    volume_sensitivity: VolumeSensitivity | None
    verdict: Verdict
    notes: tuple[str, ...]
    resamples: int
    seed: int
    confidence: float
    screening_delta: float
    power: tuple[SuitePower, ...]  # what each suite and the profile can detect (power.py)

    def candidate(self, candidate_id: str) -> CandidateAssessment:
        for assessment in self.candidates:
            if assessment.id == candidate_id:
                return assessment
        raise KeyError(candidate_id)
