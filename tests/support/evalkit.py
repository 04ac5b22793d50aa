"""Real models and suites for Django-level evaluation tests."""

from __future__ import annotations

import json
from pathlib import Path

from evals.demo.models import build_tiny_model
from procure.accounts.models import Organization
from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.profiles.models import ProfileSuite, TaskProfile
from procure.runs.models import Campaign
from procure.suites.models import SuiteVersion
from procure.suites.services import suite_upload

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "var" / "test-assets"
SAMPLE_SUITES = ROOT / "fixtures" / "suites"


def tiny_checkpoint(name: str = "untrained", seed: int = 0) -> Path:
    """An untrained 2-layer GPT-2 (valid, loads and scores in lm-eval), cached across runs."""
    out = ASSETS / f"tiny-{name}-{seed}"
    if not (out / "config.json").exists():
        corpus = (SAMPLE_SUITES / "legal_terms" / "legal_terms.jsonl").read_text() * 20
        build_tiny_model(out, corpus, seed=seed, max_steps=0, vocab_size=512)
    return out


def read_dir(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def upload_dir(organization: Organization, name: str, directory: Path) -> SuiteVersion:
    return suite_upload(organization=organization, name=name, files=read_dir(directory)).version


def synthetic_suite(
    directory: Path, *, items: int, task: str = "procure_synthetic", topic: str = "agreement"
) -> Path:
    """A multiple-choice suite of `items` generated items, to make runs long enough to kill.

    Suites of different `topic`s ask different questions, so one model's request cache never
    answers one from another.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "question": f"Clause {i} of the {topic} binds",
            "choices": ["the parties", "nobody", "the court", "the seller"],
            "answer": i % 4,
        }
        for i in range(items)
    ]
    (directory / "items.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (directory / "suite.yaml").write_text(
        f"task: {task}\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n  data_files:\n    test: items.jsonl\n"
        "test_split: test\n"
        "output_type: multiple_choice\n"
        'doc_to_text: "{{question}}"\n'
        "doc_to_choice: choices\n"
        "doc_to_target: answer\n"
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n"
        "metadata:\n  version: 1\n"
    )
    return directory


def hf_candidate(
    organization: Organization, name: str, checkpoint: Path, *, specialisation: str = "general"
) -> CandidateModel:
    candidate = CandidateModel.objects.create(
        organization=organization,
        name=name,
        provider="procure tests",
        specialisation=specialisation,
        licence="Apache-2.0",
        open_weights=True,
        vendor_jurisdiction="FR",
    )
    EvaluationAccess.objects.create(
        candidate=candidate, backend="hf", identity=str(checkpoint), revision="test"
    )
    return candidate


def profile_with(
    organization: Organization, name: str, versions: list[SuiteVersion], domain: str = "legal"
) -> TaskProfile:
    profile = TaskProfile.objects.create(organization=organization, name=name, domain=domain)
    for version in versions:
        ProfileSuite.objects.create(profile=profile, suite=version.suite, weight=1.0)
    return profile


def synthetic_campaign(
    organization: Organization, directory: Path, *, candidates: int, suites: int, items: int
) -> Campaign:
    """A launched campaign of `candidates` tiny models × `suites` synthetic suites."""
    from procure.runs.planning import campaign_launch

    versions = [
        upload_dir(organization, f"Suite {s}", synthetic_suite(
            directory / f"s{s}", items=items, task=f"synthetic_{s}", topic=f"contract {s}"))
        for s in range(suites)
    ]  # fmt: skip
    models = [
        hf_candidate(organization, f"Tiny {c}", tiny_checkpoint(seed=c)) for c in range(candidates)
    ]
    profile = profile_with(organization, f"{candidates} × {suites}", versions)
    return campaign_launch(
        organization=organization, profile_id=profile.pk, candidate_ids=[m.pk for m in models]
    )
