"""Hard rules exclude with a reason naming the rule and the candidate's value."""

from procure.decision import ApiOption, HardRules, SoftPreference, Workload, recommend
from tests.decision.builders import api, candidate, hosted, profile

SCORES = {"s": [1.0, 0.0, 1.0, 1.0]}


def exclusions(rules: HardRules, model, **extra):
    result = recommend(profile(rules=rules, **extra), [model])
    return {f.rule: f.message for f in result.candidate(model.id).exclusions}


def test_data_region_rule_names_the_allowed_regions_and_where_it_is_offered():
    model = candidate("m", SCORES, options=(api("m-api", regions=("us-east-1",)),))
    rules = HardRules(allowed_data_regions=("eu-west-1", "eu-central-1"), data_region_label="EU")
    assert exclusions(rules, model) == {
        "data_regions": "data must stay in EU (eu-west-1, eu-central-1); offered only in us-east-1"
    }


def test_self_hosting_rule_names_the_api_providers():
    model = candidate("m", SCORES, options=(api("m-api"),))
    message = exclusions(HardRules(self_hosting_required=True), model)["self_hosting"]
    assert message == "self-hosting required; offered only as an API (Vendor)"


def test_open_weights_licence_and_vendor_rules_name_the_candidates_value():
    model = candidate("m", SCORES, open_weights=False, licence="proprietary", jurisdiction="US")
    rules = HardRules(
        open_weights_required=True,
        allowed_licences=("apache-2.0", "mit"),
        allowed_vendor_jurisdictions=("FR", "DE"),
    )
    assert exclusions(rules, model) == {
        "open_weights": "open weights required; M's weights are closed",
        "licence": "licence must be one of apache-2.0, mit; M is licensed proprietary",
        "vendor_jurisdiction": "vendor must be based in FR, DE; M's vendor is based in US",
    }


def test_rules_met_by_different_options_but_never_together_exclude_as_deployment():
    # The API runs in the EU, the self-hosted option only in the US: each rule alone is met.
    model = candidate(
        "m", SCORES, options=(api("eu-api"), hosted("us-gpu", regions=("us-east-1",)))
    )
    rules = HardRules(allowed_data_regions=("eu-west-1",), self_hosting_required=True)
    found = exclusions(rules, model)
    assert list(found) == ["deployment"]
    assert found["deployment"] == (
        "no single deployment option meets every rule: eu-api is an API from Vendor; "
        "us-gpu runs only in us-east-1"
    )


def test_latency_target_excludes_options_that_are_known_to_be_too_slow():
    slow = ApiOption("slow", "Vendor", ("eu-west-1",), 1.0, 1.0, p95_latency_ms=900)
    model = candidate("m", SCORES, options=(slow,))
    workload = Workload(100_000, 1_000, 200, 2.0, latency_target_ms=500)
    assert exclusions(HardRules(), model, workload=workload) == {
        "latency": "latency target 500 ms; the fastest option's claimed p95 latency is 900 ms"
    }


def test_soft_score_is_the_weighted_share_of_preferences_met_by_the_chosen_option():
    model = candidate("m", SCORES, options=(api("m-api"),), open_weights=True)
    preferences = (SoftPreference("open_weights", 2.0), SoftPreference("self_hosting", 1.0))
    result = recommend(profile(preferences=preferences), [model])
    assert result.candidate("m").sovereignty == 2 / 3


def test_without_preferences_every_candidate_scores_one_on_sovereignty():
    result = recommend(profile(), [candidate("m", SCORES)])
    assert result.candidate("m").sovereignty == 1.0


def test_the_latency_check_says_when_it_used_our_measured_p95():
    measured = ApiOption(
        "endpoint", "Vendor", ("eu-west-1",), 1.0, 1.0, 1250, latency_source="measured"
    )
    model = candidate("m", SCORES, options=(measured,))
    workload = Workload(100_000, 1_000, 200, 2.0, latency_target_ms=500)
    assert exclusions(HardRules(), model, workload=workload) == {
        "latency": "latency target 500 ms; the fastest option's measured p95 latency is 1250 ms"
    }
