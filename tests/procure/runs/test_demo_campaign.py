"""The product's thesis in miniature, measured: a legal specialist against a generalist."""

import numpy as np
import pytest

from procure.decision.stats import mcnemar_exact
from procure.runs.models import CampaignStatus, EvaluationRun, MetricResult, SampleResult
from procure.runs.planning import campaign_launch
from tests import factories as f
from tests.support.evalkit import hf_candidate, profile_with, upload_dir
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]


def item_scores(run: EvaluationRun) -> np.ndarray:
    values = SampleResult.objects.filter(run=run, metric="acc").order_by("task", "doc_id")
    return np.array(values.values_list("value", flat=True))


def test_each_model_wins_its_own_domain_with_a_significant_paired_test(celery_worker, demo_assets):
    org = f.OrganizationFactory()
    cloze = upload_dir(org, "Legal cloze", demo_assets.legal_cloze.source_dir)
    code = upload_dir(org, "Python code completion", demo_assets.code_cloze.source_dir)
    legal = hf_candidate(org, "Legal", demo_assets.specialist, specialisation="legal")
    general = hf_candidate(org, "General", demo_assets.generalist)
    profile = profile_with(org, "Both", [cloze, code])

    campaign = campaign_launch(
        organization=org, profile_id=profile.pk, candidate_ids=[legal.pk, general.pk]
    )
    wait_for(lambda: campaign.refresh_from_db() or campaign.status != "running", timeout=600)

    assert campaign.status == CampaignStatus.SUCCEEDED
    assert campaign.runs.count() == 4
    figures = {}
    for version, winner, loser in ((cloze, legal, general), (code, general, legal)):
        runs = {r.candidate_id: r for r in campaign.runs.filter(suite_version=version)}
        win, lose = item_scores(runs[winner.pk]), item_scores(runs[loser.pk])
        assert len(win) == len(lose) == version.tasks[0]["n_docs"]
        only_winner = int(np.sum((win == 1) & (lose == 0)))
        only_loser = int(np.sum((win == 0) & (lose == 1)))
        p_value = float(mcnemar_exact(only_winner, only_loser))
        figures[version.suite.name] = (win.mean(), lose.mean(), only_winner, only_loser, p_value)
        assert win.mean() > lose.mean()
        assert p_value < 0.05
        for run in runs.values():
            acc = MetricResult.objects.get(run=run, metric="acc")
            assert acc.stderr is not None and acc.n == len(win)
    print("\nsuite: winner acc, loser acc, discordant (winner only, loser only), McNemar p")
    for name, (a, b, wins, losses, p) in figures.items():
        print(f"{name}: {a:.3f} vs {b:.3f}, {wins}/{losses}, p = {p:.2g}")
