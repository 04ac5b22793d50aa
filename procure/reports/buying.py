"""The catalog read for buying (here, above catalog and profiles, because it reads both and
the report's evidence inputs): each candidate's monthly cost for a workload, in the
organisation's reporting currency, and whether a profile's rules allow it (with the reason).

Costs come from the decision engine (procure.decision.cost), eligibility from its hard rules
(procure.decision.sovereignty), so the catalog and a report agree on both. A candidate's cost
is that of its cheapest option the rules allow; when none is allowed, of its cheapest option.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from procure.accounts.models import Organization
from procure.catalog.currency import Converted, RateTable, rate_table
from procure.catalog.models import CandidateModel
from procure.catalog.staleness import PriceAge, candidate_price_age
from procure.decision import HardRules, ProfileInput, Weights, Workload
from procure.decision.cost import monthly_cost
from procure.decision.sovereignty import check_option, hard_rule_findings
from procure.profiles.models import TaskProfile

from .evidence import candidate_input, profile_rules, profile_workload

SORTS = ("cost", "name")


@dataclass(frozen=True)
class Offer:
    candidate: CandidateModel
    cost: Converted | None  # None: no deployment option at all
    cost_option: str | None
    eligible: bool
    reasons: tuple[str, ...]
    price_age: PriceAge

    @property
    def monthly_cost(self) -> float | None:
        return self.cost.amount if self.cost else None


PRICING_ONLY = {"(pricing only)": 1.0}  # the catalog weighs no suites: it has no evidence


def pricing_profile(
    workload: Workload, rules: HardRules | None = None, profile: TaskProfile | None = None
) -> ProfileInput:
    """The engine's profile for pricing and hard rules only (a typed workload: no rules)."""
    budget = profile.monthly_budget if profile else None
    return ProfileInput(
        suite_weights=PRICING_ONLY,
        workload=workload,
        weights=Weights(fit=1.0, cost=1.0, sovereignty=1.0),
        rules=rules or HardRules(),
        budget_monthly=float(budget) if budget else None,
        over_budget="exclude" if profile and profile.exclude_over_budget else "flag",
    )


def catalog_offers(
    *,
    organization: Organization,
    candidates: Iterable[CandidateModel],
    profile: TaskProfile | None = None,
    workload: Workload | None = None,
    on: date,
    sort: str = "cost",
) -> list[Offer]:
    """Every candidate priced for the profile's workload (or the typed one), sorted by monthly
    cost (unpriced last) or by name. Without either, every candidate unpriced and eligible."""
    rules: ProfileInput | None = None
    if profile is not None:
        rules = pricing_profile(profile_workload(profile), profile_rules(profile), profile)
    elif workload is not None:
        rules = pricing_profile(workload)
    rates = rate_table(organization=organization, on=on)
    offers = [
        _offer(candidate, rules, rates, on)
        if rules is not None
        else Offer(candidate, None, None, True, (), candidate_price_age(candidate, today=on))
        for candidate in candidates
    ]
    if sort == "name":
        return sorted(offers, key=lambda o: o.candidate.name.casefold())
    return sorted(
        offers,
        key=lambda o: (
            o.monthly_cost is None,
            o.monthly_cost or 0.0,
            o.candidate.name.casefold(),
        ),
    )


def _offer(candidate: CandidateModel, profile: ProfileInput, rates: RateTable, on: date) -> Offer:
    options = list(candidate.deployment_options.all())
    engine_candidate = candidate_input(candidate, [])
    checks = tuple(check_option(option, profile) for option in engine_candidate.options)
    findings = hard_rule_findings(
        engine_candidate, checks, profile.rules, profile.workload.latency_target_ms
    )
    usable = [opt for opt, check in zip(options, checks, strict=True) if check.usable]
    costed = [
        (rates.convert(monthly_cost(engine_option, profile.workload), option.currency), option)
        for option, engine_option in zip(options, engine_candidate.options, strict=True)
        if option in (usable or options)
    ]
    # Only amounts in the reporting currency are compared; an unconvertible one is shown
    # with its reason, never ranked against the others.
    comparable = [(c, o) for c, o in costed if c.amount is not None]
    if comparable:
        cost, option = min(comparable, key=lambda pair: pair[0].amount or 0.0)
    elif costed:
        cost, option = costed[0]
    else:
        cost, option = None, None
    reasons = [finding.message for finding in findings]
    if (
        profile.budget_monthly is not None
        and profile.over_budget == "exclude"
        and cost is not None
        and cost.amount is not None
        and cost.amount > profile.budget_monthly
    ):
        reasons.append(f"over the monthly budget of {profile.budget_monthly:,.0f}")
    return Offer(
        candidate=candidate,
        cost=cost,
        cost_option=option.name if option else None,
        eligible=not reasons,
        reasons=tuple(reasons),
        price_age=candidate_price_age(candidate, today=on),
    )
