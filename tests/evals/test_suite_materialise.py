"""materialise_suite writes our own YAML, atomically and idempotently; preview_items shows items."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import evals.suites.materialise as materialise_module
from evals.spec import SuiteError
from evals.suites import materialise_suite, preview_items
from evals.suites.report import SuiteRefused
from tests.evals.conftest import TASK_YAML, EditTask


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_it_writes_its_own_yaml_with_absolute_data_paths(
    legal_terms: dict[str, bytes], tmp_path: Path
) -> None:
    dest = tmp_path / "suite"
    suite = materialise_suite(legal_terms, dest)

    assert suite.directory == str(dest)
    assert suite.task_names == ("procure_legal_terms",)
    assert suite.output_types == frozenset({"multiple_choice"})
    assert sorted(tree(dest)) == [
        "content_hash.txt",
        "data/legal_terms.jsonl",
        "procure_legal_terms.yaml",
    ]
    written = (dest / "procure_legal_terms.yaml").read_text()
    assert "#" not in written  # the upload's comments (and bytes) are not copied
    assert yaml.safe_load(written) == {
        "task": "procure_legal_terms",
        "task_alias": "Legal terms",
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": [str(dest / "data" / "legal_terms.jsonl")]}},
        "test_split": "test",
        "output_type": "multiple_choice",
        "description": "The following are questions about legal terms.\n\n",
        "doc_to_text": "Question: {{ question.strip() }}\nAnswer:",
        "doc_to_choice": "choices",
        "doc_to_target": "answer",
        "metric_list": [
            {"metric": "acc", "aggregation": "mean", "higher_is_better": True},
            {"metric": "acc_norm", "aggregation": "mean", "higher_is_better": True},
        ],
        "metadata": {"version": 1.0},
    }
    assert (dest / "data" / "legal_terms.jsonl").read_bytes() == legal_terms["legal_terms.jsonl"]
    assert (dest / "content_hash.txt").read_text() == suite.content_hash


def test_it_writes_groups_and_keeps_data_paths_of_the_upload(
    legal_group: dict[str, bytes], tmp_path: Path
) -> None:
    dest = tmp_path / "suite"
    suite = materialise_suite(legal_group, dest)

    assert suite.groups == ("procure_legal",)
    assert yaml.safe_load((dest / "procure_legal.yaml").read_text())["task"] == [
        "procure_contract_clauses",
        "procure_legal_latin",
    ]
    latin = yaml.safe_load((dest / "procure_legal_latin.yaml").read_text())
    assert latin["dataset_kwargs"]["data_files"]["test"] == [
        str(dest / "data/data/legal_latin.csv")
    ]


def test_it_fills_in_lm_evals_default_metrics(edit_task: EditTask, tmp_path: Path) -> None:
    metrics = (
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n"
        "  - metric: acc_norm\n"
    )
    materialise_suite(edit_task((metrics, "")), tmp_path / "suite")

    written = yaml.safe_load((tmp_path / "suite" / "procure_legal_terms.yaml").read_text())
    assert [m["metric"] for m in written["metric_list"]] == ["acc", "acc_norm"]


def test_it_is_idempotent(legal_terms: dict[str, bytes], tmp_path: Path) -> None:
    dest = tmp_path / "suite"
    first = materialise_suite(legal_terms, dest)
    before = tree(dest)
    again = materialise_suite(dict(reversed(list(legal_terms.items()))), dest)

    assert again == first
    assert tree(dest) == before
    other = tmp_path / "other"
    materialise_suite(legal_terms, other)
    assert tree(other) == {
        name: data.replace(str(dest).encode(), str(other).encode()) for name, data in before.items()
    }


def test_it_refuses_a_destination_holding_another_suite(
    legal_terms: dict[str, bytes], legal_group: dict[str, bytes], tmp_path: Path
) -> None:
    materialise_suite(legal_terms, tmp_path / "suite")

    with pytest.raises(SuiteError, match="holds something else"):
        materialise_suite(legal_group, tmp_path / "suite")


def test_it_takes_an_empty_destination(legal_terms: dict[str, bytes], tmp_path: Path) -> None:
    (tmp_path / "suite").mkdir()

    assert materialise_suite(legal_terms, tmp_path / "suite").task_names == ("procure_legal_terms",)


def test_a_crash_while_writing_leaves_nothing_behind(
    legal_group: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[Path] = []

    def crash_on_second_yaml(path: Path, config: object) -> None:
        written.append(path)
        if len(written) == 2:
            raise OSError("disk full")
        path.write_text("partial")

    monkeypatch.setattr(materialise_module, "_write_yaml", crash_on_second_yaml)

    with pytest.raises(SuiteError, match="disk full"):
        materialise_suite(legal_group, tmp_path / "suite")
    assert list(tmp_path.iterdir()) == []


def test_it_refuses_an_invalid_suite_listing_the_problems(
    edit_task: EditTask, tmp_path: Path
) -> None:
    with pytest.raises(SuiteRefused) as refused:
        materialise_suite(edit_task(extra="include: other.yaml\n"), tmp_path / "suite")

    assert f"- {TASK_YAML}, line 22, include: 'other.yaml' is not a YAML file" in str(refused.value)
    assert not (tmp_path / "suite").exists()


def test_it_previews_items_as_lm_eval_builds_them(
    legal_terms: dict[str, bytes], legal_group: dict[str, bytes]
) -> None:
    items = preview_items(legal_terms, "procure_legal_terms", n=2)

    assert items[1] == {
        "doc_id": 1,
        "prompt": "The following are questions about legal terms.\n\n"
        "Question: What is the legal term for a civil wrong, other than a breach of contract, "
        "that causes harm to another?\nAnswer:",
        "choices": ["Covenant", "Tort", "Indemnity", "Estoppel"],
        "target": "Tort",
    }
    latin = preview_items(legal_group, "procure_legal_latin", n=100)
    assert len(latin) == 8
    assert latin[2]["choices"] == ["let the buyer beware", "you shall have the body"]
    assert latin[2]["target"] == "you shall have the body"


def test_it_refuses_to_preview_an_unknown_task(legal_terms: dict[str, bytes]) -> None:
    with pytest.raises(SuiteError, match="no task named 'nope' \\(it has: procure_legal_terms\\)"):
        preview_items(legal_terms, "nope")
