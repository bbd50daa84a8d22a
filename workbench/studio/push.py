"""Push articles into a Label Studio project, idempotently on ``article_id``.

Label Studio imports the same task twice if asked twice. Push therefore keeps,
per project, a record of which task holds which article (``$WORKBENCH_HOME/
state/``), checks it against the server's task count, and rebuilds it from the
server whenever they disagree: after a crash, a lost answer, or deleted state.
Imports go in bulk batches; a failed batch is never retried blindly, the
server is asked what landed first.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from workbench.errors import StudioError
from workbench.ingest.articles import Article, FieldMap, IngestReport, ingest
from workbench.ingest.control import in_control
from workbench.ingest.preannotate import PreAnnotator
from workbench.ingest.suggest import Suggestions
from workbench.schema import SCHEMA, Schema
from workbench.schema.guidelines import guidelines_html
from workbench.schema.labelconfig import label_config
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.store.lock import job_lock
from workbench.store.predictions import PredictionCache, predictions_path
from workbench.studio.client import ProjectInfo, Studio, TaskKey

BATCH_SIZE = 500
IMPORT_ATTEMPTS = 3
Progress = Callable[[int, int], None]  # (advanced by, total)


class ProjectState(BaseModel):
    """Which task holds which article: {article_id: [task_id, sha256]}."""

    project_id: int
    created_at: str
    task_count: int = 0  # all tasks on the server after our last change, ours or not
    tasks: dict[str, tuple[int, str]] = Field(default_factory=dict)


class PushReport(BaseModel):
    project_id: int | None
    project_title: str
    url: str
    dry_run: bool = False
    project_created: bool = False
    config_updated: bool = False
    created: list[str] = Field(default_factory=list)
    unchanged: int = 0
    replaced: list[str] = Field(default_factory=list, description="changed, not yet annotated")
    changed_kept: list[str] = Field(default_factory=list,
                                    description="changed but annotated: the old text stays")
    duplicates_removed: int = 0
    control: int = Field(0, description="of those created or replaced, how many went without "
                         "suggestions (the control share)")
    predicted: int = Field(0, description="suggestions made by the rules in this push")
    predicted_before: int = Field(0, description="suggestions taken from the cache: the same "
                                  "text, predicted before by the same rules")
    ingest: IngestReport

    @property
    def project_url(self) -> str | None:
        return f"{self.url}/projects/{self.project_id}/data" if self.project_id else None


def project_settings(settings: Settings, schema: Schema = SCHEMA) -> dict[str, Any]:
    """The project as the schema and settings want it."""
    return {
        "title": settings.project,
        "label_config": label_config(schema),
        "expert_instruction": guidelines_html(schema),
        # The guidelines stay one click away (the Instructions button), not a modal that
        # opens by itself at the start of every labeling session.
        "show_instruction": False,
        "maximum_annotations": settings.overlap,
        "overlap_cohort_percentage": 100,
        "show_skip_button": True,
        "enable_empty_annotation": False,
        "show_collab_predictions": True,
    }


def ensure_project(studio: Studio, wanted: dict[str, Any], *, dry_run: bool = False
                   ) -> tuple[ProjectInfo | None, bool, bool]:
    """The project, created or brought up to date: (project, created, config_updated).

    ``wanted`` holds the project's fields, its title among them (see project_settings).
    """
    project = studio.find_project(wanted["title"])
    if project is None:
        if dry_run:
            return None, True, False
        return studio.create_project(**wanted), True, False
    config_changed = _differs(project.label_config, wanted["label_config"])
    stale = {key: value for key, value in wanted.items()
             if key not in ("title", "label_config") and project.fields.get(key) != value}
    if config_changed:
        stale["label_config"] = wanted["label_config"]
        try:  # the strict check the UI runs; a plain update would accept anything
            studio.validate_config(project.id, wanted["label_config"])
        except StudioError as error:
            raise StudioError(
                f"{error}. Existing annotations use labels the new schema drops. Keep those "
                f"values in the schema (workbench/schema.py), or put the new schema in a new "
                f"project: WORKBENCH_PROJECT='{wanted['title']} v2'") from None
    if stale and not dry_run:
        studio.update_project(project.id, **stale)
    return project, False, config_changed


def _differs(stored: str, wanted: str) -> bool:
    return stored.strip() != wanted.strip()  # Label Studio drops the final newline


class _Ledger:
    """The local record of the project's tasks, saved after every batch."""

    def __init__(self, path: Path, state: ProjectState):
        self.path = path
        self.state = state

    @classmethod
    def load(cls, settings: Settings, studio: Studio, project: ProjectInfo) -> _Ledger:
        server = re.sub(r"[^A-Za-z0-9]+", "_", studio.url.split("://", 1)[-1]).strip("_")
        path = settings.home / "state" / server / f"project-{project.id}.json"
        try:
            state = ProjectState.model_validate_json(path.read_text())
        except (FileNotFoundError, ValueError):
            state = None
        if state is None or state.created_at != project.created_at:
            state = ProjectState(project_id=project.id, created_at=project.created_at)
        return cls(path, state)

    def save(self) -> None:
        write_text(self.path, json.dumps(self.state.model_dump(mode="json"), sort_keys=True))

    def reset(self, keys: list[TaskKey]) -> None:
        self.state.task_count = len(keys)
        self.state.tasks = {k.article_id: (k.task_id, k.sha256 or "") for k in keys
                            if k.article_id}


@dataclass(frozen=True)
class Item:
    """A task the project should hold: its article, a hash of its content, how to build it."""

    article_id: str
    sha256: str
    build: Callable[[], dict[str, Any]]  # the task: data, meta (article_id, sha256), predictions


class SyncResult(BaseModel):
    project_id: int | None
    project_created: bool = False
    config_updated: bool = False
    created: list[str] = Field(default_factory=list)
    unchanged: int = 0
    replaced: list[str] = Field(default_factory=list)
    changed_kept: list[str] = Field(default_factory=list)
    duplicates_removed: int = 0


def push(paths: Iterable[str | Path], *, settings: Settings, studio: Studio,
         fields: FieldMap | None = None, dry_run: bool = False, batch_size: int = BATCH_SIZE,
         progress: Progress | None = None, reconcile: bool = False) -> PushReport:
    """Ingest ``paths`` and import the articles the project lacks. Safe to re-run."""
    with job_lock(settings.home, "push"):
        return _push(paths, settings=settings, studio=studio, fields=fields, dry_run=dry_run,
                     batch_size=batch_size, progress=progress, reconcile=reconcile)


def _push(paths: Iterable[str | Path], *, settings: Settings, studio: Studio,
          fields: FieldMap | None, dry_run: bool, batch_size: int, progress: Progress | None,
          reconcile: bool) -> PushReport:
    ingested = ingest(paths, fields=fields)
    share = settings.control_share
    by_id = {a.article_id: a for a in ingested.articles}
    with (PredictionCache(predictions_path(settings)) as cache,
          Suggestions(cache=cache) as suggestions):
        # a=a binds each article; mypy cannot type a lambda's default (python/mypy#15459)
        items = [Item(a.article_id, a.sha256,
                      lambda a=a: task_payload(a, suggestions, share))  # type: ignore[misc]
                 for a in ingested.articles]
        result = sync_tasks(
            studio, settings, project_settings(settings), items, dry_run=dry_run,
            batch_size=batch_size, progress=progress, reconcile=reconcile,
            plan=lambda new: suggestions.plan(by_id[i.article_id] for i in new
                                              if not in_control(i.article_id, share)))
    if result.project_id is not None and not dry_run:
        _follow_rules(studio, result.project_id, suggestions.model_version)
    control = sum(in_control(a, share) for a in result.created + result.replaced)
    return PushReport(**result.model_dump(), project_title=settings.project, url=studio.url,
                      dry_run=dry_run, control=control, ingest=ingested,
                      predicted=suggestions.made, predicted_before=suggestions.cached)


def _follow_rules(studio: Studio, project_id: int, model_version: str) -> None:
    """Make the project's model version the rules': Label Studio shows annotators, and
    scores in its task list, only the predictions of the project's version (it keeps the
    first one it imported). It refuses a version no task's prediction has yet."""
    if studio.project(project_id).fields.get("model_version") == model_version:
        return
    try:
        studio.update_project(project_id, model_version=model_version)
    except StudioError as error:
        if "model_version" not in str(error):
            raise  # not the refusal of a version without predictions


def sync_tasks(studio: Studio, settings: Settings, wanted: dict[str, Any], items: list[Item], *,
               dry_run: bool = False, batch_size: int = BATCH_SIZE,
               progress: Progress | None = None, reconcile: bool = False,
               plan: Callable[[list[Item]], None] | None = None) -> SyncResult:
    """Make the project ``wanted`` hold ``items``, one task per article, whatever happened before.
    ``plan`` is told which items are about to be built and imported, in order.

    New articles are imported; an article whose content hash changed is replaced
    when nobody annotated its task, and reported and left alone when somebody did.
    """
    project, created, config_updated = ensure_project(studio, wanted, dry_run=dry_run)
    result = SyncResult(project_id=project.id if project else None, project_created=created,
                        config_updated=config_updated)
    if project is None:  # dry run, no project yet
        result.created = [item.article_id for item in items]
        return result

    ledger = _Ledger.load(settings, studio, project)
    if reconcile or ledger.state.task_count != project.tasks:
        result.duplicates_removed = _reconcile(studio, project.id, ledger, dry_run=dry_run)

    new: list[Item] = []
    changed: list[Item] = []
    for item in items:
        known = ledger.state.tasks.get(item.article_id)
        if known is None:
            new.append(item)
        elif known[1] == item.sha256:
            result.unchanged += 1
        else:
            changed.append(item)
    if changed:
        annotations = {k.task_id: k.annotations for k in studio.task_keys(project.id)}
        for item in changed:
            task_id = ledger.state.tasks[item.article_id][0]
            if annotations.get(task_id, 0) > 0:
                result.changed_kept.append(item.article_id)
                continue
            result.replaced.append(item.article_id)
            new.append(item)
            if not dry_run:
                studio.delete_task(task_id)
                del ledger.state.tasks[item.article_id]
                ledger.state.task_count -= 1
                ledger.save()
    if dry_run:
        result.created = [i.article_id for i in new if i.article_id not in result.replaced]
        return result
    if plan is not None:
        plan(new)
    imported = _import(studio, project.id, new, ledger, batch_size=batch_size, progress=progress)
    replaced = set(result.replaced)
    result.created = [a for a in imported if a not in replaced]
    return result


def _reconcile(studio: Studio, project_id: int, ledger: _Ledger, *, dry_run: bool) -> int:
    """Rebuild the ledger from the server; remove duplicate tasks nobody annotated."""
    by_article: dict[str, list[TaskKey]] = defaultdict(list)
    keys = list(studio.task_keys(project_id))
    for key in keys:
        if key.article_id:
            by_article[key.article_id].append(key)
    removed: set[int] = set()
    for copies in by_article.values():
        if len(copies) < 2:
            continue
        # Keep the annotated copy (or the oldest); annotated extras are never deleted.
        keep = max(copies, key=lambda k: (k.annotations > 0, -k.task_id))
        for extra in copies:
            if extra is not keep and extra.annotations == 0:
                removed.add(extra.task_id)
                if not dry_run:
                    studio.delete_task(extra.task_id)
    ledger.reset([k for k in keys if k.task_id not in removed])
    # Several annotated copies of one article stay; the ledger points at the last listed.
    if not dry_run:
        ledger.save()
    return len(removed)


def task_payload(article: Article, annotator: PreAnnotator | Suggestions,
                 control_share: float = 0.0) -> dict[str, Any]:
    """A task as Label Studio imports it: data, meta for reconciling, and one prediction,
    unless the article is in the control share (``ingest.control``): then none, and its
    meta says so."""
    data = article.model_dump(mode="json", include={
        "text", "article_id", "sha256", "title", "source", "published", "url"})
    meta = {"article_id": article.article_id, "sha256": article.sha256}
    if in_control(article.article_id, control_share):
        return {"data": data, "meta": {**meta, "suggestions": "control"}, "predictions": []}
    return {"data": data, "meta": {**meta, "suggestions": annotator.model_version},
            "predictions": [annotator.prediction(article)]}


def _import(studio: Studio, project_id: int, articles: list[Item], ledger: _Ledger, *,
            batch_size: int, progress: Progress | None) -> list[str]:
    """Import in batches, building batch k+1 while the server stores batch k."""
    imported: list[str] = []
    if progress:
        progress(0, len(articles))

    def settle(batch: list[Item], tasks: list[dict], future: Future | None) -> None:
        for attempt in range(1, IMPORT_ATTEMPTS + 1):
            try:
                task_ids = future.result() if future else studio.import_tasks(project_id, tasks)
                break
            except StudioError:
                # The import may have landed before the failure: ask the server, not memory.
                _reconcile(studio, project_id, ledger, dry_run=False)
                missing = [i for i, a in enumerate(batch)
                           if a.article_id not in ledger.state.tasks]
                if not missing:
                    task_ids = None
                    break
                if attempt == IMPORT_ATTEMPTS:
                    raise
                batch, tasks = [batch[i] for i in missing], [tasks[i] for i in missing]
                future = None
        if task_ids is not None:
            if len(task_ids) != len(batch):
                raise StudioError(f"Label Studio returned {len(task_ids)} task ids for "
                                  f"{len(batch)} tasks")
            for article, task_id in zip(batch, task_ids, strict=True):
                ledger.state.tasks[article.article_id] = (task_id, article.sha256)
            ledger.state.task_count += len(task_ids)
        ledger.save()
        imported.extend(a.article_id for a in batch)
        if progress:
            progress(len(batch), len(articles))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import") as pool:
        pending: tuple[list[Item], list[dict], Future] | None = None
        for start in range(0, len(articles), batch_size):
            batch = articles[start:start + batch_size]
            tasks = [item.build() for item in batch]
            if pending:
                settle(*pending)
            pending = (batch, tasks, pool.submit(studio.import_tasks, project_id, tasks))
        if pending:
            settle(*pending)
    return imported
