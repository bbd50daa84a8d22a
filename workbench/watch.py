"""``workbench watch``: a sync within seconds of each submission, for teams that want
minutes, not cron.

The project gets a webhook (annotations created, updated, deleted) that calls a listener on
127.0.0.1; a call carrying the watch's secret header wakes it, and once the calls have
paused for ``quiet`` seconds it runs a sync, incremental like any other. Label Studio sends
each webhook once and never again, and a server elsewhere cannot reach 127.0.0.1 at all,
so the watch also syncs every ``every`` seconds whatever it heard.
"""

from __future__ import annotations

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

from workbench.errors import LockedError, WorkbenchError
from workbench.settings import Settings
from workbench.store.lock import holder, job_lock
from workbench.studio.client import Studio
from workbench.sync import SyncReport, sync

ACTIONS = ["ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED",
           "ANNOTATIONS_DELETED"]
HEADER = "X-Workbench-Watch"
PATH = "/workbench-watch"  # the listener's path: a webhook to it is the watch's own
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
    """An HTTP server on 127.0.0.1 that rings ``bell`` when a POST to ``PATH`` carries the
    secret header, and refuses every other request."""

    def __init__(self, bell: threading.Event, port: int = 0):
        self.secret = secrets.token_urlsafe(32)
        self.heard = self.refused = 0
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(min(length, _BODY_LIMIT))
                given = self.headers.get(HEADER, "")
                if self.path != PATH or not hmac.compare_digest(given.encode(),
                                                                listener.secret.encode()):
                    listener.refused += 1
                    self.send_response(403)
                else:
                    listener.heard += 1
                    bell.set()
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                listener.refused += 1
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:  # the watch says what matters
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"
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
            hook: int | None = None
            try:
                tell(self._round("start"))
                hook = self._listen(say)
                while not self._stopped:
                    why: Why = "webhook" if self._wait() else "interval"
                    if not self._stopped:
                        tell(self._round(why))
            finally:
                if hook is not None:
                    self._unhook(hook, say)
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

    def _listen(self, say: Callable[[str], None]) -> int | None:
        """Start the listener and register the project's webhook; its id, or None when
        the watch does with the interval alone (saying why)."""
        if not self.webhook:
            return None
        host = urllib.parse.urlsplit(self.studio.url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            say(f"Label Studio runs on {host}, which cannot call this machine's 127.0.0.1: "
                f"no webhook, a sync every {self.every:g} s")
            return None
        project = self.studio.find_project(self.settings.project)
        if project is None:
            return None
        self.listener = Listener(self._bell, self.port)
        for old, url in self.studio.webhooks(project.id):  # left by a watch that was killed
            if _ours(url):
                self.studio.delete_webhook(old)
        try:
            hook = self.studio.add_webhook(project.id, self.listener.url, actions=ACTIONS,
                                           headers={HEADER: self.listener.secret})
        except WorkbenchError as error:
            say(f"No webhook ({error}): a sync every {self.every:g} s")
            return None
        say(f"Listening at {self.listener.url} for project {project.id}'s submissions; "
            f"a sync {self.quiet:g} s after the last, and every {self.every:g} s")
        return hook

    def _unhook(self, hook: int, say: Callable[[str], None]) -> None:
        try:
            self.studio.delete_webhook(hook)
        except WorkbenchError as error:  # the next watch removes it
            say(f"The webhook stays on the server for now ({error})")


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


def _ours(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname == "127.0.0.1" and parts.path == PATH
