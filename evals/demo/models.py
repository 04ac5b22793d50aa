"""Train a tiny GPT-2 and its byte-level BPE tokenizer from scratch, reproducibly, on the CPU.

The result is an ordinary Hugging Face checkpoint directory (config, model.safetensors and a
GPT2TokenizerFast) that `AutoModelForCausalLM` / `AutoTokenizer` and lm-eval's `hf` backend load
offline. Training runs for a fixed number of steps (never a wall-clock budget), so the same
corpus and recipe give the same weights on the same library versions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the heavy imports stay lazy at run time: importing this module is cheap
    from torch import Tensor
    from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast

END_OF_TEXT = "<|endoftext|>"
RECIPE_FILE = "procure_recipe.json"
# Documents are cut into chunks of about this many characters before tokenising, so that the
# tokenizer trainer and encoder never see one multi-megabyte string.
_CHUNK_CHARS = 4_000


@dataclass(frozen=True)
class TinyModelRecipe:
    """Everything that determines the weights besides the corpus and the library versions."""

    seed: int = 0
    max_steps: int = 600
    vocab_size: int = 4096
    n_layer: int = 2
    n_embd: int = 128
    n_head: int = 4
    context: int = 128
    batch_size: int = 16
    lr: float = 3e-3
    # Part of the recipe because the thread count changes how matrix products are split, and
    # so the weights. Two use both cores of an idle machine; one is much faster on a busy one
    # (two OpenMP threads that keep waiting for each other were 3x slower at a load of 5).
    threads: int = 2


_DEFAULTS = TinyModelRecipe()


def recipe_hash(corpus: str, recipe: TinyModelRecipe = _DEFAULTS) -> str:
    """A hex digest naming a build: corpus bytes, recipe and the versions that affect weights.

    Library versions are part of it because a different torch or tokenizers may produce
    different (still valid) weights; a cache keyed without them would serve stale models.
    """
    payload = {
        "corpus_sha256": hashlib.sha256(corpus.encode("utf-8")).hexdigest(),
        "recipe": dataclasses.asdict(recipe),
        "versions": library_versions(),
        "format": 1,
    }
    blob = json.dumps(payload, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the weights, read without importing them (fast)."""
    return {
        name: importlib.metadata.version(name) for name in ("torch", "transformers", "tokenizers")
    }


def build_tiny_model(
    out_dir: Path,
    corpus: str,
    *,
    seed: int = _DEFAULTS.seed,
    max_steps: int = _DEFAULTS.max_steps,
    vocab_size: int = _DEFAULTS.vocab_size,
    n_layer: int = _DEFAULTS.n_layer,
    n_embd: int = _DEFAULTS.n_embd,
    n_head: int = _DEFAULTS.n_head,
    context: int = _DEFAULTS.context,
    batch_size: int = _DEFAULTS.batch_size,
    lr: float = _DEFAULTS.lr,
    threads: int = _DEFAULTS.threads,
) -> Path:
    """Train a tokenizer and a GPT-2 on `corpus` and save them to `out_dir`; return `out_dir`.

    `max_steps=0` gives an untrained but valid checkpoint in about a second (for fast tests).
    The directory appears atomically: it is written under a temporary name next to `out_dir`
    and renamed into place, so a reader never sees half a checkpoint. An existing `out_dir` is
    replaced.
    """
    recipe = TinyModelRecipe(
        seed=seed,
        max_steps=max_steps,
        vocab_size=vocab_size,
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=n_head,
        context=context,
        batch_size=batch_size,
        lr=lr,
        threads=threads,
    )
    return build_from_recipe(out_dir, corpus, recipe)


def build_from_recipe(
    out_dir: Path,
    corpus: str,
    recipe: TinyModelRecipe,
    *,
    on_step: Callable[[], None] | None = None,
) -> Path:
    """`build_tiny_model` with the hyperparameters given as one `TinyModelRecipe`.

    `on_step` is called after each training step (to show progress).
    """
    if not corpus.strip():
        raise ValueError("cannot train a model on an empty corpus")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        _train_into(tmp_dir, corpus, recipe, on_step or (lambda: None))
        (tmp_dir / RECIPE_FILE).write_text(
            json.dumps(
                {"recipe_hash": recipe_hash(corpus, recipe), **dataclasses.asdict(recipe)},
                indent=2,
                sort_keys=True,
            )
        )
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.rename(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return out_dir


def _chunks(corpus: str) -> Iterator[str]:
    """Cut the corpus at line ends into pieces of about `_CHUNK_CHARS` characters."""
    start = 0
    while start < len(corpus):
        end = corpus.find("\n", start + _CHUNK_CHARS)
        end = len(corpus) if end == -1 else end + 1
        yield corpus[start:end]
        start = end


def _train_into(
    directory: Path, corpus: str, recipe: TinyModelRecipe, on_step: Callable[[], None]
) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = _train_tokenizer(corpus, recipe.vocab_size, recipe.context)
    tokenizer.save_pretrained(directory)

    eos_id = tokenizer.eos_token_id
    assert isinstance(eos_id, int)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=recipe.context,
        n_embd=recipe.n_embd,
        n_layer=recipe.n_layer,
        n_head=recipe.n_head,
        # No dropout: it slows learning down, and runs of a few hundred steps are too short
        # for its protection against overfitting to pay off.
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=eos_id,
        eos_token_id=eos_id,
        pad_token_id=eos_id,
    )

    # torch's thread count and determinism flag are process-wide: set them for the build and
    # put them back, so a caller (a test session, a worker) is not changed behind its back.
    previous_threads = torch.get_num_threads()
    previous_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(recipe.threads)
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(recipe.seed)
        model = GPT2LMHeadModel(config)
        if recipe.max_steps > 0:
            ids = _encode_corpus(tokenizer, corpus, eos_id)
            _train(model, ids, recipe, on_step)
        model.eval()
        model.save_pretrained(directory, safe_serialization=True)
    finally:
        torch.use_deterministic_algorithms(previous_deterministic)
        torch.set_num_threads(previous_threads)


def _train_tokenizer(corpus: str, vocab_size: int, context: int) -> PreTrainedTokenizerFast:
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[END_OF_TEXT],
        # All 256 byte symbols up front: any text (code, accents) stays encodable.
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_chunks(corpus), trainer=trainer)
    # GPT2TokenizerFast is the fast class in transformers 4 and an alias of GPT2Tokenizer (now
    # backed by `tokenizers`) in 5, whose type stubs do not declare the alias.
    tokenizer_class = transformers.GPT2TokenizerFast  # type: ignore[attr-defined]
    fast: PreTrainedTokenizerFast = tokenizer_class(
        tokenizer_object=tokenizer,
        bos_token=END_OF_TEXT,
        eos_token=END_OF_TEXT,
        unk_token=END_OF_TEXT,
        pad_token=END_OF_TEXT,
        model_max_length=context,  # what the position table allows
    )
    return fast


def _encode_corpus(tokenizer: PreTrainedTokenizerFast, corpus: str, eos_id: int) -> Tensor:
    import torch

    stream: list[int] = []
    for encoding in tokenizer.backend_tokenizer.encode_batch(list(_chunks(corpus))):
        stream.extend(encoding.ids)
    stream.append(eos_id)
    return torch.tensor(stream, dtype=torch.long)


def _train(
    model: GPT2LMHeadModel, ids: Tensor, recipe: TinyModelRecipe, on_step: Callable[[], None]
) -> None:
    """AdamW with a short linear warm-up and cosine decay on random windows of the stream."""
    import torch

    # GPT-2 shifts labels by one inside the model, so a window of `context` tokens yields
    # `context - 1` next-token predictions and never exceeds the position table.
    window = recipe.context
    if len(ids) < window + 1:
        raise ValueError(f"corpus too short: {len(ids)} tokens for a context of {recipe.context}")
    generator = torch.Generator().manual_seed(recipe.seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=recipe.lr, betas=(0.9, 0.95), weight_decay=0.01
    )
    warmup = max(1, recipe.max_steps // 20)

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, recipe.max_steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    offsets_range = torch.arange(window)
    model.train()
    for _ in range(recipe.max_steps):
        starts = torch.randint(0, len(ids) - window, (recipe.batch_size,), generator=generator)
        batch = ids[starts[:, None] + offsets_range]
        loss = model(input_ids=batch, labels=batch).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        on_step()
