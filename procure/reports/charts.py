"""Vector charts for reports: matplotlib SVG, inlined in both the HTML page and the PDF.

Output is deterministic (fixed hash salt, no date metadata), so a report renders to the same
bytes every time: the PDF of a snapshot can be re-created and compared.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

plt.rcParams.update(
    {
        "svg.hashsalt": "procure",
        "svg.fonttype": "none",  # text stays text: smaller files, selectable in the PDF
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#5b6675",
        "axes.labelcolor": "#1b2430",
        "xtick.color": "#5b6675",
        "ytick.color": "#5b6675",
    }
)
BRAND = "#1f5fbf"
ACCENT = "#e07b00"
MUTED = "#9aa3ae"
CRITERIA_COLOURS = ("#1f5fbf", "#2a9d8f", "#e07b00")


@dataclass(frozen=True)
class Point:
    name: str
    cost: float
    fit: float
    low: float
    high: float
    specialist: bool
    eligible: bool
    on_frontier: bool
    recommended: bool


def pareto_chart(points: Sequence[Point]) -> str:
    """Quality (profile fit with its interval) against monthly cost, frontier highlighted."""
    figure, axes = plt.subplots(figsize=(7.0, 3.6))
    for point in points:
        colour = ACCENT if point.specialist else BRAND
        colour = colour if point.eligible else MUTED
        axes.errorbar(
            point.cost, point.fit,
            yerr=[[point.fit - point.low], [point.high - point.fit]],
            fmt="o" if point.eligible else "x", color=colour, ecolor=colour, capsize=3,
            markersize=8 if point.recommended else 5, zorder=3,
        )  # fmt: skip
        label = f"{point.name} ★" if point.recommended else point.name
        axes.annotate(label, (point.cost, point.fit), xytext=(6, 4), textcoords="offset points",
                      fontsize=8, color="#1b2430" if point.eligible else MUTED)  # fmt: skip
    frontier = sorted((p for p in points if p.on_frontier), key=lambda p: p.cost)
    if len(frontier) > 1:
        axes.plot([p.cost for p in frontier], [p.fit for p in frontier], "--", color=BRAND,
                  linewidth=1, zorder=2, label="Pareto frontier")  # fmt: skip
        axes.legend(loc="lower right", frameon=False, fontsize=8)
    costs = [p.cost for p in points if p.cost > 0]
    if costs and max(costs) / min(costs) > 20:
        axes.set_xscale("log")
    axes.set_xlabel("Monthly cost of ownership (USD)")
    axes.set_ylabel("Profile fit (95% interval)")
    axes.grid(True, color="#eceff3", linewidth=0.6)
    return _svg(figure)


def criteria_chart(names: Sequence[str], rows: Sequence[tuple[float, float, float]]) -> str:
    """Fit, cost score and sovereignty (each 0-1) per candidate, as grouped horizontal bars."""
    height = max(1.6, 0.45 * len(names) + 0.8)
    figure, axes = plt.subplots(figsize=(7.0, height))
    bar = 0.26
    labels = ("Fit", "Cost (cheapest = 1)", "Sovereignty")
    for k, (label, colour) in enumerate(zip(labels, CRITERIA_COLOURS, strict=True)):
        axes.barh([i + (k - 1) * bar for i in range(len(names))], [row[k] for row in rows],
                  height=bar, color=colour, label=label)  # fmt: skip
    axes.set_yticks(range(len(names)), names)
    axes.invert_yaxis()
    axes.set_xlim(0, 1.05)
    axes.legend(loc="lower right", frameon=False, fontsize=8, ncols=3, bbox_to_anchor=(1, 1))
    axes.grid(True, axis="x", color="#eceff3", linewidth=0.6)
    return _svg(figure)


@dataclass(frozen=True)
class HistoryPoint:
    label: str  # when the report was written, as shown under the axis
    recommended: str | None
    fit: float | None  # of the recommended model
    cost: float | None  # its monthly cost of ownership


def history_chart(points: Sequence[HistoryPoint]) -> str:
    """A profile's reports in order: the recommended model's fit and monthly cost, each new
    recommendation named where it starts. Reports are evenly spaced (they are not a clock)."""
    figure, fit_axes = plt.subplots(figsize=(7.0, 3.2))
    cost_axes = fit_axes.twinx()
    cost_axes.spines["right"].set_visible(True)
    xs = list(range(len(points)))
    fits = [100 * p.fit if p.fit is not None else float("nan") for p in points]
    costs = [p.cost if p.cost is not None else float("nan") for p in points]
    fit_axes.plot(xs, fits, "o-", color=BRAND, label="Fit of the recommended model (%)")
    cost_axes.plot(xs, costs, "s--", color=ACCENT, label="Its monthly cost (USD)")
    previous = None
    for x, point in zip(xs, points, strict=True):
        if point.recommended != previous and point.fit is not None:
            fit_axes.annotate(point.recommended or "none", (x, 100 * point.fit), xytext=(4, 6),
                              textcoords="offset points", fontsize=8)  # fmt: skip
        previous = point.recommended
    step = max(1, len(points) // 8)  # at most about eight labels
    fit_axes.set_xticks(xs[::step], [p.label for p in points][::step])
    fit_axes.set_ylabel("Fit (%)", color=BRAND)
    cost_axes.set_ylabel("Monthly cost (USD)", color=ACCENT)
    fit_axes.set_xlim(-0.5, len(points) - 0.5)
    fit_axes.grid(True, color="#eceff3", linewidth=0.6)
    handles = fit_axes.get_legend_handles_labels()[0] + cost_axes.get_legend_handles_labels()[0]
    fit_axes.legend(handles=handles, loc="upper left", frameon=False, fontsize=8,
                    bbox_to_anchor=(0, 1.18), ncols=2)  # fmt: skip
    return _svg(figure)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    svg = buffer.getvalue()
    # Drop the XML prologue and doctype: the SVG is inlined into an HTML document.
    return svg[svg.index("<svg") :]
