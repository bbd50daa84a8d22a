"""What ``sync`` has told the maintainer already, so that each notice is given once.

Kept in ``$WORKBENCH_HOME/notices.json``: per kind of notice (an annotation someone else
changed, a review submission that does not decide), the keys already reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from workbench.errors import InputError
from workbench.settings import Settings
from workbench.store.atomic import write_text


class Notices:
    def __init__(self, settings: Settings):
        self.path: Path = settings.home / "notices.json"
        self._given = self._read()

    def new(self, kind: str, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` not reported yet."""
        return set(keys) - set(self._given.get(kind, []))

    def given(self, kind: str, keys: Iterable[str]) -> None:
        """Remember ``keys`` as reported (written at once, atomically)."""
        known = set(self._given.get(kind, []))
        if known.issuperset(keys):
            return
        self._given[kind] = sorted(known.union(keys))
        write_text(self.path, json.dumps(self._given, indent=2, sort_keys=True) + "\n")

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise InputError(f"{self.path}: not a notices file ({error}); remove it to start "
                             f"again (every notice is then given once more)") from None
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            raise InputError(f"{self.path}: expected {{kind: [keys]}}; remove it to start "
                             f"again")
        return data
