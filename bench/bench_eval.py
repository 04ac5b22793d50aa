"""Benchmark: evaluation through `evals.run` versus the `lm_eval` command line.

On one tiny model and one cloze suite, side by side in one invocation:

  (a) one run in a fresh Python process through `evals.run` vs one `lm_eval` CLI process;
  (b) four runs in one warm process vs four CLI processes;
  (c) an identical re-run answered from the request cache vs the run that filled it.

Every figure is a whole wall-clock time measured by this script (processes included), so
imports, task indexing and model loading count. Plain script, not a test:

    .venv/bin/python bench/bench_eval.py [--items 500] [--work-dir var/bench]

Each comparison is a function in COMPARISONS taking a `Bench` and returning its rows; a
`--pipeline` comparison (through Django and Celery) can be added there the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TASK = "bench_cloze"
WORDS = [
    "licence",
    "software",
    "warranty",
    "copyright",
    "permission",
    "notice",
    "holder",
    "liability",
    "damages",
    "contract",
    "source",
    "binary",
    "distribution",
    "modification",
    "patent",
    "trademark",
    "contributor",
    "work",
    "terms",
    "rights",
]


@dataclass(frozen=True)
class Bench:
    work_dir: Path
    checkpoint: Path
    suite_dir: Path
    env: dict[str, str]


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds, and CPU seconds (user + system, all threads): on a shared machine
    the CPU figure is the steadier of the two."""

    wall: float
    cpu: float

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.wall + other.wall, self.cpu + other.cpu)


@dataclass(frozen=True)
class Row:
    label: str
    ours: Timing
    theirs: Timing
    ours_name: str
    theirs_name: str


def prepare(work_dir: Path, items: int, train_steps: int) -> Bench:
    """Build (or reuse) the tiny model and write the suite; return paths and child env."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(work_dir / "hf"),
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({k: env[k] for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HOME")})
    rng = random.Random(0)
    sentences = [
        f"The {rng.choice(WORDS)} of the {rng.choice(WORDS)} is subject to the {rng.choice(WORDS)}."
        for _ in range(4000)
    ]
    checkpoint = work_dir / f"model-{train_steps}"
    if not (checkpoint / "config.json").exists():
        sys.path.insert(0, str(ROOT))
        from evals.demo.models import build_tiny_model

        build_tiny_model(checkpoint, "\n".join(sentences), max_steps=train_steps)
    suite_dir = work_dir / f"suite-{items}"
    suite_dir.mkdir(exist_ok=True)
    rows = []
    for sentence in sentences[:items]:
        context, answer = sentence.rstrip(".").rsplit(" ", 1)
        choices = [answer, *rng.sample([w for w in WORDS if w != answer], 3)]
        rng.shuffle(choices)
        rows.append({"text": context, "choices": choices, "label": choices.index(answer)})
    data = suite_dir / "items.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    (suite_dir / f"{TASK}.yaml").write_text(
        f"task: {TASK}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: {data}\n"
        "test_split: test\noutput_type: multiple_choice\n"
        'doc_to_text: "{{text}}"\ndoc_to_choice: "{{choices}}"\ndoc_to_target: "{{label}}"\n'
        "metric_list:\n  - metric: acc\n"
    )
    return Bench(work_dir, checkpoint, suite_dir, env)


def timed(command: list[str], bench: Bench) -> tuple[Timing, str]:
    """Run a child process to completion: its wall and CPU time, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, env=bench.env, cwd=bench.work_dir, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}... failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu), done.stdout


def cli_run(bench: Bench) -> Timing:
    model_args = f"pretrained={bench.checkpoint},dtype=float32"
    command = [sys.executable, "-m", "lm_eval", "--model", "hf", "--model_args", model_args]
    command += ["--tasks", TASK, "--include_path", str(bench.suite_dir)]
    command += ["--batch_size", "8", "--device", "cpu"]
    return timed(command, bench)[0]


@dataclass(frozen=True)
class ProcessReport:
    process: Timing
    runs: list[Timing]
    accuracies: list[float]


def ours_in_process(bench: Bench, n_runs: int, cache_dir: Path | None = None) -> ProcessReport:
    """Start one fresh process that calls evals.run `n_runs` times; its timings and report."""
    command = [sys.executable, __file__, "--child", "--runs", str(n_runs)]
    command += ["--checkpoint", str(bench.checkpoint), "--suite-dir", str(bench.suite_dir)]
    if cache_dir is not None:
        command += ["--cache-dir", str(cache_dir)]
    process, out = timed(command, bench)
    report = json.loads(out.strip().splitlines()[-1])
    runs = [Timing(wall, cpu) for wall, cpu in report["runs"]]
    return ProcessReport(process, runs, report["acc"])


def child(args: argparse.Namespace) -> None:
    """Inside the fresh process: run, and print one JSON line with per-run figures."""
    from evals.runner import run
    from evals.spec import ModelSpec, RunSpec

    model = ModelSpec("hf", args.checkpoint, options={"dtype": "float32"})
    spec = RunSpec(model, args.suite_dir, (TASK,), batch_size=8)
    runs: list[tuple[float, float]] = []
    accuracies: list[float] = []
    for index in range(args.runs):
        # With --cache-dir, run 0 warms the model without cache; run 1 fills the cache; run 2
        # is the identical re-run answered from it.
        cache_dir = args.cache_dir if args.cache_dir and index > 0 else None
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run(dataclasses.replace(spec, cache_dir=cache_dir))
        runs.append((time.perf_counter() - started, time.process_time() - started_cpu))
        accuracies.append(next(m.value for m in result.metrics if m.metric == "acc"))
    print(json.dumps({"runs": runs, "acc": accuracies}))


def compare_one_run(bench: Bench) -> list[Row]:
    ours = ours_in_process(bench, n_runs=1)
    cli = cli_run(bench)
    return [Row("(a) one run", ours.process, cli, "evals.run process", "lm_eval CLI")]


def compare_four_runs(bench: Bench) -> list[Row]:
    ours = ours_in_process(bench, n_runs=4)
    cli = cli_run(bench) + cli_run(bench) + cli_run(bench) + cli_run(bench)
    print("    warm process, wall per run: " + ", ".join(f"{t.wall:.2f} s" for t in ours.runs))
    return [Row("(b) four runs", ours.process, cli, "one process", "4 CLI processes")]


def compare_request_cache(bench: Bench) -> list[Row]:
    cache_dir = bench.work_dir / f"request-cache-{time.time_ns()}"
    try:
        ours = ours_in_process(bench, n_runs=3, cache_dir=cache_dir)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    _, filling, cached = ours.runs
    print(f"    same accuracy on all three runs: {len(set(ours.accuracies)) == 1}")
    return [Row("(c) identical re-run", cached, filling, "from request cache", "first run")]


COMPARISONS: dict[str, Callable[[Bench], list[Row]]] = {
    "one-run": compare_one_run,
    "four-runs": compare_four_runs,
    "request-cache": compare_request_cache,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--train-steps", type=int, default=0)
    parser.add_argument("--only", choices=sorted(COMPARISONS), action="append")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", help=argparse.SUPPRESS)
    parser.add_argument("--suite-dir", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    bench = prepare(args.work_dir.resolve(), args.items, args.train_steps)
    load = os.getloadavg()[0]
    print(
        f"tiny model {bench.checkpoint.name}, {args.items} cloze items x 4 choices; "
        f"{os.cpu_count()} cores, load average {load:.1f} at start"
    )
    for name in args.only or list(COMPARISONS):
        print(f"{name}:")
        for row in COMPARISONS[name](bench):
            print(f"  {row.label}: {row.ours_name} vs {row.theirs_name}")
            for what in ("wall", "cpu"):
                ours, theirs = getattr(row.ours, what), getattr(row.theirs, what)
                ratio = theirs / ours if ours else float("inf")
                print(f"    {what:>4}: {ours:7.2f} s vs {theirs:7.2f} s -> {ratio:.1f}x")


if __name__ == "__main__":
    main()
