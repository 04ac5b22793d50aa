"""The evaluation engine and the decision engine must never import Django."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = [ROOT / "evals", ROOT / "procure" / "decision"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    [p for package in PURE_PACKAGES for p in sorted(package.rglob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_pure_module_imports_no_django_and_no_django_app(path):
    for name in imported_modules(path):
        assert not name.startswith(("django", "rest_framework", "celery")), f"{path}: {name}"
        if name.startswith("procure."):
            assert name.startswith("procure.decision"), f"{path} imports {name}"


def test_importing_the_pure_packages_loads_no_django():
    code = (
        "import sys, importlib, importlib.util, pkgutil\n"
        "for name in ('evals', 'procure.decision'):\n"
        "    if importlib.util.find_spec(name) is None: continue\n"
        "    package = importlib.import_module(name)\n"
        "    for m in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'django']\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
