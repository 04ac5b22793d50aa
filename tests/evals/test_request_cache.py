"""The request cache: same per-item results cold, cached and off; one write per answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from lm_eval.api.instance import Instance
from lm_eval.api.model import CacheHook, hash_args
from lm_eval.models.huggingface import HFLM
from sqlitedict import SqliteDict

from evals.progress import ProgressLM, RequestTracker
from evals.request_cache import RequestCache, cache_path
from evals.runner import run
from evals.spec import RunSpec
from evals.warm import WarmCache
from tests.evals.support import (
    CLOZE_TASK,
    GEN_TASK,
    checkpoint_fixture,
    hf_model,
    suite_dir_fixture,
)

__all__ = ["checkpoint_fixture", "suite_dir_fixture"]  # fixtures used here by their names


class CountingModelCalls:
    """Counts the requests that reach the Hugging Face model's own scoring and generation."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.requests = 0
        for name in ("_loglikelihood_tokens", "generate_until"):
            original = getattr(HFLM, name)
            monkeypatch.setattr(HFLM, name, self._counting(original))

    def _counting(self, original: Any) -> Any:
        def counted(lm: Any, requests: list[Any], *args: Any, **kwargs: Any) -> Any:
            self.requests += len(requests)
            return original(lm, requests, *args, **kwargs)

        return counted


def test_cold_cached_and_uncached_runs_give_the_same_per_item_results(
    checkpoint: Path, suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm = WarmCache()
    spec = RunSpec(hf_model(checkpoint), str(suite_dir), (CLOZE_TASK, GEN_TASK))
    cached_spec = dataclasses.replace(spec, cache_dir=str(tmp_path / "fingerprint"))

    uncached = run(spec, cache=warm)
    cold = run(cached_spec, cache=warm)
    calls = CountingModelCalls(monkeypatch)
    from_cache = run(cached_spec, cache=warm)

    assert cold.samples and cold.metrics
    assert cold.samples == uncached.samples == from_cache.samples  # every item, exactly
    assert cold.metrics == uncached.metrics == from_cache.metrics
    # An identical fingerprint is answered from the cache: the model computes nothing.
    assert calls.requests == 0
    assert from_cache.requests_per_second == 0.0
    assert from_cache.requests == cold.requests


class HookedModel:
    """A stand-in model that answers like lm-eval's backends: through the cache hook, one
    answer at a time, then the whole list; it can fail after some answers."""

    rank, world_size = 0, 1

    def __init__(self, fail_after: int | None = None) -> None:
        self.cache_hook = CacheHook(None)
        self.fail_after = fail_after
        self.seen: list[tuple[str, str]] = []

    def set_cache_hook(self, hook: CacheHook) -> None:
        self.cache_hook = hook

    def loglikelihood(self, requests: list[Instance]) -> list[tuple[float, bool]]:
        answers = []
        for index, request in enumerate(requests):
            if index == self.fail_after:
                raise RuntimeError("the endpoint went away")
            self.seen.append(request.args)
            answer = (-float(len(request.args[1])), False)
            self.cache_hook.add_partial("loglikelihood", request.args, answer)
            answers.append(answer)
        return answers


def requests(n: int) -> list[Instance]:
    return [Instance("loglikelihood", {}, (f"context {i}", f" word{i}"), idx=0) for i in range(n)]


def test_answers_are_written_once_each_in_one_commit_per_call(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "cache.db")
    model = ProgressLM(HookedModel(), RequestTracker(None), cache)

    answers = model.loglikelihood(requests(50))

    assert cache.writes == 50 and cache.commits == 1
    assert cache.lookup("loglikelihood", [r.args for r in requests(50)]) == answers


def test_only_the_requests_missing_from_the_cache_reach_the_model(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "cache.db")
    inner = HookedModel()
    ProgressLM(inner, RequestTracker(None), cache).loglikelihood(requests(10))
    inner.seen.clear()

    answers = ProgressLM(inner, RequestTracker(None), cache).loglikelihood(requests(15))

    assert inner.seen == [r.args for r in requests(15)[10:]]
    assert answers == [(-float(len(r.args[1])), False) for r in requests(15)]


def test_answers_computed_before_a_failure_are_kept(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "cache.db")
    model = ProgressLM(HookedModel(fail_after=7), RequestTracker(None), cache)

    with pytest.raises(Exception, match="endpoint went away"):
        model.loglikelihood(requests(20))

    found = cache.lookup("loglikelihood", [r.args for r in requests(20)])
    assert [answer is not None for answer in found] == [True] * 7 + [False] * 13


def test_the_file_stays_readable_both_ways_with_lm_evals_own_cache(tmp_path: Path) -> None:
    path = cache_path(str(tmp_path / "lm_eval_requests"))
    old = ("The licensee may", " copy")
    with SqliteDict(str(path), autocommit=True) as lm_evals:  # as CachingLM writes it
        lm_evals[hash_args("loglikelihood", old)] = (-3.5, True)

    cache = RequestCache(path)
    new = ("The licensor may", " modify")
    cache.hold("loglikelihood", new, (-4.25, False))
    cache.close()

    assert RequestCache(path).lookup("loglikelihood", [old, new]) == [(-3.5, True), (-4.25, False)]
    with SqliteDict(str(path)) as lm_evals:
        assert lm_evals[hash_args("loglikelihood", new)] == (-4.25, False)


def test_sampled_generations_are_never_answered_from_the_cache(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "cache.db")
    sampled = ("Write a clause:", {"do_sample": True, "until": ["\n"]})
    cache.hold("generate_until", sampled, "The licensee shall")
    cache.flush()

    assert cache.writes == 0
    assert cache.lookup("generate_until", [sampled]) == [None]
