"""The verdict: what to buy, in sentences a committee can sign, and how sure we are.

The policy is the same whatever the candidates' kinds (docs/decision-method.md, "Verdict"):

1. Candidates that break a hard rule, lack evidence, or fail the quality bar or budget when the
   profile says to exclude, are out. None left: "No candidate meets your requirements", with the
   nearest miss and what it would take. When the bar only cautions, the verdict chooses among
   the candidates that reach it; if none does, it leads with that failure and never says "Buy".
2. The leader is the first of those in the weighted ranking; it is compared with the runner-up
   on the same items. If the two are distinguishable on fit (the paired interval at the
   profile's confidence excludes 0), the leader is recommended. If not, every candidate not
   distinguishable from the leader is tied with it, and the tie-break decides: the lowest
   monthly cost, then the highest sovereignty score, then rank. A dominated candidate is never
   recommended.
3. Budget and latency are named when they decide: a better-fitting candidate that only they
   removed is mentioned. The specialist-against-general sentence is added when both kinds are
   eligible, for information: it never changes the pick.

"How sure" is one word on a fixed scale (CERTAINTY), from the leader-against-runner-up interval
and the pick's P(best); the numbers follow it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from procure.decision.money import format_money
from procure.decision.numbers import at_least, p_text, percent, points, points_range
from procure.decision.outputs import Certainty, Comparison, Decision, Finding, RuleName, Verdict

RULE_LABELS: dict[RuleName, str] = {
    "data_regions": "the data-region rule",
    "self_hosting": "the self-hosting rule",
    "latency": "the latency target",
    "deployment": "the deployment rules taken together",
    "open_weights": "the open-weights rule",
    "licence": "the licence allow-list",
    "vendor_jurisdiction": "the vendor-jurisdiction rule",
    "missing_evidence": "missing evidence",
    "quality_bar": "the quality bar",
    "budget": "the budget",
}
CERTAINTY_LABELS: dict[Certainty, str] = {
    "clear": "Clear",
    "likely": "Likely",
    "too_close_to_call": "Too close to call",
    "not_enough_evidence": "Not enough evidence",
}
CLEAR_P_BEST = 0.95  # "clear" needs the pick first in at least this share of resamples
PRACTICAL_DIFFERENCE = 0.05  # a tie whose interval stays within ±5 points is "too close"...
DETECTABLE_LIMIT = 0.10  # ...if the suites can detect a 10-point difference at 80% power
TIE_DEPTH = 10  # how far below the leader ties are looked for (the resampled neighbours)
# Rules a better-fitting candidate may have lost on that the verdict names as deciding.
_CONSTRAINTS: frozenset[RuleName] = frozenset({"budget", "latency"})


@dataclass(frozen=True)
class Ranked:
    """What the verdict needs to know about one eligible candidate."""

    id: str
    name: str
    general: bool
    fit: float
    monthly_cost: float
    sovereignty: float
    dominated_by: str | None  # name of a candidate at least as good on fit, cost, sovereignty
    flags: tuple[Finding, ...]
    p_best: float

    @property
    def below_bar(self) -> bool:
        return any(f.rule == "quality_bar" for f in self.flags)


@dataclass(frozen=True)
class Missed:
    """An excluded candidate, for "the nearest miss and what it would take"."""

    id: str
    name: str
    findings: tuple[Finding, ...]
    fit: float | None
    monthly_cost: float | None


@dataclass(frozen=True)
class Context:
    confidence: float
    resamples: int  # of the paired bootstrap, which sets the smallest p-value it can give
    quality_bar: float | None
    budget: float | None


@dataclass(frozen=True)
class Evidence:
    margins: dict[str, Comparison]  # the leader against each compared candidate, by its id
    pair: Comparison | None  # best specialist minus best general model, both kinds eligible
    per_suite: tuple[Comparison, ...]
    detectable: float | None  # the profile's minimum detectable difference (power.py)


def verdict_order(ranked: list[Ranked]) -> list[int]:
    """Rows of `ranked` the verdict chooses among, best first: those that reach the quality bar
    when any does, else all (rule 1)."""
    passing = [k for k, r in enumerate(ranked) if not r.below_bar]
    return passing or list(range(len(ranked)))


def kinds_pair(ranked: list[Ranked]) -> tuple[int, int] | None:
    """Rows of the best-ranked specialist and general model, if both kinds are eligible."""
    specialist = next((k for k, r in enumerate(ranked) if not r.general), None)
    general = next((k for k, r in enumerate(ranked) if r.general), None)
    if specialist is None or general is None:
        return None
    return specialist, general


def distinguishable(margin: Comparison) -> bool:
    """The paired interval at the profile's confidence excludes zero."""
    return margin.low > 0 or margin.high < 0


def decide(
    ranked: list[Ranked], missed: list[Missed], evidence: Evidence, context: Context
) -> Verdict:
    """The verdict (module docstring). `ranked`: the eligible candidates, in ranking order."""
    if not ranked:
        return _none_eligible(missed, context)
    pool = [ranked[k] for k in verdict_order(ranked)]
    below_bar = pool[0].below_bar
    leader = pool[0]
    verb = "If you must choose now, the best available is {}" if below_bar else "Buy {}"
    sentences = [_bar_failure(pool, context)] if below_bar else []
    runner = pool[1] if len(pool) > 1 else None
    margin = evidence.margins.get(runner.id) if runner else None
    tied: list[Ranked] = [leader]
    decided_on: Decision
    if runner is None or margin is None:
        pick, decided_on = leader, "only_candidate"
        sentences.append(
            f"{verb.format(leader.name)}: it is the only candidate that meets your requirements "
            f"(fit {percent(leader.fit)}, {_money(leader.monthly_cost)} a month)."
        )
    elif distinguishable(margin):
        pick, decided_on = leader, "fit_and_weights"
        sentences.append(_clear_lead(verb, leader, runner, margin, context))
    else:
        tied += [
            r
            for r in pool[1 : 1 + TIE_DEPTH]
            if r.id in evidence.margins and not distinguishable(evidence.margins[r.id])
        ]
        pickable = [r for r in tied if r.dominated_by is None] or [leader]
        pick = min(pickable, key=lambda r: (round(r.monthly_cost, 2), -round(r.sovereignty, 9)))
        decided_on = "cost_and_sovereignty"
        sentences.append(_tie(verb, pick, tied, pickable, leader, runner, margin, context))
    sentences += _constraints_that_decided(pick, missed)
    if evidence.pair is not None:
        top_two = {leader.id, runner.id} if runner else set()
        sentences.append(_kinds(ranked, evidence.pair, context, top_two))
    cautions = [f.message for f in pick.flags if f.rule != "quality_bar"]
    if cautions:
        sentences.append("Caution: " + "; ".join(cautions) + ".")
    certainty, detail = _certainty(pick, leader, runner, margin, evidence.detectable, context)
    if below_bar:
        detail = f"Among candidates that all miss your quality bar: {detail}"
    kinds = kinds_pair(ranked)
    specialist, general = (ranked[kinds[0]], ranked[kinds[1]]) if kinds else (None, None)
    pair = evidence.pair
    return Verdict(
        recommended_id=pick.id,
        runner_up_id=runner.id if runner else None,
        margin=margin,
        tied_ids=tuple(r.id for r in tied) if decided_on == "cost_and_sovereignty" else (),
        certainty=certainty,
        certainty_label=CERTAINTY_LABELS[certainty],
        certainty_detail=detail,
        detectable=evidence.detectable if certainty in _CLOSE else None,
        below_bar=below_bar,
        nearest_miss_id=None,
        specialist_id=specialist.id if specialist and pair else None,
        general_id=general.id if general and pair else None,
        lift=pair.lift if pair else None,
        lift_low=pair.low if pair else None,
        lift_high=pair.high if pair else None,
        p_value=pair.p_value if pair else None,
        test=pair.test if pair else None,
        significant=distinguishable(pair) if pair else None,
        per_suite=evidence.per_suite if pair else (),
        cost_ratio=(
            specialist.monthly_cost / general.monthly_cost
            if pair and specialist and general and general.monthly_cost > 0
            else None
        ),
        sovereignty_difference=(
            specialist.sovereignty - general.sovereignty
            if pair and specialist and general
            else None
        ),
        decided_on=decided_on,
        sentence=" ".join(sentences),
    )


_CLOSE: tuple[Certainty, ...] = ("too_close_to_call", "not_enough_evidence")


def _certainty(
    pick: Ranked,
    leader: Ranked,
    runner: Ranked | None,
    margin: Comparison | None,
    detectable: float | None,
    context: Context,
) -> tuple[Certainty, str]:
    """The bottom line: clear / likely (the leader is ahead at the profile's confidence, and
    first in at least CLEAR_P_BEST of resamples or not); too close to call (not distinguishable,
    any difference the interval allows is under PRACTICAL_DIFFERENCE, and the suites are big
    enough to detect DETECTABLE_LIMIT); not enough evidence (not distinguishable otherwise)."""
    if runner is None or margin is None:
        return "clear", f"{pick.name} is the only candidate that meets your requirements."
    numbers = (
        f"{leader.name} against {runner.name}: {points(margin.lift)} "
        f"({_interval(margin, context)}, {_p(margin, context)}); {pick.name} ranks first in "
        f"{percent(pick.p_best, 0)} of item resamples."
    )
    certainty: Certainty
    if distinguishable(margin):
        certainty = "clear" if pick.p_best >= CLEAR_P_BEST else "likely"
        return certainty, numbers
    narrow = max(abs(margin.low), abs(margin.high)) <= PRACTICAL_DIFFERENCE
    big_enough = detectable is not None and detectable <= DETECTABLE_LIMIT
    certainty = "too_close_to_call" if narrow and big_enough else "not_enough_evidence"
    if detectable is not None:
        numbers += (
            f" Your suites can detect differences of {points(detectable, signed=False)} or more "
            f"(80% power); these two differ by {points(abs(margin.lift), signed=False)}."
        )
    return certainty, numbers


def _clear_lead(
    verb: str, leader: Ranked, runner: Ranked, margin: Comparison, context: Context
) -> str:
    evidence = f"({_interval(margin, context)}, {_p(margin, context)})"
    if margin.lift >= 0:
        return (
            f"{verb.format(leader.name)}: it fits {points(margin.lift, signed=False)} better than "
            f"the runner-up {runner.name} {evidence} and ranks first on your weights."
        )
    return (
        f"{verb.format(leader.name)}: it ranks first on your weights although {runner.name} fits "
        f"{points(-margin.lift, signed=False)} better {evidence}; {leader.name} "
        f"{_trade(leader, runner)}."
    )


def _tie(
    verb: str,
    pick: Ranked,
    tied: list[Ranked],
    pickable: list[Ranked],
    leader: Ranked,
    runner: Ranked,
    margin: Comparison,
    context: Context,
) -> str:
    confidence = f"{context.confidence * 100:g}%"
    names = _names([r.name for r in tied]) if len(tied) > 1 else f"{leader.name} and {runner.name}"
    evidence = (
        f"{leader.name} against {runner.name}: {points(margin.lift)}, "
        f"{_interval(margin, context)}, {_p(margin, context)}"
    )
    others = [r for r in pickable if r is not pick]
    if not others:
        dominated = [r.name for r in tied if r.dominated_by is not None]
        why = (
            f"{_names(dominated)} {'is' if len(dominated) == 1 else 'are'} dominated (another "
            f"candidate is at least as good on fit, cost and sovereignty), which leaves {pick.name}"
        )
    else:
        cheapest_other = min(others, key=lambda r: (r.monthly_cost, -r.sovereignty))
        if round(pick.monthly_cost, 2) < round(cheapest_other.monthly_cost, 2):
            why = (
                f"{pick.name} is the cheapest ({_money(pick.monthly_cost)} a month against "
                f"{_money(cheapest_other.monthly_cost)} for {cheapest_other.name})"
            )
        elif pick.sovereignty > cheapest_other.sovereignty + 1e-9:
            why = (
                f"{pick.name} costs the same and meets more of your sovereignty preferences "
                f"({pick.sovereignty:.2f} against {cheapest_other.sovereignty:.2f})"
            )
        else:
            why = (
                f"they cost the same and score the same on sovereignty, and {pick.name} ranks "
                "first on your weights"
            )
    return (
        f"{verb.format(pick.name)}: {names} are not distinguishable on fit at your {confidence} "
        f"confidence ({evidence}), so the tie-break decides (cost, then sovereignty): {why}."
    )


def _kinds(ranked: list[Ranked], pair: Comparison, context: Context, top_two: set[str]) -> str:
    rows = kinds_pair(ranked)
    assert rows is not None
    specialist, general = ranked[rows[0]], ranked[rows[1]]
    if {specialist.id, general.id} == top_two:  # their comparison was just stated
        return (
            f"Specialist against general: {specialist.name} is the best specialist and "
            f"{general.name} the best general model; the specialist "
            f"{_trade(specialist, general)}."
        )
    word = "significant" if distinguishable(pair) else "not significant"
    return (
        f"Specialist against general: the best specialist {specialist.name} scores "
        f"{points(pair.lift)} against the best general model {general.name} "
        f"({_interval(pair, context)}, {_p(pair, context)}, {word}) and "
        f"{_trade(specialist, general)}."
    )


def _bar_failure(pool: list[Ranked], context: Context) -> str:
    best = max(pool, key=lambda r: r.fit)
    bar, fit = at_least(best.fit, context.quality_bar or 0.0)
    return (
        f"No candidate reaches your quality bar of {bar}: the best fit is {best.name}'s {fit}. "
        "This is not a recommendation to buy."
    )


def _constraints_that_decided(pick: Ranked, missed: list[Missed]) -> list[str]:
    """Better-fitting candidates that only the budget or the latency target removed."""
    sentences = []
    for m in missed:
        rules = {f.rule for f in m.findings}
        if rules and rules <= _CONSTRAINTS and m.fit is not None and m.fit > pick.fit:
            reasons = "; ".join(f.message for f in m.findings)
            sentences.append(
                f"{m.name} fits better ({percent(m.fit)}) but is out on "
                f"{_names([RULE_LABELS[r] for r in sorted(rules)])}: {reasons}."
            )
    return sentences


def _none_eligible(missed: list[Missed], context: Context) -> Verdict:
    if not missed:
        return _empty(None, "No candidate was submitted.")
    removed: dict[RuleName, list[str]] = defaultdict(list)
    for m in missed:
        for rule in dict.fromkeys(f.rule for f in m.findings):
            removed[rule].append(m.name)
    clauses = [
        f"{RULE_LABELS[rule]} removed {_names(removed[rule])}"
        for rule in RULE_LABELS
        if rule in removed
    ]
    nearest = min(
        missed,
        key=lambda m: (
            len({f.rule for f in m.findings}),
            any(f.rule == "missing_evidence" for f in m.findings),
            -(m.fit if m.fit is not None else -1.0),
            m.monthly_cost if m.monthly_cost is not None else float("inf"),
        ),
    )
    takes = _what_it_would_take(nearest, context)
    sentence = (
        f"No candidate meets your requirements. The nearest miss is {nearest.name}"
        f"{f' (fit {percent(nearest.fit)})' if nearest.fit is not None else ''}: it would take "
        f"{' and '.join(takes)}. Rules that removed candidates: {'; '.join(clauses)}."
    )
    return _empty(nearest.id, sentence)


def _what_it_would_take(m: Missed, context: Context) -> list[str]:
    takes = []
    for finding in m.findings:
        if finding.rule == "quality_bar" and m.fit is not None and context.quality_bar is not None:
            bar, fit = at_least(m.fit, context.quality_bar)
            takes.append(f"a quality bar of {fit} or lower (yours is {bar})")
        elif finding.rule == "budget" and m.monthly_cost is not None and context.budget is not None:
            takes.append(
                f"a monthly budget of {_money(m.monthly_cost)} (yours is {_money(context.budget)})"
            )
        else:
            takes.append(f"relaxing {RULE_LABELS[finding.rule]} ({finding.message})")
    return takes


def _empty(nearest_miss: str | None, sentence: str) -> Verdict:
    return Verdict(
        recommended_id=None,
        runner_up_id=None,
        margin=None,
        tied_ids=(),
        certainty=None,
        certainty_label="No recommendation",
        certainty_detail="No candidate meets your requirements.",
        detectable=None,
        below_bar=False,
        nearest_miss_id=nearest_miss,
        specialist_id=None,
        general_id=None,
        lift=None,
        lift_low=None,
        lift_high=None,
        p_value=None,
        test=None,
        significant=None,
        per_suite=(),
        cost_ratio=None,
        sovereignty_difference=None,
        decided_on="no_eligible_candidate",
        sentence=sentence,
    )


def _trade(recommended: Ranked, other: Ranked) -> str:
    """What `recommended` offers against `other` on cost and sovereignty, as a verb phrase."""
    if other.monthly_cost == 0:
        cost = (
            "costs nothing either"
            if recommended.monthly_cost == 0
            else (f"costs {_money(recommended.monthly_cost)} a month where {other.name} is free")
        )
    else:
        ratio = recommended.monthly_cost / other.monthly_cost
        cost = (
            "costs about the same per month"
            if abs(ratio - 1) < 0.005
            else f"costs {_ratio(ratio)}× as much per month"
        )
    difference = recommended.sovereignty - other.sovereignty
    if abs(difference) < 1e-9:
        return cost
    more = "more" if difference > 0 else "fewer"
    return (
        f"{cost} and meets {more} of your sovereignty preferences "
        f"({recommended.sovereignty:.2f} against {other.sovereignty:.2f})"
    )


def _interval(comparison: Comparison, context: Context) -> str:
    return f"{context.confidence * 100:g}% CI {points_range(comparison.low, comparison.high)}"


def _p(comparison: Comparison, context: Context) -> str:
    return p_text(comparison.p_value, comparison.test, context.resamples)


def _ratio(ratio: float) -> str:
    return f"{ratio:.2g}" if ratio < 10 else f"{ratio:,.0f}"


def _money(amount: float) -> str:
    return format_money(round(amount) if abs(amount) >= 1 else amount)


def _names(names: list[str]) -> str:
    if len(names) > 5:
        return f"{', '.join(names[:4])} and {len(names) - 4} others"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"
