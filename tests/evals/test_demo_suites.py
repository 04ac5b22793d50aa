"""evals.demo.suites: lm-eval suites from held-out text, valid uploads, the same bytes twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.demo import corpora, suites
from evals.demo.corpora import Corpus
from evals.demo.suites import GeneratedSuite
from evals.suites import validate_suite
from evals.suites.builtin_names import builtin_task_names


@pytest.fixture(scope="module")
def legal() -> Corpus:
    return corpora.shipped_corpora()[0]


@pytest.fixture(scope="module")
def code() -> Corpus:
    return corpora.shipped_corpora()[1]


@pytest.fixture(scope="module")
def generated(legal: Corpus, code: Corpus) -> dict[str, GeneratedSuite]:
    built = [
        suites.legal_cloze_suite(legal.held_out, legal.train_text),
        suites.legal_phrase_suite(legal.held_out, legal.train_text),
        suites.legal_generation_suite(legal.held_out, legal.train_text),
        suites.code_cloze_suite(code.held_out, code.train_text),
    ]
    return {suite.name: suite for suite in built}


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_the_suites_have_the_promised_sizes(generated: dict[str, GeneratedSuite]) -> None:
    assert len(generated["legal_cloze"].rows) >= 500
    assert len(generated["legal_phrase"].rows) >= 100
    assert 30 <= len(generated["legal_generation"].rows) <= 50
    assert len(generated["code_cloze"].rows) >= 200


def test_the_same_text_gives_the_same_bytes(
    legal: Corpus, code: Corpus, generated: dict[str, GeneratedSuite], tmp_path: Path
) -> None:
    again = [
        suites.legal_cloze_suite(legal.held_out, legal.train_text),
        suites.code_cloze_suite(code.held_out, code.train_text),
    ]
    for suite in again:
        first = files_of(suites.write_suite(generated[suite.name], tmp_path / "a" / suite.name))
        second = files_of(suites.write_suite(suite, tmp_path / "b" / suite.name))
        assert first == second


def test_the_suites_pass_our_upload_validator(
    generated: dict[str, GeneratedSuite], tmp_path: Path
) -> None:
    for suite in generated.values():
        report = validate_suite(files_of(suites.write_suite(suite, tmp_path / suite.name)))
        assert report.ok, report.problems
        assert [task.n_docs for task in report.tasks] == [len(suite.rows)]


def test_task_names_never_shadow_built_in_tasks(generated: dict[str, GeneratedSuite]) -> None:
    names = {suite.task for suite in generated.values()}

    assert all(name.startswith("demo_") for name in names)
    assert not names & builtin_task_names()


@pytest.mark.parametrize("name", ["legal_cloze", "legal_phrase", "code_cloze"])
def test_every_item_has_its_answer_once_among_four_choices(
    name: str, generated: dict[str, GeneratedSuite]
) -> None:
    for row in generated[name].rows:
        choices = row["choices"]
        assert len(choices) == 4
        assert len({c.lower() for c in choices}) == 4
        assert 0 <= row["answer"] < 4
        assert row["context"] and not row["context"].endswith(" ")


def test_answers_are_spread_over_the_positions(generated: dict[str, GeneratedSuite]) -> None:
    positions = [row["answer"] for row in generated["legal_cloze"].rows]

    assert all(positions.count(p) > 80 for p in range(4))


def test_items_come_from_held_out_text_only(
    legal: Corpus, generated: dict[str, GeneratedSuite]
) -> None:
    held_out = corpora.join_documents(legal.held_out)
    for row in generated["legal_cloze"].rows:
        answer = row["choices"][row["answer"]]
        assert f"{row['context']} {answer}" in held_out
        # Decontaminated: the passage ending in the answer is not in the training text.
        assert f"{row['context']} {answer}" not in legal.train_text


def test_the_generation_suite_compares_the_first_generated_word(
    generated: dict[str, GeneratedSuite],
) -> None:
    config = generated["legal_generation"].config

    assert config["output_type"] == "generate_until"
    assert config["generation_kwargs"]["max_gen_toks"] <= 8
    assert config["metric_list"][0]["metric"] == "exact_match"
    assert all(row["answer"].isalpha() for row in generated["legal_generation"].rows)


def test_the_task_yaml_can_name_its_data_by_absolute_path(
    generated: dict[str, GeneratedSuite], tmp_path: Path
) -> None:
    suite = generated["code_cloze"]
    data = tmp_path / "elsewhere" / "rows.jsonl"

    path = suites.write_task_yaml(suite, tmp_path / "run", data_file=str(data))

    assert f"test: {data}\n" in path.read_text()
    assert [p.name for p in (tmp_path / "run").iterdir()] == [f"{suite.task}.yaml"]
