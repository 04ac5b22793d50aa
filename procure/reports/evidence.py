"""From a finished campaign in the database to the decision engine's plain inputs.

Suites are identified by name (unique per organisation), candidates by their primary key as a
string; both appear in reports, so names keep them readable.
"""

import dataclasses
from collections import defaultdict
from typing import Any

from django.utils import timezone

from procure.catalog.currency import RateTable, rate_table
from procure.catalog.models import CandidateModel, DeploymentKind, DeploymentOption
from procure.decision import (
    ApiOption,
    CandidateInput,
    HardRules,
    ProfileInput,
    SelfHostedOption,
    SoftPreference,
    SuiteEvidence,
    Weights,
    Workload,
)
from procure.decision.inputs import PreferenceRule
from procure.profiles.models import TaskProfile
from procure.runs.models import Campaign, EvaluationRun, RunStatus, SampleResult

# Metrics the engine can use: per-item scores bounded in [0, 1].
BOUNDED_METRICS = ("acc", "acc_norm", "exact_match", "f1", "mcc", "brier_score")
PREFERENCE_RULES: tuple[PreferenceRule, ...] = (
    "data_regions",
    "self_hosting",
    "open_weights",
    "licences",
    "vendor_jurisdictions",
)
RESAMPLES = 1000
SEED = 20261121  # fixed: the same evidence always gives the same P(best) and intervals


def profile_input(profile: TaskProfile) -> ProfileInput:
    return ProfileInput(
        suite_weights={w.suite.name: w.weight for w in profile.suite_weights.all()},
        workload=profile_workload(profile),
        weights=Weights(
            fit=profile.weight_fit, cost=profile.weight_cost, sovereignty=profile.weight_sovereignty
        ),
        rules=profile_rules(profile),
        preferences=preferences(profile.sovereignty_preferences or {}),
        quality_bar=profile.quality_bar,
        below_bar="exclude" if profile.exclude_below_bar else "flag",
        budget_monthly=float(profile.monthly_budget) if profile.monthly_budget else None,
        over_budget="exclude" if profile.exclude_over_budget else "flag",
        resamples=RESAMPLES,
        seed=SEED,
        currency=profile.organization.reporting_currency,
    )


def profile_workload(profile: TaskProfile) -> Workload:
    return Workload(
        monthly_requests=float(profile.monthly_requests),
        input_tokens=float(profile.input_tokens),
        output_tokens=float(profile.output_tokens),
        peak_rps=float(profile.peak_rps),
        latency_target_ms=(float(profile.latency_target_ms) if profile.latency_target_ms else None),
    )


def profile_rules(profile: TaskProfile) -> HardRules:
    regions = tuple(profile.allowed_regions)
    return HardRules(
        allowed_data_regions=regions,
        data_region_label="/".join(r.upper() for r in regions),
        self_hosting_required=profile.self_hosting_required,
        open_weights_required=profile.open_weights_required,
        allowed_licences=tuple(profile.allowed_licences),
        allowed_vendor_jurisdictions=tuple(profile.allowed_jurisdictions),
    )


def preferences(raw: dict[str, Any]) -> tuple[SoftPreference, ...]:
    """{"self_hosting": 1, "data_regions": {"weight": 2, "values": ["eu"]}} → preferences."""
    found = []
    for rule in PREFERENCE_RULES:
        if rule not in raw:
            continue
        value = raw[rule]
        if isinstance(value, dict):
            found.append(
                SoftPreference(
                    rule=rule,
                    weight=float(value.get("weight", 1.0)),
                    values=tuple(value.get("values", ())),
                )
            )
        else:
            found.append(SoftPreference(rule=rule, weight=float(value)))
    return tuple(found)


def option_input(
    option: DeploymentOption, measured_p95_ms: float | None = None
) -> ApiOption | SelfHostedOption:
    """The option as the decision engine takes it. The catalogue states no latency, so the
    latency check uses the p95 we measured on the candidate's endpoint runs, when there is one."""
    latency = {"p95_latency_ms": measured_p95_ms, "latency_source": "measured"}
    if option.kind == DeploymentKind.API:
        return ApiOption(
            name=option.name,
            provider=option.provider,
            regions=tuple(option.regions),
            input_price_per_mtok=float(option.input_price_per_mtok or 0),
            output_price_per_mtok=float(option.output_price_per_mtok or 0),
            **latency,  # type: ignore[arg-type]
        )
    return SelfHostedOption(
        name=option.name,
        hardware=option.hardware,
        regions=tuple(option.regions),
        hourly_rate=float(option.hourly_rate or 0),
        throughput_rps=float(option.throughput_rps or 0),
        min_instances=option.min_instances,
        fixed_monthly_ops=float(option.fixed_monthly_ops),
        **latency,  # type: ignore[arg-type]
    )


def in_reporting_currency(
    option: DeploymentOption, rates: RateTable, measured_p95_ms: float | None = None
) -> ApiOption | SelfHostedOption | None:
    """The option with its prices converted to the reporting currency; None when no rate is
    recorded for its currency (it is then left out, and the report says so)."""
    if option.currency == rates.reporting_currency:
        return option_input(option, measured_p95_ms)
    rate = rates.rates.get(option.currency)
    if rate is None:
        return None
    engine_option = option_input(option, measured_p95_ms)
    factor = float(rate.rate)
    if isinstance(engine_option, ApiOption):
        return dataclasses.replace(
            engine_option,
            input_price_per_mtok=engine_option.input_price_per_mtok * factor,
            output_price_per_mtok=engine_option.output_price_per_mtok * factor,
        )
    return dataclasses.replace(
        engine_option,
        hourly_rate=engine_option.hourly_rate * factor,
        fixed_monthly_ops=engine_option.fixed_monthly_ops * factor,
    )


def currency_notes(campaign: Campaign, rates: RateTable) -> list[str]:
    """What the report says about prices in other currencies: the rate used, or why left out."""
    notes = []
    for candidate in campaign.candidates.prefetch_related("deployment_options").order_by("name"):
        for option in candidate.deployment_options.all():
            if option.currency == rates.reporting_currency:
                continue
            converted = rates.convert(1.0, option.currency)
            if converted.amount is None:
                notes.append(f"{candidate.name} — {option.name} left out: {converted.problem}.")
            else:
                notes.append(f"{candidate.name} — {option.name}: {converted.note}.")
    return notes


def campaign_rates(campaign: Campaign) -> RateTable:
    return rate_table(organization=campaign.organization, on=timezone.localdate())


def candidate_inputs(campaign: Campaign) -> tuple[CandidateInput, ...]:
    rates = campaign_rates(campaign)
    candidates = list(campaign.candidates.prefetch_related("deployment_options").order_by("name"))
    runs = list(
        campaign.runs.filter(status=RunStatus.SUCCEEDED).select_related("suite_version__suite")
    )
    evidence: dict[int, list[SuiteEvidence]] = defaultdict(list)
    measured_p95: dict[int, float] = {}
    for run in runs:
        suite_evidence = run_evidence(run)
        if suite_evidence is not None:
            evidence[run.candidate_id].append(suite_evidence)
        if run.latency_p95_ms is not None:
            # The slowest of the campaign's endpoint runs: a target must hold on every suite.
            previous = measured_p95.get(run.candidate_id, 0.0)
            measured_p95[run.candidate_id] = max(previous, run.latency_p95_ms)
    return tuple(
        candidate_input(c, evidence[c.pk], rates, measured_p95.get(c.pk)) for c in candidates
    )


def candidate_input(
    candidate: CandidateModel,
    evidence: list[SuiteEvidence],
    rates: RateTable | None = None,
    measured_p95_ms: float | None = None,
) -> CandidateInput:
    """The engine's candidate; with `rates`, its options in the reporting currency (an option
    that cannot be converted is left out); with `measured_p95_ms`, the latency we measured
    replaces the claimed one."""
    if rates is None:
        options = tuple(
            option_input(o, measured_p95_ms) for o in candidate.deployment_options.all()
        )
    else:
        converted = (
            in_reporting_currency(o, rates, measured_p95_ms)
            for o in candidate.deployment_options.all()
        )
        options = tuple(o for o in converted if o is not None)
    return CandidateInput(
        id=str(candidate.pk),
        name=candidate.name,
        specialisation=candidate.specialisation,
        licence=candidate.licence,
        open_weights=candidate.open_weights,
        vendor_jurisdiction=candidate.vendor_jurisdiction,
        options=options,
        evidence=tuple(evidence),
    )


def run_evidence(run: EvaluationRun) -> SuiteEvidence | None:
    """The run's per-item scores on its suite's primary metric (tasks of a group pooled)."""
    tasks = run.suite_version.tasks
    metric = primary_metric(tasks)
    if metric is None:
        return None
    rows = (
        SampleResult.objects.filter(run=run, metric=metric)
        .order_by("task", "doc_id", "filter")
        .values_list("task", "doc_id", "filter", "value")
    )
    # One score per item, on the task's primary filter (the first in its filter_list, as
    # lm-eval lists them); versions stored before it was recorded use the first by name.
    judging = {task["name"]: task.get("primary_filter") for task in tasks}
    scores: dict[str, float] = {}
    for task, doc_id, filter_name, value in rows:
        if judging.get(task) in (None, filter_name):
            scores.setdefault(f"{task}:{doc_id}", value)
    if not scores:
        return None
    return SuiteEvidence(
        suite_id=run.suite_version.suite.name,
        metric=metric,
        higher_is_better=True,
        scores=list(scores.values()),
        item_ids=list(scores.keys()),
    )


def primary_metric(tasks: list[dict[str, Any]]) -> str | None:
    """The suite's primary metric if it is bounded in [0, 1] and shared by its tasks."""
    metrics = {task.get("primary_metric") for task in tasks}
    if len(metrics) != 1:
        return None
    (metric,) = metrics
    return metric if metric in BOUNDED_METRICS else None
