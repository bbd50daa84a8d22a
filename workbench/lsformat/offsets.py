"""The one place where Label Studio's span offsets meet Python's string indexes.

What Label Studio 1.23's labeling UI stores, measured in a real browser
(``tests/test_browser.py``): offsets count Unicode code points, as Python
does, whatever precedes the span (emoji, flags, skin tones, astral CJK,
combining marks); ``\\r\\n`` counts as two characters; and the recorded
``text`` of a span has runs of spaces collapsed to one. Older front ends,
and tools that compute offsets in JavaScript, count UTF-16 code units
instead, where a character outside the Basic Multilingual Plane counts two.

``Offsets.resolve`` therefore takes the offsets as code points, and only
when that does not reproduce the span's recorded text, and the text has
astral characters, tries them as UTF-16 units. Text without astral
characters (the common case) costs nothing.
"""

from __future__ import annotations

import bisect
import re

_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def same_text(a: str, b: str) -> bool:
    """Equal but for whitespace runs (the UI records "a   b" as "a b")."""
    return a.split() == b.split()


class Offsets:
    """Offsets into one text: code points, and UTF-16 units for older front ends."""

    __slots__ = ("_astral", "_text")

    def __init__(self, text: str):
        self._text = text
        # Code-point indexes of the astral characters, in order.
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]

    def resolve(self, start: int, end: int, recorded: str | None) -> tuple[int, int]:
        """Python indexes of a span Label Studio stored as ``start``-``end``."""
        if not self._astral or recorded is None:
            return start, end
        if same_text(self._text[start:end], recorded):
            return start, end
        start16, end16 = self.from_utf16(start), self.from_utf16(end)
        if same_text(self._text[start16:end16], recorded):
            return start16, end16
        return start, end  # neither fits: validation reports the mismatch

    def to_utf16(self, index: int) -> int:
        """Python index -> UTF-16 offset."""
        if not self._astral:
            return index
        return index + bisect.bisect_left(self._astral, index)

    def from_utf16(self, offset: int) -> int:
        """UTF-16 offset -> Python index.

        An offset that falls between the two halves of a surrogate pair maps to
        the character's start.
        """
        if not self._astral:
            return offset
        low, high = 0, len(self._astral)
        while low < high:  # count astral characters whose UTF-16 start lies before offset
            middle = (low + high) // 2
            if self._astral[middle] + middle < offset:
                low = middle + 1
            else:
                high = middle
        return offset - low
