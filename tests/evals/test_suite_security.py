"""Security acceptance: every way a suite could run code or read files is refused.

Probes that could run code carry a payload that would create MARKER in tmp_path if anything
executed it (lm-eval's loader, its unsandboxed Jinja, a naive extraction); the others would
read files or reach Python internals. Validation, materialisation and preview must all refuse
each one with the file, line and key at fault, and MARKER must not exist afterwards.
test_suite_lm_eval.py shows, with lm-eval's own loader and renderer, that the payloads do run.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from evals.spec import SuiteError
from evals.suites import materialise_suite, preview_items, read_archive, validate_suite
from evals.suites.report import SuiteRefused
from tests.evals.conftest import TASK_YAML, EditTask, make_tgz, make_zip

TEXT = 'doc_to_text: "Question: {{ question.strip() }}\\nAnswer:"'
DATA_FILES = "dataset_path: json\ndataset_kwargs:\n  data_files:\n    test: legal_terms.jsonl"


@dataclass(frozen=True)
class Probe:
    """An upload built around `marker`, and where its refusal must point."""

    build: Callable[[EditTask, Path], dict[str, bytes]]
    line: int
    key: str
    message: str


def ssti(payload: str) -> Callable[[EditTask, Path], dict[str, bytes]]:
    return lambda edit, marker: edit((TEXT, f'doc_to_text: "{payload.format(marker=marker)}"'))


def appended(lines: str) -> Callable[[EditTask, Path], dict[str, bytes]]:
    return lambda edit, marker: edit(extra=lines.format(marker=marker))


def evil_module(marker: Path) -> dict[str, bytes]:
    """The Python file a `!function` tag would import, were it on disk next to the YAML."""
    return {"evil.py": f"open({str(marker)!r}, 'w').close()\ndef run(doc): return doc\n".encode()}


PROBES: Mapping[str, Probe] = {
    "function tag": Probe(
        appended("process_docs: !function evil.run\n"),
        22,
        "process_docs",
        "'!function' are not allowed",
    ),
    "python object tag": Probe(
        appended("tag: !!python/object/apply:os.system ['touch {marker}']\n"),
        22,
        "tag",
        "'!!python/object/apply:os.system' are not allowed",
    ),
    "jinja cycler globals": Probe(
        ssti("{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}"),
        12,
        "doc_to_text",
        "'cycler' is reserved",
    ),
    "jinja subclasses": Probe(
        ssti("{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}"),
        12,
        "doc_to_text",
        "the attribute '__class__' is not allowed",
    ),
    "jinja self": Probe(
        ssti("{{{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}}}"),
        12,
        "doc_to_text",
        "'self' is reserved",
    ),
    "jinja attribute filter": Probe(
        ssti("{{{{ (choices|attr('__class__')) }}}}"),
        12,
        "doc_to_text",
        "the filter 'attr' is not allowed",
    ),
    "include outside the upload": Probe(
        appended("include: {marker}.yaml\n"), 22, "include", "is not a YAML file of this upload"
    ),
    "include through ..": Probe(
        appended("include: ../../../etc/passwd\n"),
        22,
        "include",
        "is not a YAML file of this upload",
    ),
    "class": Probe(appended("class: evil.Task\n"), 22, "class", "run Python code"),
    "custom_dataset": Probe(
        appended("custom_dataset: evil.run\n"), 22, "custom_dataset", "run Python code"
    ),
    "process_docs": Probe(
        appended("process_docs: evil.run\n"), 22, "process_docs", "run Python code"
    ),
    "process_results": Probe(
        appended("process_results: evil.run\n"), 22, "process_results", "run Python code"
    ),
    "metric path": Probe(
        lambda edit, marker: edit(("  - metric: acc_norm", f"  - metric: {marker}.py")),
        19,
        "metric_list[1].metric",
        "must be one of: acc",
    ),
    "text dataset reading /etc/passwd": Probe(
        lambda edit, marker: edit(
            (
                DATA_FILES,
                DATA_FILES.replace("json", "text").replace("legal_terms.jsonl", "/etc/passwd"),
            )
        ),
        5,
        "dataset_path",
        "must be one of: json, csv",
    ),
    "absolute data path": Probe(
        lambda edit, marker: edit(("test: legal_terms.jsonl", "test: /etc/passwd")),
        8,
        "dataset_kwargs.data_files.test",
        "must be relative",
    ),
    "data path outside the upload": Probe(
        lambda edit, marker: edit(("test: legal_terms.jsonl", "test: ../../x.jsonl")),
        8,
        "dataset_kwargs.data_files.test[0]",
        "points outside the upload",
    ),
    "built-in task name": Probe(
        lambda edit, marker: edit(("task: procure_legal_terms", "task: hellaswag")),
        3,
        "task",
        "'hellaswag' is a built-in lm-eval task",
    ),
}


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "MARKER"


@pytest.mark.parametrize("name", list(PROBES))
def test_it_refuses_every_code_and_file_path_and_runs_nothing(
    name: str, edit_task: EditTask, marker: Path, tmp_path: Path
) -> None:
    probe = PROBES[name]
    files = probe.build(edit_task, marker)

    report = validate_suite(files)
    assert not report.ok
    assert any(
        (p.file, p.line, p.key) == (TASK_YAML, probe.line, probe.key) and probe.message in p.message
        for p in report.problems
    ), report.problems
    with pytest.raises(SuiteRefused):
        materialise_suite(files, tmp_path / "suite")
    with pytest.raises(SuiteRefused):
        preview_items(files, "procure_legal_terms")

    assert not marker.exists()
    assert not (tmp_path / "suite").exists()


def test_it_refuses_python_files_next_to_a_function_tag(edit_task: EditTask, marker: Path) -> None:
    files = edit_task(extra="process_docs: !function evil.run\n", files=evil_module(marker))
    found = [str(p) for p in validate_suite(files).problems]

    # Both problems at once: the extra file does not hide the tag, and the tag says what
    # to write instead.
    assert any(
        line.startswith("evil.py: only .yaml, .yml, .jsonl, .json and .csv files")
        and "never run Python" in line
        for line in found
    ), found
    assert any(
        "'!function' are not allowed" in line and "clean the rows before uploading" in line
        for line in found
    )
    assert not marker.exists()


def test_it_refuses_archive_path_traversal(
    legal_terms: dict[str, bytes], marker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Extracted from tmp_path/work, "../MARKER" would be the marker.
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    archive = make_zip({**legal_terms, "../MARKER": b"x", str(marker): b"x"})

    with pytest.raises(SuiteRefused) as refused:
        read_archive(archive, "suite.zip")

    assert {p.file for p in refused.value.problems} == {"../MARKER", str(marker)}
    assert all("paths must stay inside the upload" in p.message for p in refused.value.problems)
    assert not marker.exists()


def test_it_refuses_a_symlink_in_a_tar(legal_terms: dict[str, bytes], marker: Path) -> None:
    # Written through, a link named like a data file would create (or read) the marker.
    link = tarfile.TarInfo("legal_terms.jsonl")
    link.type = tarfile.SYMTYPE
    link.linkname = str(marker)
    archive = make_tgz([(tarfile.TarInfo(TASK_YAML), legal_terms[TASK_YAML]), (link, None)])

    with pytest.raises(SuiteRefused, match=r"legal_terms\.jsonl: links, devices"):
        read_archive(archive, "suite.tgz")
    assert not marker.exists()


def test_it_refuses_a_zip_bomb(legal_terms: dict[str, bytes]) -> None:
    bomb = make_zip({**legal_terms, "bomb.jsonl": b"{}" * (30 * 1024 * 1024)})

    with pytest.raises(SuiteRefused, match=r"bomb\.jsonl: the file unpacks to more than 20 MB"):
        read_archive(bomb, "suite.zip")


def test_it_refuses_data_files_outside_the_upload_even_if_they_exist(
    edit_task: EditTask, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"question": "q", "choices": ["a"], "answer": 0}\n')
    files = edit_task(("test: legal_terms.jsonl", f"test: {secret}"))

    assert not validate_suite(files).ok
    with pytest.raises(SuiteError):
        preview_items(files, "procure_legal_terms")
