"""Time `recommend` at 1,000 candidates x 100 suites x 500 items, P(best) with 1,000 resamples.

Run: .venv/bin/python bench/bench_decision.py [--repeat N]

Prints the time of one `recommend` call for 100, 250, 500 and 1,000 candidates (same suites,
measured side by side in one run), the growth from 100 to 1,000, and a worst case in which every
candidate is statistically tied with the leader, so that none can be screened out of the
resampling. Building the input dataclasses (validating 50 million item scores) is timed
separately: in production that cost is paid once when the service assembles the inputs.

Scores follow a simple item-response model: P(right) = logistic(ability - difficulty), with
abilities spread over the catalogue as they are in practice, and specialists stronger on the
first ten suites.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

# Run as a plain script: import the procure next to this file, whatever the venv maps it to.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from procure.decision import (
    GENERAL,
    ApiOption,
    CandidateInput,
    HardRules,
    ProfileInput,
    SelfHostedOption,
    SoftPreference,
    SuiteEvidence,
    Weights,
    Workload,
    recommend,
)

SUITES = 100
ITEMS = 500
RESAMPLES = 1000
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "ap-south-1")


def build(
    candidates: int, seed: int, tied: bool = False
) -> tuple[ProfileInput, list[CandidateInput]]:
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0.0, 1.0, size=(SUITES, ITEMS))
    item_ids = np.arange(ITEMS)
    built = []
    for c in range(candidates):
        specialist = c % 5 == 0
        ability = np.full(SUITES, 1.0 if tied else rng.uniform(-0.5, 2.0))
        if specialist and not tied:
            ability[:10] += 0.8
        p = 1 / (1 + np.exp(-(ability[:, None] - difficulty)))
        scores = (rng.random((SUITES, ITEMS)) < p).astype(np.float64)
        options: list[ApiOption | SelfHostedOption] = [
            ApiOption(
                f"api-{c}",
                provider=f"vendor-{c % 17}",
                regions=("eu-west-1",)
                if tied
                else tuple(rng.choice(REGIONS, size=2, replace=False)),
                input_price_per_mtok=1.0 if tied else float(rng.uniform(0.1, 5.0)),
                output_price_per_mtok=3.0 if tied else float(rng.uniform(0.3, 15.0)),
            )
        ]
        if c % 2 == 0 and not tied:
            options.append(
                SelfHostedOption(
                    f"gpu-{c}",
                    hardware="1x L4",
                    regions=("eu-west-1", "us-east-1"),
                    hourly_rate=float(rng.uniform(0.5, 4.0)),
                    throughput_rps=float(rng.uniform(2.0, 40.0)),
                    min_instances=1,
                    fixed_monthly_ops=300.0,
                )
            )
        built.append(
            CandidateInput(
                id=f"model-{c:04d}",
                name=f"Model {c}",
                specialisation="legal" if specialist else GENERAL,
                licence="apache-2.0" if c % 3 or tied else "proprietary",
                open_weights=c % 3 != 0 or tied,
                vendor_jurisdiction=("FR", "US", "DE", "GB")[c % 4],
                options=tuple(options),
                evidence=tuple(
                    SuiteEvidence(f"suite-{s:03d}", "acc", True, scores[s], item_ids)
                    for s in range(SUITES)
                ),
            )
        )
    profile = ProfileInput(
        suite_weights={f"suite-{s:03d}": (5.0 if s < 10 else 1.0) for s in range(SUITES)},
        workload=Workload(monthly_requests=2e6, input_tokens=800, output_tokens=250, peak_rps=20),
        weights=Weights(fit=0.6, cost=0.25, sovereignty=0.15),
        rules=HardRules(allowed_data_regions=("eu-west-1", "eu-central-1"), data_region_label="EU"),
        preferences=(SoftPreference("open_weights", 1.0), SoftPreference("self_hosting", 1.0)),
        resamples=RESAMPLES,
        seed=1,
    )
    return profile, built


def timed(
    profile: ProfileInput, candidates: list[CandidateInput], repeat: int
) -> tuple[float, float, int]:
    """Best wall-clock and CPU seconds of `repeat` calls, and how many were resampled exactly."""
    wall = cpu = float("inf")
    resampled = 0
    for _ in range(repeat):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = recommend(profile, candidates)
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, time.process_time() - start_cpu)
        resampled = len(result.comparisons) + 1  # the winner and everyone compared with it
    return wall, cpu, resampled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="best of N calls (default 3)")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{SUITES} suites x {ITEMS} items, P(best) with {RESAMPLES} resamples")
    print(f"best of {args.repeat}; {os.cpu_count()} CPUs, load average {load}")
    print("(CPU time counts every thread: a BLAS call on 2 threads can take more CPU than wall)")
    start = time.perf_counter()
    profile, everyone = build(1000, seed=7)
    print(f"building the inputs (50M item scores): {time.perf_counter() - start:.1f} s, untimed")
    walls = {}
    for size in (100, 250, 500, 1000):
        wall, cpu, resampled = timed(profile, everyone[:size], args.repeat)
        walls[size] = wall
        print(
            f"  {size:>5} candidates: {wall:.3f} s wall, {cpu:.3f} s CPU "
            f"({resampled} resampled exactly)"
        )
    print(f"  growth 100 -> 1,000 candidates (10x): x{walls[1000] / walls[100]:.2f} wall")
    profile, tied = build(1000, seed=8, tied=True)
    wall, cpu, resampled = timed(profile, tied, 1)
    print(
        f"  worst case, 1,000 candidates all tied: {wall:.3f} s wall, {cpu:.3f} s CPU "
        f"({resampled} resampled exactly)"
    )


if __name__ == "__main__":
    main()
