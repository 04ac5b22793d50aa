"""Measured serving figures of an endpoint run: request latency percentiles, output tokens per
second. Catalogues state what a vendor claims; these say what the endpoint did for us."""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServingFigures:
    requests: int
    latency_p50_ms: float
    latency_p95_ms: float
    output_tokens_per_second: float | None  # None when the server reports no usage


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in (0, 1]) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class RequestTimer:
    """Times every HTTP request an lm-eval API model makes (sync and async paths)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.output_tokens = 0
        self.reported_usage = False
        self._lock = threading.Lock()

    def _record(self, seconds: float, answer: Any) -> None:
        usage = answer.get("usage") if isinstance(answer, dict) else None
        with self._lock:
            self.latencies.append(seconds)
            if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
                self.output_tokens += usage["completion_tokens"]
                self.reported_usage = True

    def figures(self) -> ServingFigures | None:
        if not self.latencies:
            return None
        busy = sum(self.latencies)
        per_second = self.output_tokens / busy if self.reported_usage and busy > 0 else None
        return ServingFigures(
            requests=len(self.latencies),
            latency_p50_ms=percentile(self.latencies, 0.5) * 1000,
            latency_p95_ms=percentile(self.latencies, 0.95) * 1000,
            output_tokens_per_second=per_second,
        )

    @contextlib.contextmanager
    def attached(self, lm: Any) -> Iterator[None]:
        """Wrap `lm.model_call` and `lm.amodel_call` for the duration of the block."""
        sync, asynchronous = lm.model_call, lm.amodel_call

        @functools.wraps(sync)
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            answer = sync(*args, **kwargs)
            self._record(time.perf_counter() - began, answer)
            return answer

        @functools.wraps(asynchronous)
        async def atimed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            answer = await asynchronous(*args, **kwargs)
            self._record(time.perf_counter() - began, None)  # parsed answers carry no usage
            return answer

        lm.model_call, lm.amodel_call = timed, atimed
        try:
            yield
        finally:
            # Back to the class's methods: a warm model must not keep this run's timer.
            vars(lm).pop("model_call", None)
            vars(lm).pop("amodel_call", None)
