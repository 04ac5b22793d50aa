"""The issue's acceptance properties, checked on random catalogues with hypothesis."""

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from procure.decision import (
    GENERAL,
    CandidateAssessment,
    HardRules,
    Recommendation,
    SoftPreference,
    SuiteEvidence,
    Weights,
    recommend,
)
from tests.decision.builders import catalogues, profile

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
weights = (
    st.tuples(
        st.sampled_from([0.0, 0.5, 1.0, 3.0]),
        st.sampled_from([0.0, 0.5, 1.0, 2.0]),
        st.sampled_from([0.0, 1.0]),
    )
    .filter(lambda w: sum(w) > 0)
    .map(lambda w: Weights(*w))
)
PREFERENCES = (SoftPreference("open_weights", 1.0), SoftPreference("self_hosting", 1.0))


def dominates(a: CandidateAssessment, b: CandidateAssessment) -> bool:
    assert a.fit is not None and b.fit is not None
    assert a.monthly_cost is not None and b.monthly_cost is not None
    assert a.sovereignty is not None and b.sovereignty is not None
    at_least = (
        a.fit >= b.fit and a.monthly_cost <= b.monthly_cost and a.sovereignty >= b.sovereignty
    )
    better = a.fit > b.fit or a.monthly_cost < b.monthly_cost or a.sovereignty > b.sovereignty
    return at_least and better


def recommended(result: Recommendation) -> list[str]:
    return [i for i in (result.winner_id, result.verdict.recommended_id) if i is not None]


@given(catalogue=catalogues(), w=weights, data=st.data())
@SETTINGS
def test_raising_one_candidates_scores_never_lowers_its_rank(catalogue, w, data):
    chosen = data.draw(st.integers(0, len(catalogue) - 1))
    spec = profile({"s1": 2.0, "s2": 1.0}, weights=w, quality_bar=0.5, below_bar="exclude")
    before = recommend(spec, catalogue).candidate(catalogue[chosen].id).rank
    assume(before is not None)
    raised = []
    for evidence in catalogue[chosen].evidence:
        scores = evidence.goodness.copy()
        flip = data.draw(st.lists(st.integers(0, scores.size - 1), max_size=10))
        scores[flip] = 1.0
        raised.append(SuiteEvidence(evidence.suite_id, "acc", True, scores, evidence.ids))
    better = replace(catalogue[chosen], evidence=tuple(raised))
    catalogue = [*catalogue[:chosen], better, *catalogue[chosen + 1 :]]
    after = recommend(spec, catalogue).candidate(better.id).rank
    assert after is not None and after <= before


@given(catalogue=catalogues(), w=weights, data=st.data())
@SETTINGS
def test_a_dominated_candidate_is_never_recommended(catalogue, w, data):
    # Add a twin of one candidate that is worse on every item and dearer, so dominance occurs.
    original = catalogue[data.draw(st.integers(0, len(catalogue) - 1))]
    worse = tuple(
        SuiteEvidence(e.suite_id, "acc", True, e.goodness * 0, e.ids) for e in original.evidence
    )
    dearer = tuple(replace(o, name=o.name + "-twin") for o in original.options)
    twin = replace(original, id=original.id + "-twin", evidence=worse, options=dearer)
    catalogue = [*catalogue, twin]
    result = recommend(
        profile({"s1": 1.0, "s2": 1.0}, weights=w, preferences=PREFERENCES), catalogue
    )
    eligible = [c for c in result.candidates if c.eligible]
    for chosen_id in recommended(result):
        chosen = result.candidate(chosen_id)
        assert not any(dominates(other, chosen) for other in eligible)
        assert chosen.dominated_by is None
    for c in eligible:
        assert (c.dominated_by is not None) == any(dominates(o, c) for o in eligible)
    # Both kinds eligible: the best of each is compared, dominated or not.
    ranked = [result.candidate(i) for i in result.ranking]
    best = {
        kind: next((c for c in ranked if (c.specialisation == "general") == kind), None)
        for kind in (False, True)
    }
    verdict = result.verdict
    if best[False] is not None and best[True] is not None:
        assert (verdict.specialist_id, verdict.general_id) == (best[False].id, best[True].id)
        assert verdict.lift is not None and verdict.p_value is not None
    else:
        assert verdict.lift is None and verdict.specialist_id is None


@given(
    catalogue=catalogues(),
    regions=st.sampled_from([(), ("eu-west-1",), ("us-east-1",)]),
    open_weights=st.booleans(),
    licences=st.sampled_from([(), ("apache-2.0",), ("proprietary",)]),
    self_hosting=st.booleans(),
)
@SETTINGS
def test_a_candidate_breaking_a_hard_rule_is_never_recommended_and_its_exclusion_names_it(
    catalogue, regions, open_weights, licences, self_hosting
):
    rules = HardRules(
        allowed_data_regions=regions,
        open_weights_required=open_weights,
        allowed_licences=licences,
        self_hosting_required=self_hosting,
    )
    result = recommend(profile({"s1": 1.0, "s2": 1.0}, rules=rules), catalogue)
    for model in catalogue:
        found = {f.rule: f.message for f in result.candidate(model.id).exclusions}
        if open_weights and not model.open_weights:
            assert "open weights required" in found["open_weights"]
        if licences and model.licence not in licences:
            assert model.licence in found["licence"]
        usable = [
            o
            for o in model.options
            if (not regions or set(o.regions) & set(regions))
            and (not self_hosting or type(o).__name__ == "SelfHostedOption")
        ]
        if not usable:
            deployment = {"data_regions", "self_hosting", "deployment"} & set(found)
            assert deployment, found
            if "data_regions" in found:
                offered = {r for o in model.options for r in o.regions}
                assert all(region in found["data_regions"] for region in offered)
        broken = bool(found)
        assert result.candidate(model.id).eligible is not broken
        if broken:
            assert model.id not in recommended(result)
            assert model.id not in result.ranking
    if not result.ranking:
        assert result.verdict.recommended_id is None
        assert result.verdict.sentence.startswith("No candidate meets your requirements")


@given(catalogue=catalogues(), w=weights, data=st.data())
@SETTINGS
def test_relabelling_kinds_never_changes_the_recommended_model(catalogue, w, data):
    spec = profile({"s1": 1.0, "s2": 1.0}, weights=w, preferences=PREFERENCES)
    flips = data.draw(st.lists(st.booleans(), min_size=len(catalogue), max_size=len(catalogue)))
    relabelled = [
        replace(
            c, specialisation=("legal" if c.is_general else GENERAL) if flip else c.specialisation
        )
        for c, flip in zip(catalogue, flips, strict=True)
    ]
    before, after = recommend(spec, catalogue), recommend(spec, relabelled)
    assert before.verdict.recommended_id == after.verdict.recommended_id
    assert before.verdict.decided_on == after.verdict.decided_on
    assert before.verdict.certainty == after.verdict.certainty


@given(catalogue=catalogues(), w=weights, factor=st.sampled_from([1e-3, 0.37, 3.0, 1e4]))
@SETTINGS
def test_weights_multiplied_by_a_constant_give_the_same_ranking(catalogue, w, factor):
    spec = profile({"s1": 1.0, "s2": 1.0}, weights=w, preferences=PREFERENCES)
    scaled = replace(
        spec,
        weights=Weights(w.fit * factor, w.cost * factor, w.sovereignty * factor),
        suite_weights={"s1": factor, "s2": factor},
    )
    first, second = recommend(spec, catalogue), recommend(scaled, catalogue)
    assert first.ranking == second.ranking
    assert first.verdict.recommended_id == second.verdict.recommended_id


@given(catalogue=catalogues(), w=weights)
@SETTINGS
def test_p_best_sums_to_one_over_the_eligible_candidates(catalogue, w):
    result = recommend(profile({"s1": 1.0, "s2": 1.0}, weights=w), catalogue)
    p_best = [c.p_best for c in result.candidates if c.eligible]
    if p_best:
        assert np.isclose(sum(p_best), 1.0)
        assert all(p is not None and 0 <= p <= 1 for p in p_best)
