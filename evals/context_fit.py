"""Which items of a suite do not fit an endpoint's context window.

Counted with the candidate's own tokenizer before queueing: a server answers an over-long prompt
with an error (often a bare HTTP 500, every time) while the hf backend silently cuts it from
the left, so the same suite would score on one path and fail on the other. We refuse instead,
saying how many items are too long and in which task.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from evals.suites.prompts import ItemError, TaskPrompts, build_item
from evals.suites.validate import check_suite

Encode = Callable[[str], list[int]]
# lm-eval's default for generate_until tasks that do not say.
DEFAULT_MAX_GEN_TOKS = 256
# Tokenizers without a real limit report a huge sentinel (1e30) as model_max_length.
_NO_LIMIT = 10_000_000


@dataclass(frozen=True)
class TooLong:
    task: str
    too_long: int
    items: int
    longest: int  # tokens, prompt plus answer room

    def sentence(self, suite_name: str, context: int) -> str:
        return (
            f"{self.too_long} of {self.items} items of the task '{self.task}' in the suite "
            f"'{suite_name}' need more than the endpoint's context of {context} tokens "
            f"(the longest needs {self.longest}, prompt plus answer); the server would fail them."
        )


@functools.lru_cache(maxsize=8)
def local_tokenizer(directory: str) -> tuple[Encode, int | None] | None:
    """An encoder for the tokenizer in `directory` and its stated context length (None when it
    states none); None when there is no tokenizer there. Never downloads."""
    if not Path(directory).is_dir():
        return None
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(
            directory, local_files_only=True, trust_remote_code=False
        )
    except (OSError, ValueError):
        return None
    limit = getattr(tokenizer, "model_max_length", None)
    stated = int(limit) if isinstance(limit, int | float) and 0 < limit < _NO_LIMIT else None

    def encode(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    return encode, stated


def items_over_context(
    files: Mapping[str, bytes], encode: Encode, context: int, *, max_gen_toks: int | None = None
) -> list[TooLong]:
    """Per task, the items whose zero-shot prompt plus answer exceed `context` tokens.

    The answer is the longest choice for likelihood tasks, and `max_gen_toks` (the task's, else
    `max_gen_toks`, else lm-eval's default) for generation tasks. An invalid suite gives []:
    validation reports its problems elsewhere."""
    checked = check_suite(files)
    if not checked.report.ok:
        return []
    found = []
    for task in checked.tasks:
        prompts = TaskPrompts(task.config, task.fields)
        output_type = str(task.config["output_type"])
        generation = task.config.get("generation_kwargs") or {}
        room = int(generation.get("max_gen_toks") or max_gen_toks or DEFAULT_MAX_GEN_TOKS)
        delimiter = str(task.config.get("target_delimiter", " "))
        lengths = []
        for row in task.eval_rows:
            try:
                item = build_item(prompts, output_type, row)
            except ItemError:
                continue
            n = len(encode(item["prompt"]))
            if item["choices"]:
                n += max(len(encode(delimiter + choice)) for choice in item["choices"])
            elif output_type == "generate_until":
                n += room
            lengths.append(n)
        over = [n for n in lengths if n > context]
        if over:
            found.append(TooLong(task.name, len(over), len(lengths), max(over)))
    return found
