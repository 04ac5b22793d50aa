"""evals.demo.models: tiny GPT-2 checkpoints that transformers and lm-eval load offline."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from evals.demo.models import TinyModelRecipe, build_tiny_model, recipe_hash

CORPUS = "".join(
    f"Permission is granted to the licensee to {verb} the software, provided that notice {n}.\n"
    for n in range(60)
    for verb in ("use", "copy", "modify")
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_untrained_build_loads_with_transformers(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = build_tiny_model(tmp_path / "model", CORPUS, max_steps=0, vocab_size=512)

    assert out == tmp_path / "model"
    assert (out / "model.safetensors").is_file()
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.eos_token == tokenizer.pad_token == "<|endoftext|>"
    assert model.config.eos_token_id == tokenizer.eos_token_id
    ids = tokenizer("Permission is granted", return_tensors="pt").input_ids
    assert model(input_ids=ids).logits.shape == (1, ids.shape[1], len(tokenizer))


def test_it_leaves_no_temporary_directory_behind(tmp_path: Path) -> None:
    build_tiny_model(tmp_path / "model", CORPUS, max_steps=0, vocab_size=512)

    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_the_same_recipe_gives_the_same_weights(tmp_path: Path) -> None:
    first = build_tiny_model(tmp_path / "a", CORPUS, max_steps=3, vocab_size=512, context=32)
    second = build_tiny_model(tmp_path / "b", CORPUS, max_steps=3, vocab_size=512, context=32)

    for name in ("model.safetensors", "tokenizer.json"):
        assert sha256(first / name) == sha256(second / name)


def test_training_changes_the_weights(tmp_path: Path) -> None:
    untrained = build_tiny_model(tmp_path / "a", CORPUS, max_steps=0, vocab_size=512, context=32)
    trained = build_tiny_model(tmp_path / "b", CORPUS, max_steps=2, vocab_size=512, context=32)

    assert sha256(untrained / "model.safetensors") != sha256(trained / "model.safetensors")


def test_it_replaces_an_existing_directory(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "stale.txt").write_text("old")

    out = build_tiny_model(tmp_path / "model", CORPUS, max_steps=0, vocab_size=512)

    assert not (out / "stale.txt").exists()


def test_it_refuses_an_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty corpus"):
        build_tiny_model(tmp_path / "model", "  \n", max_steps=0)
    assert not any(tmp_path.iterdir())


def test_the_recipe_hash_changes_with_corpus_and_recipe() -> None:
    base = recipe_hash(CORPUS, TinyModelRecipe())

    assert recipe_hash(CORPUS, TinyModelRecipe()) == base
    assert recipe_hash(CORPUS + ".", TinyModelRecipe()) != base
    assert recipe_hash(CORPUS, TinyModelRecipe(max_steps=601)) != base
    assert recipe_hash(CORPUS, TinyModelRecipe(seed=1)) != base
