"""The import-linter contracts in pyproject.toml hold, and an upward import breaks `make lint`.

The check runs `lint-imports` on a copy of the source with one new upward import (the ground
floor, core, importing the web app), so the real tree is never touched.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "migrations", "*.pyc")
    for package in ("procure", "evals"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_and_an_upward_import_breaks_them(tree: Path) -> None:
    kept = lint_imports(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    (tree / "procure" / "core" / "upward.py").write_text("from procure.web import views\n")
    broken = lint_imports(tree)

    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout
    assert "procure.core.upward -> procure.web" in broken.stdout


def test_a_cycle_between_modules_of_one_app_breaks_them(tree: Path) -> None:
    (tree / "procure" / "runs" / "dispatch.py").write_text(
        (tree / "procure" / "runs" / "dispatch.py").read_text() + "\nfrom . import tasks\n"
    )
    broken = lint_imports(tree)

    assert broken.returncode != 0, broken.stdout
    assert "procure.runs" in broken.stdout
