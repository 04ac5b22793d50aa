"""Monthly cost of ownership and the break-even volume."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procure.decision import ApiOption, SelfHostedOption, Workload
from procure.decision.cost import OptionTable, break_even, instances_needed, monthly_cost

WORKLOAD = Workload(monthly_requests=100_000, input_tokens=1_000, output_tokens=200, peak_rps=2.0)


def test_api_cost_is_requests_times_token_prices():
    option = ApiOption("api", "Vendor", ("eu-west-1",), 1.00, 3.00)
    # 100,000 x (1,000 x $1 + 200 x $3) / 1e6 = $160
    assert monthly_cost(option, WORKLOAD) == pytest.approx(160.0)


def test_self_hosted_cost_is_instances_times_rate_times_730_plus_ops():
    option = SelfHostedOption("gpu", "1x L4", ("eu-west-1",), 0.80, 0.5, 1, 300.0)
    # peak 2 rps / 0.5 rps per instance = 4 instances: 4 x 0.80 x 730 + 300 = $2,636
    assert instances_needed(option, 2.0) == 4
    assert monthly_cost(option, WORKLOAD) == pytest.approx(2636.0)


def test_minimum_instances_apply_below_the_needed_count():
    option = SelfHostedOption("gpu", "1x L4", ("eu-west-1",), 1.0, 100.0, min_instances=3)
    assert instances_needed(option, 2.0) == 3


def test_float_noise_never_buys_an_extra_instance():
    option = SelfHostedOption("gpu", "1x L4", ("eu-west-1",), 1.0, 0.1)
    assert instances_needed(option, 0.30000000000000004) == 3


def test_the_option_table_prices_like_monthly_cost_at_every_volume():
    options = [
        ApiOption("api", "Vendor", ("eu-west-1",), 0.7, 2.1),
        SelfHostedOption("gpu", "1x L4", ("eu-west-1",), 1.3, 3.0, 2, 150.0),
    ]
    table = OptionTable.build([(0, o, 1.0) for o in options], WORKLOAD)
    volumes = np.geomspace(100, 1e8, 57)
    costs = table.costs(WORKLOAD, volumes)
    names = list(table.names)
    for g, volume in enumerate(volumes):
        for option in options:
            expected = monthly_cost(option, WORKLOAD.at_volume(volume))
            assert costs[names.index(option.name), g] == pytest.approx(expected, rel=1e-12)


def test_the_chosen_option_is_the_cheapest_then_the_most_sovereign():
    cheap = ApiOption("cheap", "Vendor", ("eu-west-1",), 1.0, 1.0)
    same_price = ApiOption("same-price", "Vendor", ("eu-west-1",), 1.0, 1.0)
    dear = ApiOption("dear", "Vendor", ("eu-west-1",), 9.0, 9.0)
    table = OptionTable.build([(0, cheap, 0.2), (0, dear, 1.0), (0, same_price, 0.9)], WORKLOAD)
    _, row = table.chosen(WORKLOAD, np.array([WORKLOAD.monthly_requests]), 1)
    assert table.names[row[0, 0]] == "same-price"


prices = st.floats(0.05, 20.0)


@given(
    input_price=prices,
    output_price=prices,
    hourly=st.floats(0.1, 10.0),
    throughput=st.floats(0.1, 50.0),
    min_instances=st.integers(0, 4),
    fixed=st.floats(0.0, 5000.0),
    peak=st.floats(0.1, 100.0),
)
@settings(max_examples=300, deadline=None)
def test_break_even_volume_makes_both_costs_equal_within_a_tenth_of_a_percent(
    input_price, output_price, hourly, throughput, min_instances, fixed, peak
):
    workload = Workload(100_000, 1_000, 300, peak)
    api = ApiOption("api", "Vendor", ("eu-west-1",), input_price, output_price)
    gpu = SelfHostedOption("gpu", "1x L4", ("eu-west-1",), hourly, throughput, min_instances, fixed)
    result = break_even(api, gpu, workload)
    if result.volume is None:
        # The API stays cheaper: check it over a wide range of volumes.
        for volume in np.geomspace(1, 1e12, 60):
            at = workload.at_volume(volume)
            assert monthly_cost(api, at) <= monthly_cost(gpu, at) * (1 + 1e-9)
        return
    assert result.first_volume is not None
    for volume in (result.volume, result.first_volume):
        at = workload.at_volume(volume)
        assert monthly_cost(api, at) == pytest.approx(monthly_cost(gpu, at), rel=1e-3)
    # Above the break-even volume self-hosting is never dearer.
    for factor in (1.0001, 1.01, 1.3, 2.0, 10.0, 1000.0):
        at = workload.at_volume(result.volume * factor)
        assert monthly_cost(gpu, at) <= monthly_cost(api, at) * (1 + 1e-9)
    # Below the first volume the API is cheaper.
    at = workload.at_volume(result.first_volume * 0.999)
    assert monthly_cost(api, at) <= monthly_cost(gpu, at)


def test_break_even_by_hand():
    api = ApiOption("api", "Vendor", ("eu-west-1",), 1.00, 3.00)
    gpu = SelfHostedOption("gpu", "1x L4", ("eu-west-1",), 0.80, 20.0, 1, 300.0)
    # a = $0.0016 a request; one instance serves 20 x 100,000 / 2 = 1,000,000 requests a month
    # for 0.80 x 730 = $584 (+ $300 ops), so self-hosting pays from (584 + 300) / 0.0016.
    result = break_even(api, gpu, WORKLOAD)
    assert result.volume == pytest.approx(552_500)
    assert result.first_volume == pytest.approx(552_500)


def test_break_even_separates_first_and_sustained_crossing_when_steps_overshoot():
    # Each instance costs $730 and serves 250,000 requests; the API costs $0.004 a request,
    # i.e. $1,000 per instance-worth of traffic. Self-hosting first matches the API at
    # 182,500 requests ($730). The 2nd instance ($1,460 from 250,000, API $1,000 there) and
    # the 3rd ($2,190 from 500,000, API $2,000) lift it back above; from the 4th ($2,920 from
    # 750,000, API $3,000) it stays below. Sustained break-even: 2,190 / 0.004 = 547,500.
    api = ApiOption("api", "Vendor", ("eu-west-1",), 4.0, 0.0)
    gpu = SelfHostedOption("gpu", "1x L4", ("eu-west-1",), 1.0, 5.0, 1, 0.0)
    result = break_even(api, gpu, WORKLOAD)
    assert result.first_volume == pytest.approx(182_500)
    assert result.volume == pytest.approx(547_500)
    assert "first as cheap" in result.explanation


def test_no_break_even_when_an_instance_costs_more_than_the_traffic_it_serves():
    api = ApiOption("api", "Vendor", ("eu-west-1",), 0.1, 0.1)
    gpu = SelfHostedOption("gpu", "8x H100", ("eu-west-1",), 50.0, 10.0)
    result = break_even(api, gpu, WORKLOAD)
    assert result.volume is None
    assert "stays cheaper" in result.explanation
