"""The demo campaign: two tiny models built here, four suites, two profiles, two verdicts.

The legal specialist and the generalist are real causal LMs trained on this machine (see
evals.demo) from a corpus shipped in the repository, with fixed seeds: every machine with the
same library versions gets the same models and the same fits, recorded in RECORDED_FITS. Both
are offered on the same hardware at the same price, so the verdicts turn on measured fit: the
specialist should win the legal profile and the generalist the code profile.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from evals.demo.build import DemoAssets, Profile, default_cache_dir, ensure_demo_assets
from procure.accounts.models import Organization
from procure.catalog.services import catalog_import
from procure.profiles.models import TaskProfile
from procure.profiles.services import profile_save
from procure.suites.services import suite_upload

SUITE_NAMES = {
    "legal_cloze": "Legal cloze",
    "legal_phrase": "Legal multiple choice",
    "legal_generation": "Legal drafting",
    "code_cloze": "Python code completion",
}
PROFILES = ("Legal contract review", "Code assistant")
SPECIALIST = "procure-demo Legal 1M"
GENERALIST = "procure-demo General 1M"
# What `make demo` measures on a machine with the locked library versions (see
# tests/procure/core/test_demo_recorded_fits.py, which checks it).
RECORDED_FITS = Path(settings.BASE_DIR) / "fixtures" / "demo" / "recorded-fits.json"

Fits = dict[str, dict[str, dict[str, float]]]  # suite -> candidate -> {"fit", "n"}


@dataclass(frozen=True)
class DemoSetup:
    assets: DemoAssets
    candidate_ids: list[int]
    profile_ids: list[int]


def demo_prepare(
    *,
    organization: Organization,
    profile: Profile = "demo",
    say: Callable[[str], None] | None = None,
    progress: bool = False,
) -> DemoSetup:
    """Build (or reuse) the demo models and suites, and register them with the organisation.

    Builds live in the user-level cache (`default_cache_dir`), shared by every clone.
    """
    assets = ensure_demo_assets(default_cache_dir(), profile=profile, say=say, progress=progress)
    for attribute, name in SUITE_NAMES.items():
        suite = getattr(assets, attribute)
        files = {
            str(path.relative_to(suite.source_dir)): path.read_bytes()
            for path in sorted(suite.source_dir.rglob("*"))
            if path.is_file()
        }
        suite_upload(organization=organization, name=name, files=files, domain=suite.name)
    catalog_import(
        organization=organization,
        data={
            "candidates": [
                _candidate(SPECIALIST, "legal", assets.specialist),
                _candidate(GENERALIST, "general", assets.generalist),
            ]
        },
    )
    profiles = []
    for profile_name in PROFILES:
        existing = TaskProfile.objects.get(organization=organization, name=profile_name)
        suites = _fixture_suites(profile_name)
        profiles.append(
            profile_save(
                organization=organization, profile_id=existing.pk, data={"suites": suites}
            ).pk
        )
    candidate_ids = list(
        organization.candidates.filter(name__in=[SPECIALIST, GENERALIST]).values_list(
            "pk", flat=True
        )
    )
    return DemoSetup(assets=assets, candidate_ids=candidate_ids, profile_ids=profiles)


def _candidate(name: str, specialisation: str, checkpoint: Path) -> dict[str, object]:
    return {
        "name": name,
        "provider": "procure demo (trained on this machine from a shipped corpus)",
        "specialisation": specialisation,
        "licence": "Apache-2.0",
        "open_weights": True,
        "vendor_jurisdiction": "FR",
        "parameters_billion": 0.001,
        "description": "A 2-layer GPT-2 trained in well under a minute for the demo.",
        "price_source": "demo: both models on the same hardware at the same assumed rate",
        "deployment_options": [
            {
                "kind": "self_hosted",
                "name": "1x NVIDIA L4 (eu-central-1)",
                "hardware": "1x NVIDIA L4 24GB",
                "regions": ["eu"],
                "hourly_rate": Decimal("1.01"),
                "throughput_rps": 20.0,
                "min_instances": 1,
                "fixed_monthly_ops": Decimal("300"),
            }
        ],
        "evaluation_access": {"backend": "hf", "identity": str(checkpoint), "revision": "demo"},
    }


def _fixture_suites(profile_name: str) -> list[dict[str, object]]:
    for path in (Path(settings.BASE_DIR) / "fixtures" / "profiles").glob("*.json"):
        data = json.loads(path.read_text())
        if data.get("name") == profile_name:
            return list(data.get("suites", []))
    return []


def demo_fits(snapshots: list[dict[str, Any]]) -> Fits:
    """Each candidate's fit on each suite, read from the demo reports' snapshots."""
    fits: Fits = {}
    for snapshot in snapshots:
        for candidate in snapshot["recommendation"]["candidates"]:
            columns = candidate["suite_fits"]
            for suite, fit, n in zip(
                columns["suite_ids"], columns["fit"], columns["n"], strict=True
            ):
                fits.setdefault(suite, {})[candidate["name"]] = {"fit": fit, "n": n}
    return fits


def fits_differences(measured: Fits, recorded: Fits) -> list[str]:
    """One line per (suite, candidate) whose fit is not exactly the recorded one."""
    lines = []
    for suite in sorted(set(measured) | set(recorded)):
        ours, theirs = measured.get(suite, {}), recorded.get(suite, {})
        for name in sorted(set(ours) | set(theirs)):
            if ours.get(name) != theirs.get(name):
                lines.append(
                    f"{suite} / {name}: measured {ours.get(name)}, recorded {theirs.get(name)}"
                )
    return lines
