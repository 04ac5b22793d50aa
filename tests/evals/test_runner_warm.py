"""Warm models and task managers, and lm-eval's request cache kept per model."""

from __future__ import annotations

import dataclasses
import gc
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest

from evals.backends import LoadedModel, load_model
from evals.runner import run
from evals.spec import ModelSpec, RunResult, RunSpec
from evals.warm import WarmCache
from tests.evals.support import (
    CLOZE_TASK,
    checkpoint_fixture,
    hf_model,
    suite_dir_fixture,
    tiny_checkpoint,
    write_suite,
)

__all__ = ["checkpoint_fixture", "suite_dir_fixture"]  # fixtures used here by their names


class CountingLoader:
    def __init__(self, load: Any = load_model, delay: float = 0.0) -> None:
        self.calls: list[ModelSpec] = []
        self._load = load
        self._delay = delay

    def __call__(self, model: ModelSpec, *, batch_size: int) -> LoadedModel:
        self.calls.append(model)
        time.sleep(self._delay)
        return self._load(model, batch_size=batch_size)


class Weights:
    """Stands in for a loaded model in the cache-only tests."""


def fake_load(model: ModelSpec, *, batch_size: int) -> LoadedModel:
    return LoadedModel(lm=Weights())


def overhead(result: RunResult) -> float:
    return result.wall_seconds - result.requests / result.requests_per_second


@pytest.mark.slow
def test_a_second_run_on_the_same_model_reuses_the_loaded_model(
    checkpoint: Path, suite_dir: Path
) -> None:
    loader = CountingLoader()
    cache = WarmCache(loader=loader)
    spec = RunSpec(hf_model(checkpoint), str(suite_dir), (CLOZE_TASK,))

    first = run(spec, cache=cache)
    second = run(spec, cache=cache)

    assert len(loader.calls) == 1
    assert second.metrics == first.metrics
    # Time outside the model's own calls: loading is in the first run's only. (Evaluation time
    # itself swings with machine load; bench/bench_eval.py measures whole runs.)
    first_overhead, second_overhead = overhead(first), overhead(second)
    print(f"outside the model: first run {first_overhead:.2f}s, second {second_overhead:.2f}s")
    assert second_overhead < first_overhead


def test_the_cache_keeps_at_most_max_models_and_releases_the_evicted() -> None:
    cache = WarmCache(max_models=1, loader=fake_load)
    first_model, second_model = ModelSpec("hf", "/a"), ModelSpec("hf", "/b")

    with cache.model(first_model, batch_size=8) as loaded:
        first_weights = weakref.ref(loaded.lm)
    del loaded
    with cache.model(second_model, batch_size=8):
        pass

    assert [key[1] for key in cache.loaded_models()] == ["/b"]
    gc.collect()
    assert first_weights() is None


def test_a_model_evicted_while_in_use_is_released_when_its_run_ends() -> None:
    cache = WarmCache(max_models=1, loader=fake_load)

    with cache.model(ModelSpec("hf", "/a"), batch_size=8) as loaded:
        weights = weakref.ref(loaded.lm)
        with cache.model(ModelSpec("hf", "/b"), batch_size=8):
            pass
        assert weights() is not None  # still evaluating
        del loaded
    gc.collect()

    assert weights() is None


def test_concurrent_runs_on_one_model_load_it_once() -> None:
    loader = CountingLoader(load=fake_load, delay=0.2)
    cache = WarmCache(loader=loader)
    seen: list[object] = []

    def use() -> None:
        with cache.model(ModelSpec("hf", "/a"), batch_size=8) as loaded:
            seen.append(loaded.lm)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loader.calls) == 1
    assert len({id(lm) for lm in seen}) == 1


def test_a_failed_load_is_not_kept() -> None:
    def broken(model: ModelSpec, *, batch_size: int) -> LoadedModel:
        raise RuntimeError("disk full")

    cache = WarmCache(loader=broken)

    with pytest.raises(RuntimeError), cache.model(ModelSpec("hf", "/a"), batch_size=8):
        pass

    assert cache.loaded_models() == []


def test_task_managers_are_reused_until_the_suite_changes(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", n_items=4)
    cache = WarmCache()

    first = cache.task_manager(str(suite))
    again = cache.task_manager(str(suite))
    (suite / f"{CLOZE_TASK}.yaml").write_text(
        (suite / f"{CLOZE_TASK}.yaml").read_text() + "\n# edited\n"
    )
    changed = cache.task_manager(str(suite))

    assert first is again
    assert changed is not first


def cached_keys(cache_dir: Path) -> int:
    (db,) = cache_dir.glob("*.db")
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM unnamed").fetchone()[0])


def test_an_identical_rerun_is_answered_from_the_request_cache(
    checkpoint: Path, suite_dir: Path, tmp_path: Path
) -> None:
    cache = WarmCache()
    spec = RunSpec(
        hf_model(checkpoint), str(suite_dir), (CLOZE_TASK,), cache_dir=str(tmp_path / "fp")
    )
    reports: list[tuple[int, int]] = []

    first = run(spec, cache=cache)
    rerun = run(spec, lambda done, total: reports.append((done, total)), cache=cache)

    assert rerun.metrics == first.metrics and rerun.samples == first.samples
    assert rerun.requests == first.requests
    assert rerun.requests_per_second == 0.0  # the model answered nothing itself
    assert reports[-1] == (first.requests, first.requests)


def test_a_warm_model_stops_writing_to_a_previous_runs_request_cache(
    checkpoint: Path, suite_dir: Path, tmp_path: Path
) -> None:
    cache = WarmCache()
    spec = RunSpec(hf_model(checkpoint), str(suite_dir), (CLOZE_TASK,), limit=2)

    run(dataclasses.replace(spec, cache_dir=str(tmp_path / "fp")), cache=cache)
    before = cached_keys(tmp_path / "fp")
    run(dataclasses.replace(spec, limit=6), cache=cache)

    # lm-eval leaves its cache hook on the model; the runner detaches it after each run.
    assert cached_keys(tmp_path / "fp") == before


@pytest.mark.slow
def test_models_with_their_own_cache_dirs_never_share_results(
    checkpoint: Path, suite_dir: Path, tmp_path: Path
) -> None:
    other = tiny_checkpoint(tmp_path, seed=1)
    root = tmp_path / "request-cache"
    spec_a = RunSpec(hf_model(checkpoint), str(suite_dir), (CLOZE_TASK,))
    spec_b = dataclasses.replace(spec_a, model=hf_model(other))
    warm = WarmCache(max_models=2)

    a_cached = run(dataclasses.replace(spec_a, cache_dir=str(root / "fingerprint-a")), cache=warm)
    b_cached = run(dataclasses.replace(spec_b, cache_dir=str(root / "fingerprint-b")), cache=warm)
    b_fresh = run(spec_b, cache=warm)
    # The trap this guards against: lm-eval keys its cache by request only, so a directory
    # shared between models hands the second model the first model's scores.
    b_in_a = run(dataclasses.replace(spec_b, cache_dir=str(root / "fingerprint-a")), cache=warm)

    assert b_cached.samples == b_fresh.samples
    assert a_cached.samples != b_fresh.samples
    assert b_in_a.samples == a_cached.samples
