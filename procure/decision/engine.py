"""`recommend`: frozen inputs in, a frozen recommendation out. The steps, in order:

1. fit per suite and over the profile (fit.py);
2. deployment options checked against the hard rules, priced, the cheapest usable one chosen
   (sovereignty.py, cost.py); exclusions for hard rules, missing evidence, and (if the profile
   says so) the quality bar and the budget, otherwise flags;
3. eligible candidates scored, ranked, checked for dominance; the Pareto frontier (ranking.py);
4. item resampling: P(best), paired comparisons, bootstrap intervals (uncertainty.py);
5. sensitivity to the weights and the volume (sensitivity.py); the verdict (verdict.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from procure.decision.cost import OptionTable, break_even, instances_needed, monthly_cost
from procure.decision.fit import FitTable, fit_table
from procure.decision.inputs import (
    ApiOption,
    CandidateInput,
    ProfileInput,
    SelfHostedOption,
)
from procure.decision.money import amounts_in
from procure.decision.numbers import at_least
from procure.decision.outputs import (
    BreakEven,
    CandidateAssessment,
    Finding,
    OptionCost,
    Recommendation,
    Verdict,
    WeightSensitivity,
)
from procure.decision.power import SuitePower, suite_power
from procure.decision.ranking import (
    cost_scores,
    dominators,
    frontier,
    id_ranks,
    ranking_order,
    weighted_scores,
)
from procure.decision.sensitivity import VolumeModel, volume_sensitivity, weight_sensitivity
from procure.decision.sovereignty import (
    OptionCheck,
    check_option,
    hard_rule_findings,
    option_latency_ms,
    soft_score,
)
from procure.decision.uncertainty import SCREEN_DELTA, Resampling, resample
from procure.decision.verdict import (
    Context,
    Evidence,
    Missed,
    Ranked,
    decide,
    kinds_pair,
    verdict_order,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def recommend(profile: ProfileInput, candidates: Sequence[CandidateInput]) -> Recommendation:
    """Assess every candidate against the profile and decide what to buy (see module doc)."""
    # Sentences the engine writes state amounts in the profile's currency.
    with amounts_in(profile.currency):
        return _recommend(profile, tuple(candidates))


def _recommend(profile: ProfileInput, candidates: tuple[CandidateInput, ...]) -> Recommendation:
    candidates = tuple(candidates)
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("candidate ids must be unique")
    workload = profile.workload
    table = fit_table(profile, candidates)
    point_fit = table.profile_point()

    checks = [tuple(check_option(o, profile) for o in c.options) for c in candidates]
    options = OptionTable.build(
        [
            (i, check.option, soft_score(c, check.option, profile.preferences))
            for i, c in enumerate(candidates)
            for check in checks[i]
            if check.usable
        ],
        workload,
    )
    chosen_cost, chosen_row = options.chosen(
        workload, np.array([workload.monthly_requests]), len(candidates)
    )
    cost, row = chosen_cost[:, 0], chosen_row[:, 0]
    sovereignty = options.soft_of(row)
    exclusions, flags = _findings(profile, candidates, table, point_fit, checks, cost, options, row)

    eligible = [i for i in range(len(candidates)) if not exclusions[i]]
    ranking = _Ranking(eligible, point_fit, cost, sovereignty, ids, profile)
    ranked = ranking.ranked
    # The verdict's order: those reaching the quality bar first (verdict.verdict_order), so
    # that the resampled comparisons are made against the verdict's leader.
    first = verdict_order(ranking.verdict_inputs(candidates, flags, {}))
    order = first + [k for k in range(len(ranked)) if k not in set(first)]
    kinds = kinds_pair(ranking.verdict_inputs(candidates, flags, {}))
    pair = None if kinds is None else (ranked[kinds[0]], ranked[kinds[1]])
    fit_share = profile.weights.shares()[0]
    resampling = resample(
        table,
        candidates,
        [ranked[k] for k in order],
        ranking.other_score[order] if ranked else ranking.other_score,
        fit_share,
        pair,
        profile,
    )
    power = _power(table, ranked, order, point_fit, profile)
    missed = [
        Missed(c.id, c.name, tuple(exclusions[i]), _number(point_fit[i]), _number(cost[i]))
        for i, c in enumerate(candidates)
        if exclusions[i]
    ]
    verdict = _verdict(candidates, missed, flags, ranking, resampling, power, profile)

    weight_effects: tuple[WeightSensitivity, ...] = ()
    volume_effect = None
    if ranked:
        weight_effects = weight_sensitivity(
            ranking.values, profile.weights, 0, ranking.cost, ranking.ids, ranking.id_rank
        )
        # At other volumes a budget may stop (or start) excluding: every other rule holds.
        allowed = np.array(
            [
                row[i] >= 0 and all(f.rule == "budget" for f in exclusions[i])
                for i in range(len(ids))
            ],
            dtype=bool,
        )
        volume_effect = volume_sensitivity(
            VolumeModel(ids, id_ranks(ids), point_fit, allowed, options, profile)
        )

    fit, fit_low, fit_high = table.profile()
    latencies = [
        _latency(checks[i], options.names[row[i]] if row[i] >= 0 else None)
        for i in range(len(candidates))
    ]
    assessments = []
    for i, candidate in enumerate(candidates):
        k = ranking.row.get(i)
        assessments.append(
            CandidateAssessment(
                id=candidate.id,
                name=candidate.name,
                specialisation=candidate.specialisation,
                eligible=k is not None,
                exclusions=tuple(exclusions[i]),
                flags=tuple(flags[i]),
                suite_fits=table.suite_fits(i),
                fit=_number(fit[i]),
                fit_low=_number(fit_low[i]),
                fit_high=_number(fit_high[i]),
                option_costs=_option_costs(checks[i], profile),
                chosen_option=options.names[row[i]] if row[i] >= 0 else None,
                monthly_cost=_number(cost[i]),
                break_even=_break_even(checks[i], profile),
                sovereignty=_number(sovereignty[i]),
                cost_score=None if k is None else float(ranking.cost_score[k]),
                score=None if k is None else float(ranking.score[k]),
                rank=None if k is None else k + 1,
                p_best=None if k is None else resampling.p_best.get(i, 0.0),
                dominated_by=None if k is None else ranking.dominated_by(k),
                on_frontier=k is not None and k in ranking.frontier,
                budget_met=_budget_met(cost[i], profile),
                latency_ms=latencies[i],
                latency_met=_latency_met(latencies[i], profile),
            )
        )
    return Recommendation(
        candidates=tuple(assessments),
        ranking=tuple(ids[i] for i in ranked),
        winner_id=ids[ranked[0]] if ranked else None,
        frontier=tuple(ranking.ids[k] for k in ranking.frontier),
        comparisons=tuple(resampling.comparisons),
        weight_sensitivity=weight_effects,
        volume_sensitivity=volume_effect,
        verdict=verdict,
        notes=tuple(_notes(resampling, ranking, verdict)),
        resamples=profile.resamples,
        seed=profile.seed,
        confidence=profile.confidence,
        screening_delta=SCREEN_DELTA,
        power=power,
    )


def _findings(
    profile: ProfileInput,
    candidates: tuple[CandidateInput, ...],
    table: FitTable,
    point_fit: FloatArray,
    checks: list[tuple[OptionCheck, ...]],
    cost: FloatArray,
    options: OptionTable,
    row: IntArray,
) -> tuple[list[list[Finding]], list[list[Finding]]]:
    """Exclusions and flags per candidate: hard rules, missing evidence, quality bar, budget."""
    exclusions = [
        hard_rule_findings(c, checks[i], profile.rules, profile.workload.latency_target_ms)
        for i, c in enumerate(candidates)
    ]
    flags: list[list[Finding]] = [[] for _ in candidates]
    bar, budget = profile.quality_bar, profile.budget_monthly
    for i, candidate in enumerate(candidates):
        missing = table.missing_evidence(i)
        if missing is not None:
            exclusions[i].append(missing)
        if bar is not None and table.complete[i] and point_fit[i] < bar:
            shown_bar, shown_fit = at_least(float(point_fit[i]), bar)
            finding = Finding(
                "quality_bar",
                f"profile fit must be at least {shown_bar}; {candidate.name} fits {shown_fit}",
            )
            (exclusions if profile.below_bar == "exclude" else flags)[i].append(finding)
        if budget is not None and row[i] >= 0 and cost[i] > budget:
            finding = Finding(
                "budget",
                f"monthly cost ${cost[i]:,.0f} exceeds the budget of ${budget:,.0f} "
                f"({candidate.name} on {options.names[row[i]]})",
            )
            (exclusions if profile.over_budget == "exclude" else flags)[i].append(finding)
    return exclusions, flags


class _Ranking:
    """Scores, dominance and the frontier of the eligible candidates, in ranked order."""

    def __init__(
        self,
        eligible: list[int],
        point_fit: FloatArray,
        cost: FloatArray,
        sovereignty: FloatArray,
        ids: list[str],
        profile: ProfileInput,
    ) -> None:
        shares = profile.weights.shares()
        fit, price, sov = point_fit[eligible], cost[eligible], sovereignty[eligible]
        cost_score = cost_scores(price) if eligible else price
        score = weighted_scores(fit, cost_score, sov, shares)
        id_rank = id_ranks([ids[i] for i in eligible])
        dominator = dominators((fit, -price, sov), score)
        order = ranking_order(score, dominator >= 0, fit, price, sov, id_rank)
        # From here on every array is in ranked order: row 0 is the winner.
        row_of = np.empty_like(order)
        row_of[order] = np.arange(order.size)
        self.ranked = [eligible[k] for k in order]
        self.row = {c: r for r, c in enumerate(self.ranked)}
        self.ids = [ids[c] for c in self.ranked]
        self.fit, self.cost, self.sovereignty = fit[order], price[order], sov[order]
        self.cost_score, self.score, self.id_rank = cost_score[order], score[order], id_rank[order]
        self.dominator = np.where(dominator[order] >= 0, row_of[dominator[order]], -1)
        self.frontier = [int(r) for r in frontier(self.fit, self.cost)]
        self.other_score = shares[1] * self.cost_score + shares[2] * self.sovereignty

    @property
    def values(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        return self.fit, self.cost_score, self.sovereignty

    def dominated_by(self, row: int) -> str | None:
        return None if self.dominator[row] < 0 else self.ids[self.dominator[row]]

    def verdict_inputs(
        self,
        candidates: tuple[CandidateInput, ...],
        flags: list[list[Finding]],
        p_best: dict[int, float],
    ) -> list[Ranked]:
        return [
            Ranked(
                id=candidates[c].id,
                name=candidates[c].name,
                general=candidates[c].is_general,
                fit=float(self.fit[r]),
                monthly_cost=float(self.cost[r]),
                sovereignty=float(self.sovereignty[r]),
                dominated_by=(
                    None
                    if self.dominator[r] < 0
                    else candidates[self.ranked[self.dominator[r]]].name
                ),
                flags=tuple(flags[c]),
                p_best=p_best.get(c, 0.0),
            )
            for r, c in enumerate(self.ranked)
        ]


def _verdict(
    candidates: tuple[CandidateInput, ...],
    missed: list[Missed],
    flags: list[list[Finding]],
    ranking: _Ranking,
    resampling: Resampling,
    power: tuple[SuitePower, ...],
    profile: ProfileInput,
) -> Verdict:
    evidence = Evidence(
        margins={c.b_id: c for c in resampling.comparisons},
        pair=resampling.verdict,
        per_suite=resampling.verdict_per_suite,
        detectable=power[-1].detectable if power else None,
    )
    context = Context(
        confidence=profile.confidence,
        resamples=profile.resamples,
        quality_bar=profile.quality_bar,
        budget=profile.budget_monthly,
    )
    ranked = ranking.verdict_inputs(candidates, flags, resampling.p_best)
    return decide(ranked, missed, evidence, context)


def _option_costs(checks: tuple[OptionCheck, ...], profile: ProfileInput) -> tuple[OptionCost, ...]:
    workload = profile.workload
    return tuple(
        OptionCost(
            name=check.option.name,
            kind="api" if isinstance(check.option, ApiOption) else "self_hosted",
            monthly_cost=monthly_cost(check.option, workload),
            instances=(
                instances_needed(check.option, workload.peak_rps)
                if isinstance(check.option, SelfHostedOption)
                else None
            ),
            eligible=check.usable,
            reasons=tuple(reason for _, reason in check.broken),
        )
        for check in checks
    )


def _break_even(checks: tuple[OptionCheck, ...], profile: ProfileInput) -> BreakEven | None:
    """Between the cheapest usable API option and the cheapest usable self-hosted option."""
    workload = profile.workload
    usable = [check.option for check in checks if check.usable]
    apis = [o for o in usable if isinstance(o, ApiOption)]
    hosted = [o for o in usable if isinstance(o, SelfHostedOption)]
    if not apis or not hosted:
        return None
    api = min(apis, key=lambda o: monthly_cost(o, workload))
    server = min(hosted, key=lambda o: monthly_cost(o, workload))
    return break_even(api, server, workload)


def _notes(resampling: Resampling, ranking: _Ranking, verdict: Verdict) -> list[str]:
    notes = list(resampling.notes)
    screened = len(ranking.ranked) - resampling.resampled
    if screened > 0:
        notes.append(
            f"{screened} eligible candidates are too far behind the leader to be best in any "
            f"resample (Bernstein bound, below {SCREEN_DELTA:g} per resample): P(best) = 0 "
            "without resampling them."
        )
    if ranking.ranked and verdict.recommended_id not in (None, ranking.ids[0]):
        notes.append(
            f"The verdict recommends {verdict.recommended_id}, not the top-ranked "
            f"{ranking.ids[0]}: their difference in fit is not significant, so the decision "
            "rests on cost and sovereignty."
        )
    return notes


def _power(
    table: FitTable,
    ranked: list[int],
    order: list[int],
    point_fit: FloatArray,
    profile: ProfileInput,
) -> tuple[SuitePower, ...]:
    """What the suites can detect, measured from the runner-up's accuracy (the leader's when
    it stands alone), with the leader's item counts."""
    if not ranked:
        return ()
    leader = ranked[order[0]]
    base = ranked[order[1]] if len(order) > 1 else leader
    suites = [
        (suite_id, float(table.weights[s]), float(table.n[leader, s]), float(table.fit[base, s]))
        for s, suite_id in enumerate(table.suite_ids)
    ]
    return suite_power(suites, float(point_fit[base]), profile.confidence)


def _budget_met(monthly: float, profile: ProfileInput) -> bool | None:
    if profile.budget_monthly is None or np.isnan(monthly):
        return None
    return bool(monthly <= profile.budget_monthly)


def _latency(checks: tuple[OptionCheck, ...], chosen: str | None) -> float | None:
    """The chosen option's p95 latency; without one, the fastest known of all options."""
    known = {c.option.name: x for c in checks if (x := option_latency_ms(c.option)) is not None}
    if chosen is not None:
        return known.get(chosen)
    return min(known.values(), default=None)


def _latency_met(latency: float | None, profile: ProfileInput) -> bool | None:
    target = profile.workload.latency_target_ms
    if target is None or latency is None:
        return None
    return latency <= target


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
