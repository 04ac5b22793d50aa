"""The verdict: best eligible specialist against best eligible general model, in one sentence.

Rules, in order:
1. No eligible candidate: say which rules removed them all (each rule with whom it removed).
2. Only one kind is eligible: recommend the top of the ranking.
3. Otherwise compare the best-ranked eligible specialist S with the best-ranked eligible general
   model G, dominated or not: paired lift over the profile's suites with its interval and
   p-value (a single pre-planned comparison, so unadjusted), cost ratio, sovereignty difference.
   One of S and G tops the whole ranking, so it is not dominated.
4. If the other is dominated, recommend the top one ("dominance"): a dominated candidate is
   never recommended, whatever the lift. The sentence still states the measured lift with its
   interval and significance, and the cost ratio.
5. Otherwise, if the lift is significant (p < alpha), recommend whichever the weighted score
   ranks higher. If not, say so and decide on cost and sovereignty alone: the higher
   cost-and-sovereignty part of the weighted score, then the lower cost, then the higher
   sovereignty score, then rank.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from procure.decision.money import format_money
from procure.decision.outputs import Comparison, Decision, Finding, RuleName, Verdict
from procure.decision.stats import p_text

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


@dataclass(frozen=True)
class Ranked:
    """What the verdict needs to know about one eligible candidate."""

    id: str
    name: str
    general: bool
    fit: float
    monthly_cost: float
    sovereignty: float
    cost_score: float
    dominated_by: str | None  # name of a candidate at least as good on fit, cost, sovereignty
    flags: tuple[Finding, ...]


@dataclass(frozen=True)
class Context:
    shares: tuple[float, float, float]
    alpha: float
    confidence: float
    resamples: int  # of the paired bootstrap, which sets the smallest p-value it can give


def verdict_pair(ranked: list[Ranked]) -> tuple[int, int] | None:
    """Rows of the best-ranked specialist and general model, if both kinds are eligible."""
    specialist = next((i for i, r in enumerate(ranked) if not r.general), None)
    general = next((i for i, r in enumerate(ranked) if r.general), None)
    if specialist is None or general is None:
        return None
    return specialist, general


def no_candidate(excluded: list[tuple[str, tuple[Finding, ...]]]) -> Verdict:
    if not excluded:
        return _verdict(None, "no_eligible_candidate", "No candidate was submitted.")
    removed: dict[RuleName, list[str]] = defaultdict(list)
    for name, findings in excluded:
        for rule in dict.fromkeys(f.rule for f in findings):
            removed[rule].append(name)
    clauses = [
        f"{RULE_LABELS[rule]} removed {_names(removed[rule])}"
        for rule in RULE_LABELS
        if rule in removed
    ]
    sentence = f"No candidate can be recommended: {'; '.join(clauses)}."
    return _verdict(None, "no_eligible_candidate", sentence)


def one_kind(ranked: list[Ranked], other_kind_status: str) -> Verdict:
    """Only one kind is eligible: the top of the ranking, with why alone."""
    top = ranked[0]
    standing = (
        "it is the only eligible candidate"
        if len(ranked) == 1
        else f"it ranks first of {len(ranked)} eligible candidates"
    )
    sentence = (
        f"Buy the {_kind(top)} {top.name}: {standing} (fit {_points(top.fit)} points, "
        f"{_money(top.monthly_cost)} a month); {other_kind_status}."
    )
    return _verdict(top.id, "only_one_kind", sentence + _caution(top))


def compare_kinds(
    specialist: Ranked,
    general: Ranked,
    specialist_first: bool,
    comparison: Comparison,
    per_suite: tuple[Comparison, ...],
    context: Context,
) -> Verdict:
    """Rules 3 to 5 of the module docstring. `comparison.lift` is specialist minus general."""
    significant = comparison.p_value < context.alpha
    _, cost_share, sovereignty_share = context.shares
    top, second = (specialist, general) if specialist_first else (general, specialist)
    decided_on: Decision
    if second.dominated_by is not None:
        recommended, decided_on = top, "dominance"
    elif significant:
        recommended, decided_on = top, "fit_and_weights"
    else:

        def key(r: Ranked, first: bool) -> tuple[float, float, float, bool]:
            part = cost_share * r.cost_score + sovereignty_share * r.sovereignty
            return (round(part, 12), -r.monthly_cost, r.sovereignty, first)

        specialist_wins = key(specialist, specialist_first) > key(general, not specialist_first)
        recommended = specialist if specialist_wins else general
        decided_on = "cost_and_sovereignty"
    other = general if recommended is specialist else specialist
    sign = 1 if recommended is specialist else -1
    lift, low, high = (sign * comparison.lift, sign * comparison.low, sign * comparison.high)
    if sign < 0:
        low, high = high, low
    evidence = f"{_interval(low, high, context)}, {_p(comparison, context)}"
    trade = _trade(recommended, other)
    if decided_on == "dominance":
        if not significant:
            evidence += ", not significant"
        sentence = (
            f"Buy the {_kind(recommended)} {recommended.name}: it scores {_versus(lift)} the "
            f"best {_kind(other)} {other.name} on your suites ({evidence}) "
            f"{_at_cost(recommended, other)}; {other.name} is dominated by "
            f"{other.dominated_by} (no better on fit, cost or sovereignty)."
        )
    elif not significant:
        sentence = (
            f"The specialist {specialist.name} and the general model {general.name} are not "
            f"distinguishable on your suites ({comparison.lift * 100:+.1f} points for the "
            f"specialist, {_interval(comparison.low, comparison.high, context)}, "
            f"{_p(comparison, context)}); buy {recommended.name}, which {trade}."
        )
    elif lift > 0:
        sentence = (
            f"Buy the {_kind(recommended)} {recommended.name}: it scores {_points(lift)} points "
            f"higher than the {_kind(other)} {other.name} on your suites ({evidence}) and {trade}."
        )
    else:
        sentence = (
            f"Buy the {_kind(recommended)} {recommended.name}: the {_kind(other)} {other.name} "
            f"scores {_points(-lift)} points higher on your suites "
            f"({_interval(-high, -low, context)}, {_p(comparison, context)}), but "
            f"{recommended.name} {trade}, which your weights favour."
        )
    cost_ratio = (
        specialist.monthly_cost / general.monthly_cost if general.monthly_cost > 0 else None
    )
    return Verdict(
        recommended_id=recommended.id,
        specialist_id=specialist.id,
        general_id=general.id,
        lift=comparison.lift,
        lift_low=comparison.low,
        lift_high=comparison.high,
        p_value=comparison.p_value,
        test=comparison.test,
        significant=significant,
        per_suite=per_suite,
        cost_ratio=cost_ratio,
        sovereignty_difference=specialist.sovereignty - general.sovereignty,
        decided_on=decided_on,
        sentence=sentence + _caution(recommended),
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
    return cost + _preferences(recommended, other)


def _at_cost(recommended: Ranked, other: Ranked) -> str:
    """The cost of `recommended` against `other` (with their amounts), as an adverbial."""
    mine, theirs = recommended.monthly_cost, other.monthly_cost
    if round(mine, 2) == round(theirs, 2):
        cost = f"at the same monthly cost ({_money(mine)})"
    elif theirs == 0:
        cost = f"at {_money(mine)} a month where {other.name} is free"
    else:
        ratio = mine / theirs
        amounts = f"({_money(mine)} vs {_money(theirs)})"
        cost = (
            f"at about the same monthly cost {amounts}"
            if abs(ratio - 1) < 0.005
            else f"at {_ratio(ratio)}× the monthly cost {amounts}"
        )
    return cost + _preferences(recommended, other)


def _preferences(recommended: Ranked, other: Ranked) -> str:
    difference = recommended.sovereignty - other.sovereignty
    if abs(difference) < 1e-9:
        return ""
    more = "more" if difference > 0 else "fewer"
    return (
        f" and meets {more} of your sovereignty preferences "
        f"({recommended.sovereignty:.2f} vs {other.sovereignty:.2f})"
    )


def _versus(lift: float) -> str:
    """`lift` (recommended minus other) as "N points higher than", "... lower than"."""
    if round(abs(lift) * 100, 1) == 0:
        return "the same as"
    return f"{_points(abs(lift))} points {'higher' if lift > 0 else 'lower'} than"


def _verdict(recommended: str | None, decided_on: Decision, sentence: str) -> Verdict:
    return Verdict(
        recommended_id=recommended,
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
        decided_on=decided_on,
        sentence=sentence,
    )


def _caution(r: Ranked) -> str:
    if not r.flags:
        return ""
    return " Caution: " + "; ".join(f.message for f in r.flags) + "."


def _kind(r: Ranked) -> str:
    return "general model" if r.general else "specialist"


def _points(fit: float) -> str:
    return f"{fit * 100:.1f}"


def _interval(low: float, high: float, context: Context) -> str:
    return f"{context.confidence * 100:g}% CI {_tenth(low)} to {_tenth(high)}"


def _tenth(fit: float) -> str:
    """A fit or lift in points to one decimal, without a "-0.0"."""
    text = f"{fit * 100:.1f}"
    return "0.0" if text == "-0.0" else text


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
