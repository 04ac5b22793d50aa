"""Cost of ownership per month, and the volume at which self-hosting starts to pay.

API: requests x (input tokens x input price + output tokens x output price) / 1e6.
Self-hosted: instances x hourly rate x 730 h + fixed monthly operations, where
instances = max(min instances, ceil(peak load / per-instance throughput)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from procure.decision.inputs import ApiOption, DeploymentOption, SelfHostedOption, Workload
from procure.decision.money import format_money
from procure.decision.outputs import BreakEven

HOURS_PER_MONTH = 730.0
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def _instances(load: FloatArray, min_instances: FloatArray) -> FloatArray:
    # Rounded to 9 decimals before ceil so that float noise (a load of 2.0000000000000004)
    # never buys a whole extra instance.
    result: FloatArray = np.maximum(min_instances, np.ceil(np.round(load, 9)))
    return result


def instances_needed(option: SelfHostedOption, peak_rps: float) -> int:
    """Instances to serve the peak: max(min instances, ceil(peak / throughput))."""
    load = np.array([peak_rps / option.throughput_rps])
    return int(_instances(load, np.array([option.min_instances], dtype=np.float64))[0])


def cost_per_request(option: ApiOption, workload: Workload) -> float:
    per_million = (
        workload.input_tokens * option.input_price_per_mtok
        + workload.output_tokens * option.output_price_per_mtok
    )
    return per_million / 1e6


def instance_month(option: SelfHostedOption) -> float:
    return option.hourly_rate * HOURS_PER_MONTH


def monthly_cost(option: DeploymentOption, workload: Workload) -> float:
    """Monthly cost of running `workload` on `option`."""
    if isinstance(option, ApiOption):
        return workload.monthly_requests * cost_per_request(option, workload)
    instances = instances_needed(option, workload.peak_rps)
    return instances * instance_month(option) + option.fixed_monthly_ops


def break_even(api: ApiOption, hosted: SelfHostedOption, workload: Workload) -> BreakEven:
    """Where the API's cost line meets the self-hosted step function.

    Peak load is assumed to scale with volume (the profile's peak shape is kept), so one
    instance serves q = throughput x monthly requests / peak requests a month, and self-hosting
    costs S_k = k h + F on the k-th step, for volumes in ((k - 1) q, k q]. The API costs a V.

    * `volume`: the volume above which self-hosting is never dearer ("cheaper for good").
    * `first_volume`: the smallest volume at which self-hosting is at least as cheap.

    They differ when a new instance lifts the step back above the API line for a while. Both
    are exact solutions of a V = S_k inside step k, found in closed form: on step k > k_min the
    API is cheaper somewhere iff a (k - 1) q < k h + F, i.e. k < (a q + F) / (a q - h), so the
    last such step is the largest integer below that bound. If a q <= h the API's cost per
    instance-worth of traffic never exceeds an instance's price and self-hosting never wins.
    """
    a = cost_per_request(api, workload)
    h = instance_month(hosted)
    fixed = hosted.fixed_monthly_ops
    q = hosted.throughput_rps * workload.monthly_requests / workload.peak_rps
    k_min = max(hosted.min_instances, 1)
    first_step_cost = k_min * h + fixed

    def result(volume: float | None, first: float | None, why: str) -> BreakEven:
        return BreakEven(
            api_option=api.name,
            self_hosted_option=hosted.name,
            volume=volume,
            first_volume=first,
            explanation=why,
        )

    if first_step_cost == 0:
        return result(0.0, 0.0, f"Self-hosting on {hosted.name} costs nothing at any volume.")
    if a == 0 or a * q <= h:
        return result(
            None,
            None,
            f"The {api.name} API stays cheaper than self-hosting on {hosted.name} at every "
            f"volume: one instance-month ({_money(h)}) buys more than the "
            f"{q:,.0f} requests it can serve cost on the API ({_money(a * q)}).",
        )
    bound = (a * q + fixed) / (a * q - h)
    last = max(k_min, math.ceil(bound) - 1)
    # Guard the integer bound against float noise: the crossing must lie inside its step.
    while last > k_min and (last * h + fixed) / a <= (last - 1) * q:
        last -= 1
    first = max(k_min, math.ceil(fixed / (a * q - h)))
    sustained = (last * h + fixed) / a
    earliest = min((first * h + fixed) / a, sustained)
    why = (
        f"Self-hosting on {hosted.name} is cheaper than the {api.name} API above "
        f"{sustained:,.0f} requests a month."
    )
    if earliest < sustained:
        why += (
            f" It is first as cheap at {earliest:,.0f}, but each added instance makes it "
            "dearer again for a while until then."
        )
    return result(sustained, earliest, why)


def _money(amount: float) -> str:
    return format_money(round(amount) if abs(amount) >= 1 else amount)


@dataclass(frozen=True)
class OptionTable:
    """Every usable option of every candidate as flat arrays, to price them at many volumes.

    Rows are grouped by owner (a candidate row), and within an owner ordered by higher soft
    score, then name: the first of equally cheap options wins, so a candidate's chosen option
    is the cheapest, then the most sovereign, then the first by name, at every volume.
    """

    owner: IntArray
    names: tuple[str, ...]
    is_api: npt.NDArray[np.bool_]
    per_request: FloatArray
    instance_month: FloatArray
    fixed: FloatArray
    min_instances: FloatArray
    throughput: FloatArray
    soft: FloatArray

    @classmethod
    def build(
        cls, rows: list[tuple[int, DeploymentOption, float]], workload: Workload
    ) -> OptionTable:
        """`rows` holds (owner, option, soft score) in any order."""
        ordered = sorted(rows, key=lambda row: (row[0], -row[2], row[1].name))
        apis = [isinstance(option, ApiOption) for _, option, _ in ordered]

        def column(values: list[float]) -> FloatArray:
            return np.array(values, dtype=np.float64)

        return cls(
            owner=np.array([owner for owner, _, _ in ordered], dtype=np.intp),
            names=tuple(option.name for _, option, _ in ordered),
            is_api=np.array(apis, dtype=bool),
            per_request=column(
                [
                    cost_per_request(o, workload) if isinstance(o, ApiOption) else 0.0
                    for _, o, _ in ordered
                ]
            ),
            instance_month=column(
                [
                    instance_month(o) if isinstance(o, SelfHostedOption) else 0.0
                    for _, o, _ in ordered
                ]
            ),
            fixed=column(
                [
                    o.fixed_monthly_ops if isinstance(o, SelfHostedOption) else 0.0
                    for _, o, _ in ordered
                ]
            ),
            min_instances=column(
                [o.min_instances if isinstance(o, SelfHostedOption) else 0.0 for _, o, _ in ordered]
            ),
            throughput=column(
                [
                    o.throughput_rps if isinstance(o, SelfHostedOption) else 1.0
                    for _, o, _ in ordered
                ]
            ),
            soft=column([soft for _, _, soft in ordered]),
        )

    def costs(self, workload: Workload, volumes: FloatArray) -> FloatArray:
        """Monthly cost of every option (rows) at every volume (columns), peak scaled along."""
        scale = volumes / workload.monthly_requests
        load = (workload.peak_rps * scale)[None, :] / self.throughput[:, None]
        hosted = (
            _instances(load, self.min_instances[:, None]) * self.instance_month[:, None]
            + self.fixed[:, None]
        )
        api = volumes[None, :] * self.per_request[:, None]
        result: FloatArray = np.where(self.is_api[:, None], api, hosted)
        return result

    def soft_of(self, rows: IntArray) -> FloatArray:
        """Soft scores of option rows; NaN where the row is -1 (no usable option)."""
        result = np.full(rows.shape, np.nan)
        found = rows >= 0
        result[found] = self.soft[rows[found]]
        return result

    def chosen(
        self, workload: Workload, volumes: FloatArray, owners: int
    ) -> tuple[FloatArray, IntArray]:
        """(cost, option row) of each owner's chosen option at each volume; NaN/-1 if none."""
        costs = self.costs(workload, volumes)
        best_cost = np.full((owners, volumes.size), np.nan)
        best_row = np.full((owners, volumes.size), -1, dtype=np.intp)
        if not self.owner.size:
            return best_cost, best_row
        starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])
        minimum = np.minimum.reduceat(costs, starts, axis=0)
        owner_of_segment = self.owner[starts]
        segment = np.cumsum(np.r_[False, self.owner[1:] != self.owner[:-1]])
        is_min = costs == minimum[segment]
        # Highest priority = first row of its segment among the cheapest.
        priority = np.where(is_min, (self.owner.size - np.arange(self.owner.size))[:, None], 0)
        first = self.owner.size - np.maximum.reduceat(priority, starts, axis=0)
        best_cost[owner_of_segment] = minimum
        best_row[owner_of_segment] = first
        return best_cost, best_row
