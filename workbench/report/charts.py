"""The report's charts, drawn here as inline SVG: sharp at any zoom, nothing to install,
no script, nothing fetched, and milliseconds to draw (a plotting library took seconds).

Counts get integer ticks; every chart is sized by what it shows, so that 17
crime types stay readable; a value that is undefined is written where its point
would be, with the reason, never left out. Hovering a bar, dot or cell shows its
number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

ACCENT = "#2b6cb0"
COLORS = {"not started": "#c9ced6", "in progress": "#f2b134", "complete": "#3a9d5d",
          "agreed": "#3a9d5d", "ground_truth": "#2b6cb0", "adjudicated": "#6b46c1",
          "disputed": "#d9534f", "awaiting": "#c9ced6"}
PEOPLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255",
          "#117733")  # one colour per annotator (colour-blind safe)
WIDTH = 1000  # px: the page's column
FONT = 12  # px
ROW = 22  # px per bar or row
TITLE = 24  # px above a panel's plot, for its title
AXIS = 22  # px below a plot, for its tick labels
GAP = 28  # px between panels
MUTED, GRID = "#6b7280", "#e2e8f0"


def text_width(text: str, size: float = FONT) -> float:
    """About how wide ``text`` is drawn: 0.6 em a character covers the usual sans-serif fonts
    (there are no font metrics here), so labels never run into the plot."""
    return len(text) * size * 0.6


@dataclass
class Panel:
    """Part of a chart, drawn from (0, 0): its SVG elements and its size."""

    body: str
    width: float
    height: float


def chart(panels: list[Panel], alt: str, columns: int = 1) -> str:
    """Panels in a grid of ``columns``, as one ``<svg>`` element."""
    parts, width, y = [], 0.0, 0.0
    for first in range(0, len(panels), columns):
        row, x = panels[first:first + columns], 0.0
        for panel in row:
            parts.append(f'<g transform="translate({x:.1f},{y:.1f})">{panel.body}</g>')
            x += panel.width + GAP
        width, y = max(width, x - GAP), y + max(p.height for p in row) + GAP
    height = max(y - GAP, 1)
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-label="{escape(alt)}" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="system-ui, sans-serif" '
            f'font-size="{FONT}" fill="#1a202c">{"".join(parts)}</svg>')


def bars(labels: list[str], values: list, title: str, colors=None, *, width: float = WIDTH,
         segments: list[tuple[str, str]] | None = None) -> Panel:
    """Horizontal bars of counts, each with its number, on an integer axis. With
    ``segments`` ((name, colour) each), a value is one count per segment, stacked."""
    stacks = [list(v) if segments else [v] for v in values]
    if isinstance(colors, str) or colors is None:
        colors = [colors or ACCENT] * len(labels)
    peak = max((sum(s) for s in stacks), default=0) or 1
    left = max((text_width(label) for label in labels), default=0) + 10
    right = text_width(f"{peak:,.0f}") + 10
    top = TITLE + (ROW if segments else 0)
    scale = _Scale(0, peak, left, width - right)
    height = top + ROW * len(labels)
    body = [_title(title), *_grid(scale, top, height, integer=True)]
    if segments:
        body.append(_legend(segments, 0, TITLE + ROW / 2))
    for row, (label, stack, color) in enumerate(zip(labels, stacks, colors, strict=True)):
        y = top + ROW * row + ROW / 2
        body.append(_text(left - 6, y, label, anchor="end"))
        start = 0.0
        for part, amount in enumerate(stack):
            fill = segments[part][1] if segments else color
            name = f"{segments[part][0]}: " if segments else ""
            body.append(f'<rect x="{scale(start):.1f}" y="{y - ROW * 0.36:.1f}" width="'
                        f'{scale(start + amount) - scale(start):.1f}" height="{ROW * 0.72:.1f}" '
                        f'fill="{fill}"><title>{escape(label)}: {name}{amount:,.0f}</title>'
                        f"</rect>")
            start += amount
        body.append(_text(scale(start) + 4, y, f"{start:,.0f}", size=FONT - 1))
    return Panel("".join(body), width, height + AXIS)


def dots(names: list[str], values: list[float | None], intervals: list, reasons: list,
         title: str) -> str:
    """A value per row with its interval; an undefined one shows its reason instead."""
    left = max(text_width(name) for name in names) + 10
    top, height = TITLE, TITLE + ROW * len(names)
    lows = [-0.1, *(i[0] for i in intervals if i), *(v for v in values if v is not None)]
    scale = _Scale(min(lows), 1.05, left, WIDTH - 10)
    body = [_title(title), *_grid(scale, top, height)]
    for threshold, color in ((0.667, "#bbb"), (0.8, "#888")):
        body.append(_line(scale(threshold), top, scale(threshold), height, color,
                          dash="2 3"))
    for row, (name, value, interval, reason) in enumerate(zip(
            names, values, intervals, reasons, strict=True)):
        y = top + ROW * row + ROW / 2
        body.append(_text(left - 6, y, name, anchor="end"))
        if interval is not None:
            body.append(_line(scale(interval[0]), y, scale(interval[1]), y, ACCENT, width=2.5,
                              opacity=0.6))
        if value is None:
            body.append(_text(scale(0.0) + 4, y, f"undefined: {reason or 'no value'}",
                              size=FONT - 1, color=MUTED))
            continue
        shown = f"{value:.3f}" + (f" ({interval[0]:.2f} to {interval[1]:.2f})"
                                  if interval is not None else "")
        body.append(f'<circle cx="{scale(value):.1f}" cy="{y:.1f}" r="4.5" fill="'
                    f'{"#1a365d" if row else "#d9534f"}"><title>{escape(name)}: {shown}'
                    f"</title></circle>")
    return chart([Panel("".join(body), WIDTH, height + AXIS)], title)


def confusion(labels: list[str], counts: list[list[int]], title: str) -> str:
    """A square matrix of counts, shaded by count, sized so that each cell stays readable."""
    cell = max(26.0, min(52.0, 640 / max(len(labels), 1)))
    size = FONT - 1
    margin = max((text_width(label, size) for label in labels), default=0) + 10
    side = cell * len(labels)
    top = TITLE
    last = text_width(labels[-1], size) * 0.71 - cell / 2 if labels else 0
    width = max(margin + side + max(last, 0) + 10, text_width(title, FONT + 1) + 10)
    height = top + side + margin * 0.71 + 10  # column labels run down at 45 degrees
    peak = max((max(row) for row in counts if row), default=0) or 1
    body = [_title(title)]
    for i, (label, row) in enumerate(zip(labels, counts, strict=True)):
        y = top + cell * i
        body.append(_text(margin - 6, y + cell / 2, label, anchor="end", size=size))
        for j, count in enumerate(row):
            x, share = margin + cell * j, count / peak
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" height="{cell:.1f}"'
                        f' fill="{_blue(share)}" stroke="#fff"><title>{escape(label)} / '
                        f"{escape(labels[j])}: {count:,}</title></rect>")
            if count:
                body.append(_text(x + cell / 2, y + cell / 2, f"{count:,}", anchor="middle",
                                  size=size, color="#fff" if share > 0.5 else "#1a202c"))
    for j, label in enumerate(labels):
        x, y = margin + cell * j + cell / 2, top + side + 6
        body.append(f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate(45 {x:.1f} {y:.1f})" '
                    f'font-size="{size}" dominant-baseline="middle">{escape(label)}</text>')
    return chart([Panel("".join(body), width, height)], title)


def lines(series: dict[str, list[float | None]], pulls: list[str], title: str,
          ylabel: str) -> str:
    """One line per annotator over the pulls (a missing point leaves a gap)."""
    left, top, plot = 56.0, TITLE + ROW, 220.0
    steps = max(len(pulls) - 1, 1)
    x = _Scale(0, steps, left + 20, WIDTH - 40)
    y = _Scale(-0.05, 1.05, top + plot, top)  # upwards
    body = [_title(title), _legend([(name, PEOPLE[i % len(PEOPLE)])
                                    for i, name in enumerate(series)], 0, TITLE + ROW / 2)]
    for tick in _ticks(0, 1):
        body.append(_line(left, y(tick), WIDTH - 10, y(tick), GRID))
        body.append(_text(left - 6, y(tick), _number(tick), anchor="end", size=FONT - 1,
                          color=MUTED))
    body.append(f'<text x="12" y="{top + plot / 2:.1f}" transform="rotate(-90 12 '
                f'{top + plot / 2:.1f})" text-anchor="middle" font-size="{FONT - 1}" '
                f'fill="{MUTED}">{escape(ylabel)}</text>')
    for index, (name, values) in enumerate(series.items()):
        color = PEOPLE[index % len(PEOPLE)]
        run: list[str] = []
        for step, value in enumerate([*values, None]):
            if value is None:
                if len(run) > 1:
                    body.append(f'<polyline points="{" ".join(run)}" fill="none" '
                                f'stroke="{color}" stroke-width="2"/>')
                run = []
                continue
            run.append(f"{x(step):.1f},{y(value):.1f}")
            body.append(f'<circle cx="{x(step):.1f}" cy="{y(value):.1f}" r="4" fill="{color}">'
                        f"<title>{escape(name)}, {escape(pulls[step])}: {value:.3f}</title>"
                        f"</circle>")
    label_room = max((text_width(p, FONT - 1) for p in pulls), default=0) * 0.35
    for step, pull in enumerate(pulls):
        px, py = x(step), top + plot + 10
        body.append(f'<text x="{px:.1f}" y="{py:.1f}" transform="rotate(20 {px:.1f} '
                    f'{py:.1f})" font-size="{FONT - 1}" text-anchor="middle" '
                    f'dominant-baseline="hanging">{escape(pull)}</text>')
    return chart([Panel("".join(body), WIDTH, top + plot + 16 + label_room + AXIS)], title)


class _Scale:
    """From a value to a position: ``low`` at ``start``, ``high`` at ``end``."""

    def __init__(self, low: float, high: float, start: float, end: float):
        self.low, self.high = low, high if high != low else low + 1
        self.start, self.end = start, end
        self.factor = (end - start) / (self.high - self.low)

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) * self.factor


def _ticks(low: float, high: float, count: int = 5, integer: bool = False) -> list[float]:
    """Round numbers from ``low`` to ``high``, about ``count`` of them."""
    raw = (high - low) / count or 1
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw - 1e-12)
    if integer:
        step = max(1, math.ceil(step))
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _grid(scale: _Scale, top: float, bottom: float, integer: bool = False) -> list[str]:
    """Light vertical lines at round numbers, each labelled below the plot."""
    found = []
    for tick in _ticks(scale.low, scale.high, max(2, round((scale.end - scale.start) / 70)),
                       integer):
        x = scale(tick)
        found.append(_line(x, top, x, bottom, GRID))
        found.append(_text(x, bottom + 12, _number(tick), anchor="middle", size=FONT - 1,
                           color=MUTED))
    return found


def _legend(entries: list[tuple[str, str]], x: float, y: float) -> str:
    found = []
    for name, color in entries:
        found.append(f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="10" height="10" '
                     f'fill="{color}"/>')
        found.append(_text(x + 14, y, name, size=FONT - 1))
        x += 14 + text_width(name, FONT - 1) + 14
    return "".join(found)


def _title(title: str) -> str:
    return _text(0, TITLE / 2, title, size=FONT + 1, weight="600")


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:.2f}".rstrip("0")


def _blue(share: float) -> str:
    """White to dark blue, by ``share`` (0 to 1)."""
    light, dark = (0xf7, 0xfb, 0xff), (0x08, 0x30, 0x6b)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(light, dark,
                                                                             strict=True))


def _line(x1: float, y1: float, x2: float, y2: float, color: str, *, width: float = 1,
          dash: str | None = None, opacity: float | None = None) -> str:
    extra = (f' stroke-dasharray="{dash}"' if dash else "") + (
        f' stroke-opacity="{opacity}"' if opacity is not None else "")
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
            f'stroke-width="{width}"{extra}/>')


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: float = FONT,
          color: str | None = None, weight: str | None = None) -> str:
    extra = (f' fill="{color}"' if color else "") + (f' font-weight="{weight}"' if weight
                                                      else "")
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" dominant-baseline="middle" '
            f'font-size="{size}"{extra}>{escape(text)}</text>')
