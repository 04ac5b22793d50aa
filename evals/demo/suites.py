"""Demo lm-eval suites generated from held-out local text (text no demo model trained on).

Each suite is one task: a YAML file in the accepted subset (docs/suites.md) and a JSON lines
data file. Items are drawn with a seeded `random.Random`, so the same held-out text gives the
same bytes. Items whose last few words (with the answer) also occur in the training text are
skipped: the suites measure how well a model knows the domain, not whether it memorised a
passage that some licence or module happens to share.
"""

from __future__ import annotations

import functools
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evals.demo.corpora import Document

# An item whose last tokens (these many of the context, then the answer) also occur in the
# training text is skipped: the usual 13-gram decontamination.
OVERLAP_TOKENS = 12
# Whole words only: "GPLv" out of "GPLv3" would be a strange answer.
_WORD = re.compile(r"(?<![\w'])[A-Za-z]+(?:'[a-z]+)?(?![\w'])")
# Three words joined by single spaces; overlapping matches are found through a lookahead.
_PHRASE = re.compile(r"(?<![\w'])(?=([A-Za-z]+ [A-Za-z]+ [A-Za-z]+)(?![\w']))")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NGRAM_WORD = re.compile(r"[a-z0-9_']+")


@dataclass(frozen=True)
class GeneratedSuite:
    """One task's configuration and rows, ready to be written by `write_suite`."""

    name: str  # directory name, e.g. "legal_cloze"
    task: str  # lm-eval task name, namespaced so it never shadows a built-in task
    config: dict[str, Any] = field(hash=False)
    rows: tuple[dict[str, Any], ...] = field(hash=False)

    @property
    def data_file(self) -> str:
        return f"data/{self.task}.jsonl"


def write_suite(suite: GeneratedSuite, dest: Path) -> Path:
    """Write the upload form, `<task>.yaml` and `data/<task>.jsonl`, into `dest`; return `dest`.

    The data path is relative, as our suite validator requires of uploads.
    """
    data_path = dest / suite.data_file
    data_path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(row, ensure_ascii=False, sort_keys=True) for row in suite.rows)
    data_path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    write_task_yaml(suite, dest, data_file=suite.data_file)
    return dest


def write_task_yaml(suite: GeneratedSuite, dest: Path, *, data_file: str) -> Path:
    """Write `<task>.yaml` into `dest` reading its data from `data_file`; return the YAML path.

    lm-eval resolves a relative `data_file` against the working directory, so YAML that lm-eval
    reads directly (not through our validator) must name the data by an absolute path.
    """
    config = {
        "task": suite.task,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": data_file}},
        "test_split": "test",
        **suite.config,
        "metadata": {"version": 1},
    }
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{suite.task}.yaml"
    path.write_text(yaml.dump(config, Dumper=_Dumper, sort_keys=False, width=1000), "utf-8")
    return path


class _Dumper(yaml.SafeDumper):
    """Writes strings holding a newline in double quotes ("\\n"), which read more plainly."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


_MULTIPLE_CHOICE = {
    "output_type": "multiple_choice",
    "doc_to_text": "{{context}}",
    "doc_to_choice": "choices",
    "doc_to_target": "answer",
    "metric_list": [
        {"metric": "acc", "aggregation": "mean", "higher_is_better": True},
        {"metric": "acc_norm", "aggregation": "mean", "higher_is_better": True},
    ],
}


def legal_cloze_suite(
    held_out: Sequence[Document], train_text: str, *, n_items: int = 500, seed: int = 0
) -> GeneratedSuite:
    """The next word of a legal passage against three words of similar length from the same
    held-out text (matched to the answer's capitalisation)."""
    vocabulary = _Vocabulary(
        m.group().lower() for d in held_out for m in _WORD.finditer(d.text) if len(m.group()) > 2
    )
    rows = _cloze_rows(
        held_out,
        pattern=_WORD,
        min_length=3,
        context_chars=200,
        distractors=lambda word, rng: [
            _same_case(word, w) for w in vocabulary.sample(word.lower(), 3, rng)
        ],
        seen=_ngram_index(train_text),
        n_items=n_items,
        seed=seed,
    )
    return GeneratedSuite("legal_cloze", "demo_legal_cloze", dict(_MULTIPLE_CHOICE), rows)


def code_cloze_suite(
    held_out: Sequence[Document], train_text: str, *, n_items: int = 300, seed: int = 0
) -> GeneratedSuite:
    """The next identifier or keyword in Python source against three from the same files."""
    vocabulary = _Vocabulary(
        m.group() for d in held_out for m in _IDENTIFIER.finditer(d.text) if len(m.group()) > 1
    )
    rows = _cloze_rows(
        held_out,
        pattern=_IDENTIFIER,
        min_length=2,
        context_chars=200,
        distractors=lambda word, rng: vocabulary.sample(word, 3, rng),
        seen=_ngram_index(train_text),
        n_items=n_items,
        seed=seed,
    )
    return GeneratedSuite("code_cloze", "demo_code_cloze", dict(_MULTIPLE_CHOICE), rows)


def legal_phrase_suite(
    held_out: Sequence[Document], train_text: str, *, n_items: int = 150, seed: int = 0
) -> GeneratedSuite:
    """Which three-word phrase continues a legal passage, against phrases from elsewhere in the
    same held-out text."""
    vocabulary = _Vocabulary(
        (m.group(1).lower() for d in held_out for m in _PHRASE.finditer(d.text)),
        min_count=1,
        tolerance=3,
    )
    rows = _cloze_rows(
        held_out,
        pattern=_PHRASE,
        min_length=8,
        context_chars=200,
        distractors=lambda phrase, rng: [
            _same_case(phrase, p) for p in vocabulary.sample(phrase.lower(), 3, rng)
        ],
        seen=_ngram_index(train_text),
        n_items=n_items,
        seed=seed,
    )
    return GeneratedSuite("legal_phrase", "demo_legal_phrase", dict(_MULTIPLE_CHOICE), rows)


def legal_generation_suite(
    held_out: Sequence[Document], train_text: str, *, n_items: int = 40, seed: int = 0
) -> GeneratedSuite:
    """Generate the next word of a standard legal phrase (one recurring in the held-out text).

    The first word the model generates is compared exactly with the answer.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not security
    seen = _ngram_index(train_text)
    phrase_docs: dict[tuple[str, ...], set[int]] = {}
    candidates: list[tuple[tuple[str, ...], str, str]] = []
    for index, document in enumerate(held_out):
        for context, word in _cloze_candidates(document.text, _WORD, 3, 200):
            last = (*context.lower().split()[-3:], word.lower())
            phrase_docs.setdefault(last, set()).add(index)
            if not seen.has(f"{context} {word}"):
                candidates.append((last, context, word))
    # One item per recurring phrase, so a handful of boilerplate phrases do not fill the suite.
    by_phrase = {phrase: (c, w) for phrase, c, w in candidates if len(phrase_docs[phrase]) >= 2}
    chosen = rng.sample(sorted(by_phrase), min(n_items, len(by_phrase)))
    rows = tuple({"context": by_phrase[p][0], "answer": by_phrase[p][1]} for p in sorted(chosen))
    config = {
        "output_type": "generate_until",
        "doc_to_text": "{{context}}",
        "doc_to_target": "answer",
        # A few tokens suffice for one word; our models' context is short, and lm-eval
        # reserves max_gen_toks of it for the answer.
        "generation_kwargs": {"until": ["\n"], "max_gen_toks": 4, "do_sample": False},
        "filter_list": [
            {
                "name": "first_word",
                "filter": [
                    # The generation must start with the word; punctuation may follow it.
                    {"function": "regex", "regex_pattern": r"^\s*([A-Za-z']+)", "group_select": 0},
                    {"function": "take_first"},
                ],
            }
        ],
        "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}],
    }
    return GeneratedSuite("legal_generation", "demo_legal_generation", config, rows)


def _cloze_rows(
    documents: Sequence[Document],
    *,
    pattern: re.Pattern[str],
    min_length: int,
    context_chars: int,
    distractors: Callable[[str, random.Random], list[str]],
    seen: _NgramIndex,
    n_items: int,
    seed: int,
) -> tuple[dict[str, Any], ...]:
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not security
    candidates = [
        candidate
        for document in documents
        for candidate in _cloze_candidates(document.text, pattern, min_length, context_chars)
    ]
    # Visit candidates in a seeded random order and keep the first `n_items` not seen in
    # training: checking all of them would cost seconds on the code corpus.
    order = list(range(len(candidates)))
    rng.shuffle(order)
    chosen: list[int] = []
    for index in order:
        if len(chosen) == n_items:
            break
        context, word = candidates[index]
        if not seen.has(f"{context} {word}"):
            chosen.append(index)
    rows = []
    for index in sorted(chosen):
        context, word = candidates[index]
        rows.append(_choice_row(context, word, distractors(word, rng), rng))
    return tuple(rows)


def _cloze_candidates(
    text: str, pattern: re.Pattern[str], min_length: int, context_chars: int
) -> Iterator[tuple[str, str]]:
    """(context, word) for words after exactly one space, with a full context window.

    lm-eval joins context and answer with one space (target_delimiter), so only a word that
    follows a single space reads exactly as it did in the text.
    """
    for match in pattern.finditer(text):
        # A pattern with a group (a lookahead for overlapping phrases) answers with the group.
        word = match.group(1) if match.groups() else match.group()
        start = match.start()
        if len(word) < min_length or start <= context_chars:
            continue
        if text[start - 1] != " " or text[start - 2].isspace():
            continue
        window = text[start - 1 - context_chars : start - 1]
        # Start the window at a line (or at least a word) boundary, not mid-word.
        cut = window.find("\n")
        cut = cut if 0 <= cut < context_chars // 2 else window.find(" ")
        context = window[cut + 1 :].lstrip(" ")
        if context.strip():
            yield context, word


def _choice_row(
    context: str, answer: str, distractors: list[str], rng: random.Random
) -> dict[str, Any]:
    choices = list(distractors)
    position = rng.randrange(len(choices) + 1)
    choices.insert(position, answer)
    return {"context": context, "choices": choices, "answer": position}


def _same_case(model: str, word: str) -> str:
    if model.isupper():
        return word.upper()
    return word.capitalize() if model[0].isupper() else word


class _Vocabulary:
    """Distinct words (or phrases) of a text by length, to draw distractors from.

    Drawn uniformly from the words seen at least `min_count` times: a model that knows which
    words its domain uses, and in what context, picks the answer; a model from another domain
    cannot tell them apart. (Drawing by frequency instead cancels that lexical knowledge and
    leaves our tiny models near chance.) Length-matched, because a longer choice has more
    tokens and so a lower log-likelihood whatever the context.
    """

    def __init__(self, words: Iterable[str], *, min_count: int = 2, tolerance: int = 2) -> None:
        counts = Counter(words)
        self._tolerance = tolerance
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(counts):
            if counts[word] >= min_count:
                self._by_length.setdefault(len(word), []).append(word)

    def sample(self, answer: str, k: int, rng: random.Random) -> list[str]:
        low, high = len(answer) - self._tolerance, len(answer) + self._tolerance
        # One spelling per word: "One" and "one" side by side would be two choices in name only.
        spellings = {answer.lower()}
        pool = []
        for length in range(low, high + 1):
            for word in self._by_length.get(length, []):
                if word.lower() not in spellings:
                    spellings.add(word.lower())
                    pool.append(word)
        if len(pool) < k:
            raise ValueError(f"too few words of about the length of {answer!r} to choose from")
        return rng.sample(pool, k)


@functools.lru_cache(maxsize=1)
def _ngram_index(train_text: str) -> _NgramIndex:
    # The three legal suites check against the same training text: index it once.
    return _NgramIndex(train_text)


class _NgramIndex:
    """Every run of `OVERLAP_TOKENS` + 1 words of a training text, lowercased.

    Words only: punctuation and comment markers (` * `, `#`) around a copied passage must not
    make it look new.
    """

    def __init__(self, text: str) -> None:
        words = _NGRAM_WORD.findall(text.lower())
        n = OVERLAP_TOKENS + 1
        self._grams = {hash(tuple(words[i : i + n])) for i in range(len(words) - n + 1)}

    def has(self, text: str) -> bool:
        """Whether the last `OVERLAP_TOKENS` + 1 words of `text` occur in the training text."""
        words = _NGRAM_WORD.findall(text[-40 * (OVERLAP_TOKENS + 1) :].lower())
        if len(words) <= OVERLAP_TOKENS:
            return True  # too few words to tell: count the text as seen
        return hash(tuple(words[-(OVERLAP_TOKENS + 1) :])) in self._grams
