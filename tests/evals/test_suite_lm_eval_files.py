"""lm-eval's own task files upload as they are: includes, inert keys, every problem at once."""

from __future__ import annotations

import json
from pathlib import Path

from evals.suites import materialise_suite, validate_suite
from tests.evals.conftest import TASK_YAML, EditTask

BASE = b"""dataset_path: json
dataset_kwargs:
  data_files:
    test: data.jsonl
    train: data.jsonl
test_split: test
output_type: multiple_choice
doc_to_text: "Q: {{ question }}\\nA:"
doc_to_choice: choices
doc_to_target: answer
should_decontaminate: true
doc_to_decontamination_query: question
metadata:
  version: "0.3.0"
"""
ROWS = "".join(
    json.dumps({"question": f"q{i}", "choices": ["a", "b"], "answer": i % 2}) + "\n"
    for i in range(4)
).encode()


OTHER_TEXT = (
    b"include: _default_template_yaml\ntask: procure_two\ndoc_to_text: 'Other: {{ question }}'\n"
)


def with_base(*tasks: str) -> dict[str, bytes]:
    files = {"_default_template_yaml": BASE, "data.jsonl": ROWS}
    for name in tasks:
        files[f"{name}.yaml"] = f"include: _default_template_yaml\ntask: {name}\n".encode()
    return files


def test_it_resolves_includes_inside_the_upload_as_lm_eval_does() -> None:
    files = with_base("procure_one")
    files["procure_two.yaml"] = OTHER_TEXT

    report = validate_suite(files)

    assert report.ok, report.problems
    assert [task.name for task in report.tasks] == ["procure_one", "procure_two"]


def test_the_files_own_keys_win_over_included_ones(tmp_path: Path) -> None:
    files = with_base()
    files["procure_two.yaml"] = OTHER_TEXT

    suite = materialise_suite(files, tmp_path / "suite")

    written = (Path(suite.directory) / "procure_two.yaml").read_text()
    assert "doc_to_text: 'Other: {{ question }}'" in written
    assert "include" not in written and "decontaminat" not in written


def test_it_drops_inert_keys_with_a_note() -> None:
    files = with_base("procure_one")
    files["procure_one.yaml"] += b"validation_split: null\ndataset_name: null\n"

    report = validate_suite(files)

    assert report.ok, report.problems
    notes = {(note.file, note.key): note.message for note in report.notes}
    assert "never decontaminates" in notes[("_default_template_yaml", "should_decontaminate")]
    assert "null means the same as" in notes[("procure_one.yaml", "validation_split")]
    assert "null means the same as" in notes[("procure_one.yaml", "dataset_name")]


def test_a_problem_in_an_included_file_points_at_that_file() -> None:
    files = with_base("procure_one")
    files["_default_template_yaml"] += b"use_prompt: x\n"

    (problem,) = validate_suite(files).problems

    assert (problem.file, problem.line, problem.key) == ("_default_template_yaml", 15, "use_prompt")


def test_it_refuses_includes_outside_the_upload_and_circles() -> None:
    files = with_base("procure_one")
    files["a.yaml"] = b"include: b.yaml\ntask: procure_a\n"
    files["b.yaml"] = b"include: a.yaml\n"
    files["c.yaml"] = b"include: ../elsewhere.yaml\ntask: procure_c\n"

    found = [str(p) for p in validate_suite(files).problems]

    assert any("a.yaml, line 1, include: includes go round in a circle" in p for p in found)
    assert any(
        "c.yaml, line 1, include: '../elsewhere.yaml' is not a YAML file of this upload" in p
        for p in found
    )


def test_it_reports_every_problem_of_an_upload_at_once(edit_task: EditTask) -> None:
    files = edit_task(
        ("doc_to_choice: choices", "doc_to_choice: !function utils.choices"),
        ('doc_to_text: "Question', 'doc_to_text: "{{ cycler }} Question'),
        extra="process_results: x\ntag: procure_tagged\n",
        files={"utils.py": b"def choices(d): return d"},
    )
    files["group.yaml"] = b"group: procure_g\ntask: [procure_legal_terms, procure_tagged]\n"

    found = [str(p) for p in validate_suite(files).problems]

    assert any(p.startswith("utils.py: only .yaml") for p in found), found
    assert any("doc_to_choice: YAML tags such as '!function'" in p for p in found), found
    assert any("write a field name, a list, or a Jinja template" in p for p in found), found
    assert any("doc_to_text: 'cycler' is reserved" in p for p in found), found
    assert any("process_results: 'process_results' is not allowed" in p for p in found), found
    # The tagged task still defines its names: the group's members are found.
    assert not any("is not a task, group or tag" in p for p in found), found


def test_a_null_name_says_to_remove_the_key(edit_task: EditTask) -> None:
    found = [
        str(p) for p in validate_suite(edit_task(("task_alias: Legal terms", "tag:"))).problems
    ]

    assert found == [f"{TASK_YAML}, line 4, tag: is empty: write a name, or remove the key"]


def test_a_metric_for_another_output_type_lists_the_ones_that_apply(edit_task: EditTask) -> None:
    files = edit_task(
        ("output_type: multiple_choice", "output_type: generate_until"),
        ("doc_to_choice: choices\n", ""),
        ("doc_to_target: answer", 'doc_to_target: "{{ choices[answer] }}"'),
        ("  - metric: acc\n    aggregation: mean\n", "  - metric: f1\n    aggregation: mean\n"),
        ("  - metric: acc_norm\n", ""),
    )

    found = [str(p) for p in validate_suite(files).problems]

    assert any(
        "the metric 'f1' does not apply to generate_until tasks (these do: exact_match" in p
        for p in found
    ), found
    assert any("'f1' is aggregated by 'f1'" in p for p in found), found


def test_it_refuses_more_few_shot_examples_than_the_split_holds() -> None:
    files = with_base("procure_one")
    files["procure_one.yaml"] += b"num_fewshot: 4\n"
    files["procure_two.yaml"] = (
        b"include: _default_template_yaml\ntask: procure_two\nnum_fewshot: 4\nfewshot_split: test\n"
    )
    files["procure_three.yaml"] = b"include: _default_template_yaml\ntask: procure_three\n"
    files["procure_three.yaml"] += b"num_fewshot: 3\nfewshot_config:\n  sampler: first_n\n"

    found = {p.file: p.message for p in validate_suite(files).problems}

    # 4 rows give 4 shots when fewshot_split is not the evaluated split...
    assert "procure_one.yaml" not in found
    assert "procure_three.yaml" not in found
    # ...but when it is, lm-eval draws one more row to leave the item itself out.
    assert found["procure_two.yaml"] == (
        "4 examples cannot be drawn from the 4 rows of 'test' (needs 5); "
        "lower num_fewshot or add rows"
    )


def test_it_accepts_one_context_per_choice_as_winogrande_writes_it() -> None:
    rows = b'{"sentence": "The cup is in the _ now.", "option1": "box", "option2": "sky", '
    rows += b'"answer": "1"}\n'
    task = b"""task: procure_wino
dataset_path: json
dataset_kwargs:
  data_files:
    test: data.jsonl
test_split: test
output_type: multiple_choice
doc_to_text: "{{ answer|int - 1 }}"
doc_to_choice: "{% set i = sentence.index('_') %}{{ [sentence[:i] ~ option1,
  sentence[:i] ~ option2] }}"
doc_to_target: "{% set i = sentence.index('_') + 1 %}{{ sentence[i:].strip() }}"
"""
    files = {"wino.yaml": task, "data.jsonl": rows}

    report = validate_suite(files)

    assert report.ok, report.problems
    from evals.suites import preview_items

    (item,) = preview_items(files, "procure_wino")
    assert item["prompt"] == ["The cup is in the box", "The cup is in the sky"]
    assert (item["target"], item["gold"]) == ("now.", 0)


def test_it_keeps_plain_metadata_and_refuses_nested_values() -> None:
    files = with_base("procure_one")
    files["procure_one.yaml"] += b"metadata:\n  version: 1\n  task_pretty_name: One\n"
    nested = with_base("procure_one")
    nested["procure_one.yaml"] += b"metadata:\n  extra: {a: 1}\n"

    assert validate_suite(files).ok
    (problem,) = validate_suite(nested).problems
    assert problem.key == "metadata.extra"


def test_it_accepts_inline_few_shot_samples_and_checks_them() -> None:
    files = with_base("procure_one")
    files["procure_one.yaml"] += (
        b"num_fewshot: 2\nfewshot_config:\n  sampler: first_n\n  samples:\n"
        b"    - {question: 'Sky colour?', choices: [blue, red], answer: 0}\n"
        b"    - {question: 'Grass colour?', choices: [red, green], answer: 1}\n"
    )
    broken = with_base("procure_one")
    broken["procure_one.yaml"] += (
        b"num_fewshot: 2\nfewshot_config:\n  samples:\n    - {question: 'Sky?', answer: 0}\n"
        b"  doc_to_text: '{{ __import__ }}'\n"
    )

    assert validate_suite(files).ok, validate_suite(files).problems
    (problem,) = validate_suite(broken).problems
    assert (problem.key, problem.message) == (
        "fewshot_config.samples",
        "doc_to_text: '__import__' is not a field of the data (fields: answer, question)",
    )


def test_it_accepts_generation_without_stop_sequences(legal_terms: dict[str, bytes]) -> None:
    from tests.evals.test_suite_validation import GENERATION_TASK

    task = GENERATION_TASK.replace('until: ["\\n"], ', "until: [], ")

    assert "until: []" in task
    assert validate_suite({**legal_terms, TASK_YAML: task.encode()}).ok
