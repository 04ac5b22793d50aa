"""Endpoints are probed when registered, and suites they cannot score are refused before
queueing, with the reason: against a real `transformers serve` and a mock that ignores echo."""

import json
from pathlib import Path

import pytest

from evals.openai_server import serve_in_thread
from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.catalog.services import evaluation_access_set
from procure.runs.models import EvaluationRun
from procure.runs.planning import CampaignRefused, campaign_launch, campaign_plan
from tests import factories as f
from tests.evals.real_server import RealServer
from tests.support.evalkit import SAMPLE_SUITES, profile_with, tiny_checkpoint, upload_dir

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NO_LOGPROBS = "does not return a log-probability for every prompt token"


def endpoint_candidate(org, name: str, base_url: str, model: str, tokenizer: Path):
    candidate = f.CandidateFactory(organization=org, name=name)
    options = {"base_url": f"{base_url}/completions", "tokenizer": str(tokenizer)}
    EvaluationAccess.objects.create(
        candidate=candidate, backend="local-completions", identity=model, options=options
    )
    return candidate


def long_prompt_suite(directory: Path, *, items: int, long_items: int) -> Path:
    """A generation suite in which `long_items` prompts are far longer than 128 tokens."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "question": ("The licensee may copy the software. " * (40 if i < long_items else 0))
            + f"The user may copy the item {i}",
            "answer": "software",
        }
        for i in range(items)
    ]
    (directory / "items.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (directory / "suite.yaml").write_text(
        "task: procure_long_prompts\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n  data_files:\n    test: items.jsonl\n"
        "test_split: test\n"
        "output_type: generate_until\n"
        'doc_to_text: "{{question}}"\n'
        "doc_to_target: answer\n"
        'generation_kwargs:\n  until: ["."]\n  max_gen_toks: 6\n  do_sample: false\n'
        "metric_list:\n  - metric: exact_match\n    aggregation: mean\n"
        "    higher_is_better: true\n"
        "metadata:\n  version: 1\n"
    )
    return directory


def test_saving_an_endpoint_access_probes_it_and_shows_what_it_can_do(
    real_server: RealServer, django_capture_on_commit_callbacks, client
):
    org = f.OrganizationFactory()
    candidate = f.CandidateFactory(organization=org)

    with django_capture_on_commit_callbacks(execute=True):
        evaluation_access_set(
            organization=org,
            candidate_id=candidate.pk,
            backend="local-completions",
            identity=real_server.model,
            options={
                "base_url": f"{real_server.base_url}/completions",
                "tokenizer": str(real_server.checkpoint),
            },
            can_manage_secrets=False,
        )

    access = EvaluationAccess.objects.get(candidate=candidate)
    assert access.probed_at is not None
    assert access.capabilities["string_prompts"] is True
    assert access.capabilities["token_prompts"] is False
    assert access.capabilities["prompt_logprobs"] is False
    rows = dict(access.capability_rows)
    assert rows["Several prompts per request"] == "no"
    assert rows["Chat requests (a chat template)"] == "yes"


def test_a_multiple_choice_suite_on_transformers_serve_is_refused_with_the_reason(
    real_server: RealServer,
):
    org = f.OrganizationFactory()
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    candidate = endpoint_candidate(
        org, "Served", real_server.base_url, real_server.model, real_server.checkpoint
    )
    profile = profile_with(org, "Contracts", [version])

    with pytest.raises(CampaignRefused) as refused:
        campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=[candidate.pk])

    reasons = " ".join(refused.value.problems)
    assert NO_LOGPROBS in reasons and "'Legal terms'" in reasons and "multiple_choice" in reasons
    assert not EvaluationRun.objects.exists()


def test_a_suite_longer_than_the_context_is_refused_at_estimate_with_the_count(
    real_server: RealServer, tmp_path: Path
):
    org = f.OrganizationFactory()
    suite = long_prompt_suite(tmp_path / "long", items=9, long_items=4)
    version = upload_dir(org, "Long prompts", suite)
    candidate = endpoint_candidate(
        org, "Served", real_server.base_url, real_server.model, real_server.checkpoint
    )
    profile = profile_with(org, "Long", [version])

    plan = campaign_plan(organization=org, profile_id=profile.pk, candidate_ids=[candidate.pk])

    (problem,) = plan.problems
    assert "4 of 9 items of the task 'procure_long_prompts'" in problem
    assert "'Long prompts'" in problem and "context of 128 tokens" in problem
    assert not plan.runs


def test_a_server_that_ignores_echo_gets_its_likelihood_suite_refused_not_scored():
    org = f.OrganizationFactory()
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    checkpoint = tiny_checkpoint()
    ignoring, stop_ignoring = serve_in_thread(checkpoint, fault="no_echo")
    honest, stop_honest = serve_in_thread(checkpoint)
    try:
        candidates: dict[str, CandidateModel] = {
            name: endpoint_candidate(org, name, url, checkpoint.name, checkpoint)
            for name, url in (("ignores echo", ignoring), ("honest", honest))
        }
        profile = profile_with(org, "Contracts", [version])
        ids = {name: [c.pk] for name, c in candidates.items()}

        refused = campaign_plan(
            organization=org, profile_id=profile.pk, candidate_ids=ids["ignores echo"]
        )
        accepted = campaign_plan(
            organization=org, profile_id=profile.pk, candidate_ids=ids["honest"]
        )
    finally:
        stop_ignoring()
        stop_honest()

    (problem,) = refused.problems
    assert problem.startswith("ignores echo: ") and NO_LOGPROBS in problem
    assert not refused.runs
    assert not accepted.problems and len(accepted.runs) == 1
    assert accepted.runs[0].fingerprint_parts["model"]["options"]["tokenized_requests"] == "true"
