"""The request cache's own cost: lm-eval's CachingLM path (as the worker used it) vs ours.

The same 2,000 loglikelihood requests go through both, interleaved, on a model stand-in that
answers instantly through the cache hook as lm-eval's hf backend does, so only the cache
machinery is timed:

- old: lm-eval 0.4.13's `CachingLM` over the model; its hook writes each answer into an
  autocommit `SqliteDict` (a blocking commit and a captured stack per answer), then
  `CachingLM` writes every answer again and commits.
- new: `evals.progress.ProgressLM` with `evals.request_cache.RequestCache`: one batch lookup,
  answers held in memory, each written once in one transaction.

Both a cold run (every answer computed and stored) and an identical re-run (every answer read
back) are timed. Prints the medians and the median of per-pair ratios.

    .venv/bin/python bench/bench_request_cache.py [--requests 2000] [--pairs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TQDM_DISABLE", "1")  # CachingLM's progress bar would clutter the output


class InstantModel:
    """Answers like lm-eval's hf backend (through the cache hook, one by one), instantly."""

    rank, world_size = 0, 1

    def __init__(self) -> None:
        from lm_eval.api.model import CacheHook

        self.cache_hook = CacheHook(None)
        self.calls = 0

    def set_cache_hook(self, hook: Any) -> None:
        self.cache_hook = hook

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[Any]:
        self.calls += 1
        answers = []
        for request in requests:
            answer = (-0.01 * len(request.args[1]), False)
            self.cache_hook.add_partial("loglikelihood", request.args, answer)
            answers.append(answer)
        return answers


def make_requests(n: int) -> list[Any]:
    from lm_eval.api.instance import Instance

    clause = "The licensee may copy, modify and distribute the work, provided that the notice "
    return [
        Instance("loglikelihood", {}, (f"{clause * 3}item {i // 4}:", f" choice{i % 4}"), idx=0)
        for i in range(n)
    ]


def old_path(path: Path, requests: list[Any]) -> float:
    from lm_eval.api.model import CachingLM

    began = time.perf_counter()
    caching = CachingLM(InstantModel(), str(path))
    caching.loglikelihood(requests)
    caching.dbdict.close()
    return time.perf_counter() - began


def new_path(path: Path, requests: list[Any]) -> float:
    from evals.progress import ProgressLM, RequestTracker
    from evals.request_cache import RequestCache

    began = time.perf_counter()
    cache = RequestCache(path)
    ProgressLM(InstantModel(), RequestTracker(None), cache).loglikelihood(requests)
    cache.close()
    return time.perf_counter() - began


def pairs(n_pairs: int, requests: list[Any], work: Path) -> dict[str, list[tuple[float, float]]]:
    timed: dict[str, list[tuple[float, float]]] = {"cold": [], "rerun": []}
    for index in range(n_pairs):
        runs: dict[str, dict[str, float]] = {"cold": {}, "rerun": {}}
        # Alternate which path goes first, so neither always gets the warmer disk cache.
        order: list[tuple[str, Callable[[Path, list[Any]], float]]] = [
            ("old", old_path),
            ("new", new_path),
        ]
        for name, path_fn in order if index % 2 == 0 else order[::-1]:
            db = work / f"{name}-{index}.db"
            runs["cold"][name] = path_fn(db, requests)
            runs["rerun"][name] = path_fn(db, requests)
        for phase in timed:
            timed[phase].append((runs[phase]["old"], runs[phase]["new"]))
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # run as a plain script, like the other benches

    import lm_eval.api.model  # noqa: F401  (import cost outside the timings)

    requests = make_requests(args.requests)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-request-cache-") as work:
        timed = pairs(args.pairs, requests, Path(work))
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.requests} loglikelihood requests, {args.pairs} interleaved pairs")
    print(f"{'phase':<8}{'old (CachingLM)':>18}{'new (RequestCache)':>21}{'ratio old/new':>16}")
    for phase, results in timed.items():
        old = statistics.median(o for o, _ in results)
        new = statistics.median(n for _, n in results)
        ratio = statistics.median(o / n for o, n in results)
        print(f"{phase:<8}{old:>16.3f} s{new:>19.3f} s{ratio:>15.1f}×")


if __name__ == "__main__":
    main()
