"""`evals.run` on a real tiny model with the hf backend: results, progress, suite failures."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import pytest

from evals.runner import run
from evals.spec import (
    MetricResult,
    ModelSpec,
    RunResult,
    RunSpec,
    SuiteError,
    UnsupportedBackend,
)
from evals.warm import WarmCache
from tests.evals.support import (
    CLOZE_TASK,
    GEN_TASK,
    N_ITEMS,
    checkpoint_fixture,
    hf_model,
    suite_dir_fixture,
    write_suite,
)

__all__ = ["checkpoint_fixture", "suite_dir_fixture"]  # fixtures used here by their names


@pytest.fixture(scope="module")
def warm() -> WarmCache:
    return WarmCache(max_models=1)


def spec_for(checkpoint: Path, suite_dir: Path, *tasks: str, **changes: object) -> RunSpec:
    spec = RunSpec(hf_model(checkpoint), str(suite_dir), tasks or (CLOZE_TASK, GEN_TASK))
    return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def full_run(checkpoint: Path, suite_dir: Path, warm: WarmCache) -> RunResult:
    """Both tasks of the suite, run once for the tests that only read the result."""
    return run(spec_for(checkpoint, suite_dir), cache=warm)


def metric(result_metrics: tuple[MetricResult, ...], task: str, name: str) -> MetricResult:
    return next(m for m in result_metrics if (m.task, m.metric) == (task, name))


def test_it_returns_metrics_with_stderr_and_sample_counts(full_run: RunResult) -> None:
    result = full_run

    acc = metric(result.metrics, CLOZE_TASK, "acc")
    exact = metric(result.metrics, GEN_TASK, "exact_match")
    assert (acc.filter, acc.n, exact.n) == ("none", N_ITEMS, N_ITEMS)
    assert type(acc.value) is float and 0.0 <= acc.value <= 1.0
    assert acc.stderr is not None and acc.stderr > 0
    assert result.lm_eval_version == "0.4.13"
    # 4 choices per cloze item plus one generation per item.
    assert result.requests == N_ITEMS * 5
    assert result.requests_per_second > 0 and result.tokens_per_second > 0
    assert result.model_info["model_num_parameters"].isdigit()
    assert len(result.model_info["checkpoint_digest"]) == 64


def test_per_sample_scores_line_up_by_doc_id_and_average_to_the_metric(
    full_run: RunResult,
) -> None:
    result = full_run

    by_task: dict[str, dict[int, float]] = defaultdict(dict)
    for sample in result.samples:
        by_task[f"{sample.task}/{sample.metric}"][sample.doc_id] = sample.value
    assert sorted(by_task) == [f"{CLOZE_TASK}/acc", f"{GEN_TASK}/exact_match"]
    assert all(sorted(docs) == list(range(N_ITEMS)) for docs in by_task.values())
    cloze = by_task[f"{CLOZE_TASK}/acc"]
    assert sum(cloze.values()) / N_ITEMS == pytest.approx(
        metric(result.metrics, CLOZE_TASK, "acc").value
    )


def test_progress_arrives_in_steps_and_ends_at_the_total(
    checkpoint: Path, suite_dir: Path, warm: WarmCache
) -> None:
    reports: list[tuple[int, int]] = []

    result = run(
        spec_for(checkpoint, suite_dir, CLOZE_TASK),
        lambda done, total: reports.append((done, total)),
        cache=warm,
        progress_interval=0,
    )

    done = [d for d, _ in reports]
    assert len(reports) >= 5
    assert done == sorted(done) and len(set(done)) == len(done)
    assert {total for _, total in reports} == {result.requests}
    assert reports[-1] == (result.requests, result.requests)


def test_progress_reports_are_throttled(checkpoint: Path, suite_dir: Path, warm: WarmCache) -> None:
    reports: list[tuple[int, int]] = []

    run(
        spec_for(checkpoint, suite_dir, CLOZE_TASK, limit=8),
        lambda done, total: reports.append((done, total)),
        cache=warm,
        progress_interval=3600,
    )

    # The first report goes out at once, then only the final one.
    assert len(reports) == 2
    assert reports[-1][0] == reports[-1][1]


def test_a_progress_callback_can_stop_the_run(
    checkpoint: Path, suite_dir: Path, warm: WarmCache
) -> None:
    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        if done > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        run(spec_for(checkpoint, suite_dir, CLOZE_TASK), cancel, cache=warm, progress_interval=0)


def test_limit_and_a_single_task_are_honoured(
    checkpoint: Path, suite_dir: Path, warm: WarmCache
) -> None:
    result = run(spec_for(checkpoint, suite_dir, CLOZE_TASK, limit=5), cache=warm)

    assert [(m.task, m.n) for m in result.metrics] == [(CLOZE_TASK, 5)]
    assert result.requests == 20


def test_an_unknown_task_is_a_suite_error(
    checkpoint: Path, suite_dir: Path, warm: WarmCache
) -> None:
    with pytest.raises(SuiteError, match="no_such_task"):
        run(spec_for(checkpoint, suite_dir, "no_such_task"), cache=warm)


def test_a_suite_that_breaks_at_run_time_is_a_suite_error(
    checkpoint: Path, tmp_path: Path, warm: WarmCache
) -> None:
    suite = write_suite(tmp_path / "broken", n_items=4)
    yaml = suite / f"{CLOZE_TASK}.yaml"
    # A label out of range for the choices: lm-eval only notices when scoring.
    yaml.write_text(yaml.read_text().replace('"{{label}}"', '"{{label + 10}}"'))

    with pytest.raises(SuiteError, match="The suite failed to run"):
        run(spec_for(checkpoint, suite, CLOZE_TASK), cache=warm)


def test_a_missing_suite_directory_is_a_suite_error(checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="does not exist"):
        run(spec_for(checkpoint, tmp_path / "gone"))


def test_a_chat_endpoint_refuses_a_likelihood_suite_before_any_request(
    suite_dir: Path, tmp_path: Path
) -> None:
    chat = ModelSpec(
        "local-chat-completions",
        "served",
        # Nothing listens here: the refusal must come before any request is sent.
        options={"base_url": "http://127.0.0.1:9/v1/chat/completions"},
    )

    with pytest.raises(UnsupportedBackend, match="chat-only endpoint"):
        run(RunSpec(chat, str(suite_dir), (CLOZE_TASK,)), warm=False)
