"""Against lm-eval itself: it loads what we write, builds the items we preview, and really
would have run the probes test_suite_security.py shows we refuse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.suites import materialise_suite, preview_items
from tests.evals.conftest import sample_suite

pytestmark = pytest.mark.slow


@pytest.fixture
def offline_lm_eval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


@pytest.mark.filterwarnings("ignore:.*TaskManager.load:DeprecationWarning")
def test_lm_eval_loads_the_materialised_sample_suites_and_builds_our_items(
    tmp_path: Path, offline_lm_eval: None
) -> None:
    from lm_eval.tasks import TaskManager, get_task_dict

    uploads = {name: sample_suite(name) for name in ("legal_terms", "legal_group")}
    suites = {name: materialise_suite(files, tmp_path / name) for name, files in uploads.items()}
    manager = TaskManager(
        include_path=[suite.directory for suite in suites.values()], include_defaults=False
    )
    loaded = _leaf_tasks(get_task_dict(["procure_legal_terms", "procure_legal"], manager))

    assert set(manager.all_groups) == {"procure_legal"}
    for name, suite in suites.items():
        for summary in suite.tasks:
            task = loaded[summary.name]
            docs = list(task.eval_docs)
            assert len(docs) == summary.n_docs
            for item, doc in zip(
                preview_items(uploads[name], summary.name, n=100), docs, strict=True
            ):
                choices = task.doc_to_choice(doc)
                target = task.doc_to_target(doc)
                assert item["prompt"] == task.fewshot_context(doc, 0)
                assert item["choices"] == choices
                assert item["target"] == (choices[target] if isinstance(target, int) else target)


def _leaf_tasks(task_dict: dict[Any, Any]) -> dict[str, Any]:
    leaves: dict[str, Any] = {}
    for key, value in task_dict.items():
        if isinstance(value, dict):
            leaves.update(_leaf_tasks(value))
        else:
            leaves[key] = value
    return leaves


def test_lm_evals_loader_would_run_a_function_tag(tmp_path: Path) -> None:
    from lm_eval.tasks._yaml_loader import load_yaml

    marker = tmp_path / "MARKER"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\ndef run(d): return d\n")
    (tmp_path / "task.yaml").write_text("task: probe\nprocess_docs: !function evil.run\n")

    load_yaml(tmp_path / "task.yaml")

    assert marker.exists()


def test_lm_evals_jinja_would_run_a_shell_command(tmp_path: Path) -> None:
    from lm_eval.utils import apply_template

    marker = tmp_path / "MARKER"
    payload = f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}"

    apply_template(payload, {"question": "q"})

    assert marker.exists()
