"""Run one suite on one model with lm-eval and return plain, secret-free results."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from evals.backends import (
    API_BACKENDS,
    LoadedModel,
    check_compatibility,
    classify_model_failure,
    load_model,
    parse_options,
)
from evals.progress import (
    ModelCallFailed,
    ProgressCallback,
    ProgressCallbackFailed,
    ProgressLM,
    RequestTracker,
)
from evals.redact import redact, redact_error
from evals.request_cache import RequestCache, cache_path
from evals.serving import RequestTimer
from evals.spec import EvalError, MetricResult, RunResult, RunSpec, SampleScore, SuiteError
from evals.suites.groups import group_metrics, read_groups
from evals.suites.metrics import attach_product_metrics
from evals.warm import WarmCache, default_cache, new_task_manager

logger = logging.getLogger(__name__)

API_KEY_ENV = "OPENAI_API_KEY"
# os.environ is process-wide: two threads running API models at once would see each other's
# keys. Every run of an OpenAI-compatible backend holds this lock from setting the key until
# it is restored.
_ENV_LOCK = threading.Lock()
# lm-eval task loading writes the datasets cache; one loader at a time keeps that simple.
_TASK_LOAD_LOCK = threading.Lock()


def run(
    spec: RunSpec,
    on_progress: ProgressCallback | None = None,
    *,
    warm: bool = True,
    cache: WarmCache | None = None,
    progress_interval: float = 0.5,
) -> RunResult:
    """Evaluate `spec.model` on the tasks `spec.tasks` of the suite in `spec.suite_dir`.

    `on_progress(done, total)` receives request counts at most every `progress_interval`
    seconds and once more with done == total at the end; if it raises, the run stops and the
    exception propagates unchanged (a way to cancel). Requests answered from the request cache
    count as done.

    With `warm` (the default) the loaded model and the task manager are kept in `cache` (the
    process-wide `evals.warm.default_cache()` unless given) for later runs; `warm=False` loads
    and releases them for this run only.

    `spec.cache_dir`, when set, holds lm-eval's request cache for this run. lm-eval keys that
    cache by request only, never by model: the caller must pass a directory specific to the
    model's fingerprint (identity, revision, options), or one model would be handed another's
    scores.

    `spec.api_key` reaches OpenAI-compatible endpoints only through `OPENAI_API_KEY`, set for
    the duration of the run. The result and any raised `EvalError` are scrubbed of the key.

    Raises `EvalError` subclasses: `InvalidModelOptions`, `UnsupportedBackend`, `ModelError`,
    `EndpointUnreachable` / `RateLimited` (retryable), `AuthenticationRefused`, `SuiteError`.
    """
    if not spec.api_key:
        return _run(spec, on_progress, warm, cache, progress_interval)
    secrets = [spec.api_key]
    try:
        result = _run(spec, on_progress, warm, cache, progress_interval)
    except EvalError as exc:
        clean = redact_error(exc, secrets)
    else:
        return redact(result, secrets)
    # Raised outside the handler so that no chained exception travels with it: the original
    # chain holds the HTTP request, whose headers carry the key.
    raise clean


def _run(
    spec: RunSpec,
    on_progress: ProgressCallback | None,
    warm: bool,
    cache: WarmCache | None,
    progress_interval: float,
) -> RunResult:
    started = time.perf_counter()
    parse_options(spec.model)  # fail on a bad registration before loading anything
    if not Path(spec.suite_dir).is_dir():
        raise SuiteError(f"The suite directory {spec.suite_dir} does not exist.")
    is_api = spec.model.backend in API_BACKENDS
    tracker = RequestTracker(on_progress, interval=progress_interval)
    with (
        _api_key_in_environment(spec.api_key) if is_api else contextlib.nullcontext(),
        _redacting_logs([spec.api_key]),
    ):
        if warm:
            cache = cache or default_cache()
            with cache.model(spec.model, batch_size=spec.batch_size) as loaded:
                return _evaluate(spec, loaded, cache.task_manager, tracker, started)
        loaded = load_model(spec.model, batch_size=spec.batch_size)
        try:
            return _evaluate(spec, loaded, new_task_manager, tracker, started)
        finally:
            del loaded
            gc.collect()


def _evaluate(
    spec: RunSpec,
    loaded: LoadedModel,
    task_manager_for: Callable[[str], Any],
    tracker: RequestTracker,
    started: float,
) -> RunResult:
    import lm_eval
    from lm_eval.api.model import CacheHook

    _speed_up_lm_eval()
    # Rank 0: one process per run; the same file lm-eval's `use_cache` would use.
    request_cache = (
        RequestCache(cache_path(str(Path(spec.cache_dir) / "lm_eval_requests")))
        if spec.cache_dir
        else None
    )
    model = ProgressLM(loaded.lm, tracker, request_cache)

    def tasks_loaded(tasks: Mapping[str, Any]) -> None:
        check_compatibility(spec.model, {t.OUTPUT_TYPE for t in tasks.values()})
        for task in tasks.values():
            attach_product_metrics(task)
        tracker.watch_tasks(tasks.values())

    _forget_api_header(loaded.lm)
    timer = RequestTimer()
    timing = timer.attached(loaded.lm) if spec.model.backend in API_BACKENDS else None
    try:
        task_manager = _WatchedTaskManager(task_manager_for(spec.suite_dir), tasks_loaded)
        with timing or contextlib.nullcontext():
            results = _simple_evaluate(lm_eval, spec, model, task_manager)
        tracker.finish()
    except ModelCallFailed as failed:
        raise classify_model_failure(failed.original, spec.model) from None
    except ProgressCallbackFailed as stopped:
        raise stopped.original from None
    except EvalError:
        raise
    except Exception as exc:
        # Anything outside the model's own calls comes from the suite: templates, data files,
        # metrics, unknown task names.
        raise SuiteError(f"The suite failed to run: {type(exc).__name__}: {exc}") from exc
    finally:
        # A warm model outlives this run: detach and close this run's request cache, or the
        # next run on it would keep feeding this cache.
        loaded.lm.set_cache_hook(CacheHook(None))
        if request_cache is not None:
            request_cache.close()
        _forget_api_header(loaded.lm)
    return _run_result(
        results, loaded, tracker, time.perf_counter() - started, timer, spec.suite_dir
    )


def _simple_evaluate(lm_eval: Any, spec: RunSpec, model: Any, task_manager: Any) -> Any:
    return lm_eval.simple_evaluate(
        model=model,
        tasks=list(spec.tasks),
        num_fewshot=spec.num_fewshot,
        limit=spec.limit,
        # The request cache is ours (`ProgressLM` with a `RequestCache`), not lm-eval's.
        use_cache=None,
        log_samples=True,
        task_manager=task_manager,
        # Chat endpoints take a list of messages, which lm-eval only builds from a template.
        apply_chat_template=spec.model.backend == "local-chat-completions",
        random_seed=spec.seed,
        numpy_random_seed=spec.seed,
        torch_random_seed=spec.seed,
        fewshot_random_seed=spec.seed,
    )


def _speed_up_lm_eval() -> None:
    """Remove two per-run costs of lm-eval 0.4.13 that dominate warm runs on small models.

    - `simple_evaluate` collects torch's environment report every run (it shells out to
      several programs: 0.5-1 s). We never store it.
    - `utils.apply_template` compiles the Jinja template anew for every document and field
      (3,500 compilations for a 500-item multiple-choice suite, about 1 s). Compiled templates
      render the same, so we compile each template string once.

    Patched once per process, with identical results; the pin on lm-eval keeps the patched
    names stable (check them when upgrading).
    """
    import lm_eval.evaluator
    import lm_eval.utils

    lm_eval.evaluator.add_env_info = _light_environment_info
    lm_eval.utils.apply_template = _apply_compiled_template


def _light_environment_info(storage: dict[str, Any]) -> None:
    storage["pretty_env_info"] = "not collected"
    storage["lm_eval_version"] = version("lm_eval")
    storage["transformers_version"] = version("transformers")


@functools.lru_cache(maxsize=1024)
def _compiled_template(source: str) -> Any:
    import lm_eval.utils

    return lm_eval.utils.env.from_string(source)


def _apply_compiled_template(template: str, doc: dict[str, Any]) -> str:
    return str(_compiled_template(template).render(**doc))


class _WatchedTaskManager:
    """Stands in for the TaskManager inside `simple_evaluate` to see the tasks it builds.

    lm-eval offers no other way to learn the output types before requests go out, or the
    request totals for progress.
    """

    def __init__(self, manager: Any, on_load: Callable[[Mapping[str, Any]], None]) -> None:
        self._manager = manager
        self._on_load = on_load

    def load(self, task_list: Any) -> Any:
        with _TASK_LOAD_LOCK:
            loaded = self._manager.load(task_list)
        self._on_load(loaded["tasks"])
        return loaded

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


@contextlib.contextmanager
def _api_key_in_environment(api_key: str | None) -> Iterator[None]:
    with _ENV_LOCK:
        previous = os.environ.get(API_KEY_ENV)
        # Without a key of its own, the run must not send whatever key the worker happens to
        # have in its environment to a third-party endpoint.
        if api_key:
            os.environ[API_KEY_ENV] = api_key
        else:
            os.environ.pop(API_KEY_ENV, None)
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(API_KEY_ENV, None)
            else:
                os.environ[API_KEY_ENV] = previous


def _forget_api_header(lm: Any) -> None:
    # lm-eval's API models cache their Authorization header (a functools.cached_property)
    # from the environment at the first request. A warm instance must read this run's key,
    # and must not keep the key in memory after the run.
    vars(lm).pop("header", None)


class _RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            record.msg, record.args = redact(message, self._secrets), None
        return True


@contextlib.contextmanager
def _redacting_logs(secrets: Iterable[str | None]) -> Iterator[None]:
    """Scrub secrets from log records during the run, in case an endpoint's error body (which
    lm-eval logs) quotes our request headers back."""
    present = [s for s in secrets if s]
    if not present:
        yield
        return
    log_filter = _RedactingFilter(present)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(log_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(log_filter)


def _run_result(
    results: Mapping[str, Any],
    loaded: LoadedModel,
    tracker: RequestTracker,
    wall: float,
    timer: RequestTimer,
    suite_dir: str = "",
) -> RunResult:
    tokens = _count_tokens(tracker.answered, loaded.lm)
    per_second = 1.0 / tracker.model_seconds if tracker.model_seconds > 0 else 0.0
    serving = timer.figures()
    return RunResult(
        latency_p50_ms=serving.latency_p50_ms if serving else None,
        latency_p95_ms=serving.latency_p95_ms if serving else None,
        output_tokens_per_second=serving.output_tokens_per_second if serving else None,
        metrics=_with_groups(_metrics(results), suite_dir),
        samples=_samples(results),
        lm_eval_version=version("lm_eval"),
        model_info=_model_info(results, loaded),
        wall_seconds=wall,
        requests=tracker.total,
        # Throughput of the model itself: answers it computed (cache hits excluded) over the
        # time spent inside its calls. Loading, task building and scoring are in wall_seconds.
        requests_per_second=tracker.computed * per_second,
        tokens_per_second=tokens * per_second,
    )


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None  # "N/A" stderr, tuples of corpus-level metrics, strings
    return None if math.isnan(number) else number


def _metrics(results: Mapping[str, Any]) -> tuple[MetricResult, ...]:
    found = []
    for task, values in results.get("results", {}).items():
        n = _sample_count(task, results)
        for key, raw in values.items():
            metric, _, filter_name = key.partition(",")
            value = _number(raw)
            if not filter_name or metric.endswith("_stderr") or value is None:
                continue
            stderr = _number(values.get(f"{metric}_stderr,{filter_name}"))
            found.append(MetricResult(task, metric, filter_name, value, stderr, n))
    return tuple(found)


def _with_groups(metrics: tuple[MetricResult, ...], suite_dir: str) -> tuple[MetricResult, ...]:
    """Task rows and, beside them, the suite's group rows (lm-eval reports none: it is
    asked for tasks by name)."""
    if not suite_dir:
        return metrics
    return (*metrics, *group_metrics(read_groups(suite_dir), metrics))


def _sample_count(name: str, results: Mapping[str, Any]) -> int:
    counts = results.get("n-samples", {})
    if name in counts:
        return int(counts[name]["effective"])
    # A group: lm-eval only counts its leaf tasks.
    children = results.get("group_subtasks", {}).get(name, [])
    return sum(_sample_count(child, results) for child in children if child != name)


def _samples(results: Mapping[str, Any]) -> tuple[SampleScore, ...]:
    scores = []
    for task, examples in (results.get("samples") or {}).items():
        for example in examples:
            for metric in example["metrics"]:
                value = _number(example.get(metric))
                if value is not None:
                    doc_id, filter_name = int(example["doc_id"]), example["filter"]
                    scores.append(SampleScore(task, doc_id, metric, filter_name, value))
    return tuple(sorted(scores, key=lambda s: (s.task, s.metric, s.filter, s.doc_id)))


def _model_info(results: Mapping[str, Any], loaded: LoadedModel) -> dict[str, str]:
    config = results.get("config", {})
    info = {key: str(config[key]) for key in _CONFIG_FACTS if config.get(key) not in (None, "")}
    info["lm_eval_model"] = type(loaded.lm).__name__
    for key in ("transformers_version", "max_length", "eot_token_id"):
        if results.get(key) is not None:
            info[key] = str(results[key])
    return {**info, **loaded.info}


_CONFIG_FACTS = ("model_num_parameters", "model_dtype", "model_revision", "model_sha")


def _count_tokens(answered: list[tuple[str, Any, Any]], lm: Any) -> int:
    """Tokens in the requests the model answered (prompt plus generated text), counted with
    the model's own Hugging Face tokenizer; 0 when it has none (a chat endpoint)."""
    tokenizer = getattr(lm, "tokenizer", None)
    if not answered or tokenizer is None or not callable(tokenizer):
        return 0
    texts = []
    for kind, args, response in answered:
        prompt = str(getattr(args[0], "prompt", args[0]))
        if kind == "loglikelihood":
            texts.append(prompt + str(args[1]))
        elif kind == "generate_until":
            texts.append(prompt + str(response))
        else:
            texts.append(prompt)
    encoded = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return sum(len(ids) for ids in encoded)
