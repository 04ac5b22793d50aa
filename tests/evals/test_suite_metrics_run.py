"""End to end: an uploaded generate_until suite naming f1_squad and em_squad runs through the
product's runner on the tiny real model, and its per-item scores are the SQuAD reference's
on the text the model generated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.backends import load_model
from evals.runner import run
from evals.spec import RunSpec
from evals.suites import materialise_suite
from evals.warm import new_task_manager
from tests.evals.support import checkpoint_fixture, hf_model
from tests.evals.test_suite_metrics import ref_exact_match_score, ref_f1_score, ref_normalize_answer

__all__ = ["checkpoint_fixture"]  # the fixture used here by its name

pytestmark = pytest.mark.slow

TASK = "procure_squadish"
PROMPTS = [
    "The licensee may",
    "The licensor may",
    "The contributor may",
    "The holder may",
    "The user may",
    "The recipient may",
]


def upload(targets: list[str]) -> dict[str, bytes]:
    task = (
        f"task: {TASK}\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n  data_files:\n    test: qa.jsonl\n"
        "test_split: test\n"
        "output_type: generate_until\n"
        "doc_to_text: prompt\n"
        "doc_to_target: answer\n"
        "generation_kwargs:\n  until: ['\\n']\n  max_gen_toks: 8\n  do_sample: false\n"
        "metric_list:\n  - metric: f1_squad\n  - metric: em_squad\n"
    )
    rows = "".join(
        json.dumps({"prompt": p, "answer": t}) + "\n" for p, t in zip(PROMPTS, targets, strict=True)
    )
    return {"squadish.yaml": task.encode(), "qa.jsonl": rows.encode()}


def generations(checkpoint: Path, suite_dir: str, batch_size: int) -> list[str]:
    """What the model generates for each prompt, read from lm-eval's own logged samples."""
    import lm_eval

    loaded = load_model(hf_model(checkpoint), batch_size=batch_size)
    results: Any = lm_eval.simple_evaluate(
        model=loaded.lm,
        tasks=[TASK],
        task_manager=new_task_manager(suite_dir),
        log_samples=True,
    )
    samples = sorted(results["samples"][TASK], key=lambda sample: sample["doc_id"])
    return [str(sample["filtered_resps"][0]) for sample in samples]


def test_f1_squad_and_em_squad_score_each_item_as_the_squad_script_does(
    checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    batch_size = RunSpec(hf_model(checkpoint), "", (TASK,)).batch_size
    first = materialise_suite(upload(["placeholder"] * len(PROMPTS)), tmp_path / "first")
    generated = generations(checkpoint, first.directory, batch_size)
    tokens = [ref_normalize_answer(text).split() for text in generated]
    assert all(tokens), generated  # the untrained model writes something on every prompt

    # Targets built from what the model says, so the expected scores span 0 to 1.
    targets = [
        generated[0],  # the same text: 1 and 1
        f"The {generated[1].upper()}!",  # equal once normalised: 1 and 1
        " ".join([*tokens[2][:1], "banana", "violin"]),  # one shared token: 0 < F1 < 1
        " ".join(tokens[3][: max(1, len(tokens[3]) // 2)]),  # a part of it
        "banana river piano",  # nothing shared: 0 and 0
        f"{generated[5]} glacier",  # all of it and one more word
    ]
    suite = materialise_suite(upload(targets), tmp_path / "second")
    result = run(RunSpec(hf_model(checkpoint), suite.directory, (TASK,)))

    scores: dict[str, dict[int, float]] = {"f1_squad": {}, "em_squad": {}}
    for sample in result.samples:
        scores[sample.metric][sample.doc_id] = sample.value
    expected_f1 = {i: ref_f1_score(generated[i], t) for i, t in enumerate(targets)}
    expected_em = {i: float(ref_exact_match_score(generated[i], t)) for i, t in enumerate(targets)}
    assert scores["f1_squad"] == pytest.approx(expected_f1)
    assert scores["em_squad"] == expected_em
    assert (expected_f1[0], expected_f1[1], expected_f1[4]) == (1.0, 1.0, 0.0)
    assert (expected_em[0], expected_em[1], expected_em[2], expected_em[4]) == (1, 1, 0, 0)
    assert 0 < expected_f1[2] < 1 and 0 < expected_f1[5] < 1
    by_metric = {m.metric: m.value for m in result.metrics if m.task == TASK}
    assert by_metric["f1_squad"] == pytest.approx(sum(expected_f1.values()) / len(targets))
    assert by_metric["em_squad"] == pytest.approx(sum(expected_em.values()) / len(targets))


MC_TASK = "procure_truthish"
# Choices in the tiny model's vocabulary, so their likelihoods are close and mass splits.
MC_ROWS = [
    {
        "q": "The licensee may",
        "choices": ["copy", "use", "modify"],
        "gold": [0, 2],
    },
    {"q": "The licensor may", "choices": ["copy", "license"], "gold": [1]},
    {"q": "The holder may", "choices": ["modify", "distribute", "copy", "use"], "gold": [0, 1]},
    {"q": "The user may", "choices": ["use", "copy", "modify"], "gold": [2]},
]


def test_mc2_per_item_equals_lm_evals_truthfulqa_scorer_through_the_runner(
    checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lm_eval
    from lm_eval.tasks.truthfulqa.utils import process_results_mc2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    task = (
        f"task: {MC_TASK}\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n  data_files:\n    test: mc.jsonl\n"
        "test_split: test\n"
        "output_type: multiple_choice\n"
        "doc_to_text: q\n"
        "doc_to_choice: choices\n"
        "doc_to_target: gold\n"
        "metric_list:\n  - metric: mc2\n  - metric: acc\n"
    )
    rows = "".join(json.dumps(row) + "\n" for row in MC_ROWS)
    suite = materialise_suite(
        {"mc.yaml": task.encode(), "mc.jsonl": rows.encode()}, tmp_path / "mc"
    )
    spec = RunSpec(hf_model(checkpoint), suite.directory, (MC_TASK,))

    result = run(spec)

    # The reference: lm-eval's own scorer on the log-likelihoods lm-eval itself computes.
    loaded = load_model(hf_model(checkpoint), batch_size=spec.batch_size)
    logged: Any = lm_eval.simple_evaluate(
        model=loaded.lm,
        tasks=[MC_TASK],
        task_manager=new_task_manager(suite.directory),
        log_samples=True,
    )
    expected = {}
    for sample in logged["samples"][MC_TASK]:
        row = MC_ROWS[sample["doc_id"]]
        labels = [int(i in row["gold"]) for i in range(len(row["choices"]))]
        results = [tuple(pair) for pair in sample["filtered_resps"]]
        doc = {"mc2_targets": {"labels": labels}}
        expected[sample["doc_id"]] = float(process_results_mc2(doc, results)["acc"])
    scores = {s.doc_id: s.value for s in result.samples if s.metric == "mc2"}
    assert scores == pytest.approx(expected, rel=1e-9)
    assert len(scores) == len(MC_ROWS) and all(0 <= v <= 1 for v in scores.values())
    # Not only 0/1 accuracy in disguise: some items split their mass.
    assert sum(0.01 < v < 0.99 for v in scores.values()) >= 2, scores
    by_metric = {m.metric: m for m in result.metrics if m.task == MC_TASK}
    assert by_metric["mc2"].value == pytest.approx(sum(expected.values()) / len(MC_ROWS))
    assert by_metric["mc2"].n == len(MC_ROWS) and by_metric["mc2"].stderr is not None
    assert "acc" in by_metric  # lm-eval's own metrics are still reported beside it
