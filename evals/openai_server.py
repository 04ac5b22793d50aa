"""A minimal OpenAI-compatible server for a local Hugging Face checkpoint (tests and demos).

It answers what lm-eval's `local-completions` and `local-chat-completions` send:
- `POST /v1/completions`: prompts as text or token ids (one or a batch); greedy generation up
  to `max_tokens` with `stop` strings; `echo` and `logprobs` with real token log-probabilities
  from the model, shaped like OpenAI's legacy completions (`token_logprobs`, `top_logprobs`).
- `POST /v1/chat/completions`: greedy generation only.
- `GET /v1/models`.

Sampling parameters (temperature, top_p, seed) are ignored: decoding is always greedy, which is
what evaluation asks for. Optional API key (`Authorization: Bearer ...`, else 401). Fault modes
for tests: `slow` (answer after a delay), `500`, `429`, `garbage` (not JSON), `malformed`
(JSON without the expected fields) and `no_echo` (ignores `echo`: log-probabilities for the
generated token only, as some llama.cpp versions do). Requests are logged by method and path
only: the Authorization header is never logged.

    python -m evals.openai_server --checkpoint DIR --port 8000 [--api-key-env VAR] [--fault 429]
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, get_args

logger = logging.getLogger(__name__)

Fault = Literal["slow", "500", "429", "garbage", "malformed", "no_echo"]
FAULTS: tuple[str, ...] = get_args(Fault)
_MAX_BODY_BYTES = 16 * 1024 * 1024


class _HTTPProblem(Exception):
    def __init__(self, status: int, message: str, code: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class _Completion:
    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float | None] = field(default_factory=list)
    top: list[dict[str, float] | None] = field(default_factory=list)
    finish_reason: str = "length"


class LocalModel:
    """A causal LM and its tokenizer, answering one request at a time."""

    def __init__(self, checkpoint: Path, name: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._torch = torch
        self.name = name or Path(checkpoint).name
        self.tokenizer = AutoTokenizer.from_pretrained(
            checkpoint, local_files_only=True, trust_remote_code=False
        )
        self.model = AutoModelForCausalLM.from_pretrained(
            checkpoint, local_files_only=True, trust_remote_code=False, dtype=torch.float32
        ).eval()
        config = self.model.config
        self.context = int(getattr(config, "max_position_embeddings", 0) or 1_000_000)
        self.vocab_size = int(config.vocab_size)
        self.eos_id = self.tokenizer.eos_token_id
        # One forward pass at a time: torch already uses every core for one, and concurrent
        # passes would only multiply memory.
        self._lock = threading.Lock()

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))

    def complete(self, ids: list[int], max_tokens: int, stop: list[str], top_n: int) -> _Completion:
        """Score the prompt, then generate greedily; log-probabilities for every position."""
        torch = self._torch
        if not ids:
            raise _HTTPProblem(400, "The prompt is empty.")
        if len(ids) > self.context:
            raise _HTTPProblem(
                400, f"The prompt has {len(ids)} tokens; this model reads at most {self.context}."
            )
        if not all(0 <= t < self.vocab_size for t in ids):
            raise _HTTPProblem(400, f"Token ids must lie in [0, {self.vocab_size}).")
        with self._lock, torch.no_grad():
            out = self.model(input_ids=torch.tensor([ids]), use_cache=True)
            logp = torch.log_softmax(out.logits[0].float(), dim=-1)
            # OpenAI gives no log-probability for the first token: nothing precedes it.
            prompt_lp = logp[:-1].gather(1, torch.tensor(ids[1:]).unsqueeze(1)).squeeze(1)
            result = _Completion(
                token_ids=list(ids),
                logprobs=[None, *prompt_lp.tolist()],
                top=[None, *(self._top(row, top_n) for row in logp[:-1])],
            )
            next_logp, past = logp[-1], out.past_key_values
            while len(result.token_ids) - len(ids) < max_tokens:
                token = int(next_logp.argmax())
                result.token_ids.append(token)
                result.logprobs.append(float(next_logp[token]))
                result.top.append(self._top(next_logp, top_n))
                # End of text stays in the log-probabilities (lm-eval drops the last entry of
                # an echo, expecting exactly one generated token) but ends the generation.
                text = self.decode(result.token_ids[len(ids) :])
                if token == self.eos_id or any(s in text for s in stop):
                    result.finish_reason = "stop"
                    break
                if len(result.token_ids) >= self.context:
                    break
                out = self.model(
                    input_ids=torch.tensor([[token]]), past_key_values=past, use_cache=True
                )
                next_logp = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
                past = out.past_key_values
        return result

    def _top(self, row: Any, n: int) -> dict[str, float]:
        if n <= 0:
            return {}
        values, indices = row.topk(n)
        top: dict[str, float] = {}
        strings = self.tokenizer.batch_decode(indices.unsqueeze(1).tolist())
        for token, value in zip(strings, values.tolist(), strict=True):
            top.setdefault(token, value)  # two ids may decode alike: keep the likelier
        return top


def completions(model: LocalModel, body: dict[str, Any]) -> dict[str, Any]:
    """Answer an OpenAI legacy completions request."""
    prompts = _prompts(model, body.get("prompt"))
    max_tokens = _integer(body, "max_tokens", default=16, high=4096)
    stop = _stops(body.get("stop"))
    echo = bool(body.get("echo", False))
    want_logprobs = body.get("logprobs") is not None
    top_n = _integer(body, "logprobs", default=0, high=20) if want_logprobs else 0
    choices, n_prompt_tokens, n_completion_tokens = [], 0, 0
    for index, (ids, prompt_text) in enumerate(prompts):
        done = model.complete(ids, max_tokens, stop, top_n)
        generated = _cut_at_stop(model.decode(done.token_ids[len(ids) :]), stop)
        text = (prompt_text if prompt_text is not None else model.decode(ids)) + generated
        choice: dict[str, Any] = {
            "index": index,
            "text": text if echo else generated,
            "finish_reason": done.finish_reason,
            "logprobs": None,
        }
        if want_logprobs:
            first = 0 if echo else len(ids)
            tokens = model.tokenizer.batch_decode([[t] for t in done.token_ids[first:]])
            offsets = [sum(len(t) for t in tokens[:i]) for i in range(len(tokens))]
            choice["logprobs"] = {
                "tokens": tokens,
                "token_logprobs": done.logprobs[first:],
                "top_logprobs": done.top[first:],
                "text_offset": offsets,
            }
        choices.append(choice)
        n_prompt_tokens += len(ids)
        n_completion_tokens += len(done.token_ids) - len(ids)
    return _envelope("text_completion", model, choices, n_prompt_tokens, n_completion_tokens)


def chat_completions(model: LocalModel, body: dict[str, Any]) -> dict[str, Any]:
    """Answer an OpenAI chat completions request (generation only)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not all(
        isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages
    ):
        raise _HTTPProblem(400, "messages must be a list of {role, content} objects.")
    if getattr(model.tokenizer, "chat_template", None):
        prompt = str(
            model.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        )
    else:  # tiny demo tokenizers have no template: a plain transcript will do
        prompt = "".join(f"{m.get('role', 'user')}: {m['content']}\n" for m in messages)
        prompt += "assistant:"
    ids = model.encode(prompt)
    max_tokens = _integer(body, "max_tokens", default=256, high=4096)
    stop = _stops(body.get("stop"))
    done = model.complete(ids, max_tokens, stop, top_n=0)
    content = _cut_at_stop(model.decode(done.token_ids[len(ids) :]), stop)
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": content},
        "finish_reason": done.finish_reason,
    }
    n_completion = len(done.token_ids) - len(ids)
    return _envelope("chat.completion", model, [choice], len(ids), n_completion)


def _envelope(
    kind: str, model: LocalModel, choices: list[Any], n_prompt: int, n_completion: int
) -> dict[str, Any]:
    return {
        "id": f"cmpl-{time.monotonic_ns()}",
        "object": kind,
        "created": int(time.time()),
        "model": model.name,
        "choices": choices,
        "usage": {
            "prompt_tokens": n_prompt,
            "completion_tokens": n_completion,
            "total_tokens": n_prompt + n_completion,
        },
    }


def _prompts(model: LocalModel, prompt: Any) -> list[tuple[list[int], str | None]]:
    """Text, token ids, or a batch of either, as (token ids, original text or None)."""
    if isinstance(prompt, str):
        return [(model.encode(prompt), prompt)]
    if isinstance(prompt, list) and prompt:
        if all(isinstance(p, str) for p in prompt):
            return [(model.encode(p), p) for p in prompt]
        if all(isinstance(t, int) for t in prompt):
            return [(list(prompt), None)]
        if all(isinstance(p, list) and all(isinstance(t, int) for t in p) for p in prompt):
            return [(list(p), None) for p in prompt]
    raise _HTTPProblem(400, "prompt must be text, token ids, or a non-empty list of either.")


def _integer(body: dict[str, Any], name: str, *, default: int, high: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
        raise _HTTPProblem(400, f"{name} must be a whole number between 0 and {high}.")
    return value


def _stops(stop: Any) -> list[str]:
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise _HTTPProblem(400, "stop must be a string or a list of strings.")
    return [s for s in stops if s]


def _cut_at_stop(text: str, stop: list[str]) -> str:
    cuts = [text.find(s) for s in stop if s in text]
    return text[: min(cuts)] if cuts else text


class OpenAIServer(ThreadingHTTPServer):
    """The HTTP server: one thread per connection, the model shared behind its lock."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        model: LocalModel,
        *,
        api_key: str | None = None,
        fault: Fault | None = None,
        fault_sleep: float = 30.0,
    ) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault mode {fault!r}; choose from {', '.join(FAULTS)}")
        super().__init__(address, _Handler)
        self.model = model
        self.api_key = api_key
        self.fault = fault
        self.fault_sleep = fault_sleep
        # Set on stop, so a `slow` handler does not outlive the server by its whole delay.
        self.stopping = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Typically a client that timed out and hung up: not worth a traceback on stderr.
        logger.debug("connection from %s ended badly", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: OpenAIServer
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._handle(lambda: self._models() if self.path.rstrip("/") == "/v1/models" else None)

    def do_POST(self) -> None:
        routes = {"/v1/completions": completions, "/v1/chat/completions": chat_completions}
        route = routes.get(self.path.rstrip("/"))
        self._handle(lambda: route(self.server.model, self._request_body()) if route else None)

    def _request_body(self) -> dict[str, Any]:
        body = self._body()
        if self.server.fault == "no_echo":
            body.pop("echo", None)
        return body

    def _models(self) -> dict[str, Any]:
        entry = {"id": self.server.model.name, "object": "model", "owned_by": "procure"}
        return {"object": "list", "data": [entry]}

    def _handle(self, answer: Callable[[], dict[str, Any] | None]) -> None:
        try:
            self._check_key()
            if self.server.fault is not None and self._play_fault(self.server.fault):
                return
            payload = answer()
            if payload is None:
                raise _HTTPProblem(404, f"No route for {self.command} {self.path}.")
            self._send(200, json.dumps(payload).encode())
        except _HTTPProblem as problem:
            error = {"message": problem.message, "type": problem.code}
            self._send(problem.status, json.dumps({"error": error}).encode())
        except Exception:
            logger.exception("failed to answer %s %s", self.command, self.path)
            error = {"message": "internal error", "type": "server_error"}
            self._send(500, json.dumps({"error": error}).encode())

    def _check_key(self) -> None:
        expected = self.server.api_key
        if not expected:
            return
        given = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise _HTTPProblem(401, "Incorrect API key provided.", code="invalid_api_key")

    def _play_fault(self, fault: Fault) -> bool:
        """Answer as the fault mode says; False when the request should then proceed."""
        if fault == "no_echo":
            return False  # answers, but wrongly (see `_request_body`)
        if fault == "slow":
            return self.server.stopping.wait(self.server.fault_sleep)
        if fault == "500":
            raise _HTTPProblem(500, "The server had an error (fault mode).", code="server_error")
        if fault == "429":
            body = b'{"error": {"message": "Rate limit reached (fault mode)."}}'
            self._send(429, body, extra_headers={"Retry-After": "1"})
        elif fault == "garbage":
            self._send(200, b"<html>this is not JSON {")
        elif fault == "malformed":
            self._send(200, json.dumps({"object": "text_completion", "choices": [{}]}).encode())
        return True

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= _MAX_BODY_BYTES:
            raise _HTTPProblem(400, "A JSON body (with Content-Length) is required.")
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            raise _HTTPProblem(400, "The body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise _HTTPProblem(400, "The body must be a JSON object.")
        return body

    def _send(self, status: int, data: bytes, extra_headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra_headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("client hung up before the answer to %s", self.path)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status only; headers (and with them the key) never.
        logger.info("%s %s", self.address_string(), format % args)


def serve_in_thread(
    checkpoint: str | Path | None = None,
    *,
    model: LocalModel | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    fault: Fault | None = None,
    fault_sleep: float = 30.0,
) -> tuple[str, Callable[[], None]]:
    """Start a server in a daemon thread; return its base URL (`http://host:port/v1`) and a
    `stop()` that shuts it down. Pass a loaded `model` to share one between servers."""
    if model is None:
        if checkpoint is None:
            raise ValueError("give a checkpoint directory or a loaded model")
        model = LocalModel(Path(checkpoint))
    server = OpenAIServer(
        (host, port), model, api_key=api_key, fault=fault, fault_sleep=fault_sleep
    )
    thread = threading.Thread(target=server.serve_forever, name="openai-server", daemon=True)
    thread.start()

    def stop() -> None:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://{host}:{server.server_address[1]}/v1", stop


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point: serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m evals.openai_server", description=__doc__)
    parser.add_argument("--checkpoint", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model-name", help="served model name (default: directory name)")
    parser.add_argument("--api-key", help="required key (visible in `ps`: prefer --api-key-env)")
    parser.add_argument("--api-key-env", help="name of an environment variable holding the key")
    parser.add_argument("--fault", choices=FAULTS)
    parser.add_argument("--fault-sleep", type=float, default=30.0, help="delay for --fault slow")
    args = parser.parse_args(argv)
    api_key = os.environ[args.api_key_env] if args.api_key_env else args.api_key
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    model = LocalModel(args.checkpoint, name=args.model_name)
    url, stop = serve_in_thread(
        model=model,
        host=args.host,
        port=args.port,
        api_key=api_key,
        fault=args.fault,
        fault_sleep=args.fault_sleep,
    )
    logger.info("serving %s on %s", model.name, url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()


if __name__ == "__main__":
    main()
