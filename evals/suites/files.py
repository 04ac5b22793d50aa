"""Rules every file of an upload must follow, whichever way it arrived (archive or loose)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from evals.suites import limits
from evals.suites.report import Problem

YAML_SUFFIXES = (".yaml", ".yml")
DATA_SUFFIXES = (".jsonl", ".json", ".csv")
ACCEPTED_SUFFIXES = YAML_SUFFIXES + DATA_SUFFIXES


def is_include_base(name: str) -> bool:
    """A file without an extension: YAML that tasks `include` (lm-eval names its shared
    templates so, e.g. `_default_template_yaml`, so that they are not read as tasks)."""
    return "." not in posixpath.basename(name)


def is_yaml(name: str) -> bool:
    return name.lower().endswith(YAML_SUFFIXES) or is_include_base(name)


_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
# Files people's tools add to archives without asking: dropping them spares the uploader a
# refusal over something they never meant to send. README.md documents a suite for people.
_IGNORED_NAMES = frozenset({"readme.md", ".ds_store", "thumbs.db"})
_IGNORED_DIRS = frozenset({"__MACOSX"})


def normalise_name(name: str) -> str:
    """Forward slashes only (old Windows zip tools write backslashes), no trailing slash."""
    return name.replace("\\", "/")


ESCAPE_MESSAGE = "paths must stay inside the upload: no absolute paths and no '..'"


def escapes_upload(name: str) -> bool:
    """Whether a path points outside the upload (absolute, a drive letter, or through '..')."""
    return name.startswith("/") or bool(re.match(r"[A-Za-z]:", name)) or ".." in name.split("/")


def path_problem(name: str) -> str | None:
    """Why `name` cannot be a file of the upload, or None when it can."""
    if not name:
        return "a file has an empty name"
    if escapes_upload(name):
        return ESCAPE_MESSAGE
    segments = name.split("/")
    if any(segment in ("", ".") for segment in segments):
        return "paths must not have '.' or empty parts"
    if len(name) > limits.MAX_PATH_CHARS or len(segments) > limits.MAX_PATH_DEPTH:
        return (
            f"paths are limited to {limits.MAX_PATH_CHARS} characters and "
            f"{limits.MAX_PATH_DEPTH} levels"
        )
    if not all(_SEGMENT.fullmatch(segment) for segment in segments):
        return "file and folder names may only use letters, digits, '_', '.' and '-'"
    return None


def is_ignored(name: str) -> bool:
    """READMEs and operating-system litter, which we drop without complaint."""
    segments = name.split("/")
    return segments[-1].lower() in _IGNORED_NAMES or any(s in _IGNORED_DIRS for s in segments)


def strip_common_folder(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Drop a single folder that wraps every file, as zipping a folder does.

    Relative paths between files are unchanged, so references still resolve, and the same
    suite zipped with or without its folder gets the same content hash.
    """
    names = list(files)
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) != 1 or not all("/" in name for name in names):
        return dict(files)
    return {name.split("/", 1)[1]: data for name, data in files.items()}


def check_files(files: Mapping[str, bytes]) -> list[Problem]:
    """Names, kinds, sizes and encodings of the files of an upload."""
    problems: list[Problem] = []
    if not files:
        problems.append(Problem("", None, "", "the upload contains no files"))
    if len(files) > limits.MAX_FILES:
        message = f"the upload has {len(files)} files; at most {limits.MAX_FILES}"
        problems.append(Problem("", None, "", message))
    total = sum(len(data) for data in files.values())
    if total > limits.MAX_TOTAL_BYTES:
        message = f"the files total {_mib(total)}; at most {_mib(limits.MAX_TOTAL_BYTES)}"
        problems.append(Problem("", None, "", message))
    for name, data in sorted(files.items()):
        bad_path = path_problem(name)
        problem = Problem(name, None, "", bad_path) if bad_path else _content_problem(name, data)
        if problem:
            problems.append(problem)
    return problems


def _content_problem(name: str, data: bytes) -> Problem | None:
    suffix = posixpath.splitext(name)[1].lower()
    if suffix not in ACCEPTED_SUFFIXES and not is_include_base(name):
        message = (
            "only .yaml, .yml, .jsonl, .json and .csv files (and YAML without an extension, "
            "to include) are accepted"
        )
        if suffix == ".py":
            message += "; uploaded suites never run Python: remove this file and any !function"
        return Problem(name, None, "", message)
    limit = limits.MAX_YAML_BYTES if is_yaml(name) else limits.MAX_FILE_BYTES
    if len(data) > limit:
        message = (
            f"the file is {_mib(len(data))}; at most {_mib(limit)} for {suffix or 'YAML'} files"
        )
        return Problem(name, None, "", message)
    if data.startswith(b"\xef\xbb\xbf"):
        message = "the file starts with a byte-order mark; save it as UTF-8 without BOM"
        return Problem(name, 1, "", message)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Problem(name, line, "", "the file is not valid UTF-8 text")
    return None


def _mib(n: int) -> str:
    return f"{n / limits.MIB:.1f} MB" if n >= limits.MIB else f"{n / limits.KIB:.0f} KB"
