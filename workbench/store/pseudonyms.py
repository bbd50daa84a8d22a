"""Stable pseudonyms for annotators: the gold dataset never names people.

The mapping (email -> ``annotator-N``) lives beside the raw pulls, in
``exports/raw/pseudonyms.json``, which are not part of a release. A new
annotator gets the next number the first time an export meets them; the same
raw pulls therefore always give the same pseudonyms.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.settings import Settings
from workbench.store.atomic import write_text


def pseudonyms_path(settings: Settings) -> Path:
    return settings.exports / "raw" / "pseudonyms.json"


class Pseudonyms:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.mapping: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.mapping = {}
        self._changed = False

    def __call__(self, annotator: str) -> str:
        pseudonym = self.mapping.get(annotator)
        if pseudonym is None:
            pseudonym = self.mapping[annotator] = f"annotator-{len(self.mapping) + 1}"
            self._changed = True
        return pseudonym

    def save(self) -> None:
        if self._changed:
            write_text(self.path, json.dumps(self.mapping, indent=2, sort_keys=True) + "\n",
                       permissions=0o600)
            self._changed = False
