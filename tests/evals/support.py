"""Helpers for the engine tests: a tiny real model, a tiny suite, a served endpoint.

The model is a real 2-layer GPT-2 (evals.demo.models) with a tokenizer fitted to a synthetic
licence-like corpus, built once per test session. The suite is written here, not taken from
evals/suites, so these tests only depend on lm-eval's own task format.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from evals.spec import ModelSpec

if TYPE_CHECKING:
    from evals.openai_server import LocalModel

SUBJECTS = ("licensee", "licensor", "contributor", "holder", "user", "recipient")
VERBS = ("distribute", "modify", "license", "copy", "sublicense", "use")
OBJECTS = ("software", "work", "notice", "source", "documentation", "binary")
UNSEEN = ("banana", "river", "piano", "glacier", "pepper", "violin")
CLOZE_TASK = "mini_cloze"
GEN_TASK = "mini_gen"
N_ITEMS = 24
API_KEY = "sk-procure-test-9f3c1e77d2b84a6f"  # distinctive, so a leak is unmistakable

_lock = threading.Lock()
_built: dict[str, Path] = {}
_served: dict[Path, LocalModel] = {}


def corpus() -> str:
    sentences = [
        f"The {s} may {v} the {o}.\n" for s, v, o in itertools.product(SUBJECTS, VERBS, OBJECTS)
    ]
    rng = random.Random(0)
    lines = []
    for _ in range(12):
        rng.shuffle(sentences)
        lines.extend(sentences)
    return "".join(lines)


def tiny_checkpoint(root: Path, *, seed: int = 0, max_steps: int = 0) -> Path:
    """Build (once per directory and recipe) a tiny GPT-2 with a tokenizer fitted to `corpus()`.

    Untrained by default: its scores are near chance but real, and building it takes about a
    second where training takes minutes on a busy 2-core machine. Engine tests compare
    backends and plumbing, not model quality.
    """
    from evals.demo.models import build_tiny_model

    out_dir = root / f"tiny-s{seed}-{max_steps}"
    with _lock:
        if str(out_dir) not in _built:
            build_tiny_model(out_dir, corpus(), seed=seed, max_steps=max_steps, vocab_size=512)
            _built[str(out_dir)] = out_dir
    return out_dir


def write_suite(directory: Path, n_items: int = N_ITEMS) -> Path:
    """A multiple-choice cloze task (acc) and a generation task (exact_match) on the same
    items, as lm-eval YAML with an absolute path to our jsonl."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    rows = []
    for i in range(n_items):
        subject, verb, answer = SUBJECTS[i % 6], VERBS[(i // 6) % 6], OBJECTS[(i * 5) % 6]
        # One distractor the model has seen in this slot, two it never saw.
        seen = rng.choice([o for o in OBJECTS if o != answer])
        choices = [answer, seen, *rng.sample(UNSEEN, 2)]
        rng.shuffle(choices)
        text = f"The {subject} may {verb} the"
        rows.append({"text": text, "choices": choices, "label": choices.index(answer)})
        rows[-1]["answer"] = answer
    data = directory / "items.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    common = f"""dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
doc_to_text: "{{{{text}}}}"
"""
    (directory / f"{CLOZE_TASK}.yaml").write_text(
        f"task: {CLOZE_TASK}\n{common}output_type: multiple_choice\n"
        'doc_to_choice: "{{choices}}"\ndoc_to_target: "{{label}}"\n'
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n"
    )
    (directory / f"{GEN_TASK}.yaml").write_text(
        f"task: {GEN_TASK}\n{common}output_type: generate_until\n"
        'doc_to_target: "{{answer}}"\n'
        'generation_kwargs:\n  until: [".", "\\n"]\n  max_gen_toks: 6\n  do_sample: false\n'
        "metric_list:\n  - metric: exact_match\n    aggregation: mean\n"
        '    higher_is_better: true\n    regexes_to_ignore: [" "]\n'
    )
    return directory


def hf_model(checkpoint: Path) -> ModelSpec:
    return ModelSpec("hf", str(checkpoint), options={"dtype": "float32"})


def completions_model(base_url: str, checkpoint: Path, **options: str) -> ModelSpec:
    return ModelSpec(
        "local-completions",
        checkpoint.name,
        options={
            "base_url": f"{base_url}/completions",
            "tokenizer": str(checkpoint),
            "max_length": "128",
            **options,
        },
    )


def served_model(checkpoint: Path) -> LocalModel:
    """One `LocalModel` per checkpoint for the whole session, shared by test servers."""
    from evals.openai_server import LocalModel

    with _lock:
        if checkpoint not in _served:
            _served[checkpoint] = LocalModel(checkpoint)
        return _served[checkpoint]


# Test modules import these fixtures by their function names; pytest knows them by `name`.
@pytest.fixture(scope="session", name="checkpoint")
def checkpoint_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_checkpoint(tmp_path_factory.getbasetemp() / "models")


@pytest.fixture(scope="session", name="suite_dir")
def suite_dir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.getbasetemp() / "suite"
    with _lock:  # one copy per session, though several test modules import this fixture
        return directory if directory.is_dir() else write_suite(directory)


@pytest.fixture(name="server")
def server_fixture(checkpoint: Path) -> Iterator[str]:
    """An OpenAI-compatible endpoint serving `checkpoint`, requiring `API_KEY`."""
    from evals.openai_server import serve_in_thread

    url, stop = serve_in_thread(model=served_model(checkpoint), api_key=API_KEY)
    yield url
    stop()
