"""The decision engine is pure Python: it imports and runs with Django unimportable."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import sys
sys.modules["django"] = None  # any "import django..." now raises ImportError
import procure.decision.example as example
result = example.example_recommendation()
assert result.winner_id == "legallm-7b", result.winner_id
assert not [m for m in sys.modules if m.startswith("django") and sys.modules[m] is not None]
"""


def test_the_engine_imports_and_runs_without_django():
    done = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
