"""How shares, counts and pull times are written, the same way in the report, the dataset
card and the command's output: a share never reads as 100% or 0% unless it is, a count
agrees with its noun, and a pull is named by when it was made, not by its file's stamp.

In the bottom layer so that every package that writes for people can use it."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def percent(share: float | None) -> str:
    """``share`` (0 to 1) as a percentage, with a decimal when rounding would make it read
    as all or nothing: 446 of 447 is 99.8%, not 100%."""
    if share is None:
        return "—"
    shown = f"{share:.0%}"
    if share in (0, 1) or shown not in ("0%", "100%"):
        return shown
    shown = f"{share:.1%}"
    if shown not in ("0.0%", "100.0%"):
        return shown
    return "<0.1%" if share < 0.5 else ">99.9%"


def share_of(n: int, of: int, least: int = 1) -> str:
    """``n`` of ``of`` as a share beside the counts it rests on (``20% (6 of 30)``, ``none
    of 30``, ``all of 30``), or, on fewer than ``least``, the counts alone (``too few: 2 of
    6``): a share of a handful reads as a finding it is not. ``—``: nothing to count."""
    if not of:
        return "—"
    if of < least:
        return f"too few: {n:,} of {of:,}"
    if n in (0, of):
        return f"{'none' if not n else 'all'} of {of:,}"
    return f"{percent(n / of)} ({n:,} of {of:,})"


def points(difference: float) -> str:
    """A difference of percentages, in percentage points with its sign (``+15.8 pp``),
    never rounded to read as no difference when there is one."""
    if not difference:
        return "0 pp"
    shown = f"{difference:+.1f}"
    if float(shown) == 0:
        return f"{shown[0]}<0.1 pp"
    return f"{shown} pp"


def decimal(value: float, places: int = 3) -> str:
    """``value`` to ``places`` decimals, or more (up to 6) when rounding would make it read
    as exactly 0 or 1 when it is not: an alpha of 0.9996 is not 1.000."""
    for shown in (f"{value:.{p}f}" for p in range(places, 7)):
        if float(shown) not in (0, 1) or float(shown) == value:
            return shown
    near = round(value)
    return (">" if value < near else "<") + f"{near + (1e-6 if value > near else -1e-6):.6f}"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 error``, ``2 errors``; ``nouns`` when the plural is not the noun plus s."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


# A raw pull's stamp (20261207T101500.123456Z) or an ISO time (2026-12-07T10:15:00Z).
_STAMP = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})[T ](\d{2}):?(\d{2}):?(\d{2})?")


def pull_times(names: list[str]) -> list[str]:
    """Readable labels for pulls named by their time (UTC): ``7 Dec 10:15``, or only the
    day when no two pulls share one (the year too when they span several). A name
    without a time is kept as it is."""
    times = [_when(name) for name in names]
    known = [t for t in times if t is not None]
    days = [t.date() for t in known]
    year = " %Y" if len({t.year for t in known}) > 1 else ""
    if len(set(days)) == len(days):
        form = "%d %b" + year
    else:
        minutes = [t.replace(second=0) for t in known]
        form = "%d %b" + year + (" %H:%M" if len(set(minutes)) == len(minutes)
                                 else " %H:%M:%S")
    return [name if t is None else t.strftime(form).lstrip("0") for name, t in
            zip(names, times, strict=True)]


def _when(name: str) -> datetime | None:
    found = _STAMP.search(name)
    if found is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part or 0) for part in found.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # digits that are no date
        return None
