"""Sensitivity: the weight ranges and volumes over which the winner stays the winner."""

import numpy as np
import pytest
from hypothesis import given, settings

from procure.decision import SelfHostedOption, Weights, recommend
from tests.decision.builders import api, candidate, catalogues, profile


def winner(models, weights: Weights, **extra) -> str | None:
    return recommend(profile({"s1": 1.0, "s2": 1.0}, weights=weights, **extra), models).winner_id


def at_share(weights: Weights, name: str, share: float) -> Weights:
    """The weights with `name` at `share` of the total and the other two in their ratio."""
    raw = {"fit": weights.fit, "cost": weights.cost, "sovereignty": weights.sovereignty}
    others = {k: v for k, v in raw.items() if k != name}
    total = sum(others.values())
    scaled = {k: (1 - share) * (v / total if total else 0.5) for k, v in others.items()}
    return Weights(**{name: share, **scaled})


@given(catalogue=catalogues(max_candidates=4))
@settings(max_examples=15, deadline=None)
def test_the_winner_holds_inside_each_weight_range_and_changes_just_outside(catalogue):
    weights = Weights(fit=2.0, cost=1.0, sovereignty=0.5)
    result = recommend(profile({"s1": 1.0, "s2": 1.0}, weights=weights), catalogue)
    if result.winner_id is None:
        return
    for effect in result.weight_sensitivity:
        for share in np.linspace(effect.low_share, effect.high_share, 5)[1:-1]:
            assert winner(catalogue, at_share(weights, effect.weight, share)) == result.winner_id
        if effect.winner_above is not None:
            outside = at_share(weights, effect.weight, min(1.0, effect.high_share + 1e-4))
            assert winner(catalogue, outside) == effect.winner_above
        if effect.winner_below is not None:
            outside = at_share(weights, effect.weight, max(0.0, effect.low_share - 1e-4))
            assert winner(catalogue, outside) == effect.winner_below


def test_the_volume_at_which_self_hosting_takes_over_is_found():
    # A pricey API model against a self-hosted one with a large fixed cost: at low volume the
    # API wins, at high volume self-hosting does. Same fit, so cost decides.
    scores = {"s1": [1.0, 0.0] * 20, "s2": [1.0, 0.0] * 20}
    gpu = SelfHostedOption("gpu", "1x L4", ("eu-west-1",), 1.0, 100.0, 1, 2000.0)
    models = [
        candidate("api", scores, options=(api("api", 5.0),)),
        candidate("hosted", scores, options=(gpu,)),
    ]
    spec = profile({"s1": 1.0, "s2": 1.0}, weights=Weights(fit=1, cost=1, sovereignty=0))
    result = recommend(spec, models)
    # The API costs (1,000 x $5 + 200 x $15) / 1e6 = $0.008 a request: $800 at 100,000
    # requests, against $2,730 of hosting (one instance up to 100 rps at peak).
    assert result.winner_id == "api"
    volume = result.volume_sensitivity
    assert volume is not None
    assert volume.lower_change is None
    assert volume.winner_above == "hosted"
    assert volume.upper_change == pytest.approx(2730 / 0.008, rel=1e-5)


def test_weight_ranges_by_hand():
    # Cost share x with fit:sovereignty fixed at 3:1. Winner A: fit 0.8, cost score 0.5,
    # sovereignty 1; B: fit 0.7, cost score 1, sovereignty 0. A stays ahead while
    # x (0.5 - 1) + (1 - x)(0.75 x 0.1 + 0.25 x 1) >= 0, i.e. x <= 0.325 / 0.825.
    from procure.decision.ranking import id_ranks
    from procure.decision.sensitivity import weight_sensitivity

    values = (np.array([0.8, 0.7]), np.array([0.5, 1.0]), np.array([1.0, 0.0]))
    effects = weight_sensitivity(
        values, Weights(3, 1, 1), 0, np.array([2.0, 1.0]), ["a", "b"], id_ranks(["a", "b"])
    )
    cost = next(e for e in effects if e.weight == "cost")
    assert cost.high_share == pytest.approx(0.325 / 0.825)
    assert cost.low_share == 0.0
    assert cost.winner_above == "b"
    assert cost.high_weight == pytest.approx((0.325 / 0.825) * 4 / (1 - 0.325 / 0.825))
