"""The control share: articles pushed without suggestions, to measure what suggestions do.

Which articles are in it is decided by a seeded hash of their id, so the same
article is always in the same group, on any machine, in any order of pushing.
"""

from __future__ import annotations

import hashlib

CONTROL_SEED = "workbench-control-1"


def in_control(article_id: str, share: float) -> bool:
    """True when the article is pushed without pre-annotations (``share`` of all, 0 to 1)."""
    digest = hashlib.sha256(f"{CONTROL_SEED}:{article_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64 < share
