"""``workbench watch``: a sync within seconds of each submission, for teams that want
minutes, not cron.

The project gets a webhook (annotations created, updated, deleted) that calls a listener on
127.0.0.1; a call carrying the watch's secret header wakes it, and once the calls have
paused for ``quiet`` seconds it runs a sync, incremental like any other. Label Studio sends
each webhook once and never again, and a server elsewhere cannot reach 127.0.0.1 at all,
so the watch also syncs every ``every`` seconds whatever it heard.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

from workbench.errors import LockedError, ServerUnreachable, WorkbenchError
from workbench.settings import Settings
from workbench.store.lock import holder, job_lock
from workbench.studio.client import Studio
from workbench.sync import SyncReport, sync

ACTIONS = ["ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED",
           "ANNOTATIONS_DELETED"]
HEADER = "X-Workbench-Watch"
PATH = "/workbench-watch"  # the listener's path, then a home's own part (listener_path)
LONGEST_WAIT = 30.0  # seconds a steady stream of submissions may put a sync off
_BODY_LIMIT = 1 << 20  # what a webhook call may send (the watch asks for no payload)

Why = Literal["start", "webhook", "interval"]


@dataclass(frozen=True)
class Round:
    """One sync of the watch: why it ran, and its report, or why it failed."""

    why: Why
    at: float  # time.time() when it began
    report: SyncReport | None = None
    error: str | None = None


class Listener:
    """An HTTP server on 127.0.0.1 that rings ``bell`` when a POST to ``path`` carries the
    secret header, and refuses every other request."""

    def __init__(self, bell: threading.Event, path: str = PATH, port: int = 0):
        self.secret = secrets.token_urlsafe(32)
        self.heard = self.refused = 0
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = self.headers.get("Content-Length", "0")
                self.rfile.read(min(int(length), _BODY_LIMIT) if length.isdigit() else 0)
                given = self.headers.get(HEADER, "")
                if self.path == path and hmac.compare_digest(given.encode(),
                                                             listener.secret.encode()):
                    listener.heard += 1
                    bell.set()
                    self._answer(204)
                else:
                    self.do_GET()

            def do_GET(self) -> None:
                listener.refused += 1
                self._answer(403)

            def _answer(self, code: int) -> None:
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:  # the watch says what matters
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{path}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="watch-listener")
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Watch:
    """Sync now, then after each pause in the webhook's calls, and every ``every`` seconds;
    until ``stop``. One watch per ``$WORKBENCH_HOME``."""

    def __init__(self, settings: Settings, studio: Studio, paths: Iterable[str | Path], *,
                 every: float = 30.0, quiet: float = 5.0, webhook: bool = True,
                 port: int = 0):
        self.settings, self.studio, self.paths = settings, studio, list(paths)
        self.every, self.quiet, self.webhook, self.port = every, quiet, webhook, port
        self.listener: Listener | None = None
        self._hooks: dict[str, int] = {}  # project title: its webhook's id
        self._bell = threading.Event()
        self._stopped = False

    def stop(self) -> None:
        """End the watch at its next wait (from another thread or a signal handler)."""
        self._stopped = True
        self._bell.set()

    def run(self, tell: Callable[[Round], None], say: Callable[[str], None] = lambda _: None
            ) -> None:
        """Until ``stop`` (or Ctrl-C): ``tell`` each round, ``say`` what else happens."""
        with _one_watch(self.settings.home):
            try:
                tell(self._round("start"))
                self._hook(say)
                while not self._stopped:
                    why: Why = "webhook" if self._wait() else "interval"
                    if not self._stopped:
                        tell(self._round(why))
                        self._hook(say)
            finally:
                self._unhook(say)
                if self.listener is not None:
                    self.listener.close()

    def _wait(self) -> bool:
        """Wait for the bell or the interval; after the bell, for ``quiet`` seconds without
        another (at most LONGEST_WAIT). True when the bell rang."""
        if not self._bell.wait(self.every):
            return False
        first = time.monotonic()
        while not self._stopped:
            self._bell.clear()
            left = LONGEST_WAIT - (time.monotonic() - first)
            if left <= 0 or not self._bell.wait(min(self.quiet, left)):
                break
        return True

    def _round(self, why: Why) -> Round:
        at = time.time()
        self._bell.clear()
        try:
            return Round(why, at, report=sync(self.settings, self.studio, self.paths))
        except LockedError as error:
            return Round(why, at, error=f"{error}; trying again in {self.every:g} s")
        except WorkbenchError as error:  # the server down, a refusal: the next round tries
            return Round(why, at, error=str(error))

    def _hook(self, say: Callable[[str], None]) -> None:
        """A webhook on the annotation project and on the review project (where adjudicators
        submit), once each exists; without one, the watch goes on with the interval alone."""
        if not self.webhook:
            return
        host = urllib.parse.urlsplit(self.studio.url).hostname
        if not self.settings.managed and host not in ("127.0.0.1", "localhost", "::1"):
            self.webhook = False
            say(f"Label Studio runs on {host}, which cannot call this machine's 127.0.0.1: "
                f"no webhook, a sync every {self.every:g} s")
            return
        try:
            for title in (self.settings.project, self.settings.for_review().project):
                if title in self._hooks:  # asked no more once hooked
                    continue
                project = self.studio.find_project(title)
                if project is None:
                    continue
                path = listener_path(self.settings.home)
                if self.listener is None:
                    self.listener = Listener(self._bell, path, self.port)
                for old, url in self.studio.webhooks(project.id):
                    if _left_by_a_watch(url, path):
                        self.studio.delete_webhook(old)
                self._hooks[title] = self.studio.add_webhook(
                    project.id, self.listener.url, actions=ACTIONS,
                    headers={HEADER: self.listener.secret})
                say(f"Listening at {self.listener.url} for project {project.id}'s "
                    f"submissions: a sync {self.quiet:g} s after the last, and every "
                    f"{self.every:g} s")
        except ServerUnreachable:  # the round said so; the next one tries again
            return
        except WorkbenchError as error:
            self.webhook = False
            say(f"No webhook ({error}): a sync every {self.every:g} s")

    def _unhook(self, say: Callable[[str], None]) -> None:
        for hook in self._hooks.values():
            try:
                self.studio.delete_webhook(hook)
            except WorkbenchError as error:  # the next watch removes it
                say(f"Webhook {hook} stays on the server for now ({error})")
        self._hooks.clear()


@contextmanager
def _one_watch(home: Path) -> Iterator[None]:
    """The watch's own lock, beside the jobs' one: a second watch is refused, while other
    commands run between the watch's syncs."""
    with ExitStack() as held:
        try:
            held.enter_context(job_lock(home, "watch", file="watch.lock"))
        except LockedError:
            raise LockedError(f"a watch already runs here ({holder(home / 'watch.lock')}); "
                              f"stop it first (Ctrl-C where it runs)") from None
        yield


def listener_path(home: Path) -> str:
    """The listener's path: the same for every watch of one home, so a watch knows the
    webhooks a killed one left (and no other home's)."""
    return f"{PATH}/{hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12]}"


def _left_by_a_watch(url: str, path: str) -> bool:
    """A webhook to the listener of a watch of this home (killed: a live one holds the lock)."""
    parts = urllib.parse.urlsplit(url)
    return parts.hostname == "127.0.0.1" and parts.path == path
