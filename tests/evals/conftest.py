"""Sample suites for the suite tests (the uploadable examples in fixtures/suites/) and
archives to wrap them in; the demo's tiny models and suites (`demo_assets`)."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from evals.demo.build import DemoAssets, ensure_demo_assets

SAMPLE_SUITES = Path(__file__).resolve().parents[2] / "fixtures" / "suites"
TASK_YAML = "legal_terms.yaml"

EditTask = Callable[..., dict[str, bytes]]


def sample_suite(name: str) -> dict[str, bytes]:
    """The files of a sample suite, as an upload would hand them over."""
    root = SAMPLE_SUITES / name
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def make_zip(members: Mapping[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_tgz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    """A .tar.gz of `members`; a member without bytes (a link, a folder) is written as is."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def tar_entries(files: Mapping[str, bytes]) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    return [(tarfile.TarInfo(name), data) for name, data in files.items()]


@pytest.fixture
def legal_terms() -> dict[str, bytes]:
    return sample_suite("legal_terms")


@pytest.fixture
def legal_group() -> dict[str, bytes]:
    return sample_suite("legal_group")


@pytest.fixture
def edit_task(legal_terms: dict[str, bytes]) -> EditTask:
    """The legal_terms suite with its task YAML edited: `(old, new)` replacements, then
    `extra` lines appended; `files` adds or replaces files."""

    def edit(
        *replacements: tuple[str, str], extra: str = "", files: Mapping[str, bytes] | None = None
    ) -> dict[str, bytes]:
        text = legal_terms[TASK_YAML].decode()
        for old, new in replacements:
            assert old in text, f"{old!r} is not in {TASK_YAML}"
            text = text.replace(old, new)
        return {**legal_terms, TASK_YAML: (text + extra).encode(), **(files or {})}

    return edit


# The "test" profile of the demo assets (evals.demo): two tiny trained models and four suites.
# Building takes about a minute on two idle cores, so it happens once per session and is
# cached on disk across runs, in PROCURE_TEST_ASSETS_DIR or var/test-assets (git-ignored).
DEMO_ASSETS_ENV = "PROCURE_TEST_ASSETS_DIR"
DEFAULT_DEMO_ASSETS_DIR = Path(__file__).resolve().parents[2] / "var" / "test-assets"


@pytest.fixture(scope="session")
def demo_assets() -> DemoAssets:
    """The demo's "test" profile assets, built on first use and reused afterwards."""
    root = Path(os.environ.get(DEMO_ASSETS_ENV) or DEFAULT_DEMO_ASSETS_DIR)
    return ensure_demo_assets(root, profile="test")
