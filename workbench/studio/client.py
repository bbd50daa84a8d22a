"""The one place that talks to Label Studio, through label-studio-sdk's ``LabelStudio``.

The SDK's own retries are off: it would retry a POST whose first attempt
landed and duplicate tasks. Here, reads and idempotent writes are retried with
backoff; imports are never retried blindly (push reconciles instead). SDK and
HTTP errors become ``StudioError``/``ServerUnreachable`` with a message that
names what failed and never echoes headers or tokens; a refused key becomes
``AuthError``, saying what to do. A personal access token's short-lived access
tokens are renewed before each call as they near their end (``studio.auth``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from workbench.errors import ConfigError, MissingExtra, ServerUnreachable, StudioError
from workbench.settings import Settings

try:
    import httpx  # comes with label-studio-sdk, the 'studio' extra
except ModuleNotFoundError:
    raise MissingExtra("studio", "talking to Label Studio") from None

from workbench.studio.auth import (  # after the check above: it needs httpx
    AccessTokens,
    check_key,
    refused,
    remote_hint,
    response_body,
)

T = TypeVar("T")
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
PAGE_SIZE = 5000  # the server pays per page more than per task


@dataclass(frozen=True)
class TaskKey:
    """What push needs to know of a task: its article, and whether people worked on it."""

    task_id: int
    article_id: str | None
    sha256: str | None
    annotations: int


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    title: str
    tasks: int
    annotations: int
    label_config: str
    created_at: str
    fields: dict[str, Any]  # every field as the server returns it


class Studio:
    """A Label Studio server, reached with an API key (legacy token or personal access token)."""

    def __init__(self, *, url: str, api_key: str, httpx_client: httpx.Client | None = None,
                 timeout: float = 300.0, retries: int = 3, backoff: float = 0.5,
                 auth_hint: str | None = None, clock: Callable[[], float] = time.monotonic):
        """``auth_hint`` says what to do when the key is refused (default: make a new
        personal access token); ``clock`` measures the age of access tokens (tests pass
        their own)."""
        try:  # heavy: imported only when a server is used
            from label_studio_sdk import LabelStudio
            from label_studio_sdk.core.api_error import ApiError
        except ModuleNotFoundError:
            raise MissingExtra("studio", "talking to Label Studio") from None

        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        auth_hint = auth_hint or remote_hint(self.url)
        kind = check_key(self.url, api_key, auth_hint)  # before the SDK looks at it
        try:
            self._client = LabelStudio(base_url=self.url, api_key=api_key, timeout=timeout,
                                       max_retries=0, httpx_client=httpx_client)
        except ApiError as error:  # the SDK's own look at a JWT key: no expiry, expired
            raise refused(self.url, error.body, auth_hint) from None
        wrapper = self._client._client_wrapper
        self._tokens = AccessTokens(url=self.url, api_key=api_key, hint=auth_hint,
                                    personal=kind == "personal",
                                    sdk_tokens=wrapper._tokens_client,
                                    http=wrapper.httpx_client.httpx_client, clock=clock)

    # -- error handling ----------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], T], *, retry: bool) -> T:
        """Run one SDK call; retry transient failures when the call is safe to repeat."""
        from label_studio_sdk.core.api_error import ApiError

        attempts = self.retries + 1 if retry else 1
        renewed = False
        attempt = 0
        while attempt < attempts:
            try:
                self._tokens.ensure()
                return call()
            except ApiError as error:
                if error.status_code == 401:
                    # An access token refused (it expired in flight, or the clocks
                    # disagree): renew it and send again, once; the request was not served.
                    if self._tokens.personal and not renewed:
                        self._tokens.forget()
                        renewed = True
                        continue
                    raise refused(self.url, error.body, self._tokens.hint) from None
                transient = error.status_code in RETRY_STATUSES
                if not transient or attempt == attempts - 1:
                    raise StudioError(f"Label Studio refused to {what}: "
                                      f"{_describe(error.status_code, error.body)}") from None
                delay = _retry_after(error.headers) or self.backoff * 2 ** attempt
            except httpx.ConnectError:
                if attempt == attempts - 1:
                    raise ServerUnreachable(
                        f"no Label Studio answers at {self.url} (could not {what}); start it "
                        f"with `workbench server start` or check WORKBENCH_LABEL_STUDIO_URL"
                    ) from None
                delay = self.backoff * 2 ** attempt
            except httpx.TransportError as error:  # timeouts, dropped connections
                if attempt == attempts - 1:
                    raise StudioError(f"could not {what} at {self.url}: "
                                      f"{type(error).__name__}") from None
                delay = self.backoff * 2 ** attempt
            time.sleep(delay)
            attempt += 1
        raise AssertionError("unreachable")

    # -- identity ----------------------------------------------------------------------

    def whoami(self) -> str:
        return self._call("identify the API key", self._client.users.whoami, retry=True).email

    def version(self) -> str | None:
        versions = self._call("read the version", self._client.versions.get, retry=True)
        return getattr(versions, "release", None)

    def server_time(self) -> datetime | None:
        """The server's clock (its Date header, to the second); None when it sends none."""
        response = self._call("read the server's time",
                              self._client.versions.with_raw_response.get, retry=True)
        date = response.headers.get("date")
        try:
            return parsedate_to_datetime(date).astimezone(UTC) if date else None
        except (TypeError, ValueError):
            return None

    # -- projects ----------------------------------------------------------------------

    def find_project(self, title: str) -> ProjectInfo | None:
        """The oldest project with exactly this title."""
        matching = sorted(p.id for p in self._project_list() if p.title == title)
        return self.project(matching[0]) if matching else None

    def projects(self) -> list[ProjectInfo]:
        return [self.project(p.id) for p in sorted(self._project_list(), key=lambda p: p.id)]

    def _project_list(self) -> list[Any]:
        projects: list[Any] = []
        page = 1
        while True:  # page by page: asking past the last page is an error in Label Studio
            # Any: the SDK's pager leaves its items' type unbound. page=page binds the loop's
            # value; mypy cannot type a lambda's default (python/mypy#15459).
            # Ids and titles only: the rest (counts of everything) costs the server most.
            listed: Any = self._call("list projects", lambda page=page: (  # type: ignore[misc]
                self._client.projects.list(page=page, page_size=100, include="id,title")),
                retry=True)
            projects += listed.items or []
            if not listed.items or len(projects) >= (listed.response.count or 0):
                return projects
            page += 1

    def project(self, project_id: int) -> ProjectInfo:
        p = self._call(f"read project {project_id}",
                       lambda: self._client.projects.get(id=project_id), retry=True)
        assert p.id is not None  # the SDK's models make every field optional
        return ProjectInfo(id=p.id, title=p.title or "", tasks=p.task_number or 0,
                           annotations=p.total_annotations_number or 0,
                           label_config=p.label_config or "", created_at=str(p.created_at),
                           fields=p.model_dump())

    def create_project(self, **fields: Any) -> ProjectInfo:
        created = self._call("create the project",
                             lambda: self._client.projects.create(**fields), retry=False)
        assert created.id is not None  # the SDK's models make every field optional
        return self.project(created.id)

    def validate_config(self, project_id: int, config: str) -> None:
        """Label Studio's strict check of a new config against the project's annotations."""
        self._call(f"accept the new labeling config for project {project_id}",
                   lambda: self._client.projects.validate_label_config(
                       id=project_id, label_config=config), retry=True)

    def update_project(self, project_id: int, **fields: Any) -> None:
        self._call(f"update project {project_id}",
                   lambda: self._client.projects.update(id=project_id, **fields), retry=True)

    def hide_columns(self, project_id: int, columns: list[str]) -> None:
        """Hide these task data columns (``data.dispute``) in every Data Manager tab of the
        project, in the task list and beside the labeling view; with no tab yet, make the
        one people will open. (Tabs are the project's, shared by all in Community.)"""
        wanted = [f"tasks:{column}" for column in columns]
        views: Any = self._call(f"list the Data Manager tabs of project {project_id}",
                                lambda: self._client.views.list(project=project_id), retry=True)
        if not views:
            self._call(f"make a Data Manager tab in project {project_id}",
                       lambda: self._client.views.create(project=project_id, data={
                           "title": "Default",
                           "hiddenColumns": {"explore": wanted, "labeling": wanted}}),
                       retry=False)
        for view in views:
            data = dict(view.data or {})
            hidden = {mode: list((data.get("hiddenColumns") or {}).get(mode, []))
                      for mode in ("explore", "labeling")}
            if all(column in shown for shown in hidden.values() for column in wanted):
                continue
            data["hiddenColumns"] = {**(data.get("hiddenColumns") or {}), **{
                mode: shown + [c for c in wanted if c not in shown]
                for mode, shown in hidden.items()}}

            def update(view: Any = view, data: dict = data) -> None:
                self._client.views.update(id=view.id, project=project_id, data=data)

            self._call(f"update Data Manager tab {view.id}", update, retry=True)

    # -- tasks -------------------------------------------------------------------------

    def task_keys(self, project_id: int) -> Iterator[TaskKey]:
        """Every task of the project with its article id, page by page (memory stays flat)."""
        page, seen = 1, 0
        while True:
            listed: Any = self._call(  # Any: as in _project_list
                f"list the tasks of project {project_id}",
                lambda page=page: self._client.tasks.list(  # type: ignore[misc]  # mypy#15459
                    project=project_id, page=page, page_size=PAGE_SIZE, fields="task_only",
                    include="id,meta,total_annotations,cancelled_annotations"), retry=True)
            for task in listed.items or ():
                meta = task.meta or {}
                yield TaskKey(task_id=task.id, article_id=meta.get("article_id"),
                              sha256=meta.get("sha256"),
                              annotations=(task.total_annotations or 0)
                              + (task.cancelled_annotations or 0))
            seen += len(listed.items or ())
            if not listed.items or seen >= (listed.response.total or 0):
                return
            page += 1

    def changed_tasks(self, project_id: int, since: str) -> list[int]:
        """The ids of the tasks changed at or after ``since`` (Label Studio's clock, as its
        export writes it), ascending. Saving or deleting an annotation or a prediction, one
        by one or in bulk, touches its task's ``updated_at``; a new task has one too."""
        query = json.dumps({"filters": {"conjunction": "and", "items": [_since(since)]},
                            "ordering": ["tasks:id"]})
        ids: list[int] = []
        page = 1
        while True:
            listed: Any = self._call(  # Any: as in _project_list
                f"list the tasks of project {project_id} changed since {since}",
                lambda page=page: self._client.tasks.list(  # type: ignore[misc]  # mypy#15459
                    project=project_id, page=page, page_size=PAGE_SIZE, query=query,
                    fields="task_only", include="id"), retry=True)
            ids.extend(task.id for task in listed.items or ())
            if not listed.items or len(ids) >= (listed.response.total or 0):
                return sorted(ids)
            page += 1

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Bulk-import tasks (plain dicts, with predictions); returns their ids, in order.

        Sent through the SDK's own HTTP client (its base URL, auth and token
        refresh) with the body encoded once by ``json``: the SDK's per-element
        encoder costs about a millisecond a task, more than the import itself.
        Not retried: a lost answer may hide a landed import. Callers reconcile.
        """
        from label_studio_sdk.core.api_error import ApiError

        body = json.dumps(tasks, ensure_ascii=False).encode("utf-8")

        def send() -> dict[str, Any]:
            response = self._client._client_wrapper.httpx_client.request(
                f"api/projects/{project_id}/import", method="POST",
                params={"return_task_ids": True}, content=body,
                headers={"content-type": "application/json"},
                request_options={"max_retries": 0})
            if not 200 <= response.status_code < 300:
                raise ApiError(status_code=response.status_code, headers=dict(response.headers),
                               body=response_body(response))
            return response.json()

        answer = self._call(f"import {len(tasks)} tasks into project {project_id}", send,
                            retry=False)
        return list(answer.get("task_ids") or [])

    def delete_task(self, task_id: int) -> None:
        from label_studio_sdk.core.api_error import ApiError

        def delete() -> None:
            try:
                self._client.tasks.delete(id=str(task_id))
            except ApiError as error:
                if error.status_code != 404:  # already gone: what a retry wants
                    raise

        self._call(f"delete task {task_id}", delete, retry=True)

    # -- webhooks ----------------------------------------------------------------------

    def webhooks(self, project_id: int) -> list[tuple[int, str]]:
        """The project's webhooks: (id, url)."""
        found = self._call(f"list the webhooks of project {project_id}",
                           lambda: self._client.webhooks.list(project=str(project_id)),
                           retry=True)
        return [(hook.id, hook.url) for hook in found if hook.project == project_id]

    def add_webhook(self, project_id: int, url: str, *, actions: list[str],
                    headers: dict[str, str]) -> int:
        """A webhook of the project for these actions, sent with these headers; its id.
        Not retried: a lost answer may hide a made webhook (callers remove theirs by URL)."""
        made = self._call(f"add a webhook to project {project_id}",
                          lambda: self._client.webhooks.create(
                              url=url, project=project_id, actions=actions, headers=headers,
                              send_payload=False, send_for_all_actions=False, is_active=True),
                          retry=False)
        return made.id

    def delete_webhook(self, webhook_id: int) -> None:
        from label_studio_sdk.core.api_error import ApiError

        def delete() -> None:
            try:
                self._client.webhooks.delete(id=webhook_id)
            except ApiError as error:
                if error.status_code != 404:  # already gone: what a retry wants
                    raise

        self._call(f"delete webhook {webhook_id}", delete, retry=True)

    # -- exports -----------------------------------------------------------------------

    def export_snapshot(self, project_id: int, write: Callable[[bytes], None], *,
                        title: str = "workbench pull", timeout: float = 1800.0,
                        poll: float = 0.5, since: str | None = None,
                        ids: tuple[int, int] | None = None) -> list[str]:
        """Export the project as a snapshot (with annotator emails, full predictions and
        drafts), hand its bytes to ``write`` as they arrive, then delete it on the server.

        With ``ids`` (first, last) or ``since``, only the tasks in that id range, or changed
        at or after ``since``, or both: the snapshot is filtered by a Data Manager tab of
        ``title``, made for it and deleted after. Snapshots and tabs of ``title`` left by an
        interrupted run are deleted first. Returns the md5 of every snapshot deleted: Label
        Studio leaves their files in its data dir.
        """
        exports = self._client.projects.exports
        stale = self._call("list export snapshots", lambda: exports.list(id=project_id),
                           retry=True)
        deleted = [e.md5 for e in stale if e.title == title and e.md5]
        for old in (e for e in stale if e.title == title):
            assert old.id is not None  # the SDK's models make every field optional
            self._delete_snapshot(project_id, old.id)
        view = (None if since is None and ids is None else
                self._filter_tab(project_id, title, since, ids))
        try:
            return self._snapshot(project_id, write, title, timeout, poll, view) + deleted
        finally:
            if view is not None:
                self._delete_tab(view)

    def _filter_tab(self, project_id: int, title: str, since: str | None,
                    ids: tuple[int, int] | None) -> int:
        """A Data Manager tab showing the tasks changed since ``since`` in ``ids``; tabs of
        ``title`` left behind by a killed pull are deleted first."""
        views: Any = self._call(f"list the Data Manager tabs of project {project_id}",
                                lambda: self._client.views.list(project=project_id), retry=True)
        for old in views or ():
            if (old.data or {}).get("title") == title:
                self._delete_tab(old.id)
        items = [] if since is None else [_since(since)]
        if ids is not None:
            items.append({"filter": "filter:tasks:id", "operator": "in", "type": "Number",
                          "value": {"min": ids[0], "max": ids[1]}})
        made: Any = self._call(f"make a Data Manager tab in project {project_id}",
                               lambda: self._client.views.create(project=project_id, data={
                                   "title": title,
                                   "filters": {"conjunction": "and", "items": items}}),
                               retry=False)
        return made.id

    def _delete_tab(self, view_id: int) -> None:
        from label_studio_sdk.core.api_error import ApiError

        def delete() -> None:
            try:
                self._client.views.delete(id=str(view_id))
            except ApiError as error:
                if error.status_code != 404:
                    raise

        self._call("delete a Data Manager tab", delete, retry=True)

    def _snapshot(self, project_id: int, write: Callable[[bytes], None], title: str,
                  timeout: float, poll: float, view: int | None) -> list[str]:
        exports = self._client.projects.exports
        # serialization_options: the SDK sends a dict keyed by the API's names as it is
        # (its annotation names only the model it would also take).
        created = self._call(f"export project {project_id}", lambda: exports.create(
            id=project_id, title=title, serialization_options={  # type: ignore[arg-type]
                "annotations__completed_by": {"only_id": False},
                "predictions": {"only_id": False}, "drafts": {"only_id": False}},
            **({} if view is None else {"task_filter_options": {"view": view}})),  # type: ignore[arg-type]
            retry=False)
        export_id = created.id
        assert export_id is not None  # the SDK's models make every field optional
        deadline = time.monotonic() + timeout
        while True:
            snapshot = self._call("check the export", lambda: exports.get(
                id=project_id, export_pk=export_id), retry=True)
            if snapshot.status == "completed":
                break
            if snapshot.status == "failed" or time.monotonic() > deadline:
                self._delete_snapshot(project_id, export_id)
                raise StudioError(f"Label Studio's export of project {project_id} "
                                  f"{'failed' if snapshot.status == 'failed' else 'timed out'}")
            time.sleep(poll)
        try:
            def download() -> None:
                for chunk in exports.download(id=project_id, export_pk=export_id,
                                              export_type="JSON",
                                              request_options={"timeout": timeout}):
                    write(chunk)

            self._call(f"download the export of project {project_id}", download, retry=False)
        finally:
            self._delete_snapshot(project_id, export_id)
        return [snapshot.md5] if snapshot.md5 else []

    def _delete_snapshot(self, project_id: int, export_id: int) -> None:
        from label_studio_sdk.core.api_error import ApiError

        def delete() -> None:
            try:
                self._client.projects.exports.delete(id=project_id, export_pk=export_id)
            except ApiError as error:
                if error.status_code != 404:
                    raise

        self._call("delete an export snapshot", delete, retry=True)

    # -- users -------------------------------------------------------------------------

    def users(self) -> list[dict[str, Any]]:
        listed = self._call("list users", lambda: list(self._client.users.list()), retry=True)
        return [{"id": u.id, "email": u.email, "last_activity": u.last_activity}
                for u in listed]

    def create_user(self, email: str) -> int:
        user = self._call(f"create user {email}", lambda: self._client.users.create(
            username=email, email=email), retry=False)
        return user.id

    def invite_url(self) -> str:
        """The organization's signup link (what its Organization page shows), absolute."""
        invite = self._call("read the organization's invite link",
                            self._client.organizations.invites.get_invite_link, retry=True)
        return self.url + (invite.invite_url or "")


def _since(when: str) -> dict[str, Any]:
    """The Data Manager filter: changed at or after ``when``."""
    return {"filter": "filter:tasks:updated_at", "operator": "greater_or_equal",
            "type": "Datetime", "value": when}


def _describe(status: int | None, body: Any) -> str:
    """The useful part of an error body: validation messages, else the detail."""
    if isinstance(body, dict):
        errors = body.get("validation_errors")
        if isinstance(errors, dict) and errors:
            parts = []
            for field, messages in errors.items():
                text = "; ".join(map(str, messages)) if isinstance(messages, list) else messages
                parts.append(f"{field}: {text}")
            return f"HTTP {status}: " + " | ".join(parts)
        detail = body.get("detail") or body.get("error")
        if detail:
            return f"HTTP {status}: {detail}"
    if isinstance(body, str) and body.strip() and "<html" not in body.lower():
        return f"HTTP {status}: {body.strip()[:300]}"
    return f"HTTP {status}"


def _retry_after(headers: dict[str, str] | None) -> float | None:
    value = (headers or {}).get("retry-after")
    try:
        return min(float(value), 30.0) if value else None
    except ValueError:
        return None


def connect(settings: Settings, *, start: bool = True,
            httpx_client: httpx.Client | None = None) -> Studio:
    """The configured server: the remote one when a URL is set, else the managed one.

    The managed server is started when it is not running (unless ``start`` is False).
    """
    if settings.label_studio_url:
        if settings.label_studio_api_key is None:
            raise ConfigError("WORKBENCH_LABEL_STUDIO_URL is set but "
                              "WORKBENCH_LABEL_STUDIO_API_KEY is not")
        return Studio(url=settings.label_studio_url,
                      api_key=settings.label_studio_api_key.get_secret_value(),
                      httpx_client=httpx_client)
    from workbench.studio.backup import start_managed
    from workbench.studio.server import ManagedServer

    server = ManagedServer(settings)
    if start:
        start_managed(settings)
    elif server.running() is None:
        raise ServerUnreachable("the managed Label Studio is not running: "
                                "start it with `workbench server start`")
    token = server.credentials().token.get_secret_value()
    return Studio(url=server.url, api_key=token, httpx_client=httpx_client,
                  auth_hint=f"the managed server does not take the token in "
                            f"{server.credentials_file}; was {server.data_dir} replaced?")
