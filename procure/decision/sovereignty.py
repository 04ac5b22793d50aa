"""Sovereignty: hard rules exclude a candidate with a reason; soft preferences score 0 to 1.

Rules on the candidate (open weights, licence, vendor jurisdiction) apply to the model. Rules on
deployment (data regions, self-hosting, latency) apply to each deployment option: an option is
usable when one of its regions is allowed, it is self-hosted if that is required, and its known
p95 latency meets the target (an unknown latency is not held against it). A candidate needs at
least one usable option. When every option breaks the same rule, the reason names that rule;
when each rule is met by some option but no option meets them all, the rule is "deployment".
"""

from __future__ import annotations

from dataclasses import dataclass

from procure.decision.inputs import (
    ApiOption,
    CandidateInput,
    DeploymentOption,
    HardRules,
    ProfileInput,
    SelfHostedOption,
    SoftPreference,
)
from procure.decision.outputs import Finding, RuleName

DEPLOYMENT_RULES: tuple[RuleName, ...] = ("data_regions", "self_hosting", "latency")


def option_latency_ms(option: DeploymentOption) -> float | None:
    """The p95 latency the latency rule and the report use for an option (None: unknown).

    The one place that reads it, so a measured figure can replace the declared one.
    """
    return option.p95_latency_ms


@dataclass(frozen=True)
class OptionCheck:
    option: DeploymentOption
    broken: tuple[tuple[RuleName, str], ...]  # (rule, short reason); empty when usable

    @property
    def usable(self) -> bool:
        return not self.broken


def check_option(option: DeploymentOption, profile: ProfileInput) -> OptionCheck:
    rules = profile.rules
    broken: list[tuple[RuleName, str]] = []
    if rules.allowed_data_regions and not set(option.regions) & set(rules.allowed_data_regions):
        broken.append(("data_regions", f"runs only in {_listing(option.regions)}"))
    if rules.self_hosting_required and isinstance(option, ApiOption):
        broken.append(("self_hosting", f"is an API from {option.provider}"))
    target = profile.workload.latency_target_ms
    latency = option_latency_ms(option)
    if target is not None and latency is not None and latency > target:
        broken.append(("latency", f"has a {option.latency_source} p95 latency of {latency:g} ms"))
    return OptionCheck(option=option, broken=tuple(broken))


def hard_rule_findings(
    candidate: CandidateInput,
    checks: tuple[OptionCheck, ...],
    rules: HardRules,
    profile_target: float | None,
) -> list[Finding]:
    """Every hard rule the candidate breaks, each naming the rule and the candidate's value."""
    findings: list[Finding] = []
    if rules.open_weights_required and not candidate.open_weights:
        findings.append(
            Finding("open_weights", f"open weights required; {candidate.name}'s weights are closed")
        )
    if rules.allowed_licences and candidate.licence not in rules.allowed_licences:
        findings.append(
            Finding(
                "licence",
                f"licence must be one of {_listing(rules.allowed_licences)}; "
                f"{candidate.name} is licensed {candidate.licence}",
            )
        )
    if (
        rules.allowed_vendor_jurisdictions
        and candidate.vendor_jurisdiction not in rules.allowed_vendor_jurisdictions
    ):
        findings.append(
            Finding(
                "vendor_jurisdiction",
                f"vendor must be based in {_listing(rules.allowed_vendor_jurisdictions)}; "
                f"{candidate.name}'s vendor is based in {candidate.vendor_jurisdiction}",
            )
        )
    findings.extend(_deployment_findings(candidate, checks, rules, profile_target))
    return findings


def _deployment_findings(
    candidate: CandidateInput,
    checks: tuple[OptionCheck, ...],
    rules: HardRules,
    target: float | None,
) -> list[Finding]:
    if not checks:
        return [Finding("deployment", f"{candidate.name} has no priced deployment option")]
    findings = []
    for rule in DEPLOYMENT_RULES:
        if all(rule in dict(check.broken) for check in checks):
            findings.append(Finding(rule, _deployment_message(rule, candidate, rules, target)))
    if not findings and not any(check.usable for check in checks):
        details = "; ".join(
            f"{check.option.name} {' and '.join(reason for _, reason in check.broken)}"
            for check in checks
        )
        findings.append(
            Finding("deployment", f"no single deployment option meets every rule: {details}")
        )
    return findings


def _deployment_message(
    rule: RuleName, candidate: CandidateInput, rules: HardRules, target: float | None
) -> str:
    options = candidate.options
    if rule == "data_regions":
        allowed = _listing(rules.allowed_data_regions)
        place = f"{rules.data_region_label} ({allowed})" if rules.data_region_label else allowed
        offered = sorted({region for option in options for region in option.regions})
        return f"data must stay in {place}; offered only in {_listing(offered) or 'no region'}"
    if rule == "self_hosting":
        providers = sorted({o.provider for o in options if isinstance(o, ApiOption)})
        return f"self-hosting required; offered only as an API ({_listing(providers)})"
    known = [o for o in options if option_latency_ms(o) is not None]
    fastest = min(known, key=lambda o: option_latency_ms(o) or 0.0)
    return (
        f"latency target {target:g} ms; the fastest option's {fastest.latency_source} p95 "
        f"latency is {option_latency_ms(fastest):g} ms"
    )


def soft_score(
    candidate: CandidateInput, option: DeploymentOption, preferences: tuple[SoftPreference, ...]
) -> float:
    """Weighted share of the soft preferences met, with `option` as the deployment.

    With no preferences (or all weights zero) every candidate scores 1: nothing is unmet.
    """
    total = sum(p.weight for p in preferences)
    if total == 0:
        return 1.0
    met = sum(p.weight for p in preferences if _meets(p, candidate, option))
    return met / total


def _meets(preference: SoftPreference, candidate: CandidateInput, option: DeploymentOption) -> bool:
    if preference.rule == "data_regions":
        return bool(set(option.regions) & set(preference.values))
    if preference.rule == "self_hosting":
        return isinstance(option, SelfHostedOption)
    if preference.rule == "open_weights":
        return candidate.open_weights
    if preference.rule == "licences":
        return candidate.licence in preference.values
    return candidate.vendor_jurisdiction in preference.values


def _listing(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values)
