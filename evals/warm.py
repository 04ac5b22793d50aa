"""Keep loaded models and task managers between runs in one worker process.

A cold lm-eval run on a tiny model spends most of its time importing, indexing tasks and
loading weights, not evaluating. A worker that runs several suites on the same model pays
that once when the loaded model stays in memory.

Memory is the limit: a loaded model holds its weights in RAM (a 7B model in 16-bit floats is
about 14 GB), per worker process. The default of two models covers the common campaign shape
(a specialist and a generalist alternating over several suites) while bounding a worker to two
models' memory; lower it with `configure_default_cache(max_models=1)` on small hosts.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.backends import LoadedModel, load_model
from evals.spec import ModelSpec

logger = logging.getLogger(__name__)

MAX_MODELS_ENV = "EVALS_WARM_MAX_MODELS"
DEFAULT_MAX_MODELS = 2
DEFAULT_MAX_TASK_MANAGERS = 16

ModelKey = tuple[str, str, str, tuple[tuple[str, str], ...], int]
Loader = Callable[..., LoadedModel]


def model_key(model: ModelSpec, batch_size: int) -> ModelKey:
    """What makes two loaded models interchangeable. The API key is not part of it: keys
    reach the endpoint through the environment at request time, not through the instance."""
    return (
        model.backend,
        model.identity,
        model.revision,
        tuple(sorted(model.options.items())),
        batch_size,
    )


@dataclass(eq=False)
class _Entry:
    # Held while loading and for the whole of each run: lm-eval model objects are not
    # thread-safe, and a run temporarily attaches its request-cache hook to the instance.
    lock: threading.Lock = field(default_factory=threading.Lock)
    loaded: LoadedModel | None = None
    evicted: bool = False


class WarmCache:
    """A bounded, thread-safe LRU of loaded models and of task managers (by suite directory)."""

    def __init__(
        self,
        max_models: int = DEFAULT_MAX_MODELS,
        *,
        max_task_managers: int = DEFAULT_MAX_TASK_MANAGERS,
        loader: Loader = load_model,
    ) -> None:
        if max_models < 1:
            raise ValueError("max_models must be at least 1")
        self.max_models = max_models
        self.max_task_managers = max_task_managers
        self._loader = loader
        self._lock = threading.Lock()
        self._models: OrderedDict[ModelKey, _Entry] = OrderedDict()
        self._task_managers: OrderedDict[tuple[str, tuple[Any, ...]], Any] = OrderedDict()

    @contextmanager
    def model(self, model: ModelSpec, *, batch_size: int) -> Iterator[LoadedModel]:
        """Lend the loaded model for one run, loading it first if needed.

        Runs on the same model in other threads wait for this one to finish. A model evicted
        while lent is released when the run that holds it ends.
        """
        key = model_key(model, batch_size)
        with self._lock:
            entry = self._models.get(key)
            if entry is None:
                entry = self._models[key] = _Entry()
            self._models.move_to_end(key)
            evicted = self._pop_over_bound()
        for old in evicted:
            _release(old)
        with entry.lock:
            if entry.loaded is None:
                try:
                    entry.loaded = self._loader(model, batch_size=batch_size)
                except BaseException:
                    with self._lock:
                        if self._models.get(key) is entry:
                            del self._models[key]
                    raise
            loaded = entry.loaded
            try:
                yield loaded
            finally:
                del loaded
                if entry.evicted:
                    entry.loaded = None
        if entry.evicted:
            gc.collect()

    def task_manager(self, suite_dir: str) -> Any:
        """A TaskManager indexing only `suite_dir`, reused while its YAML files are unchanged.

        Keyed by the files' names, sizes and modification times too, so a suite rewritten in
        place gets a fresh index instead of a stale one.
        """
        key = (suite_dir, _yaml_signature(suite_dir))
        with self._lock:
            manager = self._task_managers.get(key)
            if manager is not None:
                self._task_managers.move_to_end(key)
                return manager
        manager = new_task_manager(suite_dir)
        with self._lock:
            manager = self._task_managers.setdefault(key, manager)
            while len(self._task_managers) > self.max_task_managers:
                self._task_managers.popitem(last=False)
        return manager

    def loaded_models(self) -> list[ModelKey]:
        """Keys of the models currently kept, least recently used first."""
        with self._lock:
            return list(self._models)

    def clear(self) -> None:
        """Drop every model and task manager (models in use are released after their run)."""
        with self._lock:
            entries = list(self._models.values())
            self._models.clear()
            self._task_managers.clear()
        for entry in entries:
            _release(entry)

    def _pop_over_bound(self) -> list[_Entry]:
        evicted = []
        while len(self._models) > self.max_models:
            _, entry = self._models.popitem(last=False)
            evicted.append(entry)
        return evicted


def _release(entry: _Entry) -> None:
    entry.evicted = True
    # If a run holds the model, it frees the model itself when it ends (see `model`).
    if entry.lock.acquire(blocking=False):
        try:
            entry.loaded = None
        finally:
            entry.lock.release()
        gc.collect()
        logger.info("Released an evicted model from the warm cache.")


def new_task_manager(suite_dir: str) -> Any:
    """A TaskManager for our suite directory only: the ~14,700 built-in tasks are not indexed
    (about 4 s per manager) and cannot shadow or be confused with a suite's task names."""
    from lm_eval.tasks import TaskManager

    from evals.suites.metrics import register_with_lm_eval

    # Suites may name the product's metrics; lm-eval looks them up when it builds a task.
    register_with_lm_eval()
    return TaskManager(include_path=suite_dir, include_defaults=False)


def _yaml_signature(suite_dir: str) -> tuple[Any, ...]:
    root = Path(suite_dir)
    files = sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
    return tuple((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


_default: WarmCache | None = None
_default_lock = threading.Lock()


def default_cache() -> WarmCache:
    """The process-wide cache `evals.run` uses unless told otherwise.

    Its size comes from `configure_default_cache` (the worker calls it from its settings) or
    else the `EVALS_WARM_MAX_MODELS` environment variable, else 2.
    """
    global _default
    with _default_lock:
        if _default is None:
            raw = os.environ.get(MAX_MODELS_ENV, str(DEFAULT_MAX_MODELS))
            try:
                size = int(raw)
            except ValueError:
                raise ValueError(f"{MAX_MODELS_ENV} must be a whole number, not {raw!r}") from None
            _default = WarmCache(max_models=size)
        return _default


def configure_default_cache(*, max_models: int) -> WarmCache:
    """Replace the process-wide cache with one holding at most `max_models` models."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.clear()
        _default = WarmCache(max_models=max_models)
        return _default
