"""Inputs fail loudly when malformed; fit is the weighted mean with honest intervals."""

import numpy as np
import pytest

from procure.decision import CandidateInput, SuiteEvidence, Weights, Workload, recommend
from tests.decision.builders import api, candidate, evidence, profile


def model(cid: str, general: bool, *results: SuiteEvidence) -> CandidateInput:
    kind = "general" if general else "legal"
    return CandidateInput(cid, cid.upper(), kind, "mit", True, "FR", (api(f"{cid}-api"),), results)


def test_scores_outside_0_1_are_refused():
    with pytest.raises(ValueError, match="scores must lie in"):
        SuiteEvidence("s", "perplexity", False, [12.0, 3.0], [0, 1])


def test_each_score_needs_an_item_id():
    with pytest.raises(ValueError, match="one item id per score"):
        SuiteEvidence("s", "acc", True, [1.0, 0.0], [0])


def test_evidence_keeps_its_own_copy_of_the_scores():
    scores = np.array([1.0, 0.0, 1.0])
    kept = SuiteEvidence("s", "acc", True, scores, [0, 1, 2])
    scores[:] = 0
    assert kept.mean == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        kept.goodness[0] = 0.5


def test_lower_is_better_metrics_are_turned_around():
    error_rate = SuiteEvidence("s", "error", False, [0.0, 0.0, 1.0, 0.0], [0, 1, 2, 3])
    assert error_rate.mean == 0.75


def test_two_results_for_one_suite_are_refused():
    with pytest.raises(ValueError, match="two results for the same suite"):
        model("m", True, evidence("s", [1.0]), evidence("s", [0.0]))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Weights(0, 0, 0), "at least one weight"),
        (lambda: Workload(0, 1, 1, 1), "monthly_requests"),
        (lambda: profile({"s": 0.0}), "at least one suite weight"),
        (lambda: profile(quality_bar=1.5), "quality_bar"),
        (lambda: profile(resamples=5), "resamples"),
    ],
)
def test_malformed_profiles_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_profile_fit_is_the_weighted_mean_of_suite_fits():
    model = candidate("m", {"a": [1.0] * 8 + [0.0] * 2, "b": [1.0] * 4 + [0.0] * 6})
    result = recommend(profile({"a": 3.0, "b": 1.0}), [model])
    assessment = result.candidate("m")
    assert assessment.fit == pytest.approx(0.75 * 0.8 + 0.25 * 0.4)
    assert [f.method for f in assessment.suite_fits] == ["wilson", "wilson"]
    assert assessment.fit_low < assessment.fit < assessment.fit_high


def test_a_candidate_without_evidence_for_a_suite_is_excluded_with_the_suite_named():
    model = candidate("m", {"a": [1.0, 0.0]})
    result = recommend(profile({"a": 3.0, "b": 1.0}), [model])
    (finding,) = result.candidate("m").exclusions
    assert finding.rule == "missing_evidence"
    assert finding.message == "no evidence for suite b (weight 0.25)"
    assert result.candidate("m").fit is None


def test_suites_with_zero_weight_are_ignored():
    model = candidate("m", {"a": [1.0, 0.0]})
    result = recommend(profile({"a": 1.0, "b": 0.0}), [model])
    assert result.candidate("m").eligible


def test_paired_statistics_use_the_items_all_candidates_share():
    a = SuiteEvidence("s", "acc", True, [1.0, 1.0, 0.0, 1.0], ["q1", "q2", "q3", "q4"])
    b = SuiteEvidence("s", "acc", True, [0.0, 1.0, 1.0], ["q2", "q3", "q5"])
    result = recommend(profile(), [model("a", False, a), model("b", True, b)])
    assert any("2 items they all share" in note for note in result.notes)
    assert result.verdict.lift == pytest.approx((1 + 0) / 2 - (0 + 1) / 2)
