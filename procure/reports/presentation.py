"""From a report snapshot to what the report shows: rows, sentences and charts.

Everything here reads the snapshot only. Nothing reaches the live tables, so an old report
renders exactly as it did when it was generated.
"""

from datetime import date
from typing import Any

from procure.decision.numbers import p_text, percent, points, points_range, weight
from procure.decision.verdict import CERTAINTY_LABELS

from .charts import Point, criteria_chart, pareto_caption, pareto_chart

RULE_LABELS = {
    "data_regions": "Data residency",
    "self_hosting": "Self-hosting required",
    "latency": "Latency target",
    "deployment": "No usable deployment",
    "open_weights": "Open weights required",
    "licence": "Licence allow-list",
    "vendor_jurisdiction": "Vendor jurisdiction",
    "missing_evidence": "Missing evidence",
    "quality_bar": "Quality bar",
    "budget": "Budget",
}
DECIDED_ON = {
    "fit_and_weights": "Measured fit, with your weights on cost and sovereignty",
    "cost_and_sovereignty": "The tie-break, cost then sovereignty (the top candidates are not "
    "distinguishable on fit)",
    "only_candidate": "Only one candidate meets your requirements",
    "dominance": "Dominance: the other kind's best model is no better on fit, cost or sovereignty",
    "only_one_kind": "Only one kind of model (specialist or general) remained eligible",
    "no_eligible_candidate": "No candidate passed your rules",
}


def report_context(snapshot: dict[str, Any], content_hash: str, title: str) -> dict[str, Any]:
    rec = snapshot["recommendation"]
    facts = {c["id"]: c for c in snapshot["candidates"]}
    assessments = rec["candidates"]
    by_id = {a["id"]: a for a in assessments}
    verdict = rec["verdict"]
    recommended = by_id.get(verdict["recommended_id"] or "")
    ranked = [by_id[i] for i in rec["ranking"]]
    plotted = chart_points(assessments, recommended)
    bar = snapshot["profile"].get("quality_bar")
    return {
        "title": title,
        "generated": snapshot["generated_at"].replace("T", " ")[:16] + " UTC",
        "hash": content_hash,
        "snapshot": snapshot,
        "profile": snapshot["profile"],
        "verdict": verdict,
        "decided_on": DECIDED_ON.get(verdict["decided_on"], verdict["decided_on"]),
        "recommended": recommended,
        "recommended_facts": facts.get(recommended["id"]) if recommended else None,
        "how_sure": how_sure(verdict, recommended, rec["resamples"]),
        "weights_text": weights_text(snapshot["profile"]),
        "constraints": constraints(snapshot["profile"], assessments),
        "power": power_rows(rec, verdict),
        "deciding_rules": deciding_rules(assessments),
        "ranking": [ranking_row(a, facts[a["id"]], by_id) for a in ranked],
        "excluded": [excluded_row(a) for a in assessments if not a["eligible"]],
        "suites": suite_rows(assessments),
        "weights": rec["weight_sensitivity"],
        "volume": rec["volume_sensitivity"],
        "names": {a["id"]: a["name"] for a in assessments},
        "notes": rec["notes"],
        "runs": snapshot["runs"],
        "candidates": dated_candidates(snapshot),
        "currency": snapshot.get("currency", "USD"),
        "currency_notes": snapshot.get("currency_notes", []),
        "rec": rec,
        "pareto_svg": pareto_chart(plotted, bar),
        "pareto_caption": pareto_caption(plotted, bar),
        "criteria_svg": criteria_chart(
            [a["name"] for a in ranked],
            [(a["fit"] or 0.0, a["cost_score"] or 0.0, a["sovereignty"] or 0.0) for a in ranked],
        )
        if ranked
        else "",
    }


def how_sure(
    verdict: dict[str, Any], recommended: dict[str, Any] | None, resamples: int
) -> dict[str, str]:
    """The one bottom line (the verdict's `certainty_label`) and the numbers under it."""
    if "certainty_label" in verdict:
        return {"label": verdict["certainty_label"], "detail": verdict["certainty_detail"]}
    # A snapshot written before the scale existed: its own numbers, without a label.
    if recommended is None:
        return {"label": "No recommendation", "detail": "Every candidate was excluded."}
    parts = []
    if recommended.get("p_best") is not None:
        parts.append(
            f"{recommended['name']} ranks first in {percent(recommended['p_best'], 0)} of item "
            "resamples"
        )
    if verdict.get("lift") is not None:
        word = "significant" if verdict["significant"] else "not significant"
        parts.append(
            f"specialist minus general: {points(verdict['lift'])} (95% CI "
            f"{points_range(verdict['lift_low'], verdict['lift_high'])}, "
            f"{p_text(verdict['p_value'], verdict['test'], resamples)}, {word})"
        )
    return {"label": "", "detail": "; ".join(parts) + "." if parts else ""}


CLOSE_LABELS = (CERTAINTY_LABELS["too_close_to_call"], CERTAINTY_LABELS["not_enough_evidence"])


def weights_text(profile: dict[str, Any]) -> str:
    """The profile's weights as shares in percent, and its quality bar in percent."""
    names = ("fit", "cost", "sovereignty")
    raw = {name: float(profile[f"weight_{name}"]) for name in names}
    total = sum(raw.values()) or 1.0
    text = " · ".join(f"{name} {weight(raw[name] / total)}" for name in names)
    if profile.get("quality_bar") is not None:
        text += f" · quality bar {percent(float(profile['quality_bar']))}"
    return text


def constraints(profile: dict[str, Any], assessments: list[dict[str, Any]]) -> list[str]:
    """Page 1: who meets the budget and the latency target (nothing when the profile sets none).

    Money is written by the money formatter elsewhere; here only who meets what."""
    lines = []
    for key, label, unit in (
        ("budget_met", "Monthly budget", ""),
        ("latency_met", "Latency target", f" ({profile.get('latency_target_ms')} ms p95)"),
    ):
        if all(a.get(key) is None for a in assessments):
            continue
        met = [a["name"] for a in assessments if a.get(key) is True]
        missed = [a["name"] for a in assessments if a.get(key) is False]
        # Unknown for an excluded candidate (no usable option, say) is noise: its exclusion
        # is stated in full elsewhere.
        unknown = [a["name"] for a in assessments if a.get(key) is None and a["eligible"]]
        parts = [f"met by {', '.join(met)}" if met else "met by none"]
        if missed:
            parts.append(f"not met by {', '.join(missed)}")
        if unknown:
            parts.append(f"unknown for {', '.join(unknown)}")
        lines.append(f"{label}{unit}: {'; '.join(parts)}")
    return lines


def power_rows(rec: dict[str, Any], verdict: dict[str, Any]) -> list[dict[str, Any]]:
    """What each suite and the profile can detect; shown when the top two are too close."""
    if verdict.get("certainty_label") not in CLOSE_LABELS:
        return []
    return [
        {
            "suite": row["suite_id"] or "whole profile (effective items)",
            "items": f"{row['items']:,.0f}",
            "baseline": percent(row["baseline"]),
            "detectable": (
                points(row["detectable"], signed=False)
                if row["detectable"] is not None
                else "none at this size"
            ),
        }
        for row in rec.get("power", [])
    ]


def deciding_rules(assessments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, list[str]] = {}
    for a in assessments:
        for finding in a["exclusions"]:
            counts.setdefault(finding["rule"], []).append(a["name"])
    return [
        {"rule": RULE_LABELS.get(rule, rule), "excluded": names}
        for rule, names in sorted(counts.items())
    ]


def ranking_row(
    a: dict[str, Any], facts: dict[str, Any], by_id: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    return {
        "rank": a["rank"],
        "name": a["name"],
        "kind": "general" if a["specialisation"] == "general" else a["specialisation"],
        "fit": a["fit"],
        "fit_low": a["fit_low"],
        "fit_high": a["fit_high"],
        "cost": a["monthly_cost"],
        "option": a["chosen_option"],
        "sovereignty": a["sovereignty"],
        "score": a["score"],
        "p_best": a["p_best"],
        "flags": [f["message"] for f in a["flags"]],
        "budget_met": a.get("budget_met"),
        "latency_ms": a.get("latency_ms"),
        "latency_met": a.get("latency_met"),
        "dominated_by": by_id[a["dominated_by"]]["name"] if a["dominated_by"] else None,
        "licence": facts["licence"],
    }


def excluded_row(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": a["name"],
        "reasons": [
            {"rule": RULE_LABELS.get(f["rule"], f["rule"]), "message": f["message"]}
            for f in a["exclusions"]
        ],
    }


def suite_rows(assessments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [
        {"candidate": a["name"], **fit} for a in assessments for fit in fit_rows(a["suite_fits"])
    ]
    return sorted(rows, key=lambda r: (r["suite_id"], -r["fit"]))


# The engine stores suite fits by column (see procure.decision.outputs.SuiteFits).
SUITE_FIT_COLUMNS = {
    "suite_ids": "suite_id", "metrics": "metric", "weights": "weight", "n": "n", "fit": "fit",
    "low": "low", "high": "high", "methods": "method",
}  # fmt: skip


def fit_rows(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(SUITE_FIT_COLUMNS.values())
    return [
        dict(zip(names, values, strict=True))
        for values in zip(*(columns[key] for key in SUITE_FIT_COLUMNS), strict=True)
    ]


def chart_points(
    assessments: list[dict[str, Any]], recommended: dict[str, Any] | None
) -> list[Point]:
    return [
        Point(
            name=a["name"],
            cost=a["monthly_cost"],
            fit=a["fit"],
            low=a["fit_low"] if a["fit_low"] is not None else a["fit"],
            high=a["fit_high"] if a["fit_high"] is not None else a["fit"],
            specialist=a["specialisation"] != "general",
            eligible=a["eligible"],
            on_frontier=a["on_frontier"],
            recommended=recommended is not None and a["id"] == recommended["id"],
        )
        for a in assessments
        if a["fit"] is not None and a["monthly_cost"] is not None
    ]


def dated_candidates(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's candidates, each option with its price date and whether that price was
    older than the catalog's limit on the day the report was written."""
    written = date.fromisoformat(snapshot["generated_at"][:10])
    limit = snapshot.get("price_stale_days", 90)
    candidates = []
    for candidate in snapshot["candidates"]:
        options = []
        for option in candidate["options"]:
            as_of = option.get("price_date") or candidate.get("prices_as_of")
            age = (written - date.fromisoformat(as_of)).days if as_of else None
            options.append(
                {
                    **option,
                    "price_date": as_of,
                    "price_reference": option.get("price_reference") or candidate["price_source"],
                    "price_age_days": age,
                    "price_stale": age is None or age > limit,
                }
            )
        candidates.append({**candidate, "options": options})
    return candidates
