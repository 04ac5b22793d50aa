"""Time rendering a recommendation report to PDF: 20 candidates against 2, side by side.

Run: .venv/bin/python bench/bench_report.py [--repeat N]

The report is built the way production builds it (the decision engine's output frozen into a
snapshot, rendered through the same templates and WeasyPrint), from synthetic evidence: five
suites of 300 items, candidates with API and self-hosted offers, a data-residency rule that
excludes some. No database is needed: rendering reads only the snapshot. Target: under 2 s for
20 candidates.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procure.settings.test")

import django

django.setup()

from procure.decision import (  # noqa: E402
    ApiOption,
    CandidateInput,
    HardRules,
    ProfileInput,
    SelfHostedOption,
    SuiteEvidence,
    Weights,
    Workload,
    recommend,
)
from procure.reports.models import ReportSnapshot  # noqa: E402
from procure.reports.rendering import render_html, render_pdf  # noqa: E402
from procure.reports.snapshot import content_hash, to_json  # noqa: E402

SUITES = [f"Suite {i}" for i in range(5)]
ITEMS = 300


def snapshot(candidates: int, seed: int = 1) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    inputs, facts = [], []
    for c in range(candidates):
        ability = rng.uniform(0.4, 0.85)
        specialist = c % 3 == 0
        evidence = tuple(
            SuiteEvidence(suite_id=s, metric="acc", higher_is_better=True,
                          scores=(rng.random(ITEMS) < ability).astype(float),
                          item_ids=np.arange(ITEMS))
            for s in SUITES
        )  # fmt: skip
        region = ("eu", "us", "eu")[c % 3]
        options = (
            ApiOption(f"API {c}", "Vendor", (region,), float(rng.uniform(0.2, 10)),
                      float(rng.uniform(0.5, 30))),
            SelfHostedOption(f"Hosted {c}", "1x L40S", ("eu",), float(rng.uniform(0.8, 4)),
                             float(rng.uniform(1, 8)), 1, 500.0),
        )  # fmt: skip
        name = f"Model {c:02d}"
        inputs.append(
            CandidateInput(str(c), name, "legal" if specialist else "general", "Apache-2.0",
                           True, "FR", options if c % 4 else options[:1], evidence)
        )  # fmt: skip
        facts.append({"id": str(c), "name": name, "provider": "Vendor", "licence": "Apache-2.0",
                      "prices_as_of": "2025-07-01", "price_source": "https://example.com",
                      "options": []})  # fmt: skip
    profile = ProfileInput(
        suite_weights=dict.fromkeys(SUITES, 1.0),
        workload=Workload(200_000, 800, 200, 3.0),
        weights=Weights(0.5, 0.3, 0.2),
        rules=HardRules(allowed_data_regions=("eu",), data_region_label="EU"),
    )
    rec = recommend(profile, inputs)
    return to_json({
        "schema": 1, "generated_at": "2026-11-21T00:00:00+00:00", "organization": "Bench",
        "campaign": {"id": 1}, "candidates": facts, "runs": [],
        "profile": {"name": "Bench", "domain": "legal", "monthly_requests": 200_000,
                    "input_tokens": 800, "output_tokens": 200, "weight_fit": 0.5,
                    "weight_cost": 0.3, "weight_sovereignty": 0.2, "quality_bar": None},
        "recommendation": dataclasses.asdict(rec),
    })  # fmt: skip


def timed(report: ReportSnapshot, repeat: int) -> tuple[float, float, int]:
    html, pdf = [], []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        render_html(report)
        html.append(time.perf_counter() - start)
        start = time.perf_counter()
        size = len(render_pdf(report))
        pdf.append(time.perf_counter() - start)
    return statistics.median(html), statistics.median(pdf), size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    results = {}
    for n in (2, 20):
        snap = snapshot(n)
        report = ReportSnapshot(title=f"Bench {n}", snapshot=snap, content_hash=content_hash(snap))
        results[n] = timed(report, repeat)
    print(f"report rendering, median of {repeat} (HTML incl. charts, then PDF incl. HTML)")
    for n, (html, pdf, size) in results.items():
        print(f"  {n:>2} candidates: HTML {html:.3f} s, PDF {pdf:.3f} s ({size / 1024:.0f} KiB)")
    print(f"  20 vs 2 candidates: PDF time x{results[20][1] / results[2][1]:.2f}")
    verdict = "meets" if results[20][1] < 2.0 else "MISSES"
    print(f"  target: 20-candidate PDF under 2 s: {verdict} ({results[20][1]:.2f} s)")


if __name__ == "__main__":
    main()
