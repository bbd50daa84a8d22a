"""The report's charts, drawn here as inline SVG: sharp at any zoom, nothing to install,
no script, nothing fetched, and milliseconds to draw (a plotting library took seconds).

Counts get integer ticks; every chart is sized by what it shows, so that 17
crime types stay readable, and a long label wraps onto lines rather than being
cut; a value that is undefined is written where its point would be, with the
reason, never left out, and so is why a value has no interval; an interval
stops at the axis' end. Hovering a bar, dot or cell shows its number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

from workbench.records.wording import decimal

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
LABELS = 0.3  # of a chart's width, at most, for its row labels (longer ones wrap)
CONFUSION_LABELS = 130.0  # px for a confusion matrix's labels (longer ones wrap)


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
    ``segments`` ((name, colour) each), a value is one count per segment, stacked. A long
    label wraps onto lines, in at most ``LABELS`` of the width."""
    stacks = [list(v) if segments else [v] for v in values]
    if isinstance(colors, str) or colors is None:
        colors = [colors or ACCENT] * len(labels)
    peak = max((sum(s) for s in stacks), default=0) or 1
    wrapped = [wrap(label, width * LABELS) for label in labels]
    left = _widest(wrapped) + 10
    right = text_width(f"{peak:,.0f}") + 10
    top = TITLE + (ROW if segments else 0)
    scale = _Scale(0, peak, left, width - right)
    heights = [_row(shown) for shown in wrapped]
    height = top + sum(heights)
    body = [_title(title), *_grid(scale, top, height, _ticks(0, peak, _count(scale), True))]
    if segments:
        body.append(_legend(segments, 0, TITLE + ROW / 2))
    y: float = top
    for label, shown, pitch, stack, color in zip(labels, wrapped, heights, stacks, colors,
                                                 strict=True):
        y += pitch / 2
        body.append(_label(left - 6, y, shown, anchor="end"))
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
        y += pitch / 2
    return Panel("".join(body), width, height + AXIS)


def dots(names: list[str], values: list[float | None], intervals: list, reasons: list,
         title: str, no_interval: str = "no interval") -> str:
    """A value per row with its interval; an undefined one shows its reason instead, a value
    without an interval ``no_interval``. The axis runs from its lowest value or interval end
    (but no lower than -1 for an interval) to 1, starting at a tick; an interval reaching
    past it is cut there, with an arrow, and its tooltip gives it whole."""
    wrapped = [wrap(name, WIDTH * LABELS) for name in names]
    left = _widest(wrapped) + 10
    heights = [_row(shown) for shown in wrapped]
    top, height = TITLE, TITLE + sum(heights)
    lows = [-0.1, *(max(i[0], -1.0) for i in intervals if i),
            *(v for v in values if v is not None)]
    end = WIDTH - 16  # room for the last tick's label and the dot on it
    ticks = _ticks(min(lows), 1.0, max(2, round((end - left) / 70)), floor=True)
    scale = _Scale(ticks[0], 1.0, left, end)
    body = [_title(title), *_grid(scale, top, height, ticks)]
    for threshold, color in ((0.667, "#bbb"), (0.8, "#888")):
        body.append(_line(scale(threshold), top, scale(threshold), height, color,
                          dash="2 3"))
    y: float = top
    for row, (name, shown_name, pitch, value, interval, reason) in enumerate(zip(
            names, wrapped, heights, values, intervals, reasons, strict=True)):
        y += pitch / 2
        body.append(_label(left - 6, y, shown_name, anchor="end"))
        if interval is not None:
            body.append(_whisker(scale, y, interval))
        if value is None:
            body.append(_text(scale(0.0) + 4, y, f"undefined: {reason or 'no value'}",
                              size=FONT - 1, color=MUTED))
        else:
            shown = decimal(value) + (f" ({decimal(interval[0], 2)} to "
                                      f"{decimal(interval[1], 2)})" if interval is not None
                                      else f" ({no_interval})")
            body.append(f'<circle cx="{scale(value):.1f}" cy="{y:.1f}" r="4.5" fill="'
                        f'{"#1a365d" if row else "#d9534f"}"><title>{escape(name)}: {shown}'
                        f"</title></circle>")
            if interval is None:  # said on the roomier side of the dot
                x = scale(value)
                right = x - left < end - x
                body.append(_text(x + 8 if right else x - 8, y, no_interval, size=FONT - 1,
                                  color=MUTED, anchor="start" if right else "end"))
        y += pitch / 2
    return chart([Panel("".join(body), WIDTH, height + AXIS)], title)


def _whisker(scale: _Scale, y: float, interval: tuple[float, float]) -> str:
    """An interval's line, cut at the axis' ends, with an arrowhead where it was cut."""
    low, high = max(interval[0], scale.low), min(interval[1], scale.high)
    drawn = _line(scale(low), y, scale(high), y, ACCENT, width=2.5, opacity=0.6)
    for cut, point, way in ((interval[0] < scale.low, scale(low), 1),
                            (interval[1] > scale.high, scale(high), -1)):
        if cut:
            drawn += (f'<path d="M{point:.1f},{y:.1f} l{6 * way},-4 v8 z" fill="{ACCENT}" '
                      f'fill-opacity="0.6"/>')
    return drawn


def confusion(labels: list[str], counts: list[list[int]], title: str) -> str:
    """A square matrix of counts, shaded by count, sized so that each cell stays readable;
    long labels wrap, and every column's slanted label fits in."""
    size = FONT - 1
    wrapped = [wrap(label, CONFUSION_LABELS, size) for label in labels]
    tallest = max((len(shown) for shown in wrapped), default=1)
    cell = max(26.0, min(52.0, 640 / max(len(labels), 1)), tallest * _leading(size) + 4)
    margin = _widest(wrapped, size) + 10
    side = cell * len(labels)
    top = TITLE
    # A slanted (45 degree) label reaches 0.71 of its length right of its column's middle,
    # and, with its lines, as far down.
    reach = [(_widest([shown], size) + len(shown) * _leading(size)) * 0.71 for shown in wrapped]
    width = max([margin + side + 10, text_width(title, FONT + 1) + 10,
                 *(margin + cell * (j + 0.5) + r + 10 for j, r in enumerate(reach))])
    height = top + side + 6 + max(reach, default=0) + 10
    peak = max((max(row) for row in counts if row), default=0) or 1
    body = [_title(title)]
    for i, (label, shown, row) in enumerate(zip(labels, wrapped, counts, strict=True)):
        y = top + cell * i
        body.append(_label(margin - 6, y + cell / 2, shown, anchor="end", size=size))
        for j, count in enumerate(row):
            x, share = margin + cell * j, count / peak
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" height="{cell:.1f}"'
                        f' fill="{_blue(share)}" stroke="#fff"><title>{escape(label)} / '
                        f"{escape(labels[j])}: {count:,}</title></rect>")
            if count:
                body.append(_text(x + cell / 2, y + cell / 2, f"{count:,}", anchor="middle",
                                  size=size, color="#fff" if share > 0.5 else "#1a202c"))
    for j, shown in enumerate(wrapped):
        x, y = margin + cell * j + cell / 2, top + side + 6
        body.append(_label(x, y, shown, anchor="start", size=size,
                           transform=f"rotate(45 {x:.1f} {y:.1f})"))
    return chart([Panel("".join(body), width, height)], title)


def lines(series: dict[str, list[float | None]], pulls: list[str], title: str,
          ylabel: str) -> str:
    """One line per annotator over the pulls (a missing point leaves a gap); ``pulls`` are
    the x axis' labels, upright, as many as fit without overlapping, the last one always,
    and inside the chart."""
    left, top, plot = 56.0, TITLE + ROW, 220.0
    steps = max(len(pulls) - 1, 1)
    label = max((text_width(p, FONT - 1) for p in pulls), default=0)
    x = _Scale(0, steps, max(left + 20, label / 2 + 4), WIDTH - 10 - label / 2)
    y = _Scale(-0.05, 1.05, top + plot, top)  # upwards
    body = [_title(title), _legend([(name, PEOPLE[i % len(PEOPLE)])
                                    for i, name in enumerate(series)], 0, TITLE + ROW / 2)]
    ticks = _ticks(0, 1)
    for tick, shown in zip(ticks, _tick_labels(ticks), strict=True):
        body.append(_line(left, y(tick), WIDTH - 10, y(tick), GRID))
        body.append(_text(left - 6, y(tick), shown, anchor="end", size=FONT - 1, color=MUTED))
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
                        f"<title>{escape(name)}, {escape(pulls[step])}: {decimal(value)}"
                        f"</title></circle>")
    every = max(1, math.ceil((label + 12) / (x(1) - x(0))))  # labels that do not overlap
    for step, pull in enumerate(pulls):
        if (len(pulls) - 1 - step) % every == 0:
            body.append(_text(x(step), top + plot + 14, pull, anchor="middle", size=FONT - 1))
    return chart([Panel("".join(body), WIDTH, top + plot + 14 + AXIS)], title)


class _Scale:
    """From a value to a position: ``low`` at ``start``, ``high`` at ``end``."""

    def __init__(self, low: float, high: float, start: float, end: float):
        self.low, self.high = low, high if high != low else low + 1
        self.start, self.end = start, end
        self.factor = (end - start) / (self.high - self.low)

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) * self.factor


def _ticks(low: float, high: float, count: int = 5, integer: bool = False, *,
           floor: bool = False) -> list[float]:
    """Round numbers from ``low`` to ``high``, about ``count`` of them; with ``floor``, from
    the round number at or below ``low``, so that an axis can start at a tick. Each is
    rounded to its step, so that 0.1 * 10 is 1, and -0.1 + 0.1 is 0."""
    raw = (high - low) / count or 1
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw - 1e-12)
    if integer:
        step = max(1, math.ceil(step))
    first = (math.floor if floor else math.ceil)(low / step + (1e-9 if floor else -1e-9)) * step
    return [round(first + i * step, 9) + 0.0  # + 0.0: no -0
            for i in range(int((high - first) / step + 1e-9) + 1)]


def _tick_labels(ticks: list[float]) -> list[str]:
    """Every tick of an axis with as many decimals as its step needs: 0.0, 0.5, 1.0."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    places = next(p for p in range(7) if abs(round(step, p) - step) < 1e-9 or p == 6)
    return [f"{tick:,.{places}f}" for tick in ticks]


def _count(scale: _Scale) -> int:
    """About one tick every 70 px."""
    return max(2, round((scale.end - scale.start) / 70))


def _grid(scale: _Scale, top: float, bottom: float, ticks: list[float]) -> list[str]:
    """Light vertical lines at ``ticks``, each labelled below the plot."""
    found = []
    for tick, shown in zip(ticks, _tick_labels(ticks), strict=True):
        x = scale(tick)
        found.append(_line(x, top, x, bottom, GRID))
        found.append(_text(x, bottom + 12, shown, anchor="middle", size=FONT - 1,
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


def wrap(text: str, room: float, size: float = FONT) -> list[str]:
    """``text`` in lines about ``room`` px wide, broken after a space, _, -, / or @ (inside a
    word longer than the room, anywhere): a label is wrapped, never cut."""
    most = max(1, int(room / (size * 0.6)))
    found, line = [], ""
    for piece in re.findall(r"[^\s_/@-]+[\s_/@-]*|[\s_/@-]+", text):
        if line and len(line + piece.rstrip()) > most:
            found.append(line.rstrip())
            line = ""
        while len(piece.rstrip()) > most:
            found.append(piece[:most])
            piece = piece[most:]
        line += piece
    return [*found, line.rstrip()]


def _leading(size: float = FONT) -> float:
    """From one line of a wrapped label to the next."""
    return size * 1.2


def _widest(wrapped: list[list[str]], size: float = FONT) -> float:
    return max((text_width(line, size) for shown in wrapped for line in shown), default=0)


def _row(shown: list[str]) -> float:
    """A row's height: ``ROW``, or more for a label of several lines."""
    return max(ROW, len(shown) * _leading() + 6)


def _label(x: float, y: float, parts: list[str], *, anchor: str = "start",
           size: float = FONT, transform: str | None = None) -> str:
    """A label of one or more lines (tspans), its middle at ``y``."""
    extra = f' transform="{transform}"' if transform else ""
    if len(parts) == 1:
        return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" dominant-baseline='
                f'"middle" font-size="{size}"{extra}>{escape(parts[0])}</text>')
    first = -(len(parts) - 1) / 2 * _leading(size)
    spans = "".join(f'<tspan x="{x:.1f}" dy="{first if n == 0 else _leading(size):.1f}">'
                    f"{escape(line)}</tspan>" for n, line in enumerate(parts))
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" dominant-baseline="middle" '
            f'font-size="{size}"{extra}>{spans}</text>')
