"""validate_suite: the accepted subset of lm-eval YAML, with every problem located."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from evals.spec import SuiteTask
from evals.suites import validate_suite
from evals.suites.report import Problem
from tests.evals.conftest import TASK_YAML, EditTask

TEXT = 'doc_to_text: "Question: {{ question.strip() }}\\nAnswer:"'
TARGET = "doc_to_target: answer"
DATA_FILE = "test: legal_terms.jsonl"


def problems(files: Mapping[str, bytes]) -> list[str]:
    report = validate_suite(files)
    assert report.ok == (not report.problems)
    return [str(problem) for problem in report.problems]


def only_problem(files: Mapping[str, bytes]) -> Problem:
    report = validate_suite(files)
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def test_it_accepts_the_sample_suites(
    legal_terms: dict[str, bytes], legal_group: dict[str, bytes]
) -> None:
    report = validate_suite(legal_terms)
    assert report.ok
    assert report.tasks == (SuiteTask("procure_legal_terms", "multiple_choice", 20, "acc"),)
    assert report.groups == ()

    report = validate_suite(legal_group)
    assert report.ok
    assert [(t.name, t.n_docs) for t in report.tasks] == [
        ("procure_contract_clauses", 8),
        ("procure_legal_latin", 8),
    ]
    assert report.groups == ("procure_legal",)


def test_its_content_hash_covers_names_and_bytes_but_not_order(
    legal_terms: dict[str, bytes],
) -> None:
    digest = validate_suite(legal_terms).content_hash
    reordered = dict(reversed(list(legal_terms.items())))
    renamed = {("x/" + name): data for name, data in legal_terms.items()}
    touched = {**legal_terms, TASK_YAML: legal_terms[TASK_YAML] + b"\n"}

    assert len(digest) == 64
    assert validate_suite(reordered).content_hash == digest
    assert validate_suite(renamed).content_hash != digest
    assert validate_suite(touched).content_hash != digest


def test_it_names_file_line_and_key_of_a_problem(edit_task: EditTask) -> None:
    problem = only_problem(edit_task(("  - metric: acc_norm", "  - metric: accuracy")))

    assert (problem.file, problem.line, problem.key) == (TASK_YAML, 19, "metric_list[1].metric")
    assert "must be one of: acc, acc_norm" in problem.message
    assert str(problem).startswith("legal_terms.yaml, line 19, metric_list[1].metric: must be")


def test_it_refuses_unknown_keys_listing_the_allowed_ones(edit_task: EditTask) -> None:
    problem = only_problem(edit_task(extra="frobnicate: 1\n"))

    assert (problem.line, problem.key) == (22, "frobnicate")
    assert "unknown key 'frobnicate' (allowed here: task, task_alias" in problem.message


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        ("a: &x 1\nb: *x\n", "a", "anchors (&name) and aliases"),
        ("task: again\n", "task", "this key appears twice"),
        ("when: 2024-01-01\n", "when", "quote dates"),
        ("<<: {a: 1}\n", "", "keys must be plain text"),
        ("---\nother: 1\n", "", "not valid YAML"),
    ],
)
def test_it_refuses_yaml_features_tasks_never_need(
    edit_task: EditTask, extra: str, key: str, message: str
) -> None:
    report = validate_suite(edit_task(extra=extra))

    assert any(p.key == key and message in p.message for p in report.problems), report.problems


def test_it_reports_the_line_of_a_yaml_syntax_error(edit_task: EditTask) -> None:
    problem = only_problem(edit_task(extra="metadata: [1\n"))

    assert problem.line == 23
    assert "not valid YAML" in problem.message


@pytest.mark.parametrize(
    ("replacement", "key", "message"),
    [
        (("output_type: multiple_choice", "output_type: ranking"), "output_type", "must be one"),
        (
            ("dataset_path: json", "dataset_path: csv"),
            "dataset_kwargs.data_files.test[0]",
            "reads .csv",
        ),
        ((DATA_FILE, "test: missing.jsonl"), "dataset_kwargs.data_files.test[0]", "not a file"),
        ((DATA_FILE, "test: '*.jsonl'"), "dataset_kwargs.data_files.test", "patterns"),
        ((DATA_FILE, "test: hf://x/y.jsonl"), "dataset_kwargs.data_files.test", "not URLs"),
        (("test_split: test", "test_split: train"), "test_split", "not a key of data_files"),
        (("test_split: test", "validation_split: test"), "", None),
        (("test_split: test\n", ""), "", "needs test_split or validation_split"),
        (("doc_to_choice: choices\n", ""), "output_type", "need doc_to_choice"),
        (("  - metric: acc_norm", "  - metric: bleu"), "metric_list[1].metric", "does not apply"),
        (
            ("    aggregation: mean", "    aggregation: bleu"),
            "metric_list[0].aggregation",
            "write aggregation: mean or median",
        ),
        (("task: procure_legal_terms", "task: has space"), "task", "names start with"),
        (("task: procure_legal_terms", "task: .hidden"), "task", "names start with"),
        (("version: 1.0", "version: -1"), "metadata.version", "must be a number from 0"),
        (("version: 1.0", "version: '0.3.0'"), "", None),
    ],
)
def test_it_checks_task_keys(
    edit_task: EditTask, replacement: tuple[str, str], key: str, message: str | None
) -> None:
    report = validate_suite(edit_task(replacement))

    if message is None:
        assert report.ok, report.problems
    else:
        assert any(p.key == key and message in p.message for p in report.problems), report.problems


GENERATION_TASK = """
task: procure_legal_answers
dataset_path: json
dataset_kwargs: {data_files: {train: legal_terms.jsonl, test: legal_terms.jsonl}}
test_split: test
fewshot_split: train
output_type: generate_until
doc_to_text: "Question: {{ question }}\\nAnswer:"
doc_to_target: "{{ choices[answer] }}"
num_fewshot: 2
fewshot_config: {sampler: first_n}
generation_kwargs: {until: ["\\n"], max_gen_toks: 32, do_sample: false, temperature: 0}
filter_list:
  - name: first_line
    filter:
      - {function: regex, regex_pattern: "^(.*)$"}
      - {function: take_first}
metric_list:
  - {metric: exact_match, ignore_case: true, regexes_to_ignore: ['\\.']}
  - {metric: chrf}
"""


def test_it_accepts_a_generation_task_with_filters_and_settings(
    legal_terms: dict[str, bytes],
) -> None:
    report = validate_suite({**legal_terms, TASK_YAML: GENERATION_TASK.encode()})

    assert report.ok, report.problems
    assert report.tasks == (
        SuiteTask("procure_legal_answers", "generate_until", 20, "exact_match", "first_line"),
    )


def test_a_suite_can_name_its_primary_filter(legal_terms: dict[str, bytes]) -> None:
    task = GENERATION_TASK + "metadata: {primary_filter: nope}\n"
    named = task.replace("primary_filter: nope", "primary_filter: first_line")

    (problem,) = validate_suite({**legal_terms, TASK_YAML: task.encode()}).problems
    (summary,) = validate_suite({**legal_terms, TASK_YAML: named.encode()}).tasks

    assert problem.message == "'nope' is not the name of an entry of filter_list"
    assert summary.primary_filter == "first_line"


def test_it_refuses_filters_and_options_that_are_not_built_in(edit_task: EditTask) -> None:
    files = edit_task(
        extra=(
            "filter_list:\n  - name: f\n    filter:\n"
            "      - {function: custom, filter_fn: os.system}\n"
            "      - {function: regex, regex_pattern: '(', group_select: 0}\n"
            "      - {function: take_first, path: /etc/passwd}\n"
        )
    )
    found = problems(files)

    assert any("filter_list[0].filter[0].function: must be one of: regex" in p for p in found)
    assert any("filter[1].regex_pattern: is not a valid regular expression" in p for p in found)
    assert any("filter[2].path: unknown key 'path'" in p for p in found)


def test_it_refuses_hf_evaluate_metrics(edit_task: EditTask) -> None:
    problem = only_problem(
        edit_task(("  - metric: acc_norm", "  - metric: acc_norm\n    hf_evaluate: true"))
    )

    assert problem.key == "metric_list[1].hf_evaluate"
    assert "run downloaded code" in problem.message


def test_it_refuses_fields_the_data_does_not_have(edit_task: EditTask) -> None:
    problem = only_problem(edit_task((TEXT, 'doc_to_text: "{{ questoin }}"')))

    assert (problem.line, problem.key) == (12, "doc_to_text")
    assert (
        "'questoin' is not a field of the data (fields: answer, choices, question)"
        in problem.message
    )


def test_it_reports_the_first_row_a_template_fails_on(edit_task: EditTask) -> None:
    problem = only_problem(edit_task((TARGET, 'doc_to_target: "{{ answer + 1 }}"')))

    assert problem.key == "doc_to_target"
    assert problem.message.startswith("fails on row 3 of legal_terms.jsonl, line 4: the target 4")
    assert "(4 more rows fail the same way)" in problem.message


def test_it_reports_text_lm_eval_would_misread_as_a_choice_index(edit_task: EditTask) -> None:
    # "²" is a digit to str.isdigit but no number to Python: lm-eval would crash on it.
    rows = "".join(
        json.dumps({"question": q, "choices": ["a"], "answer": 0}) + "\n" for q in ("12", "²")
    )
    found = problems(
        edit_task(
            (TEXT, 'doc_to_text: "{{ question }}"'), files={"legal_terms.jsonl": rows.encode()}
        )
    )

    assert len(found) == 1
    assert (
        "doc_to_text: fails on row 0 of legal_terms.jsonl, line 1: the index 12 is not a "
        "context index (there are 1 contexts)" in found[0]
    )
    assert "(1 more rows fail the same way)" in found[0]


def test_it_refuses_rows_whose_target_is_not_a_choice(edit_task: EditTask) -> None:
    rows = b'{"question": "q", "choices": ["a", "b"], "answer": "c"}\n'
    problem = only_problem(edit_task(files={"legal_terms.jsonl": rows}))

    assert "the target 'c' is not one of the choices" in problem.message


def test_it_names_the_line_of_malformed_json(
    edit_task: EditTask, legal_terms: dict[str, bytes]
) -> None:
    rows = legal_terms["legal_terms.jsonl"].replace(b'"answer": 2}', b'"answer": 2', 1)
    problem = only_problem(edit_task(files={"legal_terms.jsonl": rows}))

    assert (problem.file, problem.line) == ("legal_terms.jsonl", 3)
    assert "this line is not valid JSON" in problem.message


@pytest.mark.parametrize(
    ("rows", "line", "message"),
    [
        (b'{"question": "q", "choices": ["a"], "answer": 0}\n[1, 2]\n', 2, "must be a JSON object"),
        (b'{"question": "q", "choices": ["a"], "answer": NaN}\n', 1, "not valid JSON"),
        (
            b'{"question": "q", "choices": ["a"], "answer": 0}\n{"question": 1}\n',
            2,
            "field 'question' is a number here but text",
        ),
        (b"\n\n", None, "holds no rows"),
    ],
)
def test_it_refuses_data_lm_eval_could_not_load(
    edit_task: EditTask, rows: bytes, line: int | None, message: str
) -> None:
    report = validate_suite(edit_task(files={"legal_terms.jsonl": rows}))

    assert any(p.line == line and message in p.message for p in report.problems), report.problems


def test_it_reads_csv_with_pandas_types_and_names_bad_lines(legal_group: dict[str, bytes]) -> None:
    csv_name = "data/legal_latin.csv"
    ragged = legal_group[csv_name] + b"ad hoc,for this,too many,0,cells\n"
    problem = only_problem({**legal_group, csv_name: ragged})

    assert (problem.file, problem.line) == (csv_name, 10)
    assert "this line has 5 cells; the header has 4" in problem.message


def test_it_accepts_a_json_array_file(edit_task: EditTask, legal_terms: dict[str, bytes]) -> None:
    rows = [json.loads(line) for line in legal_terms["legal_terms.jsonl"].splitlines()]
    files = edit_task(
        (DATA_FILE, "test: items.json"), files={"items.json": json.dumps(rows).encode()}
    )
    del files["legal_terms.jsonl"]

    assert validate_suite(files).tasks[0].n_docs == 20


def test_it_refuses_data_files_no_task_reads(legal_terms: dict[str, bytes]) -> None:
    problem = only_problem({**legal_terms, "spare.csv": b"a\n1\n"})

    assert (problem.file, problem.message) == (
        "spare.csv",
        "no task reads this file; remove it or list it in data_files",
    )


def test_it_refuses_tasks_whose_data_files_differ_in_fields(edit_task: EditTask) -> None:
    other = b'{"question": "q", "choices": ["a"], "answer": 0, "extra": 1}\n'
    files = edit_task(
        (DATA_FILE, "test: legal_terms.jsonl\n    train: other.jsonl"), files={"other.jsonl": other}
    )

    assert "every data file of a task must have the same fields" in problems(files)[0]


@pytest.mark.parametrize("name", ["hellaswag", "mmlu", "HellaSwag", "arc_easy"])
def test_it_refuses_names_of_built_in_tasks_groups_and_tags(edit_task: EditTask, name: str) -> None:
    problem = only_problem(edit_task(("task: procure_legal_terms", f"task: {name}")))

    assert (problem.line, problem.key) == (3, "task")
    assert "is a built-in lm-eval task, group or tag" in problem.message


def test_it_refuses_built_in_names_as_tags(edit_task: EditTask) -> None:
    problem = only_problem(edit_task(extra="tag: [legal, multiple_choice]\n"))

    assert problem.key == "tag[1]"


def test_it_refuses_a_task_name_defined_twice(legal_terms: dict[str, bytes]) -> None:
    found = problems({**legal_terms, "copy.yaml": legal_terms[TASK_YAML]})

    assert any("the name 'procure_legal_terms' is defined twice" in p for p in found)


def test_it_lets_tasks_share_a_tag(legal_group: dict[str, bytes]) -> None:
    files = {
        name: data + b"tag: procure_legal_all\n"
        if name.endswith(("clauses.yaml", "latin.yaml"))
        else data
        for name, data in legal_group.items()
    }

    assert validate_suite(files).ok


@pytest.mark.parametrize(
    ("group_yaml", "key", "message"),
    [
        (
            "task: [procure_contract_clauses, nowhere]",
            "task[1]",
            "'nowhere' is not a task, group or tag",
        ),
        ("task: [procure_legal]", "task", "the group contains itself"),
        (
            "task: [{task: inline, dataset_path: json}]",
            "task[0]",
            "define tasks in their own files",
        ),
        (
            "task: [procure_legal_latin]\naggregate_metric_list: [{metric: acc_norm}]",
            "aggregate_metric_list[0].metric",
            "do not compute 'acc_norm'",
        ),
        (
            "task: [procure_legal_latin]\naggregate_metric_list: [{metric: acc, aggregation: max}]",
            "aggregate_metric_list[0].aggregation",
            "one of: mean",
        ),
        ("task: [procure_legal_latin]\nnum_fewshot: 5", "num_fewshot", "unknown key"),
    ],
)
def test_it_checks_groups(
    legal_group: dict[str, bytes], group_yaml: str, key: str, message: str
) -> None:
    files = {**legal_group, "procure_legal.yaml": f"group: procure_legal\n{group_yaml}\n".encode()}
    report = validate_suite(files)

    assert any(
        p.file == "procure_legal.yaml" and p.key == key and message in p.message
        for p in report.problems
    ), report.problems


def test_it_refuses_yaml_that_is_neither_task_nor_group(legal_terms: dict[str, bytes]) -> None:
    problem = only_problem({**legal_terms, "notes.yaml": b"comment: hello\n"})

    assert "needs a 'task' key" in problem.message


def test_it_refuses_an_upload_without_yaml() -> None:
    assert problems({"rows.jsonl": b"{}\n"}) == ["upload: the upload holds no YAML task file"]
