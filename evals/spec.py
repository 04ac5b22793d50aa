"""The contract between procure and the evaluation engine: frozen dataclasses in and out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Backend = Literal["hf", "local-completions", "local-chat-completions", "vllm"]
OutputType = Literal["multiple_choice", "generate_until", "loglikelihood", "loglikelihood_rolling"]

# What each backend can score. A chat endpoint returns text only, so it can never score the
# loglikelihood of a continuation; checking this before queueing saves a doomed run.
SUPPORTED_OUTPUT_TYPES: Mapping[Backend, frozenset[OutputType]] = {
    "hf": frozenset(
        {"multiple_choice", "generate_until", "loglikelihood", "loglikelihood_rolling"}
    ),
    "vllm": frozenset(
        {"multiple_choice", "generate_until", "loglikelihood", "loglikelihood_rolling"}
    ),
    "local-completions": frozenset(
        {"multiple_choice", "generate_until", "loglikelihood", "loglikelihood_rolling"}
    ),
    "local-chat-completions": frozenset({"generate_until"}),
}


@dataclass(frozen=True)
class ModelSpec:
    """How to reach one model for evaluation.

    `identity` names the model (a checkpoint directory for `hf`, the served model name for the
    OpenAI-compatible backends) and `revision` pins its version; both go into run fingerprints.
    `options` are backend arguments that are safe to store and log (base_url, tokenizer path,
    dtype, ...). Secrets never go here: see `RunSpec.api_key`.
    """

    backend: Backend
    identity: str
    revision: str = ""
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SuiteTask:
    name: str
    output_type: OutputType
    n_docs: int
    primary_metric: str
    # The filter whose scores judge the task: metadata.primary_filter, else the first entry
    # of filter_list (lm-eval keeps their order), else lm-eval's "none".
    primary_filter: str = "none"


@dataclass(frozen=True)
class MaterialisedSuite:
    """A validated suite written by us to `directory`: YAML with absolute data paths."""

    directory: str
    tasks: tuple[SuiteTask, ...]
    groups: tuple[str, ...]
    content_hash: str

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tasks)

    @property
    def output_types(self) -> frozenset[OutputType]:
        return frozenset(t.output_type for t in self.tasks)


@dataclass(frozen=True)
class RunSpec:
    model: ModelSpec
    suite_dir: str
    tasks: tuple[str, ...]
    num_fewshot: int | None = None
    limit: int | None = None
    batch_size: int = 8
    seed: int = 1234
    # Request cache directory, already specific to this model's fingerprint (lm-eval keys its
    # cache by request only, so sharing one across models would return another model's scores).
    cache_dir: str | None = None
    # Passed to OpenAI-compatible backends through the environment for this run only.
    api_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MetricResult:
    task: str
    metric: str  # e.g. "acc"
    filter: str  # e.g. "none"
    value: float
    stderr: float | None
    n: int


@dataclass(frozen=True)
class SampleScore:
    task: str
    doc_id: int
    metric: str
    filter: str
    value: float


@dataclass(frozen=True)
class RunResult:
    metrics: tuple[MetricResult, ...]
    samples: tuple[SampleScore, ...]
    lm_eval_version: str
    model_info: Mapping[str, str]
    wall_seconds: float
    requests: int
    requests_per_second: float
    tokens_per_second: float
    # Endpoint runs only: what the endpoint did for us, request by request (evals.serving).
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    output_tokens_per_second: float | None = None


class EvalError(Exception):
    """Base of every failure the engine reports; the message is shown to users as is."""

    retryable = False


class SuiteError(EvalError):
    """The suite is unusable (refused at upload or broken at run time)."""


class UnsupportedBackend(EvalError):
    """The backend cannot score what the suite asks (e.g. loglikelihood on a chat endpoint)."""


class InvalidModelOptions(EvalError):
    """A model's backend options are unknown, missing or malformed (fix the registration)."""


class EndpointUnreachable(EvalError):
    retryable = True


class RateLimited(EvalError):
    retryable = True
    # Seconds the endpoint asked us to wait (its Retry-After header), when it said.
    retry_after: float | None = None


class AuthenticationRefused(EvalError):
    """The endpoint refused our key: retrying with the same key cannot help."""


class ModelError(EvalError):
    """The model could not be loaded or answered garbage."""
