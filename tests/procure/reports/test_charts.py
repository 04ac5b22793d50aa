"""The quality-against-cost chart draws what its caption says, and colours keep one meaning."""

from procure.reports.charts import (
    BAR,
    CRITERIA_COLOURS,
    FRONTIER,
    GENERAL,
    MUTED,
    SPECIALIST,
    Point,
    _dodges,
    pareto_caption,
    pareto_chart,
)


def point(name, cost, fit, *, specialist=False, eligible=True, frontier=False, recommended=False):
    return Point(name, cost, fit, fit - 0.05, fit + 0.05, specialist, eligible, frontier,
                 recommended)  # fmt: skip


def test_candidates_at_equal_cost_are_spread_symmetrically_and_others_stay_put():
    points = [point("a", 100, 0.7), point("b", 100, 0.72), point("c", 250, 0.6)]
    a, b, c = _dodges(points)
    assert a == -b != 0 and c == 0


def test_the_chart_draws_the_frontier_the_excluded_cross_and_the_quality_bar():
    points = [
        point("cheap", 100, 0.70, frontier=True, recommended=True),
        point("better", 300, 0.80, specialist=True, frontier=True),
        point("out", 200, 0.65, eligible=False),
    ]
    svg = pareto_chart(points, quality_bar=0.6)
    assert "Pareto frontier" in svg and "Quality bar (60.0%)" in svg
    for colour in (GENERAL, SPECIALIST, MUTED, FRONTIER, BAR):
        assert colour in svg
    assert pareto_caption(points, 0.6) == (
        "Orange dots: specialists; blue dots: general models; grey crosses: excluded "
        "candidates; dashed line: the Pareto frontier (no other eligible candidate is both "
        "cheaper and better); red dotted line: your quality bar (60.0%). ★ marks the "
        "recommendation."
    )


def test_the_caption_leaves_out_what_is_not_drawn():
    points = [point("a", 100, 0.7), point("b", 100, 0.75, recommended=True)]
    assert pareto_caption(points, None) == (
        "Orange dots: specialists; blue dots: general models. ★ marks the recommendation. "
        "Candidates at the same cost are drawn side by side."
    )


def test_each_colour_means_one_thing_across_charts():
    roles = [GENERAL, SPECIALIST, MUTED, FRONTIER, BAR, *CRITERIA_COLOURS]
    assert len(set(roles)) == len(roles)
