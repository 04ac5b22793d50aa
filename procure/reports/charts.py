"""Vector charts for reports: matplotlib SVG, inlined in both the HTML page and the PDF.

Output is deterministic (fixed hash salt, no date metadata), so a report renders to the same
bytes every time: the PDF of a snapshot can be re-created and compared.
"""

import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib import transforms
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
# One meaning per colour across every chart (and the captions say so).
GENERAL = "#1f5fbf"  # general models
SPECIALIST = "#e07b00"  # specialists
MUTED = "#9aa3ae"  # excluded candidates
FRONTIER = "#1b2430"  # the Pareto frontier
BAR = "#c62828"  # the quality bar
FIT = "#2a9d8f"  # the fit criterion (and fit over time)
COST = "#7b61a8"  # the cost criterion (and cost over time)
SOVEREIGNTY = "#6a994e"  # the sovereignty criterion
CRITERIA_COLOURS = (FIT, COST, SOVEREIGNTY)
DODGE_POINTS = 7.0  # horizontal offset, in points, between candidates at the same cost


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


def pareto_chart(points: Sequence[Point], quality_bar: float | None = None) -> str:
    """Quality (profile fit in %, with its interval) against monthly cost.

    Eligible candidates are dots (orange specialists, blue general models), excluded ones grey
    crosses; the frontier is a dashed line; the quality bar a red dotted line. Candidates at the
    same cost are drawn side by side (a few points apart) so their intervals stay visible.
    """
    figure, axes = plt.subplots(figsize=(7.0, 3.6))
    # Drawn through an offset transform, the error bars do not count towards the axes' limits:
    # an invisible line through every interval's ends does.
    axes.plot([p.cost for p in points for _ in (0, 1)],
              [100 * y for p in points for y in (p.low, p.high)], linestyle="none")  # fmt: skip
    for point, offset in zip(points, _dodges(points), strict=True):
        colour = (SPECIALIST if point.specialist else GENERAL) if point.eligible else MUTED
        shift = transforms.offset_copy(axes.transData, figure, x=offset, units="points")
        axes.errorbar(
            point.cost, 100 * point.fit,
            yerr=[[100 * (point.fit - point.low)], [100 * (point.high - point.fit)]],
            fmt="o" if point.eligible else "x", color=colour, ecolor=colour, capsize=3,
            markersize=8 if point.recommended else 5, zorder=3, transform=shift,
        )  # fmt: skip
        label = f"{point.name} ★" if point.recommended else point.name
        axes.annotate(label, (point.cost, 100 * point.fit), xytext=(6 + offset, 4),
                      textcoords="offset points", fontsize=8,
                      color="#1b2430" if point.eligible else MUTED)  # fmt: skip
    frontier = sorted((p for p in points if p.on_frontier), key=lambda p: p.cost)
    if len(frontier) > 1:
        axes.plot([p.cost for p in frontier], [100 * p.fit for p in frontier], "--",
                  color=FRONTIER, linewidth=1, zorder=2, label="Pareto frontier")  # fmt: skip
    if quality_bar is not None:
        axes.axhline(100 * quality_bar, color=BAR, linestyle=":", linewidth=1.2, zorder=1,
                     label=f"Quality bar ({100 * quality_bar:.1f}%)")  # fmt: skip
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower right", frameon=False, fontsize=8)
    costs = [p.cost for p in points if p.cost > 0]
    if costs and max(costs) / min(costs) > 20:
        axes.set_xscale("log")
    axes.margins(x=0.12, y=0.1)
    axes.set_xlabel("Monthly cost of ownership (USD)")
    axes.set_ylabel("Profile fit, % (95% interval)")
    axes.grid(True, color="#eceff3", linewidth=0.6)
    return _svg(figure)


def pareto_caption(points: Sequence[Point], quality_bar: float | None) -> str:
    """What `pareto_chart` draws, and only that."""
    parts = []
    if any(p.eligible for p in points):
        parts.append("orange dots: specialists; blue dots: general models")
    if any(not p.eligible for p in points):
        parts.append("grey crosses: excluded candidates")
    if sum(p.on_frontier for p in points) > 1:
        parts.append(
            "dashed line: the Pareto frontier (no other eligible candidate is both cheaper and "
            "better)"
        )
    if quality_bar is not None:
        parts.append(f"red dotted line: your quality bar ({100 * quality_bar:.1f}%)")
    text = "; ".join(parts)
    text = text[:1].upper() + text[1:] + "."
    if any(p.recommended for p in points):
        text += " ★ marks the recommendation."
    if any(n > 1 for n in Counter(round(p.cost, 2) for p in points).values()):
        text += " Candidates at the same cost are drawn side by side."
    return text


def _dodges(points: Sequence[Point]) -> list[float]:
    """Offsets in points that spread candidates of equal cost symmetrically around it."""
    groups: dict[float, list[int]] = defaultdict(list)
    for i, point in enumerate(points):
        groups[round(point.cost, 2)].append(i)
    offsets = [0.0] * len(points)
    for members in groups.values():
        for k, i in enumerate(members):
            offsets[i] = (k - (len(members) - 1) / 2) * DODGE_POINTS
    return offsets


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
    fit_axes.plot(xs, fits, "o-", color=FIT, label="Fit of the recommended model (%)")
    cost_axes.plot(xs, costs, "s--", color=COST, label="Its monthly cost (USD)")
    previous = None
    for x, point in zip(xs, points, strict=True):
        if point.recommended != previous and point.fit is not None:
            fit_axes.annotate(point.recommended or "none", (x, 100 * point.fit), xytext=(4, 6),
                              textcoords="offset points", fontsize=8)  # fmt: skip
        previous = point.recommended
    step = max(1, len(points) // 8)  # at most about eight labels
    fit_axes.set_xticks(xs[::step], [p.label for p in points][::step])
    fit_axes.set_ylabel("Fit (%)", color=FIT)
    cost_axes.set_ylabel("Monthly cost (USD)", color=COST)
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
