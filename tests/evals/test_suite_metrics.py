"""Product-implemented metrics (evals/suites/metrics.py): against reference implementations
on fixed examples, and how validation accepts them."""

from __future__ import annotations

import json
import math
import re
import string
from collections import Counter
from pathlib import Path

import pytest
import yaml

from evals.suites import materialise_suite, validate_suite
from evals.suites.metrics import (
    em_squad,
    f1_squad,
    first_number,
    mc2_mass,
    normalize_answer,
    numeric_match,
    register_with_lm_eval,
    squad_exact_match,
    squad_f1,
)


# --- Reference: the official SQuAD v1.1 evaluation script (evaluate-v1.1.py, Rajpurkar et
# al., https://rajpurkar.github.io/SQuAD-explorer/), `normalize_answer`, `f1_score` and
# `exact_match_score`, re-typed as published.
def ref_normalize_answer(s: str) -> str:
    def remove_articles(text: str) -> str:
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text: str) -> str:
        return " ".join(text.split())

    def remove_punc(text: str) -> str:
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text: str) -> str:
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def ref_f1_score(prediction: str, ground_truth: str) -> float:
    prediction_tokens = ref_normalize_answer(prediction).split()
    ground_truth_tokens = ref_normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def ref_exact_match_score(prediction: str, ground_truth: str) -> bool:
    return ref_normalize_answer(prediction) == ref_normalize_answer(ground_truth)


# --- end of reference.

# (prediction, target, F1 worked out by hand, exact match)
SQUAD_CASES = [
    ("the Eiffel Tower", "Eiffel tower in Paris", 2 / 3, 0.0),
    ("The Eiffel Tower.", "eiffel  tower", 1.0, 1.0),
    ("An apple, a day!", "apple day", 1.0, 1.0),
    ("Denver Broncos", "Carolina Panthers", 0.0, 0.0),
    ("", "Paris", 0.0, 0.0),
    ("Paris", "", 0.0, 0.0),
    ("the", "a", 0.0, 1.0),  # both normalise to the empty text
    ("theory of the atom", "atom theory", 0.8, 0.0),  # 'theory' keeps its 'the'
    ("cat cat dog", "cat dog dog", 2 / 3, 0.0),  # token counts, not sets
    ("Ångström's unit", "angström’s unit", 0.5, 0.0),  # only ASCII punctuation goes
    ("  New\tYork\nCity ", "new york city", 1.0, 1.0),
    ("1,000 km", "1000 km", 1.0, 1.0),  # the comma is punctuation
]


@pytest.mark.parametrize(("prediction", "target", "f1", "em"), SQUAD_CASES)
def test_squad_metrics_equal_the_official_script_and_hand_values(
    prediction: str, target: str, f1: float, em: float
) -> None:
    assert normalize_answer(prediction) == ref_normalize_answer(prediction)
    assert squad_f1(prediction, target) == pytest.approx(ref_f1_score(prediction, target))
    assert squad_f1(prediction, target) == pytest.approx(f1)
    assert squad_exact_match(prediction, target) == float(ref_exact_match_score(prediction, target))
    assert squad_exact_match(prediction, target) == em
    # As lm-eval calls a registered metric for a generate_until task.
    assert f1_squad(references=[target], predictions=[prediction]) == pytest.approx(f1)
    assert em_squad(references=[target], predictions=[prediction]) == em


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("The answer is 42.", 42.0),
        ("-3.5 degrees, not 7", -3.5),
        ("about 1,234,567.25 euros", 1234567.25),
        ("1e3 items", 1000.0),
        (".5 of it", 0.5),
        ("#### 18", 18.0),
        ("no digits here", None),
        ("", None),
    ],
)
def test_first_number_reads_numbers_as_answers_write_them(text: str, number: float | None) -> None:
    assert first_number(text) == number


@pytest.mark.parametrize(
    ("prediction", "target", "options", "score"),
    [
        ("42", "42", {}, 1.0),
        ("It is 42.0 apples", "42", {}, 1.0),
        ("42.01", "42", {}, 0.0),
        ("42.01", "42", {"abs_tol": 0.01}, 1.0),
        ("42.5", "42", {"abs_tol": 0.01}, 0.0),
        ("105", "100", {"rel_tol": 0.05}, 1.0),
        ("106", "100", {"rel_tol": 0.05}, 0.0),
        ("-95", "-100", {"rel_tol": 0.05}, 1.0),
        ("0.001", "0", {"rel_tol": 0.5}, 0.0),  # relative to 0 is exact: use abs_tol
        ("0.001", "0", {"rel_tol": 0.5, "abs_tol": 0.001}, 1.0),
        ("7 then 42", "42", {}, 0.0),  # the FIRST number is the answer
        ("forty-two", "42", {}, 0.0),
        ("1e999", "1e999", {"abs_tol": 1.0}, 0.0),  # infinities never match
    ],
)
def test_numeric_match_compares_the_first_number_within_tolerance(
    prediction: str, target: str, options: dict[str, float], score: float
) -> None:
    assert numeric_match(references=[target], predictions=[prediction], **options) == score


def test_registering_keeps_lm_evals_own_metrics_and_is_idempotent() -> None:
    from lm_eval.api import registry

    register_with_lm_eval()
    register_with_lm_eval()

    assert registry.get_metric("f1_squad") is f1_squad
    assert registry.get_metric("numeric_match") is numeric_match
    assert registry.get_metric("exact_match") is not None
    assert registry.get_metric("acc") is not None
    assert registry.get_metric_aggregation("em_squad") is registry.get_aggregation("mean")


# --- validation


def gen_upload(metric_list: str, rows: list[dict[str, object]] | None = None) -> dict[str, bytes]:
    rows = rows or [{"question": "Capital of France?", "answer": "Paris"}]
    task = (
        "task: procure_qa\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n  data_files:\n    test: qa.jsonl\n"
        "test_split: test\n"
        "output_type: generate_until\n"
        'doc_to_text: "Q: {{ question }}\\nA:"\n'
        "doc_to_target: answer\n"
        f"metric_list:\n{metric_list}"
    )
    data = "".join(json.dumps(row) + "\n" for row in rows)
    return {"qa.yaml": task.encode(), "qa.jsonl": data.encode()}


def problems(files: dict[str, bytes]) -> list[str]:
    return [str(problem) for problem in validate_suite(files).problems]


def test_generation_tasks_may_name_the_product_metrics(tmp_path: Path) -> None:
    upload = gen_upload(
        "  - metric: f1_squad\n  - metric: em_squad\n    aggregation: median\n"
        "  - metric: numeric_match\n    rel_tol: 0.01\n    abs_tol: 0.5\n",
        [{"question": "How many?", "answer": "12"}],
    )
    assert problems(upload) == []
    assert validate_suite(upload).tasks[0].primary_metric == "f1_squad"

    suite = materialise_suite(upload, tmp_path / "suite")
    written = yaml.safe_load((Path(suite.directory) / "procure_qa.yaml").read_text())
    assert written["metric_list"] == [
        {"metric": "f1_squad", "aggregation": "mean", "higher_is_better": True},
        {"metric": "em_squad", "aggregation": "median", "higher_is_better": True},
        {
            "metric": "numeric_match",
            "aggregation": "mean",
            "higher_is_better": True,
            "rel_tol": 0.01,
            "abs_tol": 0.5,
        },
    ]


def test_the_product_metrics_are_refused_on_other_output_types(
    legal_terms: dict[str, bytes],
) -> None:
    task = legal_terms["legal_terms.yaml"].decode()
    task = re.sub(r"metric_list:\n(  .*\n)+", "metric_list:\n  - metric: f1_squad\n", task)
    found = problems({**legal_terms, "legal_terms.yaml": task.encode()})
    assert len(found) == 1
    assert "the metric 'f1_squad' does not apply to multiple_choice tasks" in found[0]


def test_f1_on_generated_text_points_at_f1_squad() -> None:
    (message,) = problems(gen_upload("  - metric: f1\n"))
    assert "does not apply to generate_until tasks" in message
    assert "write f1_squad" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("  - metric: numeric_match\n    rel_tol: 2\n", "must be a number from 0 to 1"),
        ("  - metric: numeric_match\n    abs_tol: -1\n", "must be a number from 0 to 1e+12"),
        ("  - metric: numeric_match\n    rel_tol: lots\n", "must be a number from 0 to 1"),
        ("  - metric: f1_squad\n    rel_tol: 0.1\n", "rel_tol"),
        ("  - metric: em_squad\n    ignore_case: true\n", "ignore_case"),
        ("  - metric: f1_squad\n    aggregation: f1\n", "write aggregation: mean or median"),
    ],
)
def test_metric_options_are_checked(entry: str, expected: str) -> None:
    (message,) = problems(gen_upload(entry))
    assert expected in message


def test_numeric_match_needs_a_number_in_every_target() -> None:
    rows = [
        {"question": "a", "answer": "3"},
        {"question": "b", "answer": "three"},
        {"question": "c", "answer": "n/a"},
    ]
    (message,) = problems(gen_upload("  - metric: numeric_match\n", rows))
    assert "numeric_match needs a number in every target; 'three' has none" in message
    assert "row 1 of qa.jsonl" in message and "1 more rows fail the same way" in message


def test_f1_squad_is_refused_with_several_targets_per_item_but_em_squad_is_not() -> None:
    rows = [{"question": "Capital?", "answers": ["Paris", "City of Paris"]}]
    upload = gen_upload("  - metric: f1_squad\n", rows)
    upload["qa.yaml"] = upload["qa.yaml"].replace(
        b"doc_to_target: answer", b"doc_to_target: answers"
    )
    (message,) = problems(upload)
    assert "f1_squad needs one target text per item" in message

    upload["qa.yaml"] = upload["qa.yaml"].replace(b"f1_squad", b"em_squad")
    assert problems(upload) == []


# --- mc2: the reference is lm-eval's own TruthfulQA scorer, imported from the installed
# lm_eval/tasks/truthfulqa/utils.py (`process_results_mc2`: softmax of the log-likelihoods,
# mass where mc2_targets.labels is 1).
@pytest.mark.parametrize(
    ("loglikelihoods", "labels"),
    [
        ([-1.0, -2.0, -3.0], [1, 0, 0]),
        ([-1.0, -2.0, -3.0, -0.5], [1, 1, 0, 0]),
        ([-12.5, -7.25, -30.0, -8.0, -9.5], [1, 1, 1, 0, 0]),
        ([-0.1, -0.1], [1, 0]),
        ([-40.0, -41.0, -39.5], [0, 1, 0]),
    ],
)
def test_mc2_equals_lm_evals_truthfulqa_scorer(
    loglikelihoods: list[float], labels: list[int]
) -> None:
    from lm_eval.tasks.truthfulqa.utils import process_results_mc2

    results = [(ll, False) for ll in loglikelihoods]
    reference = process_results_mc2({"mc2_targets": {"labels": labels}}, results)["acc"]
    gold = [index for index, label in enumerate(labels) if label == 1]

    assert mc2_mass(loglikelihoods, gold) == pytest.approx(reference, rel=1e-12)


def test_mc2_stays_finite_where_exp_underflows() -> None:
    assert mc2_mass([-2000.0, -2000.0, -2001.0], [0, 1]) == pytest.approx(2 / (2 + math.exp(-1)))


def mc_upload(metric_list: str, target: str = "answer") -> dict[str, bytes]:
    rows = [{"question": "Which are fruit?", "choices": ["apple", "pear", "stone"], "gold": [0, 1]}]
    task = (
        "task: procure_mc\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n  data_files:\n    test: mc.jsonl\n"
        "test_split: test\n"
        "output_type: multiple_choice\n"
        'doc_to_text: "Q: {{ question }}\\nA:"\n'
        "doc_to_choice: choices\n"
        f"doc_to_target: {target}\n"
        f"metric_list:\n{metric_list}"
    )
    data = "".join(json.dumps(row) + "\n" for row in rows)
    return {"mc.yaml": task.encode(), "mc.jsonl": data.encode()}


def test_mc2_is_accepted_on_multiple_choice_only() -> None:
    assert problems(mc_upload("  - metric: mc2\n  - metric: acc\n", "gold")) == []
    (message,) = problems(gen_upload("  - metric: mc2\n"))
    assert "the metric 'mc2' does not apply to generate_until tasks" in message
