"""Small, readable inputs for decision-engine tests (no database, no Django)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from procure.decision import (
    GENERAL,
    ApiOption,
    CandidateInput,
    DeploymentOption,
    HardRules,
    ProfileInput,
    SelfHostedOption,
    SoftPreference,
    SuiteEvidence,
    Weights,
    Workload,
)

WORKLOAD = Workload(monthly_requests=100_000, input_tokens=1_000, output_tokens=200, peak_rps=2.0)
WEIGHTS = Weights(fit=3, cost=1, sovereignty=1)
NO_RULES = HardRules()


def evidence(suite_id: str, scores: Sequence[float], metric: str = "acc") -> SuiteEvidence:
    return SuiteEvidence(
        suite_id=suite_id,
        metric=metric,
        higher_is_better=True,
        scores=list(scores),
        item_ids=list(range(len(scores))),
    )


def api(
    name: str = "api", price: float = 1.0, regions: tuple[str, ...] = ("eu-west-1",)
) -> ApiOption:
    return ApiOption(name, "Vendor", regions, price, price * 3)


def hosted(
    name: str = "gpu", hourly: float = 1.0, regions: tuple[str, ...] = ("eu-west-1",)
) -> SelfHostedOption:
    return SelfHostedOption(name, "1x L4", regions, hourly, throughput_rps=10.0)


def candidate(
    cid: str,
    scores: dict[str, Sequence[float]],
    *,
    general: bool = True,
    options: tuple[DeploymentOption, ...] | None = None,
    open_weights: bool = True,
    licence: str = "apache-2.0",
    jurisdiction: str = "FR",
) -> CandidateInput:
    return CandidateInput(
        id=cid,
        name=cid.upper(),
        specialisation=GENERAL if general else "legal",
        licence=licence,
        open_weights=open_weights,
        vendor_jurisdiction=jurisdiction,
        options=options if options is not None else (api(f"{cid}-api"),),
        evidence=tuple(evidence(suite_id, values) for suite_id, values in scores.items()),
    )


def profile(
    suites: dict[str, float] | None = None,
    *,
    weights: Weights = WEIGHTS,
    rules: HardRules = NO_RULES,
    preferences: tuple[SoftPreference, ...] = (),
    resamples: int = 300,
    workload: Workload = WORKLOAD,
    **extra: object,
) -> ProfileInput:
    return ProfileInput(
        suite_weights=suites or {"s": 1.0},
        workload=workload,
        weights=weights,
        rules=rules,
        preferences=preferences,
        resamples=resamples,
        **extra,  # type: ignore[arg-type]
    )


def binary(rng: np.random.Generator, n: int, p: float) -> list[float]:
    return (rng.random(n) < p).astype(float).tolist()


@st.composite
def catalogues(draw: st.DrawFn, max_candidates: int = 5, items: int = 30) -> list[CandidateInput]:
    """A few candidates on two suites, with random 0/1 scores, prices, regions and licences."""
    count = draw(st.integers(2, max_candidates))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    built = []
    for c in range(count):
        p = draw(st.floats(0.1, 0.95))
        price = draw(st.sampled_from([0.5, 1.0, 2.0, 4.0]))
        region = draw(st.sampled_from(["eu-west-1", "us-east-1"]))
        options: tuple[DeploymentOption, ...] = (api(f"api-{c}", price, (region,)),)
        if draw(st.booleans()):
            options += (hosted(f"gpu-{c}", draw(st.sampled_from([0.5, 2.0])), (region,)),)
        built.append(
            candidate(
                f"c{c}",
                {"s1": binary(rng, items, p), "s2": binary(rng, items, p)},
                general=draw(st.booleans()),
                options=options,
                open_weights=draw(st.booleans()),
                licence=draw(st.sampled_from(["apache-2.0", "proprietary"])),
            )
        )
    return built
