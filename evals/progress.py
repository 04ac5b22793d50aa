"""Count requests as the model answers them, and time the model's share of a run.

lm-eval has no progress callback, and hands all requests of one type (loglikelihood,
generate_until, ...) to the model in a single call. Two hooks give progress anyway:

- `ProgressLM` wraps the real model: it sees each call start and end, times it, credits the
  requests answered from lm-eval's request cache, and tags exceptions as the model's.
- `CountingHook` replaces the model's cache hook, which lm-eval's hf, vllm and API backends
  call once per answer as they produce it (to fill the request cache), so progress advances
  request by request inside a call. It counts, and hands the answer to our `RequestCache` to
  hold in memory: nothing is written per answer.

`ProgressLM` also stands in for lm-eval's `CachingLM` (see `evals.request_cache` for why): it
looks a call's requests up in the request cache in one batch, sends the model only the rest,
and writes the new answers once per call.

Feeding the model its requests in chunks would also give progress, but it breaks lm-eval's
batching across the whole call: on a multiple-choice suite it doubled the number of forward
passes (a chunk boundary splits a batch, and choices sharing a context are no longer scored
in one pass).
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from lm_eval.api.model import LM, CacheHook

from evals.generation import cut_at_stop, stop_sequences
from evals.request_cache import RequestCache

ProgressCallback = Callable[[int, int], None]


class ModelCallFailed(Exception):
    """Raised by `ProgressLM` around any exception from the wrapped model.

    lm-eval lets it through untouched, so the runner can tell a failure of the model or
    endpoint from a failure of the suite (templates, data, metrics) after the fact.
    """

    def __init__(self, original: BaseException) -> None:
        super().__init__(repr(original))
        self.original = original


class ProgressCallbackFailed(Exception):
    """Carries an exception raised by the progress callback out of lm-eval unchanged."""

    def __init__(self, original: Exception) -> None:
        super().__init__(repr(original))
        self.original = original


class RequestTracker:
    """Requests done / total, throttled progress reports, and time spent in the model.

    `total` comes from the built tasks when the runner shows them (`watch_tasks`); requests
    answered from lm-eval's request cache never reach the model, so they count as done when
    their request type starts.
    """

    def __init__(self, on_progress: ProgressCallback | None, *, interval: float = 0.5) -> None:
        self._on_progress = on_progress
        self._interval = interval
        self._last_report = -math.inf
        self._last_state = (-1, -1)
        self._tasks: list[Any] | None = None
        self._per_type: dict[str, int] = {}
        self._call_start = 0
        self._call_size = 0
        self.total = 0
        self.done = 0
        self.computed = 0
        self.model_seconds = 0.0
        self.answered: list[tuple[str, Any, Any]] = []

    def watch_tasks(self, tasks: Iterable[Any]) -> None:
        """Count requests from these lm-eval Task objects once their requests are built
        (lm-eval builds every task's requests before the first model call)."""
        self._tasks = list(tasks)

    def start_call(self, kind: str, n_requests: int) -> None:
        self._count_watched_tasks()
        cached = self._per_type.get(kind, n_requests) - n_requests
        self.done += max(cached, 0)
        self.total = max(self.total, self.done + n_requests)
        self._call_start, self._call_size = self.done, n_requests
        self._report()

    def answered_one(self) -> None:
        # Capped: a backend may report a request twice (e.g. per rolling window).
        self.done = min(self.done + 1, self._call_start + self._call_size)
        self._report()

    def end_call(self, requests: Sequence[Any], responses: Sequence[Any], seconds: float) -> None:
        self.done = self._call_start + len(requests)
        self.computed += len(requests)
        self.model_seconds += seconds
        for request, response in zip(requests, responses, strict=False):
            self.answered.append((request.request_type, request.args, response))
        self._report()

    def finish(self) -> None:
        """Report done == total once the whole run has succeeded."""
        self._count_watched_tasks()  # when every answer came from the request cache
        self.done = self.total
        self._report(force=True)

    def _count_watched_tasks(self) -> None:
        if self._tasks is None or self._per_type:
            return
        for task in self._tasks:
            for instance in task.instances:
                kind = instance.request_type
                self._per_type[kind] = self._per_type.get(kind, 0) + (instance.repeats or 1)
        self.total = max(self.total, sum(self._per_type.values()))

    def _report(self, *, force: bool = False) -> None:
        if self._on_progress is None:
            return
        now = time.monotonic()
        state = (self.done, self.total)
        if state != self._last_state and (force or now - self._last_report >= self._interval):
            self._last_report, self._last_state = now, state
            # Exceptions propagate on purpose: a callback can stop a cancelled run.
            try:
                self._on_progress(self.done, self.total)
            except Exception as exc:
                raise ProgressCallbackFailed(exc) from exc


class CountingHook(CacheHook):
    """A cache hook that counts each answer and, when the run has a request cache, hands it
    over to be held until the call ends (so answers computed before a failure are kept)."""

    def __init__(self, tracker: RequestTracker, cache: RequestCache | None = None) -> None:
        super().__init__(None)
        self._tracker = tracker
        self._cache = cache

    def add_partial(self, attr: str, req: Any, res: Any) -> None:
        if self._cache is not None:
            self._cache.hold(attr, req, res)
        self._tracker.answered_one()


class ProgressLM(LM):
    """An lm-eval `LM` that forwards to `inner`, reporting to a tracker.

    Everything else (tokenizer, model info, rank...) is delegated to `inner`, so lm-eval sees
    the real model's properties. With `cache`, requests found there never reach the model
    (pass no `use_cache` to lm-eval then). The caller detaches the hook from `inner` after the
    run: a warm model must not keep feeding the previous run's cache.
    """

    def __init__(
        self, inner: Any, tracker: RequestTracker, cache: RequestCache | None = None
    ) -> None:
        super().__init__()
        self._inner = inner
        self._tracker = tracker
        self._cache = cache
        inner.set_cache_hook(CountingHook(tracker, cache))

    def __getattr__(self, name: str) -> Any:
        # Only called for names not found on ProgressLM itself.
        if name.startswith("__") or name == "_inner":
            raise AttributeError(name)
        return getattr(self._inner, name)

    @property
    def rank(self) -> int:
        return int(self._inner.rank)

    @property
    def world_size(self) -> int:
        return int(self._inner.world_size)

    @property
    def device(self) -> Any:
        return self._inner.device

    @property
    def tokenizer_name(self) -> str:
        return str(self._inner.tokenizer_name)

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        return self._inner.chat_template(chat_template)

    def apply_chat_template(
        self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True
    ) -> Any:
        return self._inner.apply_chat_template(
            chat_history, add_generation_prompt=add_generation_prompt
        )

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[Any]:
        return self._forward("loglikelihood", requests)

    def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[Any]:
        return self._forward("loglikelihood_rolling", requests)

    def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[Any]:
        return self._forward("generate_until", requests)

    def _forward(self, kind: str, requests: list[Any]) -> list[Any]:
        if self._cache is None:
            return self._answer(kind, requests)
        answers = self._cache.lookup(kind, [request.args for request in requests])
        missing = [i for i, answer in enumerate(answers) if answer is None]
        if not missing:
            # Like lm-eval's CachingLM: the model is not called; the tracker counts these
            # requests as done when the next call starts or the run finishes.
            return answers
        todo = [requests[i] for i in missing]
        try:
            computed = self._answer(kind, todo)
            self._cache.hold_all(kind, zip((r.args for r in todo), computed, strict=True))
        finally:
            self._cache.flush()  # after a failure: the answers the hook received so far
        for i, answer in zip(missing, computed, strict=True):
            answers[i] = answer
        return answers

    def _answer(self, kind: str, requests: list[Any]) -> list[Any]:
        self._tracker.start_call(kind, len(requests))
        method = getattr(self._inner, kind)
        # Progress bars would only clutter worker logs: we report progress ourselves.
        quiet = {"disable_tqdm": True} if _accepts(method, "disable_tqdm") else {}
        began = time.perf_counter()
        try:
            answers = method(requests, **quiet)
        except ProgressCallbackFailed:
            raise
        except Exception as exc:
            raise ModelCallFailed(exc) from exc
        if kind == "generate_until":
            answers = [
                cut_at_stop(answer, stop_sequences(request.args))
                if isinstance(answer, str)
                else answer
                for request, answer in zip(requests, answers, strict=True)
            ]
        self._tracker.end_call(requests, answers, time.perf_counter() - began)
        return list(answers)


def _accepts(method: Callable[..., Any], parameter: str) -> bool:
    try:
        return parameter in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
