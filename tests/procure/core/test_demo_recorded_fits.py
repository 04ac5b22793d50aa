"""`make demo` gives the same numbers on every machine: its fits equal the recorded ones.

The demo builds its models from a corpus shipped in the repository with fixed seeds and one
training thread, with torch's deterministic algorithms (evals.demo.models), so a machine with
the locked library versions (requirements.lock) builds the same weights. A fit is k/n over
items scored 0 or 1, so it changes only if some item's answer flips: the comparison is exact.
An item would flip only on a log-likelihood tie broken differently by other arithmetic (another
CPU's vector instructions); the command says so plainly when it happens (demo_campaign).

This runs the real demo: `demo_setup`, then `demo_campaign` on a real worker, building the
models into the user-level cache that `make demo` shares (about a minute the first time).
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from procure.core.demo import GENERALIST, RECORDED_FITS, SPECIALIST, fits_differences
from procure.reports.models import ReportSnapshot

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_the_demo_fits_equal_the_recorded_ones(celery_worker, tmp_path: Path) -> None:
    call_command("demo_setup")

    call_command("demo_campaign", profile="demo", out=tmp_path, timeout=900)

    measured = json.loads((tmp_path / "demo-fits.json").read_text())
    recorded = json.loads(RECORDED_FITS.read_text())
    assert fits_differences(measured, recorded) == []
    assert len(measured) == 4  # suites
    assert all(len(by_candidate) == 2 for by_candidate in measured.values())
    # And the demo's point: opposite verdicts, each significant.
    reports = {r.profile.name: r for r in ReportSnapshot.objects.select_related("profile")}
    for profile, winner in (("Legal contract review", SPECIALIST), ("Code assistant", GENERALIST)):
        verdict = reports[profile].snapshot["recommendation"]["verdict"]
        assert reports[profile].recommended == winner
        assert verdict["significant"] is True, verdict["sentence"]


def test_it_names_each_fit_that_differs() -> None:
    recorded = {"Legal cloze": {"A": {"fit": 0.5, "n": 500}, "B": {"fit": 0.4, "n": 500}}}
    measured = {"Legal cloze": {"A": {"fit": 0.502, "n": 500}, "B": {"fit": 0.4, "n": 500}}}

    assert fits_differences(measured, recorded) == [
        "Legal cloze / A: measured {'fit': 0.502, 'n': 500}, recorded {'fit': 0.5, 'n': 500}"
    ]
    assert fits_differences(recorded, recorded) == []
