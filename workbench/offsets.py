"""The one place where Label Studio's offsets meet Python's.

Label Studio's front end counts text offsets in JavaScript string units
(UTF-16 code units): a character outside the Basic Multilingual Plane (an
emoji, some CJK) counts two. Python indexes code points. Every offset crossing
the boundary goes through ``Offsets``; text with no astral character (the
common case) maps one to one and costs nothing.
"""

from __future__ import annotations

import bisect
import re

_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


class Offsets:
    """Converts offsets of one text between code points and UTF-16 units."""

    __slots__ = ("_astral",)

    def __init__(self, text: str):
        # Code-point indexes of the astral characters, in order.
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]

    def to_utf16(self, index: int) -> int:
        """Python index -> Label Studio offset."""
        if not self._astral:
            return index
        return index + bisect.bisect_left(self._astral, index)

    def from_utf16(self, offset: int) -> int:
        """Label Studio offset -> Python index.

        An offset that falls between the two halves of a surrogate pair (no
        valid Label Studio selection does) maps to the character's start.
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
