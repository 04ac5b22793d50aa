"""Real lm-eval task files, uploaded as they are (data swapped for local rows): our per-item
scores equal the `lm_eval` CLI's on the original files, on a tiny model.

The uploads are built as the census builds them (bench/census_lm_eval_tasks.py): the file,
its includes, a local JSON lines file, names prefixed. The CLI reads that same upload
directly; we validate it, materialise our own YAML and run it with `evals.runner.run`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evals.runner import run
from evals.spec import RunSpec
from evals.suites import materialise_suite, validate_suite
from evals.suites.groups import Aggregate, GroupSpec, group_metrics
from tests.evals.support import checkpoint_fixture, hf_model

__all__ = ["checkpoint_fixture"]
pytestmark = pytest.mark.slow

LIMIT = 3
ROOT = Path(__file__).resolve().parents[2]


def _census() -> Any:
    spec = importlib.util.spec_from_file_location(
        "census", ROOT / "bench" / "census_lm_eval_tasks.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(*rows: dict[str, Any]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def _arc(key: str) -> bytes:
    return _rows(
        *(
            {
                key: f"Which of these is a tool number {i}?",
                "choices": {
                    "text": ["a hammer", "a cloud", "a song", "a river"],
                    "label": list("ABCD"),
                },
                "answerKey": "ABCD"[i % 4] if key == "question" else " " + "ABCD"[i % 4],
            }
            for i in range(4)
        )
    )


MATHS = [
    {
        "question": f"Tom has {i} apples and buys 2 more. How many?",
        "answer": f"So {i}+2.\n#### {i + 2}",
    }
    for i in range(7)
]
PROSE = [
    {"text": "The old man walked slowly to the harbour and looked at the boats"},
    {"text": "She opened the letter and read it twice before she said a word"},
    {"text": "Rain fell on the city all night and the streets were quiet"},
]

# Task file (relative to lm_eval/tasks) -> local rows: every shape the issue names.
TASK_FILES: dict[str, bytes] = {
    # arc_challenge includes arc_easy.yaml: both tasks, multiple choice, .index() in templates.
    "arc/arc_challenge.yaml": _arc("question"),
    "openbookqa/openbookqa.yaml": _arc("question_stem"),  # field name as doc_to_text
    "piqa/piqa.yaml": _rows(
        *(
            {
                "goal": f"Open jar {i}",
                "sol1": "twist the lid",
                "sol2": "eat the lid",
                "label": i % 2,
            }
            for i in range(4)
        )
    ),  # test_split: null
    "sciq/sciq.yaml": _rows(
        *(
            {
                "support": " Water boils at 100 C.",
                "question": f"Boiling point {i}?",
                "distractor1": "10 C",
                "distractor2": "50 C",
                "distractor3": "0 C",
                "correct_answer": "100 C",
            }
            for i in range(4)
        )
    ),  # a number as doc_to_target
    "mmlu/default/mmlu_anatomy.yaml": _rows(
        *(
            {
                "question": f"Bone number {i}?",
                "subject": "anatomy",
                "choices": ["femur", "cloud", "song", "river"],
                "answer": i % 4,
            }
            for i in range(4)
        )
    ),  # include of an extensionless template, first_n sampler
    "truthfulqa/truthfulqa_mc1.yaml": _rows(
        *(
            {
                "question": f"Is the sky green {i}?",
                "mc1_targets": {"choices": ["No", "Yes"], "labels": [1, 0]},
                "mc2_targets": {"choices": ["No", "Yes"], "labels": [1, 0]},
            }
            for i in range(3)
        )
    ),  # {% set %} in the template
    "lambada/lambada_openai.yaml": _rows(*PROSE),  # loglikelihood
    "lambada/lambada_standard.yaml": _rows(*PROSE),  # loglikelihood, other metrics
    # loglikelihood_rolling; pile_bookcorpus2 includes pile_arxiv.yaml, another task.
    "pile/pile_bookcorpus2.yaml": _rows(*PROSE),
    "gsm8k/gsm8k.yaml": _rows(*MATHS),  # generate_until, two regex filters, 5-shot
}
GROUP = b"""group: census_arc_group
task: [census_arc_easy, census_arc_challenge]
aggregate_metric_list:
  - metric: acc
    weight_by_size: false
"""


@pytest.fixture(scope="module")
def upload() -> dict[str, bytes]:
    """Every task file in its own folder, as a buyer would lay them out, plus a group."""
    census = _census()
    root = census.tasks_root()
    files: dict[str, bytes] = {"census_arc_group.yaml": GROUP}
    for relative, rows in TASK_FILES.items():
        built = census.census_upload(root / relative, root, rows=rows)
        assert built is not None, relative
        folder = relative.replace("/", "_").removesuffix(".yaml")
        files.update({f"{folder}/{name}": data for name, data in built.items()})
    # The tiny model reads 128 tokens: gsm8k's default 256 new tokens would not fit.
    gsm8k = "gsm8k_gsm8k/gsm8k.yaml"
    files[gsm8k] = files[gsm8k].replace(b"  do_sample:", b"  max_gen_toks: 16\n  do_sample:")
    return files


def _cli_samples(out: Path) -> tuple[dict[tuple[str, int, str, str], float], dict[str, Any]]:
    samples: dict[tuple[str, int, str, str], float] = {}
    for path in out.rglob("samples_*.jsonl"):
        for line in path.read_text().splitlines():
            example = json.loads(line)
            for metric in example["metrics"]:
                value = example[metric]
                if isinstance(value, int | float):
                    key = (path.name.split("_20")[0].removeprefix("samples_"), example["doc_id"])
                    samples[(*key, metric, example["filter"])] = float(value)
    (results_file,) = out.rglob("results_*.json")
    return samples, json.loads(results_file.read_text())["results"]


def test_our_scores_equal_the_lm_eval_clis_on_real_task_files(
    upload: dict[str, bytes], checkpoint: Path, tmp_path: Path
) -> None:
    report = validate_suite(upload)
    assert report.ok, report.problems
    tasks = tuple(sorted(task.name for task in report.tasks))
    assert len(tasks) == len(TASK_FILES) + 2 == 12  # arc_easy and pile_arxiv are included

    # The CLI on the files as uploaded (data paths resolve against its working directory).
    # lm-eval reads relative data paths from its working directory: the CLI's copy names
    # each folder's data file by its absolute path.
    given = tmp_path / "given"
    for name, data in upload.items():
        (given / name).parent.mkdir(parents=True, exist_ok=True)
        absolute = str((given / name).parent / "census_data.jsonl")
        (given / name).write_bytes(data.replace(b": census_data.jsonl", f": {absolute}".encode()))
    out = tmp_path / "cli"
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    environment["HF_HOME"] = str(tmp_path / "hf")
    # The group runs its members: lm-eval refuses them named twice.
    grouped = {"census_arc_easy", "census_arc_challenge"}
    cli_tasks = [*(t for t in tasks if t not in grouped), "census_arc_group"]
    command = [
        sys.executable, "-m", "lm_eval", "run", "--model", "hf",
        "--model_args", f"pretrained={checkpoint},dtype=float32",
        "--include_path", str(given), "--tasks", ",".join(cli_tasks),
        "--limit", str(LIMIT), "--batch_size", "1", "--log_samples",
        "--seed", "1234,1234,1234,1234", "--output_path", str(out),
    ]  # fmt: skip
    completed = subprocess.run(
        command, cwd=given, env=environment, capture_output=True, text=True, timeout=900
    )
    errors = [line for line in completed.stderr.splitlines() if "Error" in line]
    assert completed.returncode == 0, "\n".join(errors[-20:]) or completed.stderr[-3000:]
    cli_samples, cli_results = _cli_samples(out)

    suite = materialise_suite(upload, tmp_path / "ours")
    ours = run(RunSpec(hf_model(checkpoint), suite.directory, tasks, limit=LIMIT, batch_size=1))

    our_samples = {(s.task, s.doc_id, s.metric, s.filter): s.value for s in ours.samples}
    assert {key[0] for key in our_samples} >= set(tasks) - {
        "census_pile_arxiv",
        "census_pile_bookcorpus2",
    }
    assert our_samples.keys() == cli_samples.keys()
    for key, value in our_samples.items():
        assert value == pytest.approx(cli_samples[key], abs=1e-6), key
    # Rolling perplexity keeps no per-item number; its task scores must agree.
    for row in ours.metrics:
        if row.task in tasks:
            assert row.value == pytest.approx(
                cli_results[row.task][f"{row.metric},{row.filter}"], rel=1e-6
            ), row
    # The group: lm-eval's own row, and ours computed beside the task rows.
    group = GroupSpec(
        "census_arc_group",
        ("census_arc_easy", "census_arc_challenge"),
        (Aggregate("acc", False, None),),
    )
    (row,) = group_metrics([group], ours.metrics)
    assert row.value == pytest.approx(cli_results["census_arc_group"]["acc,none"], abs=1e-9)
