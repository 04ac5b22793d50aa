"""Evaluate the demo models on the demo suites with real lm-eval and compare them, paired.

    python -m evals.demo.measure --profile demo [--data-dir DIR]

This is how the demo's claims are checked (and how the slow test checks them): per-item
scores from `lm_eval.simple_evaluate`, then an exact McNemar test on the items where exactly
one of the two models is right.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from evals.demo.build import DemoAssets, DemoSuite, Profile, default_cache_dir, ensure_demo_assets


@dataclass(frozen=True)
class Comparison:
    """Two models on the same items: accuracies, discordant counts and the McNemar p-value."""

    task: str
    n: int
    accuracy_a: float
    accuracy_b: float
    only_a: int  # items model A gets right and model B wrong
    only_b: int
    p_value: float


def item_scores(model_dir: Path, suite: DemoSuite, *, batch_size: int = 32) -> list[float]:
    """Score each item of `suite` (0 or 1, ordered by doc_id) for the checkpoint `model_dir`."""
    import lm_eval
    from lm_eval.tasks import TaskManager

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    metric = "acc" if suite.output_type == "multiple_choice" else "exact_match"
    results: dict[str, Any] | None = lm_eval.simple_evaluate(
        model="hf",
        model_args=f"pretrained={model_dir},dtype=float32",
        tasks=[suite.task],
        task_manager=TaskManager(include_path=str(suite.run_dir), include_defaults=False),
        log_samples=True,
        batch_size=batch_size,
        device="cpu",
    )
    if results is None:  # only on non-zero ranks of a distributed run
        raise RuntimeError("lm-eval returned no results")
    samples = sorted(results["samples"][suite.task], key=lambda s: int(s["doc_id"]))
    return [float(s[metric]) for s in samples]


def paired_comparison(task: str, a: Sequence[float], b: Sequence[float]) -> Comparison:
    """Exact McNemar test: under "no difference" each discordant item is a fair coin."""
    from scipy.stats import binomtest

    if len(a) != len(b) or not a:
        raise ValueError("paired scores need the same, non-zero number of items")
    only_a = sum(1 for x, y in zip(a, b, strict=True) if x > y)
    only_b = sum(1 for x, y in zip(a, b, strict=True) if y > x)
    discordant = only_a + only_b
    p_value = binomtest(only_a, discordant, 0.5).pvalue if discordant else 1.0
    return Comparison(
        task=task,
        n=len(a),
        accuracy_a=sum(a) / len(a),
        accuracy_b=sum(b) / len(b),
        only_a=only_a,
        only_b=only_b,
        p_value=float(p_value),
    )


def compare_models(assets: DemoAssets, *, batch_size: int = 32) -> list[Comparison]:
    """Specialist (A) against generalist (B) on every demo suite."""
    comparisons = []
    for suite in assets.suites:
        specialist = item_scores(assets.specialist, suite, batch_size=batch_size)
        generalist = item_scores(assets.generalist, suite, batch_size=batch_size)
        comparisons.append(paired_comparison(suite.task, specialist, generalist))
    return comparisons


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build (or reuse) a profile's assets and print the paired comparisons."""
    parser = argparse.ArgumentParser(prog="python -m evals.demo.measure", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--profile", choices=get_args(Profile), default="demo")
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args(argv)
    began = time.monotonic()
    assets = ensure_demo_assets(args.data_dir, profile=args.profile, max_steps=args.max_steps)
    print(f"assets ready in {time.monotonic() - began:.1f} s: {assets.directory}")
    began = time.monotonic()
    rows = compare_models(assets)
    print(f"evaluated in {time.monotonic() - began:.1f} s")
    print(f"{'task':<24}{'n':>5}{'specialist':>12}{'generalist':>12}{'S only':>8}{'G only':>8}  p")
    for c in rows:
        print(
            f"{c.task:<24}{c.n:>5}{c.accuracy_a:>12.3f}{c.accuracy_b:>12.3f}"
            f"{c.only_a:>8}{c.only_b:>8}  {c.p_value:.2g}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
