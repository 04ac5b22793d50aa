"""evals.demo.corpora: licence and stdlib text gathered offline, split by file, reproducibly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from evals.demo import corpora
from evals.demo.corpora import Corpus, Document


@pytest.fixture(scope="module")
def legal() -> Corpus:
    return corpora.legal_corpus()


@pytest.fixture(scope="module")
def code() -> Corpus:
    return corpora.code_corpus()


def digest(corpus: Corpus) -> str:
    blob = json.dumps(corpus.manifest(), sort_keys=True) + corpus.train_text
    blob += corpora.join_documents(corpus.held_out)
    return hashlib.sha256(blob.encode()).hexdigest()


def test_the_corpora_are_the_same_bytes_every_time(legal: Corpus, code: Corpus) -> None:
    assert digest(corpora.legal_corpus()) == digest(legal)
    assert digest(corpora.code_corpus()) == digest(code)


@pytest.mark.parametrize("name", ["legal", "code"])
def test_train_and_held_out_share_no_file(name: str, request: pytest.FixtureRequest) -> None:
    corpus: Corpus = request.getfixturevalue(name)

    train = {d.name for d in corpus.train}
    held_out = {d.name for d in corpus.held_out}
    assert train and held_out
    assert not train & held_out
    held_out_chars = sum(len(d.text) for d in corpus.held_out)
    assert 0.1 < held_out_chars / (held_out_chars + len(corpus.train_text)) < 0.35


def test_the_legal_corpus_is_licence_text_without_repeated_licences(legal: Corpus) -> None:
    documents = [*legal.train, *legal.held_out]

    assert sum(len(d.text) for d in documents) > 300_000
    assert any(d.name.startswith("dist/torch/") for d in documents)
    assert len({d.sha256 for d in documents}) == len(documents)
    assert all(len(d.text) <= corpora.MAX_LEGAL_DOC_CHARS for d in documents)


def test_the_code_corpus_is_library_source_without_tests(code: Corpus) -> None:
    names = [d.name for d in (*code.train, *code.held_out)]

    assert len(names) > 100
    assert all(n.startswith("stdlib/") and n.endswith(".py") for n in names)
    assert not [n for n in names if "/test/" in n or "/site-packages/" in n]
    assert len(code.train_text) <= corpora.MAX_CODE_CHARS + 2 * len(code.train)


def test_a_missing_source_is_skipped_and_recorded(tmp_path: Path) -> None:
    corpus = corpora.legal_corpus(
        common_licenses_dir=tmp_path / "absent", distributions=("numpy", "no-such-dist")
    )

    assert corpus.train or corpus.held_out
    assert set(corpus.missing) == {str(tmp_path / "absent"), "dist:no-such-dist"}
    assert corpus.manifest()["missing"] == list(corpus.missing)


def test_licences_differing_only_in_copyright_lines_count_once(tmp_path: Path) -> None:
    body = "Permission is hereby granted, free of charge, to any person.\n"
    (tmp_path / "MIT-a").write_text(f"Copyright (c) 2020 Alice\n\n{body}")
    (tmp_path / "MIT-b").write_text(f"Copyright (c) 2024 Bob\n\n{body}")

    corpus = corpora.legal_corpus(common_licenses_dir=tmp_path, distributions=())

    kept = [d.name for d in (*corpus.train, *corpus.held_out) if "MIT" in d.name]
    assert kept == ["common-licenses/MIT-a"]


def test_the_general_text_is_mostly_code_with_some_training_licence_text() -> None:
    code = Corpus("code", tuple(Document(f"c{i}.py", "x = 1\n" * 150) for i in range(10)), ())
    legal = Corpus(
        "legal",
        train=tuple(Document(f"train-{i}", f"train licence {i}. " * 50) for i in range(10)),
        held_out=(Document("held-out", "held-out licence. " * 50),),
    )

    text = corpora.general_training_text(code, legal, legal_share=0.1)

    assert all(d.text in text for d in code.train)
    assert "train licence" in text
    assert "held-out" not in text
    legal_chars = len(text) - len(code.train_text)
    assert 0.08 < legal_chars / len(text) < 0.12
