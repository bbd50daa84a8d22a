"""Rebuild the projects on an empty Label Studio from the raw pulls alone: the disaster path.

The latest pull of the annotation project and of the review project give every task with
its data and predictions, and every annotation with its author (by email), result, ground
truth mark and lead time; they are imported as they were, each task's annotations oldest
first, so that each person's latest is the same one. Accounts are made again by email
(passwords are not kept anywhere: a managed server gets new ones in
``$WORKBENCH_HOME/annotators/``, a team's server invites people). What the new server
assigns anew (task and annotation ids, times) and what no import can say (who else changed
an annotation last) are kept in each task's ``meta.rebuilt``, and read back as they were
(``lsformat.rebuilt``): the next pull holds nothing new, and gold is the same to the byte.
Unfinished drafts are not rebuilt: Label Studio Community imports none.
Idempotent on ``article_id``: a rebuild cut short and run again finishes the job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from workbench.errors import InputError, StudioError
from workbench.lsformat.parse import parse_task
from workbench.lsformat.reader import (
    ExportTask,
    ExportUser,
    MalformedTask,
    ReadNotes,
    decode_task,
    iter_tasks,
    raw_tasks,
)
from workbench.lsformat.rebuilt import Known, record
from workbench.settings import Settings
from workbench.store.lock import job_lock
from workbench.store.rawpulls import Source, latest_pull
from workbench.studio.annotators import Annotator, add_annotator
from workbench.studio.client import Studio
from workbench.studio.push import (
    BATCH_SIZE,
    Item,
    Progress,
    SyncResult,
    project_settings,
    sync_tasks,
)
from workbench.studio.review_project import review_project_settings


@dataclass
class RebuildReport:
    project: SyncResult
    review: SyncResult | None = None
    accounts: list[Annotator] = field(default_factory=list)  # made again, new passwords
    annotations: int = 0  # imported again, the review project's included
    pulls: list[str] = field(default_factory=list)


def rebuild(settings: Settings, studio: Studio, *, batch_size: int = BATCH_SIZE,
            progress: Progress | None = None) -> RebuildReport:
    """Recreate the annotation and review projects from their latest raw pulls."""
    with job_lock(settings.home, "rebuild"):
        main = latest_pull(settings, required=False)
        if main is None:
            raise InputError(f"no pull of {settings.project!r} to rebuild from in "
                             f"{settings.exports / 'raw'}")
        review = latest_pull(settings.for_review(), required=False)
        report = RebuildReport(project=SyncResult(project_id=None), pulls=[main.name])
        emails = sorted({e for source in (main, review) if source is not None
                         for e in _emails(source.path)})
        _accounts(settings, studio, emails, report)
        tasks = _Tasks(main)
        report.project = sync_tasks(studio, settings, project_settings(settings),
                                    tasks.items(), reconcile=True, batch_size=batch_size,
                                    progress=progress)
        report.annotations = tasks.annotations
        if review is not None:
            report.pulls.append(review.name)
            reviews = _Tasks(review)
            report.review = sync_tasks(studio, settings.for_review(),
                                       review_project_settings(settings), reviews.items(),
                                       reconcile=True, batch_size=batch_size,
                                       progress=progress)
            report.annotations += reviews.annotations
        return report


def _accounts(settings: Settings, studio: Studio, emails: list[str],
              report: RebuildReport) -> None:
    """Every author an account; on a team's server, whoever has none yet is invited, and the
    rebuild waits for them (Label Studio refuses an annotation by a stranger)."""
    known = {user["email"].lower() for user in studio.users()}
    invited: dict[str, str] = {}
    for email in emails:
        if email.lower() in known:
            continue
        made = add_annotator(settings, studio, email)
        if made.user_id is None:
            invited[email] = made.invite_url or made.login_url
        else:
            report.accounts.append(made)
    if invited:
        raise StudioError(
            f"{len(invited)} annotator(s) have no account on this server yet: "
            f"{', '.join(invited)}. Send them the organization's invite link "
            f"({next(iter(invited.values()))}) to sign up with that email, then run "
            f"rebuild again")



class _Tasks:
    """A pull's tasks as Label Studio imports them again (``Item``s for ``sync_tasks``)."""

    def __init__(self, source: Source):
        self.source = source
        self.annotations = 0
        self._cursor: Iterator[tuple[int, bytes | Any]] | None = None
        self._at = -1

    def items(self) -> list[Item]:
        found = []
        for position, raw in enumerate(raw_tasks(self.source.path, ReadNotes())):
            task = decode_task(self.source.path, position, raw)
            if isinstance(task, MalformedTask):
                continue
            meta, data = task.meta or {}, task.data or {}
            article = meta.get("article_id") or data.get("article_id")
            if not article:
                continue
            sha = str(meta.get("sha256") or data.get("sha256") or "")
            # at=position binds each; mypy cannot type a lambda's default (python/mypy#15459)
            found.append(Item(str(article), sha,
                              lambda at=position: self.payload(at)))  # type: ignore[misc]
        return found

    def payload(self, position: int) -> dict[str, Any]:
        """The task at ``position`` of the pull, built again; import asks in file order, so
        the file is read on from where the last one was (from the start only if need be)."""
        if self._cursor is None or position <= self._at:
            self._cursor, self._at = enumerate(raw_tasks(self.source.path, ReadNotes())), -1
        for at, raw in self._cursor:
            self._at = at
            if at == position:
                return self.task(raw)
        raise StudioError(f"{self.source.path} changed while it was read")

    def task(self, raw: bytes | Any) -> dict[str, Any]:
        """The task to import: its annotations as pulled, oldest first (each author's latest
        stays their latest); their ids, times and editors as the workbench knows them
        (``parse_task``, which reads an earlier rebuild's too) kept in ``meta.rebuilt``."""
        whole = json.loads(raw) if isinstance(raw, bytes) else raw
        parsed = parse_task(msgspec.convert(whole, ExportTask))
        pairs = sorted(zip(whole.get("annotations") or (), parsed.annotations, strict=True),
                       key=lambda pair: (pair[1].updated_at or "", pair[1].id))
        self.annotations += len(pairs)
        known = [Known(a.id, a.created_at, a.updated_at,
                       (a.edit.by_id, a.edit.by) if a.edit else None) for _, a in pairs]
        meta = {**(whole.get("meta") or {}),
                "rebuilt": {**record(parsed.id, known), "pull": self.source.name}}
        return {"data": whole.get("data") or {}, "meta": meta,
                "predictions": [{"model_version": p.get("model_version"),
                                 "score": p.get("score"), "result": p.get("result") or []}
                                for p in whole.get("predictions") or ()
                                if isinstance(p, dict)],
                "annotations": [{"completed_by": {"email": _email(a)},
                                 "result": a.get("result") or [],
                                 "was_cancelled": bool(a.get("was_cancelled")),
                                 "ground_truth": bool(a.get("ground_truth")),
                                 "lead_time": a.get("lead_time"),
                                 "id": parsed_one.id}  # Label Studio keeps it: import_id
                                for a, parsed_one in pairs]}


def _emails(path: Path) -> Iterator[str]:
    for _, task in iter_tasks(path):
        if isinstance(task, MalformedTask):
            continue
        for annotation in task.annotations or ():
            who = annotation.completed_by
            if isinstance(who, ExportUser) and who.email:
                yield who.email


def _email(annotation: dict[str, Any]) -> str | None:
    who = annotation.get("completed_by")
    return who.get("email") if isinstance(who, dict) else None
