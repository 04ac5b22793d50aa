"""From a `ModelSpec` to a loaded lm-eval model: option checks, model arguments, failures.

Every backend has an allow-list of options. A registration with an unknown or malformed option
fails loudly here, before a run is queued, rather than deep inside lm-eval. Secrets never pass
through this module: lm-eval copies model arguments into logs and result metadata, so the API
key of an OpenAI-compatible endpoint travels through the environment instead (see `runner`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evals.probe import server_said
from evals.spec import (
    SUPPORTED_OUTPUT_TYPES,
    AuthenticationRefused,
    EndpointUnreachable,
    EvalError,
    InvalidModelOptions,
    ModelError,
    ModelSpec,
    OutputType,
    RateLimited,
    UnsupportedBackend,
)

logger = logging.getLogger(__name__)

API_BACKENDS = frozenset({"local-completions", "local-chat-completions"})
# One attempt per request: retrying inside lm-eval would sleep with exponential backoff while
# holding a worker; our task queue owns retries and backs off between whole runs instead.
DEFAULT_MAX_RETRIES = 1
DEFAULT_TIMEOUT_SECONDS = 60

Parser = Callable[[str, str], Any]


def _text(name: str, raw: str) -> str:
    if not raw.strip():
        raise InvalidModelOptions(f"Option '{name}' is empty.")
    return raw.strip()


def _integer(low: int, high: int) -> Parser:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise InvalidModelOptions(
                f"Option '{name}' must be a whole number, not '{raw}'."
            ) from None
        if not low <= value <= high:
            raise InvalidModelOptions(f"Option '{name}' must be between {low} and {high}.")
        return value

    return parse


def _fraction(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InvalidModelOptions(f"Option '{name}' must be a number, not '{raw}'.") from None
    if not 0.0 < value <= 1.0:
        raise InvalidModelOptions(f"Option '{name}' must be above 0 and at most 1.")
    return value


def _boolean(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise InvalidModelOptions(f"Option '{name}' must be true or false, not '{raw}'.")


def _choice(*allowed: str) -> Parser:
    def parse(name: str, raw: str) -> str:
        if raw not in allowed:
            raise InvalidModelOptions(f"Option '{name}' must be one of {', '.join(allowed)}.")
        return raw

    return parse


def _endpoint_url(name: str, raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidModelOptions(f"Option '{name}' must be an http(s) URL, not '{raw}'.")
    if parts.username or parts.password:
        # lm-eval logs and stores base_url; credentials belong in the API key, never here.
        raise InvalidModelOptions(
            f"Option '{name}' must not contain credentials: register the API key separately."
        )
    return raw.strip()


_DTYPE = _choice("auto", "float32", "float16", "bfloat16")
_TRUST_REMOTE_CODE = _boolean  # accepted so old registrations load; always forced off
_API_COMMON: dict[str, Parser] = {
    "base_url": _endpoint_url,
    "max_retries": _integer(1, 5),
    "timeout": _integer(1, 3600),
    "num_concurrent": _integer(1, 64),
    # Per-candidate overrides of what the probe found (prompts per request, context length).
    "batch_size": _integer(1, 1024),
    "max_length": _integer(2, 1_048_576),
    "max_gen_toks": _integer(1, 32768),
    "trust_remote_code": _TRUST_REMOTE_CODE,
}
ALLOWED_OPTIONS: Mapping[str, Mapping[str, Parser]] = {
    "hf": {
        "dtype": _DTYPE,
        "device": _choice("cpu", "cuda", "cuda:0", "cuda:1", "mps"),
        "max_length": _integer(1, 1_048_576),
        "tokenizer": _text,
        "add_bos_token": _boolean,
        "trust_remote_code": _TRUST_REMOTE_CODE,
    },
    "vllm": {
        "dtype": _DTYPE,
        "max_length": _integer(1, 1_048_576),
        "tokenizer": _text,
        "tensor_parallel_size": _integer(1, 64),
        "gpu_memory_utilization": _fraction,
        "trust_remote_code": _TRUST_REMOTE_CODE,
    },
    "local-completions": {
        **_API_COMMON,
        "tokenizer": _text,
        "tokenized_requests": _boolean,
        "add_bos_token": _boolean,
    },
    # lm-eval sends chat requests one per request (a list of messages is not batched).
    "local-chat-completions": {k: v for k, v in _API_COMMON.items() if k != "batch_size"},
}
REQUIRED_OPTIONS: Mapping[str, frozenset[str]] = {
    "hf": frozenset(),
    "vllm": frozenset(),
    # Offline workers cannot fetch a tokenizer by name, and loglikelihood needs one locally to
    # find where the continuation starts in the echoed token logprobs.
    "local-completions": frozenset({"base_url", "tokenizer"}),
    "local-chat-completions": frozenset({"base_url"}),
}
_ENDPOINT_SUFFIX = {
    "local-completions": "/completions",
    "local-chat-completions": "/chat/completions",
}


def parse_options(model: ModelSpec) -> dict[str, Any]:
    """Check `model.options` against its backend's allow-list and return them typed.

    Raises `UnsupportedBackend` for an unknown backend and `InvalidModelOptions` for an unknown,
    missing or malformed option, with a sentence naming the option.
    """
    allowed = ALLOWED_OPTIONS.get(model.backend)
    if allowed is None:
        raise UnsupportedBackend(f"Unknown backend '{model.backend}'.")
    if not model.identity.strip():
        raise InvalidModelOptions("The model has no identity (checkpoint or served name).")
    unknown = sorted(set(model.options) - set(allowed))
    if unknown:
        raise InvalidModelOptions(
            f"Unknown option(s) for the {model.backend} backend: {', '.join(unknown)}. "
            f"Allowed: {', '.join(sorted(allowed))}."
        )
    missing = sorted(REQUIRED_OPTIONS[model.backend] - set(model.options))
    if missing:
        raise InvalidModelOptions(
            f"The {model.backend} backend needs the option(s): {', '.join(missing)}."
        )
    parsed = {name: allowed[name](name, raw) for name, raw in model.options.items()}
    suffix = _ENDPOINT_SUFFIX.get(model.backend)
    if suffix is not None:
        url = parsed["base_url"].rstrip("/")
        wrong_kind = suffix == "/completions" and url.endswith("/chat/completions")
        if wrong_kind or not url.endswith(suffix):
            raise InvalidModelOptions(
                f"For the {model.backend} backend, base_url must be the full endpoint URL "
                f"ending in {suffix} (e.g. http://host:8000/v1{suffix})."
            )
    if parsed.pop("trust_remote_code", False):
        logger.warning("Ignoring trust_remote_code=true for %s: it is always off.", model.identity)
    return parsed


def build_model_args(model: ModelSpec, *, batch_size: int) -> dict[str, Any]:
    """lm-eval constructor arguments for `model` (no secrets; `trust_remote_code` always False)."""
    options = parse_options(model)
    if model.backend in ("hf", "vllm"):
        args: dict[str, Any] = {
            "pretrained": model.identity,
            "revision": model.revision or "main",
            "dtype": options.pop("dtype", "auto"),
            "batch_size": batch_size,
        }
        if model.backend == "hf":
            args["device"] = options.pop("device", "cpu")
        return {**args, **options, "trust_remote_code": False}
    args = {
        "model": model.identity,
        "max_retries": DEFAULT_MAX_RETRIES,
        "timeout": DEFAULT_TIMEOUT_SECONDS,
        "batch_size": batch_size,
    }
    if model.backend == "local-completions":
        # Token ids go over the wire so the server scores exactly the tokens whose context
        # length lm-eval computed locally; a server re-tokenising text could shift the cut.
        args |= {"tokenizer_backend": "huggingface", "tokenized_requests": True}
    else:
        args |= {"tokenizer_backend": "none", "tokenized_requests": False, "batch_size": 1}
    return {**args, **options, "trust_remote_code": False}


_LIKELIHOOD_WORDS: Mapping[str, str] = {
    "multiple_choice": "answer likelihoods",
    "loglikelihood": "answer likelihoods",
    "loglikelihood_rolling": "text likelihoods",
    "generate_until": "generated text",
}


def check_compatibility(
    model: ModelSpec, output_types: Iterable[OutputType], *, suite_name: str | None = None
) -> None:
    """Raise `UnsupportedBackend` when `model`'s backend cannot score every output type.

    Call it before queueing: a chat-only endpoint returns text, never likelihoods, so a
    multiple-choice suite on it is doomed. The message is a plain sentence for the user.
    """
    supported = SUPPORTED_OUTPUT_TYPES.get(model.backend)
    if supported is None:
        raise UnsupportedBackend(f"Unknown backend '{model.backend}'.")
    missing = sorted(set(output_types) - supported)
    if not missing:
        return
    what = " and ".join(sorted({_LIKELIHOOD_WORDS[t] for t in missing}))
    subject = f"The suite '{suite_name}'" if suite_name else "This suite"
    message = f"{subject} scores {what} ({', '.join(missing)}), which "
    if model.backend == "local-chat-completions":
        message += (
            "a chat-only endpoint (local-chat-completions) cannot provide. "
            "Register the model's /v1/completions endpoint instead."
        )
    else:
        message += f"the {model.backend} backend cannot provide."
    raise UnsupportedBackend(message)


@dataclass
class LoadedModel:
    """An lm-eval model instance plus facts about it that are safe to store."""

    lm: Any
    info: dict[str, str] = field(default_factory=dict)


def load_model(model: ModelSpec, *, batch_size: int) -> LoadedModel:
    """Instantiate the lm-eval model for `model`; failures become `ModelError`/`UnsupportedBackend`.

    Slow for real checkpoints (weights are read into memory): see `evals.warm` to keep them.
    """
    args = build_model_args(model, batch_size=batch_size)
    if model.backend == "vllm":
        _require_gpu()
    if model.backend == "hf" and not Path(model.identity).is_dir():
        # Only local checkpoints: a hub name would mean a download (and remote code) at run time.
        raise ModelError(f"No checkpoint directory at {model.identity}.")
    tokenizer = args.get("tokenizer")
    if tokenizer and model.backend != "vllm" and not Path(tokenizer).is_dir():
        raise ModelError(f"No tokenizer directory at {tokenizer}.")
    from lm_eval.api.registry import get_model

    try:
        lm = get_model(model.backend).create_from_arg_obj(args)
    except EvalError:
        raise
    except Exception as exc:
        raise ModelError(
            f"Could not load {model.identity} with the {model.backend} backend: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    info = {"backend": model.backend, "identity": model.identity}
    if model.backend in ("hf", "vllm"):
        info["checkpoint_digest"] = checkpoint_digest(Path(model.identity))
    else:
        info["base_url"] = args["base_url"]
    return LoadedModel(lm=lm, info=info)


def _require_gpu() -> None:
    import torch

    if not torch.cuda.is_available():
        raise UnsupportedBackend(
            "The vllm backend needs a CUDA GPU and this worker has none. Use the hf backend, "
            "or serve the model with an OpenAI-compatible server and register local-completions."
        )
    if find_spec("vllm") is None:
        raise UnsupportedBackend("The vllm backend is not installed on this worker.")


_FULL_HASH_LIMIT = 16 * 1024 * 1024
_EDGE_BYTES = 1024 * 1024


def checkpoint_digest(directory: Path) -> str:
    """A quick SHA-256 naming a checkpoint directory's content.

    Small files (config, tokenizer, small weights) are hashed whole; a large weight file counts
    by its size plus its first and last MiB, so a multi-GB checkpoint digests in milliseconds.
    Good for noticing a replaced checkpoint, not a proof against deliberate tampering.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        size = path.stat().st_size
        digest.update(f"{path.relative_to(directory)}\0{size}\0".encode())
        with path.open("rb") as handle:
            if size <= _FULL_HASH_LIMIT:
                digest.update(handle.read())
            else:
                digest.update(handle.read(_EDGE_BYTES))
                handle.seek(size - _EDGE_BYTES)
                digest.update(handle.read(_EDGE_BYTES))
    return digest.hexdigest()


def classify_model_failure(exc: BaseException, model: ModelSpec) -> EvalError:
    """Turn an exception raised while the model answered requests into a plain `EvalError`.

    Messages name the endpoint, never the key. Network failures and server errors are
    retryable; a refused key or an unreadable answer is not.
    """
    if isinstance(exc, EvalError):
        return exc
    if model.backend not in API_BACKENDS:
        return ModelError(
            f"The model {model.identity} failed while answering: {type(exc).__name__}: {exc}"
        )
    import asyncio

    import aiohttp
    import requests

    url = model.options.get("base_url", "the endpoint")
    status: int | None = None
    headers: Mapping[str, str] = {}
    said = ""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status, headers = exc.response.status_code, exc.response.headers
        said = server_said(exc.response)
    elif isinstance(exc, aiohttp.ClientResponseError):
        # aiohttp keeps only the reason phrase; the body went to lm-eval's log.
        status, headers, said = exc.status, exc.headers or {}, str(exc.message or "")
    quoted = f": “{said}”" if said else ""
    if status in (401, 403):
        return AuthenticationRefused(
            f"The endpoint {url} refused the API key (HTTP {status}){quoted}. "
            "Check the key registered for this model."
        )
    if status == 429:
        limited = RateLimited(f"The endpoint {url} is rate-limiting us (HTTP 429){quoted}.")
        limited.retry_after = _seconds(headers.get("Retry-After"))
        return limited
    if status == 408 or (status is not None and status >= 500 and not _deterministic(said)):
        return EndpointUnreachable(
            f"The endpoint {url} had a server error (HTTP {status}){quoted}."
        )
    if status is not None:
        # A 4xx, or a 5xx naming a cause that a retry cannot remove: fail now, say why.
        return ModelError(
            f"The endpoint {url} rejected the request (HTTP {status}){quoted}. "
            f"Check the model name '{model.identity}' and the candidate's options."
        )
    # Order matters: requests' JSONDecodeError is also a RequestException, and ConnectTimeout
    # is both a ConnectionError and a Timeout.
    if isinstance(exc, json.JSONDecodeError | requests.JSONDecodeError | aiohttp.ContentTypeError):
        return ModelError(f"The endpoint {url} answered with something that is not JSON.")
    if isinstance(exc, requests.Timeout | asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        seconds = model.options.get("timeout", str(DEFAULT_TIMEOUT_SECONDS))
        return EndpointUnreachable(f"The endpoint {url} did not answer within {seconds} s.")
    if isinstance(exc, requests.ConnectionError | aiohttp.ClientConnectionError | OSError):
        return EndpointUnreachable(f"Could not connect to the endpoint {url}.")
    if isinstance(exc, KeyError | IndexError | TypeError | AssertionError):
        return ModelError(
            f"The endpoint {url} answered in a shape lm-eval cannot read ({type(exc).__name__}: "
            f"{exc}). It must follow the OpenAI completions format, with echo and logprobs."
        )
    return ModelError(f"The endpoint {url} failed: {type(exc).__name__}: {exc}")


# Server errors whose text names a cause that is the same on every retry: the prompt does not
# fit, there is no chat template, the model or the request is wrong.
_DETERMINISTIC = re.compile(
    r"context length|maximum context|max_model_len|too long|longer than|exceeds|chat template|"
    r"index out of range|out of range|not supported|unsupported|does not exist|not found|"
    r"invalid|must be",
    re.IGNORECASE,
)


def _deterministic(said: str) -> bool:
    return bool(_DETERMINISTIC.search(said))


def _seconds(raw: str | None) -> float | None:
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def pin_torch_threads(threads: int) -> int:
    """Limit torch's intra-op threads in this process to `threads` (0: leave torch's default)
    and return the number in effect. Results do not depend on it; speed does."""
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    return int(torch.get_num_threads())
