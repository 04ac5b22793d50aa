"""One truth for generated text, whichever backend produced it.

lm-eval's `hf` backend cuts its output at the first stop sequence; its API backends return what
the server sent, and servers differ: some stop before the stop string, some include it
(`" software."` for `until: ["."]`), some ignore `stop` altogether. Scoring the raw text would
make the same greedy tokens score differently by backend, so every answer is cut here, on our
side, exactly as `hf` cuts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def cut_at_stop(text: str, until: str | Iterable[str] | None) -> str:
    """`text` up to the first occurrence of any stop sequence (empty sequences are ignored).

    Cutting at each sequence in turn equals cutting at the earliest one, and is what lm-eval's
    `hf` backend does, so applying it to an `hf` answer changes nothing."""
    stops = [until] if isinstance(until, str) else list(until or ())
    for stop in stops:
        if stop:
            text = text.split(stop)[0]
    return text


def stop_sequences(request_args: tuple[Any, ...]) -> list[str]:
    """The `until` of a generate_until request's arguments `(context, gen_kwargs, ...)`."""
    gen_kwargs = request_args[1] if len(request_args) > 1 else {}
    until = gen_kwargs.get("until") if isinstance(gen_kwargs, Mapping) else None
    return [until] if isinstance(until, str) else [str(s) for s in until or ()]
