"""Writing a validated suite as lm-eval task files of our own making.

The YAML we write is `yaml.safe_dump` of the cleaned, allow-listed configuration, never the
uploaded bytes: whatever the upload said beyond the accepted subset cannot reach lm-eval.
Data paths are absolute (lm-eval resolves relative `data_files` against the working
directory of whichever process runs it). The templates we pass on are rendered by lm-eval's
own, unsandboxed Jinja at run time; `evals/suites/templates.py` explains why the upload-time
check makes that harmless.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from evals.spec import MaterialisedSuite, SuiteError
from evals.suites.report import SuiteRefused
from evals.suites.validate import CheckedSuite, check_suite

HASH_FILE = "content_hash.txt"
DATA_DIR = "data"


def materialise_suite(files: Mapping[str, bytes], dest: Path) -> MaterialisedSuite:
    """Validate `files` and write the suite to `dest` for `TaskManager(include_path=dest)`.

    Raises `SuiteRefused` (a `SuiteError`) listing the problems of an invalid upload. The
    directory appears whole or not at all (built beside `dest`, then renamed), and writing
    the same content again is a no-op; a `dest` holding a different suite is an error.
    """
    checked = check_suite(files)
    if not checked.report.ok:
        raise SuiteRefused(checked.report.problems)
    dest = Path(dest).absolute()
    suite = MaterialisedSuite(
        directory=str(dest),
        tasks=checked.report.tasks,
        groups=checked.report.groups,
        content_hash=checked.report.content_hash,
    )
    if _holds(dest, suite.content_hash):
        return suite
    dest.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        _write(checked, building, dest)
        try:
            building.rename(dest)
        except OSError:
            # Another worker may have materialised the same suite meanwhile: that is fine.
            if not _holds(dest, suite.content_hash):
                raise
    except OSError as error:
        raise SuiteError(f"could not write the suite to {dest}: {error}") from error
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return suite


def _holds(dest: Path, content_hash: str) -> bool:
    """Whether `dest` already is this suite; an empty directory is taken as free."""
    marker = dest / HASH_FILE
    if not dest.exists():
        return False
    if dest.is_dir() and not any(dest.iterdir()):
        dest.rmdir()
        return False
    if marker.is_file() and marker.read_text("utf-8").strip() == content_hash:
        return True
    raise SuiteError(f"{dest} already exists and holds something else than suite {content_hash}")


def _write(checked: CheckedSuite, building: Path, dest: Path) -> None:
    data_names: set[str] = set()
    for task in checked.tasks:
        config = dict(task.config)
        data_files = config["dataset_kwargs"]["data_files"]
        config["dataset_kwargs"] = {
            "data_files": {
                split: [str(dest / DATA_DIR / name) for name in names]
                for split, names in data_files.items()
            }
        }
        data_names.update(name for names in data_files.values() for name in names)
        _write_yaml(building / f"{task.name}.yaml", config)
    for name in sorted(data_names):
        _write_file(building / DATA_DIR / name, checked.files[name])
    for group in checked.groups:
        _write_yaml(building / f"{group['group']}.yaml", group)
    # Written last: a directory with this marker is complete.
    _write_file(building / HASH_FILE, checked.report.content_hash.encode())
    _fsync(building)


def _write_yaml(path: Path, config: Mapping[str, Any]) -> None:
    text = yaml.safe_dump(dict(config), sort_keys=True, allow_unicode=True, width=100)
    _write_file(path, text.encode("utf-8"))


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
