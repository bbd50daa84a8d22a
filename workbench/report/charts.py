"""The report's charts: matplotlib figures, embedded as PNG data URIs (no file, no script).

Counts get integer ticks; every chart is sized by what it shows, so that 17
crime types stay readable; a value that is undefined is written where its point
would be, with the reason, never left out.
"""

from __future__ import annotations

import base64
import io
from html import escape

from workbench.errors import MissingExtra

ACCENT = "#2b6cb0"
COLORS = {"not started": "#c9ced6", "in progress": "#f2b134", "complete": "#3a9d5d",
          "agreed": "#3a9d5d", "ground_truth": "#2b6cb0", "adjudicated": "#6b46c1",
          "disputed": "#d9534f", "awaiting": "#c9ced6"}
PEOPLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255",
          "#117733")  # one colour per annotator (colour-blind safe)


def figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtra("report", "the quality report") from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def img(fig, alt: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img class="chart" alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def integer_ticks(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=5, integer=True))


def bars(ax, labels: list[str], values: list[float], title: str, colors=None) -> None:
    """Horizontal bars of counts, each with its number, on an integer axis."""
    positions = range(len(labels))
    ax.barh(list(positions), values, color=colors or ACCENT)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10, loc="left")
    for y, value in zip(positions, values, strict=True):
        ax.annotate(f"{value:,.0f}", (value, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.margins(x=0.15)
    integer_ticks(ax.xaxis)


def dots(names: list[str], values: list[float | None], intervals: list, reasons: list,
         title: str) -> str:
    """A value per row with its interval; an undefined one shows its reason instead."""
    fig = figure(10, 0.9 + 0.32 * len(names))
    ax = fig.subplots()
    for y, (value, interval, reason) in enumerate(zip(values, intervals, reasons,
                                                       strict=True)):
        if interval is not None:
            ax.plot(interval, [y, y], color=ACCENT, linewidth=2, alpha=0.6)
        if value is not None:
            ax.plot([value], [y], "o", color="#1a365d" if y else "#d9534f")
        else:
            ax.annotate(f"undefined: {reason or 'no value'}", (0.0, y), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8, color="#6b7280")
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.axvline(0.8, color="#999", linestyle=":", linewidth=1)
    ax.axvline(0.667, color="#ccc", linestyle=":", linewidth=1)
    lows = [-0.1, *(i[0] for i in intervals if i), *(v for v in values if v is not None)]
    ax.set_xlim(min(lows), 1.05)
    ax.set_title(title, fontsize=10, loc="left")
    return img(fig, title)


def confusion(labels: list[str], counts: list[list[int]], title: str) -> str:
    """A square matrix of counts, sized so that each cell stays readable."""
    size = min(11.0, 2.2 + 0.5 * len(labels))
    fig = figure(size, size * 0.92)
    ax = fig.subplots()
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    peak = max((max(row) for row in counts), default=0)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                        color="white" if count > peak / 2 else "black")
    return img(fig, title)


def lines(series: dict[str, list[float | None]], pulls: list[str], title: str,
          ylabel: str) -> str:
    """One line per annotator over the pulls (a missing point leaves a gap)."""
    fig = figure(10, 3.2)
    ax = fig.subplots()
    for index, (name, values) in enumerate(series.items()):
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(range(len(pulls)), ys, "o-", color=PEOPLE[index % len(PEOPLE)], label=name)
    ax.set_xticks(range(len(pulls)), pulls, rotation=20, ha="right", fontsize=8)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=8, loc="lower left")
    return img(fig, title)
