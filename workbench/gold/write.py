"""Write a versioned gold dataset: exports/gold/<version>/.

``GoldWriter`` listens to the chain (``quality.chain``): the gold records of
decided articles are staged on disk as the pass goes; then they are written
sorted by ``article_id`` into a staging folder that is renamed into place only
when complete. An interrupted export leaves earlier versions intact and no half
version. A new version is written only when the gold differs from the latest.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
from pydantic import BaseModel, Field

from workbench.errors import InputError
from workbench.gold.card import dataset_card
from workbench.gold.croissant import write_croissant
from workbench.gold.files import content_sha256, describe, write_data, write_manifest
from workbench.gold.record import gold_record
from workbench.gold.splits import SPLIT_SEED, assign_splits
from workbench.gold.staged import LabelCounts, Staged, stage, staged_record
from workbench.gold.versions import LATEST, gold_root, next_version, resolve, versions
from workbench.quality.agreement import AgreementMeter
from workbench.quality.chain import ChainResult, DecidedTask, Voting, run_chain
from workbench.quality.decision_log import DecisionLog
from workbench.quality.own_versions import OwnVersions
from workbench.quality.review_round import latest_review
from workbench.records.reckoning import Reckoning
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.store.lock import job_lock
from workbench.store.pseudonyms import Pseudonyms, pseudonyms_path
from workbench.store.rawpulls import Source, open_export

_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Staged)


class PendingArticle(BaseModel):
    article_id: str
    status: str
    disagreements: int


class GoldReport(BaseModel):
    version: str | None  # None when nothing was written
    path: Path | None  # the new version, or the unchanged latest one
    previous: str | None
    articles: int = 0  # gold articles in it
    pending: list[PendingArticle] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)  # decisions by status
    unchanged: bool = False
    reckoning: Reckoning | None = None


def write_gold(settings: Settings, *, export: Path | None = None, version: str | None = None,
                out: Path | None = None, voting: Voting | None = None,
                with_text: bool = True) -> GoldReport:
    """Decide every article of the latest pull (or ``export``), with the review round's
    decisions, log what changed, and write a new gold version when the gold changed;
    ``voting``: the settings' rule unless given."""
    voting = voting or Voting.of(settings)
    with job_lock(settings.home, "export"):
        source = open_export(settings, export)
        review = latest_review(settings)
        with GoldWriter(settings, out=out, version=version, voting=voting,
                        with_text=with_text) as gold, DecisionLog(settings, source) as log:
            result = run_chain(source, log.add, gold.add, review=review, voting=voting,
                               meter=AgreementMeter(),
                               own_versions=OwnVersions.for_source(settings, source))
            return gold.write(result, review.source)


class GoldWriter:
    """Stages the gold records of decided articles (``add``), then writes the version."""

    def __init__(self, settings: Settings, *, out: Path | None = None,
                 version: str | None = None, voting: Voting | None = None,
                 with_text: bool = True, pseudonyms: Pseudonyms | None = None):
        self.root = out or gold_root(settings)
        self.version, self.with_text = version, with_text
        self.voting = voting or Voting.of(settings)
        self.known = versions(self.root)
        self.previous = resolve(self.root, "latest") if self.known else None
        name = version or next_version(self.known)
        if (self.root / name).exists():
            raise InputError(f"gold version {name!r} already exists in {self.root}; versions "
                             f"are never overwritten")
        self.name = name
        self.pseudonyms = pseudonyms or Pseudonyms(pseudonyms_path(settings))
        self.pending: list[PendingArticle] = []
        # article_id -> where its staged record is (offset, length), its primary crime type
        self.offsets: dict[str, tuple[int, int]] = {}
        self.strata: dict[str, str] = {}
        self.labels = LabelCounts()
        for stale in self.root.glob(".staging-*"):  # of exports that were killed
            shutil.rmtree(stale, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        self._staged = (self.staging / "records.msgpack").open("wb", buffering=1 << 20)

    def __enter__(self) -> GoldWriter:
        return self

    def __exit__(self, *exc) -> None:
        self._staged.close()
        shutil.rmtree(self.staging, ignore_errors=True)

    def add(self, checked: DecidedTask) -> None:
        decision = checked.decision
        if not decision.gold:
            self.pending.append(PendingArticle(article_id=decision.article_id,
                                               status=decision.status,
                                               disagreements=len(decision.disagreements)))
            return
        record = gold_record(decision, checked.task, self.pseudonyms, self.with_text)
        staged = stage(record)
        article = staged.article_id
        if article in self.offsets:  # met before: the last one counts
            self.labels.add(staged_record(self._read(*self.offsets[article])), by=-1)
        self.labels.add(record)
        encoded = _ENCODER.encode(staged)
        self.offsets[article] = (self._staged.tell(), len(encoded))
        self.strata[article] = staged.stratum
        self._staged.write(encoded)

    def write(self, result: ChainResult, review: Source | None) -> GoldReport:
        """The version, written whole, or nothing when the gold is unchanged."""
        self._staged.close()
        self.pseudonyms.save()
        self.pending.sort(key=lambda p: p.article_id)
        report = GoldReport(version=None, path=None, previous=None, pending=self.pending,
                            counts=result.decisions, reckoning=result.reckoning)
        splits = assign_splits(self.strata, _previous_splits(self.previous))
        folder = self.staging / "version"
        folder.mkdir()
        counts = write_data(folder, self._sorted(splits), self.labels)
        report.articles = counts["articles"]
        if counts["articles"] == 0 and self.previous is None and self.version is None:
            return report  # nothing to release yet
        files = describe(folder)
        if self.previous is not None and self.version is None and _manifest(
                self.previous).get("content_sha256") == content_sha256(files):
            report.path, report.previous, report.unchanged = (self.previous, self.previous.name,
                                                              True)
            return report
        pulls = [{"file": result.source.name, "sha256": result.source.sha256}]
        if review is not None:
            pulls.append({"file": review.name, "sha256": review.sha256})
        voting = {"min_agree": self.voting.min_agree,
                  "min_annotators": self.voting.min_annotators,
                  "aggregate": self.voting.aggregate, "confidence": self.voting.confidence}
        assert result.meter is not None  # run_chain was given a meter
        agreement = result.meter.report()
        write_croissant(folder, version=self.name, files=files, articles=counts["articles"],
                        with_text=self.with_text, published=_pulled_on(result.source))
        write_text(folder / "README.md", dataset_card(
            version=self.name, counts=counts, agreement=agreement, decisions=result.decisions,
            pending=len(self.pending), with_text=self.with_text, settings=voting,
            suggestions=result.suggestions, inference=result.inference,
            uncertain=result.uncertain, name=self.pseudonyms))
        self.pseudonyms.save()  # the card may name an annotator no gold record does
        write_manifest(folder, version=self.name, files=files, counts=counts, pulls=pulls,
                       pending=[p.model_dump() for p in self.pending], agreement=agreement,
                       settings={**voting, "split_seed": SPLIT_SEED,
                                 "with_text": self.with_text})
        os.replace(folder, self.root / self.name)  # the version appears whole, or not at all
        write_text(self.root / LATEST, self.name + "\n")
        report.version, report.path = self.name, self.root / self.name
        report.previous = self.previous.name if self.previous else None
        return report

    def _sorted(self, splits: dict[str, str]) -> Iterator[tuple[Staged, str]]:
        """The staged records sorted by article_id, each with its split (one read call per
        record, at its offset: no buffer to refill, no file mapped whole into memory)."""
        with (self.staging / "records.msgpack").open("rb", buffering=0) as handle:
            fd = handle.fileno()
            for article_id in sorted(self.offsets):
                offset, length = self.offsets[article_id]
                yield _DECODER.decode(os.pread(fd, length, offset)), splits[article_id]

    def _read(self, offset: int, length: int) -> Staged:
        """A record staged before, read back while staging goes on."""
        self._staged.flush()
        with (self.staging / "records.msgpack").open("rb") as handle:
            handle.seek(offset)
            return _DECODER.decode(handle.read(length))


def _pulled_on(source: Source) -> str | None:
    """The day a raw pull was taken (its name begins with it), as an ISO date."""
    stamp = source.name[:8]
    if not source.pulled or not stamp.isdigit():
        return None
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text())


def _previous_splits(previous: Path | None) -> dict[str, str]:
    if previous is None:
        return {}
    splits = {}
    with (previous / "gold.jsonl").open("rb") as handle:
        for line in handle:
            record = msgspec.json.decode(line)
            split = record["split"]
            splits[record["article_id"]] = "validation" if split == "dev" else split
    return splits
