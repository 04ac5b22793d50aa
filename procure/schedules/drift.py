"""What changed between two report snapshots that a buyer must hear about.

Pure Python over the snapshot JSON (procure/reports/snapshot.py): no Django, no database, so
every rule is tested on plain dicts. Two kinds of change are reported:

- the decision: the recommended model, the verdict's basis, a candidate newly excluded or no
  longer excluded, fit or monthly cost moved beyond the schedule's thresholds;
- the evidence behind it: candidates added or removed, a model revision or checkpoint changed
  under the same name, a price or deployment option changed, a suite version, the lm-eval
  version, the evaluation settings or the profile changed.

Equal evidence gives equal decisions (the engine is deterministic), so two snapshots of
unchanged evidence compare as no change at all; timestamps and row ids are never compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from procure.decision.money import format_money

ChangeKind = Literal[
    "recommended",
    "verdict",
    "excluded",
    "included",
    "fit",
    "cost",
    "candidate_added",
    "candidate_removed",
    "revision",
    "model",
    "price",
    "option_added",
    "option_removed",
    "suite_version",
    "lm_eval",
    "settings",
    "profile",
]
DECISION_KINDS = frozenset({"recommended", "verdict", "excluded", "included", "fit", "cost"})
# Float noise must not turn "moved by exactly the threshold" into "moved by more".
EPSILON = 1e-9

OPTION_TERMS = {
    # field: (words, unit after the amount, is money)
    "input_price_per_mtok": ("input price", " per 1M tokens", True),
    "output_price_per_mtok": ("output price", " per 1M tokens", True),
    "hourly_rate": ("hourly rate", " per instance-hour", True),
    "fixed_monthly_ops": ("fixed operations cost", " per month", True),
    "throughput_rps": ("throughput", " requests/s per instance", False),
    "min_instances": ("minimum instances", "", False),
    "regions": ("regions", "", False),
    "currency": ("currency", "", False),
}
DECIDED_ON_WORDS = {
    "fit_and_weights": "measured fit with your weights",
    "cost_and_sovereignty": "cost and sovereignty (no significant difference in fit)",
    "dominance": "dominance",
    "only_one_kind": "only one kind of model eligible",
    "only_candidate": "only one candidate eligible",
    "no_eligible_candidate": "no eligible candidate",
}
IGNORED_PROFILE_FIELDS = frozenset({"id", "updated_at", "description"})


@dataclass(frozen=True)
class Thresholds:
    fit: float = 0.02  # absolute, on the 0-1 scale (2 points)
    cost: float = 0.10  # relative (10 %)


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    subject: str  # what the change is about: a candidate, an option, a suite, the profile
    before: str
    after: str
    message: str  # one line a buyer reads, naming the subject and both values

    @property
    def is_decision(self) -> bool:
        return self.kind in DECISION_KINDS


@dataclass(frozen=True)
class CandidateView:
    """What one snapshot says about one candidate, flattened for comparison and display."""

    id: str
    name: str
    eligible: bool
    exclusions: tuple[str, ...]
    fit: float | None
    monthly_cost: float | None
    chosen_option: str | None
    revisions: tuple[str, ...]
    currency: str


def compare_snapshots(
    before: dict[str, Any], after: dict[str, Any], thresholds: Thresholds | None = None
) -> list[Change]:
    """Every change from `before` to `after` worth telling, decision changes first."""
    limits = thresholds or Thresholds()
    return [
        *_recommendation_changes(before, after),
        *_candidate_decision_changes(before, after, limits),
        *_membership_changes(before, after),
        *_model_changes(before, after),
        *_option_changes(before, after),
        *_suite_changes(before, after),
        *_run_setup_changes(before, after),
        *_profile_changes(before, after),
    ]


def candidate_views(snapshot: dict[str, Any]) -> dict[str, CandidateView]:
    """Each candidate of the snapshot by id, in the snapshot's order."""
    facts = {c["id"]: c for c in snapshot.get("candidates", [])}
    revisions = _revisions(snapshot)
    views = {}
    for a in snapshot["recommendation"]["candidates"]:
        options = facts.get(a["id"], {}).get("options", [])
        views[a["id"]] = CandidateView(
            id=a["id"],
            name=a["name"],
            eligible=bool(a["eligible"]),
            exclusions=tuple(f["message"] for f in a["exclusions"]),
            fit=a["fit"],
            monthly_cost=a["monthly_cost"],
            chosen_option=a["chosen_option"],
            revisions=revisions.get(a["id"], ()),
            currency=snapshot.get("currency")
            or (options[0].get("currency", "USD") if options else "USD"),
        )
    return views


def recommended_name(snapshot: dict[str, Any]) -> str | None:
    rec = snapshot["recommendation"]
    chosen = rec["verdict"]["recommended_id"]
    return next((a["name"] for a in rec["candidates"] if a["id"] == chosen), None)


def format_fit(fit: float | None) -> str:
    return "no measurement" if fit is None else f"{100 * fit:.1f}%"


def format_cost(view: CandidateView) -> str:
    """A candidate's monthly cost of ownership, or why it has none."""
    if view.monthly_cost is None:
        return "no usable option"
    return format_money(view.monthly_cost, view.currency)


# --- the decision -------------------------------------------------------------------------------


def _recommendation_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old, new = recommended_name(before) or "none", recommended_name(after) or "none"
    if old != new:
        yield Change("recommended", "Recommendation", old, new, f"Recommended model: {old} → {new}")
    old_verdict = before["recommendation"]["verdict"]
    new_verdict = after["recommendation"]["verdict"]
    parts = []
    if old_verdict["decided_on"] != new_verdict["decided_on"]:
        parts.append(f"rests on {_decided_on(new_verdict)} (was {_decided_on(old_verdict)})")
    if old_verdict.get("significant") != new_verdict.get("significant"):
        parts.append(
            f"finds the specialist's lift {_significance(new_verdict)} "
            f"(was {_significance(old_verdict)})"
        )
    if parts:
        yield Change(
            "verdict",
            "Verdict",
            old_verdict["sentence"],
            new_verdict["sentence"],
            f"The verdict now {' and '.join(parts)}: “{new_verdict['sentence']}”",
        )


def _decided_on(verdict: dict[str, Any]) -> str:
    return DECIDED_ON_WORDS.get(verdict["decided_on"], verdict["decided_on"])


def _significance(verdict: dict[str, Any]) -> str:
    significant = verdict.get("significant")
    if significant is None:
        return "not measured"
    return "significant" if significant else "not significant"


def _candidate_decision_changes(
    before: dict[str, Any], after: dict[str, Any], limits: Thresholds
) -> Iterator[Change]:
    old_views, new_views = candidate_views(before), candidate_views(after)
    for cid, new in new_views.items():
        old = old_views.get(cid)
        if old is None:
            continue
        if old.eligible and not new.eligible:
            reasons = "; ".join(new.exclusions) or "no reason recorded"
            yield Change(
                "excluded",
                new.name,
                "eligible",
                "excluded",
                f"{new.name} is now excluded: {reasons}",
            )
        elif new.eligible and not old.eligible:
            reasons = "; ".join(old.exclusions) or "no reason recorded"
            yield Change(
                "included",
                new.name,
                "excluded",
                "eligible",
                f"{new.name} is no longer excluded (was: {reasons})",
            )
        yield from _fit_change(old, new, limits.fit)
        yield from _cost_change(old, new, limits.cost)


def _fit_change(old: CandidateView, new: CandidateView, threshold: float) -> Iterator[Change]:
    if old.fit is None and new.fit is None:
        return
    if old.fit is not None and new.fit is not None:
        moved = new.fit - old.fit
        if abs(moved) <= threshold + EPSILON:
            return
        detail = f" ({100 * moved:+.1f} points)"
    else:
        detail = ""
    before, after = format_fit(old.fit), format_fit(new.fit)
    yield Change("fit", new.name, before, after, f"{new.name}: fit {before} → {after}{detail}")


def _cost_change(old: CandidateView, new: CandidateView, threshold: float) -> Iterator[Change]:
    if old.monthly_cost is None and new.monthly_cost is None:
        return
    detail = ""
    if old.monthly_cost is not None and new.monthly_cost is not None:
        moved = new.monthly_cost - old.monthly_cost
        if old.monthly_cost == 0:
            if abs(moved) <= EPSILON:
                return
        else:
            relative = moved / old.monthly_cost
            if abs(relative) <= threshold + EPSILON:
                return
            detail = f" ({100 * relative:+.1f}%)"
    before, after = format_cost(old), format_cost(new)
    yield Change(
        "cost", new.name, before, after, f"{new.name}: monthly cost {before} → {after}{detail}"
    )


# --- the evidence -------------------------------------------------------------------------------


def _membership_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old = {c["id"]: c["name"] for c in before.get("candidates", [])}
    new = {c["id"]: c["name"] for c in after.get("candidates", [])}
    for cid, name in new.items():
        if cid not in old:
            yield Change("candidate_added", name, "", name, f"Candidate added: {name}")
    for cid, name in old.items():
        if cid not in new:
            yield Change("candidate_removed", name, name, "", f"Candidate removed: {name}")


def _revisions(snapshot: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for run in snapshot.get("runs", []):
        found.setdefault(run["candidate_id"], set()).add(run["model"].get("revision") or "")
    return {cid: tuple(sorted(values)) for cid, values in found.items()}


def _models(snapshot: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """Per candidate id: each model part (backend, identity, checkpoint) and its values."""
    parts: dict[str, dict[str, set[str]]] = {}
    for run in snapshot.get("runs", []):
        model = run["model"]
        mine = parts.setdefault(run["candidate_id"], {})
        mine.setdefault("backend", set()).add(str(model.get("backend", "")))
        mine.setdefault("identity", set()).add(str(model.get("identity", "")))
        mine.setdefault("checkpoint", set()).add(str(model.get("checkpoint_digest", ""))[:12])
    return parts


def _model_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    names = {c["id"]: c["name"] for c in after.get("candidates", [])}
    old_revisions, new_revisions = _revisions(before), _revisions(after)
    old_models, new_models = _models(before), _models(after)
    for cid, name in names.items():
        if cid in old_revisions and cid in new_revisions:
            old, new = _joined(old_revisions[cid]), _joined(new_revisions[cid])
            if old != new:
                yield Change("revision", name, old, new, f"{name}: revision {old} → {new}")
        if cid not in old_models or cid not in new_models:
            continue
        for part, words in (("backend", "backend"), ("identity", "model"), ("checkpoint", "")):
            old, new = _joined(old_models[cid][part]), _joined(new_models[cid][part])
            if old == new:
                continue
            message = (
                f"{name}: the weights changed under the same name (checkpoint {old} → {new})"
                if part == "checkpoint"
                else f"{name}: {words} {old} → {new}"
            )
            yield Change("model", name, old, new, message)


def _joined(values: Iterable[str]) -> str:
    shown = [value or "none" for value in sorted(values)]
    return ", ".join(shown) or "none"


def _option_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old_candidates = {c["id"]: c for c in before.get("candidates", [])}
    for candidate in after.get("candidates", []):
        previous = old_candidates.get(candidate["id"])
        if previous is None:
            continue
        old_options = {(o["kind"], o["name"]): o for o in previous.get("options", [])}
        new_options = {(o["kind"], o["name"]): o for o in candidate.get("options", [])}
        for key, option in new_options.items():
            subject = _option_subject(candidate["name"], option["name"])
            if key not in old_options:
                yield Change(
                    "option_added", subject, "", option["name"], f"{subject}: new way to buy"
                )
                continue
            yield from _option_field_changes(subject, old_options[key], option)
        for key, option in old_options.items():
            if key not in new_options:
                subject = _option_subject(candidate["name"], option["name"])
                yield Change("option_removed", subject, option["name"], "", f"{subject}: removed")


def _option_subject(candidate: str, option: str) -> str:
    return option if candidate.lower() in option.lower() else f"{candidate} ({option})"


def _option_field_changes(
    subject: str, old: dict[str, Any], new: dict[str, Any]
) -> Iterator[Change]:
    for field, (words, unit, money) in OPTION_TERMS.items():
        if _same(old.get(field), new.get(field)):
            continue
        if money:
            before = format_money(old.get(field), old.get("currency", "USD"))
            after = format_money(new.get(field), new.get("currency", "USD"))
        else:
            before, after = _plain(old.get(field)), _plain(new.get(field))
        yield Change(
            "price", subject, before, after, f"{subject}: {words} {before} → {after}{unit}"
        )


def _same(a: Any, b: Any) -> bool:
    """Equal values, reading "2.5000" and 2.5 as the same number."""
    if a == b:
        return True
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return False


def _plain(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _suite_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old, new = _suite_versions(before), _suite_versions(after)
    for suite, versions in new.items():
        if suite in old and old[suite] != versions:
            was, now = _version_words(old[suite]), _version_words(versions)
            yield Change("suite_version", suite, was, now, f"Suite {suite}: version {was} → {now}")


def _suite_versions(snapshot: dict[str, Any]) -> dict[str, frozenset[tuple[int, str]]]:
    found: dict[str, set[tuple[int, str]]] = {}
    for run in snapshot.get("runs", []):
        found.setdefault(run["suite"], set()).add((run["suite_version"], run["suite_hash"]))
    return {suite: frozenset(values) for suite, values in found.items()}


def _version_words(versions: frozenset[tuple[int, str]]) -> str:
    return ", ".join(str(number) for number, _ in sorted(versions))


def _run_setup_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old = _joined({str(r.get("lm_eval_version") or "") for r in before.get("runs", [])})
    new = _joined({str(r.get("lm_eval_version") or "") for r in after.get("runs", [])})
    if old != new and before.get("runs") and after.get("runs"):
        yield Change("lm_eval", "lm-eval", old, new, f"lm-eval {old} → {new}")
    old_settings = before.get("campaign", {}).get("settings", {})
    new_settings = after.get("campaign", {}).get("settings", {})
    for key in sorted(set(old_settings) | set(new_settings)):
        if old_settings.get(key) != new_settings.get(key):
            was, now = _plain(old_settings.get(key)), _plain(new_settings.get(key))
            yield Change(
                "settings", "Evaluation settings", was, now, f"Evaluation {key}: {was} → {now}"
            )


def _profile_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old, new = before.get("profile", {}), after.get("profile", {})
    for field in sorted((set(old) | set(new)) - IGNORED_PROFILE_FIELDS):
        was, now = old.get(field), new.get(field)
        if field == "suites":
            was, now = _suite_weights(was or []), _suite_weights(now or [])
        if _same(was, now):
            continue
        words = field.replace("_", " ")
        before_text, after_text = _plain(was), _plain(now)
        yield Change(
            "profile",
            "Profile",
            before_text,
            after_text,
            f"Profile {words}: {before_text} → {after_text}",
        )


def _suite_weights(rows: list[dict[str, Any]]) -> list[str]:
    return [f"{row['name']} (weight {row['weight']:g})" for row in rows]
