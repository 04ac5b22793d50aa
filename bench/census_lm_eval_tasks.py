"""Census: how many task configs shipped with the installed lm-eval upload as they are.

For every task YAML under `lm_eval/tasks/` this builds the upload a buyer copying that file
would make: the file itself, the files it `include`s (from its own folder tree), its dataset
swapped for a local JSON lines stand-in, and task, group and tag names prefixed so they do
not clash with the built-in ones. It runs our validator on each and prints how many pass and
the refusal reasons, most common first.

The stand-in rows are guessed from the field names the templates use (a list for
`choices`-like names, a number for `label`-like names, text otherwise). A file refused only
because a guessed row does not fit its templates is counted apart ("stand-in data"): the
gate did not refuse it, our guess did. Nothing in the scanned files is executed.

    .venv/bin/python bench/census_lm_eval_tasks.py [--examples N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import posixpath
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, meta

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.suites.validate import validate_suite

PREFIX = "census_"
DATA = "census_data.jsonl"
SPLIT_KEYS = ("test_split", "validation_split", "training_split", "fewshot_split")
_INCLUDE = re.compile(r"^include:\s*(.+?)\s*$", re.MULTILINE)
_LIST_FIELDS = re.compile(r"choice|option|ending|answers|candidates|labels$|targets$", re.I)
_NUMBER_FIELDS = re.compile(r"^(label|answer|gold|answerKey_idx|target_idx|idx|correct)$", re.I)


def tasks_root() -> Path:
    import lm_eval

    return Path(lm_eval.__file__).parent / "tasks"


class Tagged(str):
    """A tagged YAML value (`!function utils.process_docs`), kept to be written back."""


yaml.SafeDumper.add_representer(
    Tagged,
    lambda dumper, data: dumper.represent_scalar("!" + data.split(" ")[0], data.split(" ", 1)[-1]),
)


def _tolerant_load(text: str) -> Any:
    """YAML with any tag read as plain data: the census only reads keys, never runs them."""

    class Loader(yaml.SafeLoader):
        pass

    def ignore(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        return Tagged(f"{suffix} {getattr(node, 'value', '')}".strip())

    Loader.add_multi_constructor("!", ignore)
    Loader.add_multi_constructor("tag:", ignore)
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - constructors above make no objects
    except yaml.YAMLError:
        return None


def _includes(path: Path, root: Path, seen: set[Path]) -> list[Path]:
    """The files `path` includes, transitively, that exist under `root`."""
    found: list[Path] = []
    data = _tolerant_load(path.read_text("utf-8"))
    names = data.get("include") if isinstance(data, dict) else None
    for name in [names] if isinstance(names, str) else names or []:
        target = (path.parent / str(name)).resolve()
        if target.is_file() and root in target.parents and target not in seen:
            seen.add(target)
            found += [target, *_includes(target, root, seen)]
    return found


def _merged(path: Path) -> dict[str, Any]:
    """The configuration lm-eval would see (includes applied, the file's own keys last)."""
    data = _tolerant_load(path.read_text("utf-8"))
    if not isinstance(data, dict):
        return {}
    merged: dict[str, Any] = {}
    names = data.get("include")
    # lm_eval.tasks._yaml_loader.load_yaml: includes in order (later ones win), own keys last.
    for name in [names] if isinstance(names, str) else names or []:
        target = path.parent / str(name)
        if target.is_file():
            merged.update(_merged(target))
    merged.update({k: v for k, v in data.items() if k != "include"})
    return merged


def _fields(config: dict[str, Any]) -> set[str]:
    env = Environment()  # noqa: S701 - parses only, renders nothing
    fields: set[str] = set()
    for key in ("doc_to_text", "doc_to_target", "doc_to_choice", "description"):
        value = config.get(key)
        if not isinstance(value, str) or value.startswith("!function"):
            continue
        if "{" not in value:
            fields.add(value)
            continue
        # A template Jinja cannot parse names no field.
        with contextlib.suppress(Exception):
            fields |= meta.find_undeclared_variables(env.parse(value))
    return {f for f in fields if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", f)}


def _stand_in_row(config: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in sorted(_fields(config)):
        if _LIST_FIELDS.search(field):
            row[field] = ["alpha", "beta", "gamma", "delta"]
        elif _NUMBER_FIELDS.match(field):
            row[field] = 0
        else:
            row[field] = "alpha"
    return row or {"text": "alpha"}


def _rename(value: Any) -> Any:
    if isinstance(value, str):
        return PREFIX + value
    if isinstance(value, list):
        return [PREFIX + v if isinstance(v, str) else v for v in value]
    return value


def census_upload(
    path: Path, root: Path, inline: bool = False, rows: bytes | None = None
) -> dict[str, bytes] | None:
    """The upload a buyer copying `path` would make, or None when it is not a task config.

    `inline` writes the included keys into the one file instead (what a buyer had to do
    while uploads refused `include`).
    """
    merged = _merged(path)
    if "task" not in merged or "group" in merged or not isinstance(merged.get("task"), str):
        return None
    if inline:
        return _inline_upload(path.name, merged)
    folder = path.parent
    files: dict[str, bytes] = {}
    for included in _includes(path, root, set()):
        name = posixpath.normpath(os.path.relpath(included, folder))
        base = _merged(included)
        if isinstance(base.get("task"), str) and "group" not in base:
            # An included task file (arc_challenge includes arc_easy.yaml) is a task of the
            # upload too: its names and data are swapped the same way.
            data = os.path.relpath(folder / DATA, included.parent)
            files[name] = _swapped(included, base, data)
        else:
            files[name] = included.read_bytes()
    files[path.name] = _swapped(path, merged, DATA)
    # As many rows as the largest num_fewshot needs (25, plus the evaluated row).
    files[DATA] = rows or ((json.dumps(_stand_in_row(merged)) + "\n") * 26).encode()
    if any(".." in name.split("/") for name in files):
        # Includes from a parent folder: the upload is rooted at their common folder.
        files = _reroot(files)
    return files


def _swapped(path: Path, merged: dict[str, Any], data: str) -> bytes:
    """The file as written, with its data source and names replaced (the replaced keys are
    removed from the text first: written again below they would be duplicates)."""
    splits = {merged[key] for key in SPLIT_KEYS if isinstance(merged.get(key), str)} or {"test"}
    override: dict[str, Any] = {
        "task": PREFIX + merged["task"],
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {split: data for split in sorted(splits)}},
    }
    if "dataset_name" in merged:
        override["dataset_name"] = None  # an included file names a hub configuration
    if "tag" in merged:
        override["tag"] = _rename(merged["tag"])
    kept = _drop_keys(path.read_text("utf-8"), set(override) | {"dataset_kwargs", "dataset_name"})
    return (kept.rstrip("\n") + "\n" + yaml.safe_dump(override, sort_keys=False)).encode()


def _inline_upload(name: str, merged: dict[str, Any]) -> dict[str, bytes]:
    config = {key: value for key, value in merged.items() if key != "dataset_kwargs"}
    splits = {config[key] for key in SPLIT_KEYS if isinstance(config.get(key), str)} or {"test"}
    config.pop("dataset_name", None)
    config.update(
        task=PREFIX + config["task"],
        dataset_path="json",
        dataset_kwargs={"data_files": {split: DATA for split in sorted(splits)}},
    )
    if "tag" in config:
        config["tag"] = _rename(config["tag"])
    try:
        text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        text = "unserialisable: true\n"
    return {name: text.encode(), DATA: ((json.dumps(_stand_in_row(merged)) + "\n") * 26).encode()}


def _drop_keys(text: str, keys: set[str]) -> str:
    lines = text.splitlines()
    out: list[str] = []
    skipping = False
    for line in lines:
        top = re.match(r"^[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?:", line)
        if top:
            skipping = top.group(1) in keys
        elif line and not line[0].isspace() and not line.startswith(("#", "- ")):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out)


def _reroot(files: dict[str, bytes]) -> dict[str, bytes]:
    depth = max(name.split("/").count("..") for name in files)
    base = "/".join(f"d{i}" for i in range(depth))
    return {posixpath.normpath(f"{base}/{name}"): data for name, data in files.items()}


def classify(message: str) -> str:
    """A refusal reason with the specifics (names, quoted values, numbers) taken out."""
    if message.startswith("fails on row"):
        return "stand-in data: " + re.sub(r".*?: (\w+Error|\w+Exception|[^:]+).*", r"\1", message)
    reason = re.sub(r"'[^']*'", "'…'", message)
    reason = re.sub(r"\(fields: [^)]*\)", "", reason)
    reason = re.sub(r"\(allowed[^)]*\)", "", reason)
    reason = re.sub(r"\d+", "N", reason)
    return reason.strip()[:110]


def run(examples: int, inline: bool = False) -> dict[str, Any]:
    root = tasks_root()
    outcome: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    example: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.yaml")):
        upload = census_upload(path, root, inline)
        if upload is None:
            continue
        report = validate_suite(upload)
        problems = [p for p in report.problems if p.file != DATA]
        gate = {classify(p.message) for p in problems if not p.message.startswith("fails on")}
        if not report.problems:
            outcome["passed"] += 1
        elif not gate:
            outcome["stand-in data only"] += 1
        else:
            outcome["refused"] += 1
        for reason in gate or {classify(p.message) for p in problems}:
            reasons[reason] += 1
            if len(example[reason]) < examples:
                example[reason].append(str(path.relative_to(root)))
    total = sum(outcome.values())
    return {
        "total": total,
        "outcome": dict(outcome),
        "accepted_by_gate": outcome["passed"] + outcome["stand-in data only"],
        "reasons": reasons.most_common(),
        "examples": dict(example),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2, help="example files per reason")
    parser.add_argument("--top", type=int, default=25, help="reasons to print")
    parser.add_argument("--json", action="store_true", help="print the whole census as JSON")
    parser.add_argument(
        "--inline", action="store_true", help="write included keys into each file first"
    )
    args = parser.parse_args()
    census = run(args.examples, args.inline)
    if args.json:
        print(json.dumps(census, indent=1))
        return
    total, accepted = census["total"], census["accepted_by_gate"]
    print(f"task configs: {total}")
    for outcome, count in sorted(census["outcome"].items()):
        print(f"  {outcome}: {count} ({count / total:.0%})")
    print(f"accepted by the upload gate: {accepted} ({accepted / total:.1%})")
    print("\nreasons (files refused for each; a file can have several):")
    for reason, count in census["reasons"][: args.top]:
        print(f"{count:6d}  {reason}")
        for name in census["examples"][reason]:
            print(f"          e.g. {name}")


if __name__ == "__main__":
    main()
