"""What an OpenAI-compatible endpoint can do, found out with a handful of tiny requests.

Servers differ in ways that make an evaluation silently wrong rather than fail: some accept
only one string prompt per request, some ignore `echo` and return log-probabilities for the
generated token only, some return the stop sequence inside the text. `probe_endpoint` asks the
server directly (a one-token completion with a string prompt, with token ids, a batch of two,
echo with logprobs, a stop sequence, a chat request, `/v1/models`) and returns
`EndpointCapabilities`; runs are configured from them and suites they cannot score are refused
before queueing (`capability_problems`).

No Django here; `requests` does the HTTP. Messages quote the server, shortened and scrubbed of
the API key.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from evals.redact import redact

PROBE_PROMPT = "The licensee may copy the"
# Answers quoted in messages are cut to this many characters: enough to read the reason.
QUOTE_CHARS = 300
_CONNECT_SECONDS = 5.0
LIKELIHOOD_TYPES = frozenset({"multiple_choice", "loglikelihood", "loglikelihood_rolling"})
# Keys under which servers state a model's context length in /v1/models (vLLM, llama.cpp's
# `meta`, others).
_CONTEXT_KEYS = ("max_model_len", "context_length", "context_window", "max_context_length")
_META_CONTEXT_KEYS = ("n_ctx", "n_ctx_train")


@dataclass(frozen=True)
class EndpointCapabilities:
    """What one endpoint answered to the probe. `None` means "not checked" (or not applicable
    to this backend); `notes` quote what the server said when a check failed."""

    reachable: bool
    model_listed: bool | None = None
    context_length: int | None = None
    string_prompts: bool | None = None
    token_prompts: bool | None = None
    batched_prompts: bool | None = None
    prompt_logprobs: bool | None = None
    includes_stop: bool | None = None
    chat: bool | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EndpointCapabilities:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["notes"] = tuple(values.get("notes") or ())
        return cls(**values)


CAPABILITY_LABELS = {
    "reachable": "Answered the probe",
    "model_listed": "Model listed at /v1/models",
    "context_length": "Context length it states",
    "string_prompts": "Text prompts",
    "token_prompts": "Token-id prompts",
    "batched_prompts": "Several prompts per request",
    "prompt_logprobs": "A log-probability for every prompt token (echo)",
    "includes_stop": "Leaves the stop sequence in its text (we cut it)",
    "chat": "Chat requests (a chat template)",
}


def describe(capabilities: EndpointCapabilities) -> list[tuple[str, str]]:
    """(label, answer) rows for people: yes, no, a number, or "not checked"."""
    rows = []
    for name, label in CAPABILITY_LABELS.items():
        value = getattr(capabilities, name)
        shown = {True: "yes", False: "no", None: "not checked"}.get(value, str(value))
        rows.append((label, shown))
    return rows


def run_options(capabilities: EndpointCapabilities, backend: str) -> dict[str, str]:
    """Backend options that make runs fit the endpoint: token ids only where the server takes
    them, one prompt per request where it refuses batches, its stated context length.

    The candidate's own options override these (see `merged_run_options`)."""
    options: dict[str, str] = {}
    if backend == "local-completions" and capabilities.reachable:
        if capabilities.token_prompts is not None:
            options["tokenized_requests"] = "true" if capabilities.token_prompts else "false"
        if capabilities.batched_prompts is False or capabilities.token_prompts is False:
            # lm-eval sends string prompts one per request in any case; say so explicitly.
            options["batch_size"] = "1"
    if capabilities.context_length:
        options["max_length"] = str(capabilities.context_length)
    return options


def merged_run_options(
    options: Mapping[str, str], capabilities: EndpointCapabilities | None, backend: str
) -> dict[str, str]:
    """The options a run uses: what the probe found, overridden by the candidate's options."""
    derived = run_options(capabilities, backend) if capabilities is not None else {}
    return {**derived, **options}


def capability_problems(
    capabilities: EndpointCapabilities,
    output_types: Iterable[str],
    *,
    suite_name: str,
    url: str,
) -> list[str]:
    """Plain sentences saying why the endpoint cannot score the suite; empty when it can."""
    problems: list[str] = []
    if not capabilities.reachable:
        # Unknown is not incapable: the run goes ahead and its failures say what went wrong.
        return problems
    likelihood = sorted(set(output_types) & LIKELIHOOD_TYPES)
    if likelihood and not capabilities.prompt_logprobs:
        problems.append(
            f"The suite '{suite_name}' scores answer likelihoods ({', '.join(likelihood)}), "
            f"but the endpoint {url} does not return a log-probability for every prompt token "
            "(it ignores echo with logprobs), so its scores would be chance-level. Use a server "
            "that supports echo and logprobs (vLLM, our test server) or the hf backend."
        )
    if capabilities.string_prompts is False and capabilities.token_prompts is False:
        problems.append(f"The endpoint {url} accepted neither a string nor a token-id prompt.")
    chat_only = capabilities.string_prompts is None
    if chat_only and capabilities.chat is False and "generate_until" in set(output_types):
        said = [note for note in capabilities.notes if note.startswith("chat request")]
        why = f" ({said[0]})" if said else ""
        problems.append(
            f"The chat endpoint {url} did not answer a chat request{why}: without a chat "
            "template the server fails every item."
        )
    return problems


def _quote(text: str, secrets: Iterable[str | None]) -> str:
    text = " ".join(redact(text, secrets).split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def server_said(response: Any, secrets: Iterable[str | None] = ()) -> str:
    """The reason in an error response (its `detail`, `error.message` or body), shortened."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            body = error["message"]
        elif isinstance(error, str):
            body = error
        elif body.get("detail"):
            body = body["detail"]
    text = body if isinstance(body, str) else json.dumps(body)
    return _quote(text or response.reason or "", secrets)


class _Client:
    def __init__(self, api_key: str | None, timeout: float) -> None:
        import requests

        self._session = requests.Session()
        if api_key:
            self._session.headers["Authorization"] = f"Bearer {api_key}"
        self._timeout = timeout
        self._secrets = [api_key]

    def call(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        """The JSON answer, or raises `_Refused` with what the server said."""
        import requests

        try:
            # A host that never accepts the connection is given up on sooner than a slow answer.
            timeout = (min(_CONNECT_SECONDS, self._timeout), self._timeout)
            response = self._session.request(method, url, json=body, timeout=timeout)
        except requests.RequestException as exc:
            # Nothing answered: further checks would only wait out the same timeout.
            raise _Unreachable(_quote(f"{type(exc).__name__}: {exc}", self._secrets)) from None
        if not response.ok:
            said = server_said(response, self._secrets)
            raise _Refused(f"HTTP {response.status_code}: {said}")
        try:
            return response.json()
        except ValueError:
            raise _Refused(f"not JSON: {_quote(response.text, self._secrets)}") from None


class _Refused(Exception):
    pass


class _Unreachable(Exception):
    pass


def probe_endpoint(
    *,
    backend: str,
    url: str,
    model: str,
    api_key: str | None = None,
    encode: Callable[[str], list[int]] | None = None,
    timeout: float = 20.0,
) -> EndpointCapabilities:
    """Probe the endpoint registered at `url` (ending in /completions or /chat/completions).

    `encode` turns text into the candidate's token ids (its tokenizer): it lets the probe send
    real token ids and count the prompt tokens an echo must cover. Never raises for what the
    server does; an endpoint that does not answer at all is `reachable=False`.
    """
    client = _Client(api_key, timeout)
    chat_suffix, suffix = "/chat/completions", "/completions"
    base = url.rstrip("/")
    root = base[: -len(chat_suffix)] if base.endswith(chat_suffix) else base[: -len(suffix)]
    notes: list[str] = []
    found: dict[str, Any] = {}
    try:
        try:
            listing = client.call("GET", f"{root}/models")
        except _Refused as refused:
            notes.append(f"/models: {refused}")
        else:
            found["model_listed"], found["context_length"] = _listed(listing, model)
        if backend == "local-completions":
            found |= _probe_completions(client, base, model, encode, notes)
        else:
            found["chat"] = _check(notes, "chat request", lambda: _chat(client, base, model))
    except _Unreachable as unreachable:
        return EndpointCapabilities(reachable=False, notes=(*notes, str(unreachable)))
    # An endpoint that refused every check (a 500 or 429 to everything, garbage) tells us
    # nothing about what it can do: it counts as unreachable, not as incapable.
    answered = any(value is True for value in found.values())
    if not answered:
        return EndpointCapabilities(reachable=False, notes=tuple(notes))
    return EndpointCapabilities(reachable=True, notes=tuple(notes), **found)


def _listed(listing: Any, model: str) -> tuple[bool, int | None]:
    entries = listing.get("data") if isinstance(listing, dict) else None
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("id") == model:
            meta = entry.get("meta")
            stated = [entry.get(key) for key in _CONTEXT_KEYS]
            if isinstance(meta, dict):
                stated += [meta.get(key) for key in _META_CONTEXT_KEYS]
            lengths = [value for value in stated if isinstance(value, int) and value > 0]
            return True, (lengths[0] if lengths else None)
    return False, None


def _check(notes: list[str], what: str, attempt: Callable[[], Any]) -> Any:
    """Run one check: its result, or False with the server's words noted."""
    try:
        return attempt()
    except _Refused as refused:
        notes.append(f"{what}: {refused}")
        return False


def _choices(answer: Any, expected: int) -> list[dict[str, Any]]:
    choices = answer.get("choices") if isinstance(answer, dict) else None
    if not isinstance(choices, list) or len(choices) != expected:
        raise _Refused(f"expected {expected} choice(s), got {_quote(json.dumps(answer), [])}")
    return choices


def _complete(client: _Client, url: str, model: str, prompt: Any, **extra: Any) -> list[Any]:
    body = {"model": model, "prompt": prompt, "max_tokens": 1, "temperature": 0, **extra}
    expected = len(prompt) if isinstance(prompt, list) and isinstance(prompt[0], str) else 1
    choices = _choices(client.call("POST", url, body), expected)
    if not all(isinstance(c.get("text"), str) for c in choices):
        raise _Refused("a choice without text")
    return choices


def _probe_completions(
    client: _Client,
    url: str,
    model: str,
    encode: Callable[[str], list[int]] | None,
    notes: list[str],
) -> dict[str, Any]:
    # Without the candidate's tokenizer (it may live on the workers only), small ids that
    # every vocabulary has still tell whether the server takes token ids at all.
    ids = encode(PROBE_PROMPT) if encode is not None else [1, 2, 3, 4, 5]
    found: dict[str, Any] = {
        "string_prompts": _check(
            notes, "string prompt", lambda: bool(_complete(client, url, model, PROBE_PROMPT))
        ),
        "batched_prompts": _check(
            notes,
            "batch of two prompts",
            lambda: bool(_complete(client, url, model, [PROBE_PROMPT, "The user may"])),
        ),
    }
    found["token_prompts"] = _check(
        notes, "token-id prompt", lambda: bool(_complete(client, url, model, [ids]))
    )
    prompt: Any = [ids] if found["token_prompts"] else PROBE_PROMPT
    counted = len(ids) if found["token_prompts"] or encode is not None else None
    found["prompt_logprobs"] = _check(
        notes,
        "echo with logprobs",
        lambda: _echoes_every_token(client, url, model, prompt, counted),
    )
    found["includes_stop"] = _stop_behaviour(client, url, model, notes)
    found["chat"] = _check(notes, "chat request", lambda: _chat(client, url, model))
    return found


def _echoes_every_token(
    client: _Client, url: str, model: str, prompt: Any, n_prompt_tokens: int | None
) -> bool:
    """True when the server echoed the prompt with a log-probability for every prompt token
    after the first (nothing precedes the first) plus the generated one."""
    choice = _complete(client, url, model, prompt, echo=True, logprobs=1)[0]
    logprobs = choice.get("logprobs")
    values = logprobs.get("token_logprobs") if isinstance(logprobs, dict) else None
    if not isinstance(values, list):
        raise _Refused("no token_logprobs in the answer")
    if n_prompt_tokens is None:
        # Without the tokenizer, count words: a BPE tokenizer needs at least one token each.
        n_prompt_tokens = len(PROBE_PROMPT.split())
    if len(values) < n_prompt_tokens + 1:
        raise _Refused(
            f"log-probabilities for {len(values)} token(s), the prompt alone has "
            f"{n_prompt_tokens}: the server ignores echo"
        )
    scored = values[1 : n_prompt_tokens + 1]
    if not all(isinstance(v, int | float) for v in scored):
        raise _Refused("a prompt token came back without a log-probability")
    tops = logprobs.get("top_logprobs") if isinstance(logprobs, dict) else None
    if not isinstance(tops, list) or len(tops) < len(values):
        raise _Refused("no top_logprobs for every token")
    return True


def _stop_behaviour(client: _Client, url: str, model: str, notes: list[str]) -> bool | None:
    """Whether the server leaves the stop sequence in the text it returns (None: unknown)."""
    try:
        free = _complete(client, url, model, PROBE_PROMPT, max_tokens=8)[0]["text"]
        visible = [char for char in free.strip() if not char.isspace()]
        if len(visible) < 2:
            return None
        stop = visible[1]
        text = _complete(client, url, model, PROBE_PROMPT, max_tokens=8, stop=[stop])[0]["text"]
    except _Refused as refused:
        notes.append(f"stop sequence: {refused}")
        return None
    return stop in text


def _chat(client: _Client, url: str, model: str) -> bool:
    chat_url = url if url.endswith("/chat/completions") else url[: -len("/completions")]
    if not chat_url.endswith("/chat/completions"):
        chat_url += "/chat/completions"
    body = {
        "model": model,
        "messages": [{"role": "user", "content": PROBE_PROMPT}],
        "max_tokens": 1,
        "temperature": 0,
    }
    choice = _choices(client.call("POST", chat_url, body), 1)[0]
    message = choice.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("content"), str | None):
        raise _Refused("a chat answer without a message")
    return True
