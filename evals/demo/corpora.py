"""Training and held-out text for the demo models: shipped in the repository, frozen once.

The demo builds from `fixtures/demo/corpus.jsonl.xz` (`shipped_corpora`), so every machine trains
the same models on the same bytes and gets the same numbers. That file was made once by
`python -m evals.demo.corpora freeze`, from text gathered offline as described below; run it again
only to change the corpus on purpose (the demo's recorded fits then change too).

LEGAL text is licence files: Debian's `/usr/share/common-licenses`, CPython's own LICENSE, and
the LICENSE/COPYING/NOTICE files that a fixed list of distributions ship in their dist-info
(our dependencies and theirs). CODE is the running interpreter's standard library source.

What is installed differs a little between machines, so the selection leans on what is fixed:
the stdlib is fixed by the Python version, the common licences by the Debian release, and the
distributions are named here rather than discovered (a missing one is skipped and recorded in
the manifest). Files are deduplicated, ordered by name, and split into train and held-out by a
hash of their content or path, so adding one file never moves another between the splits.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import lzma
import re
import sys
import sysconfig
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COMMON_LICENSES_DIR = Path("/usr/share/common-licenses")
SHIPPED_CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "corpus.jsonl.xz"
# What the shipped corpus keeps of each gathered corpus (train; held-out is a fifth of it):
# a few hundred training steps see about this much text, and the file stays small.
FROZEN_CHARS = 600_000

# Distributions whose licence files make up most of the legal corpus: what pyproject.toml
# depends on, plus the larger transitive dependencies of lm-eval[hf] and Django.
LICENCE_DISTRIBUTIONS = (
    "Django", "djangorestframework", "drf-spectacular", "django-environ", "django-celery-beat",
    "django-filter", "celery", "kombu", "billiard", "redis", "psycopg", "cryptography", "cffi",
    "gunicorn", "whitenoise", "weasyprint", "pydyf", "tinycss2", "Pyphen", "fonttools",
    "pillow", "matplotlib", "numpy", "scipy", "torch", "lm_eval", "transformers", "tokenizers",
    "huggingface_hub", "safetensors", "accelerate", "peft", "datasets", "evaluate", "pyarrow",
    "pandas", "scikit-learn", "sacrebleu", "nltk", "rouge_score", "sympy", "networkx", "jinja2",
    "MarkupSafe", "PyYAML", "requests", "urllib3", "certifi", "idna", "charset-normalizer",
    "regex", "tqdm", "aiohttp", "pytz", "tzdata", "python-dateutil", "six", "attrs",
    "jsonschema", "dill", "multiprocess", "xxhash", "fsspec", "filelock", "packaging",
    "typing_extensions", "pydantic", "sqlparse", "asgiref", "chardet", "lxml", "pip",
)  # fmt: skip
_LICENCE_NAME = re.compile(r"^(licen[cs]e|copying|notice|copyright)", re.IGNORECASE)

# Share of each corpus kept back for the suites (by hash, so about this share).
HELD_OUT_PERCENT = 20
# Caps, so that training and tokenizer fitting stay quick whatever is installed.
MAX_LEGAL_DOC_CHARS = 60_000
MAX_LEGAL_CHARS = 2_000_000
MAX_CODE_FILE_CHARS = 100_000
MAX_CODE_CHARS = 2_500_000
# Stdlib parts that are data or tests rather than ordinary library code.
_SKIPPED_STDLIB_PARTS = frozenset(
    {"site-packages", "test", "tests", "idle_test", "encodings", "pydoc_data", "__pycache__"}
)


@dataclass(frozen=True)
class Document:
    """One file of a corpus. `name` is stable across machines (no absolute paths)."""

    name: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Corpus:
    """A corpus split by file into text for training and text held out for the suites."""

    name: str
    train: tuple[Document, ...]
    held_out: tuple[Document, ...]
    missing: tuple[str, ...] = ()  # named sources that were not found on this machine

    @property
    def train_text(self) -> str:
        return join_documents(self.train)

    def manifest(self) -> dict[str, Any]:
        """What was used, to be saved beside the built models (names, sizes and hashes)."""

        def entries(docs: Iterable[Document]) -> list[dict[str, Any]]:
            return [{"name": d.name, "chars": len(d.text), "sha256": d.sha256} for d in docs]

        return {
            "name": self.name,
            "train_chars": sum(len(d.text) for d in self.train),
            "held_out_chars": sum(len(d.text) for d in self.held_out),
            "train": entries(self.train),
            "held_out": entries(self.held_out),
            "missing": list(self.missing),
        }


def join_documents(documents: Iterable[Document]) -> str:
    return "\n\n".join(d.text for d in documents)


def shipped_corpora(path: Path = SHIPPED_CORPUS) -> tuple[Corpus, Corpus]:
    """The legal and the code corpus the demo builds from, as frozen in the repository."""
    parts: dict[tuple[str, str], list[Document]] = {}
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            parts.setdefault((row["corpus"], row["split"]), []).append(
                Document(row["name"], row["text"])
            )

    def corpus(name: str) -> Corpus:
        return Corpus(name, tuple(parts[name, "train"]), tuple(parts[name, "held_out"]))

    return corpus("legal"), corpus("code")


def freeze(path: Path = SHIPPED_CORPUS, *, max_chars: int = FROZEN_CHARS) -> Path:
    """Gather both corpora from this machine and write them, capped, to `path` (xz JSON lines).

    The compression preset and the row order are fixed, so the same text gives the same bytes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"corpus": corpus.name, "split": split, "name": document.name, "text": document.text}
        for corpus in (legal_corpus(max_chars=max_chars), code_corpus(max_chars=max_chars))
        for split, documents in (("train", corpus.train), ("held_out", corpus.held_out))
        for document in documents
    ]
    blob = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)
    path.write_bytes(lzma.compress(blob.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    return path


def legal_corpus(
    *,
    common_licenses_dir: Path = COMMON_LICENSES_DIR,
    distributions: tuple[str, ...] = LICENCE_DISTRIBUTIONS,
    max_chars: int = MAX_LEGAL_CHARS,
) -> Corpus:
    """Licence texts found on this machine, deduplicated and split by content hash.

    Licences that differ only in their copyright lines (hundreds of MIT and BSD copies) count
    as one text, the first found (common licences first, then distributions in list order).
    Passages that files still share (a bundle quoting the whole Apache licence) are left to
    the suites' decontamination, which skips items whose passage occurs in training text.
    """
    documents: list[Document] = []
    missing: list[str] = []
    if common_licenses_dir.is_dir():
        for path in sorted(common_licenses_dir.iterdir()):
            if path.is_file():
                documents.append(Document(f"common-licenses/{path.name}", _read(path)))
    else:
        missing.append(str(common_licenses_dir))
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_licence.is_file():
        documents.append(Document("python/LICENSE.txt", _read(python_licence)))
    for dist_name in distributions:
        found = list(_distribution_licences(dist_name))
        if not found:
            missing.append(f"dist:{dist_name}")
        documents.extend(found)

    unique: dict[str, Document] = {}
    for document in documents:
        text = document.text[:MAX_LEGAL_DOC_CHARS]
        cut = text.rfind("\n") if len(document.text) > MAX_LEGAL_DOC_CHARS else -1
        document = Document(document.name, text[:cut] if cut > 0 else text)
        key = _licence_key(document.text)
        if key and key not in unique:
            unique[key] = document
    train, held_out = _split(unique, max_chars)
    return Corpus("legal", train, held_out, tuple(missing))


def code_corpus(*, stdlib_dir: Path | None = None, max_chars: int = MAX_CODE_CHARS) -> Corpus:
    """The standard library's Python source, split by a hash of each file's relative path."""
    root = Path(stdlib_dir or sysconfig.get_paths()["stdlib"])
    files: dict[str, Document] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if _SKIPPED_STDLIB_PARTS.intersection(relative.parts) or not path.is_file():
            continue
        text = _read(path)
        if 200 <= len(text) <= MAX_CODE_FILE_CHARS:
            name = f"stdlib/{relative.as_posix()}"
            files[name] = Document(name, text)
    train, held_out = _split(files, max_chars)
    return Corpus("code", train, held_out)


def general_training_text(code: Corpus, legal: Corpus, *, legal_share: float = 0.1) -> str:
    """Code training text plus legal training text making up about `legal_share` of it.

    The legal part is taken from the start of the legal training documents (hash order), so
    the generalist sees a little of the specialist's domain, as a broad model would.
    """
    code_chars = sum(len(d.text) for d in code.train)
    wanted = int(code_chars * legal_share / (1.0 - legal_share))
    chosen: list[Document] = []
    for document in _hash_ordered(legal.train):
        if wanted <= 0:
            break
        chosen.append(Document(document.name, document.text[:wanted]))
        wanted -= len(chosen[-1].text)
    # Interleave by name hash so that neither kind of text sits in one block of the stream.
    return join_documents(_hash_ordered([*code.train, *chosen]))


def _split(
    documents: dict[str, Document], max_chars: int
) -> tuple[tuple[Document, ...], tuple[Document, ...]]:
    """Held out when the hash of the key falls in the held-out share; then cap each split."""
    train: list[Document] = []
    held_out: list[Document] = []
    for key, document in sorted(documents.items(), key=lambda item: item[1].name):
        bucket = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100
        (held_out if bucket < HELD_OUT_PERCENT else train).append(document)
    held_out_cap = max_chars * HELD_OUT_PERCENT // 100
    return tuple(_capped(train, max_chars)), tuple(_capped(held_out, held_out_cap))


def _capped(documents: list[Document], max_chars: int) -> Iterator[Document]:
    # Drop whole files in hash order rather than by name, so the cap does not cut off one
    # alphabetical end of the stdlib; the kept files stay in name order.
    kept: set[str] = set()
    total = 0
    for document in _hash_ordered(documents):
        if total + len(document.text) <= max_chars:
            kept.add(document.name)
            total += len(document.text)
    return (d for d in documents if d.name in kept)


def _hash_ordered(documents: Iterable[Document]) -> list[Document]:
    return sorted(documents, key=lambda d: hashlib.sha256(d.name.encode("utf-8")).hexdigest())


def _distribution_licences(dist_name: str) -> Iterator[Document]:
    try:
        distribution = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        return
    # RECORD lists every installed file; reading it as text is much faster than
    # `distribution.files`, which builds a path object for each of torch's ~20,000 files.
    record = distribution.read_text("RECORD") or ""
    entries = sorted({line.split(",", 1)[0] for line in record.splitlines()})
    for entry in entries:
        # Licence files live in the dist-info directory (licenses/ since PEP 639).
        _, _, inner = entry.partition(".dist-info/")
        if not inner or not _LICENCE_NAME.match(inner.rsplit("/", 1)[-1]):
            continue
        path = Path(str(distribution.locate_file(entry)))
        if path.is_file():
            # Versions vary between machines; the name without them stays comparable.
            yield Document(f"dist/{dist_name}/{inner}", _read(path))


def _read(path: Path) -> str:
    text = path.read_bytes().decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def _licence_key(text: str) -> str:
    """A licence's words without copyright lines: equal for copies of the same licence."""
    kept = [
        line
        for line in text.lower().split("\n")
        if "copyright" not in line and "(c)" not in line and "©" not in line
    ]
    return " ".join(re.findall(r"[a-z0-9]+", " ".join(kept)))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `freeze` gathers this machine's text into the shipped corpus file."""
    parser = argparse.ArgumentParser(prog="python -m evals.demo.corpora", description=__doc__)
    parser.add_argument("command", choices=["freeze"])
    parser.add_argument("--out", type=Path, default=SHIPPED_CORPUS)
    parser.add_argument("--max-chars", type=int, default=FROZEN_CHARS)
    args = parser.parse_args(argv)
    path = freeze(args.out, max_chars=args.max_chars)
    legal, code = shipped_corpora(path)
    for corpus in (legal, code):
        held_out = sum(len(d.text) for d in corpus.held_out)
        print(f"{corpus.name}: {len(corpus.train_text):,} chars to train, {held_out:,} held out")
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
