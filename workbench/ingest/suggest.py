"""The pre-annotations of a push, off its critical path.

Predictions come from the cache when the same text was predicted by the same rules
(``store.predictions``); the rest are made in worker processes, a few hundred articles
ahead of the one being imported, so the rules run while Label Studio stores the batch
before. Small pushes predict in the process itself: starting a worker costs more.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import msgspec

from workbench.ingest.articles import Article
from workbench.ingest.preannotate import PreAnnotator
from workbench.store.predictions import PredictionCache

CHUNK = 64  # articles a worker predicts per call
AHEAD = 8  # chunks asked for ahead of the one needed
PARALLEL_FROM = 300  # articles to predict below which no worker is started

_worker: PreAnnotator | None = None


def _start_worker(parent: int) -> None:
    global _worker
    _worker = PreAnnotator()
    threading.Thread(target=_leave_with, args=(parent,), daemon=True).start()


def _leave_with(parent: int) -> None:
    """End the worker when push ends without shutting it down (killed): it would otherwise
    go on predicting, and then wait for work forever."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _predict(texts: list[str]) -> list[bytes]:
    assert _worker is not None
    return [msgspec.json.encode(_worker.predict(text)) for text in texts]


def workers() -> int:
    """Worker processes: one a core. (Measured on 2 cores with the managed server: two
    workers push 4,000 articles 14% faster than one, Label Studio sharing the cores.)"""
    return os.cpu_count() or 1


class Suggestions:
    """The predictions of a push: ``plan`` the articles to import, in import order, then
    ask for each one's ``prediction`` in that order."""

    def __init__(self, *, cache: PredictionCache | None = None,
                 annotator: PreAnnotator | None = None, processes: int | None = None):
        self.annotator = annotator or PreAnnotator()
        self.model_version = self.annotator.model_version
        self.cache = cache
        self.processes = workers() if processes is None else processes
        self.made = self.cached = 0  # predictions made in this push, and taken from the cache
        self._cached: dict[str, bytes] = {}  # sha256 -> prediction JSON, from the cache
        self._ready: dict[str, bytes] = {}  # made by the workers, not yet asked for
        self._todo: list[tuple[str, str]] = []  # (sha256, text) the workers predict, in order
        self._chunk_of: dict[str, int] = {}
        self._futures: list[Future] = []
        self._fetched: set[int] = set()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Suggestions:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def plan(self, articles: Iterable[Article]) -> None:
        """The articles about to be imported: the cache's predictions are read, the rest
        handed to the workers in order, a few chunks ahead of the import."""
        wanted = {a.sha256: a.text for a in articles}
        self._futures, self._fetched = [], set()
        if self.cache is not None:
            self._cached.update(self.cache.get(self.model_version, wanted))
        self._todo = [(sha, text) for sha, text in wanted.items() if sha not in self._cached]
        self._chunk_of = {sha: i // CHUNK for i, (sha, _) in enumerate(self._todo)}
        if self.processes and len(self._todo) >= PARALLEL_FROM and self._pool is None:
            # spawn, not fork: push runs an import thread beside this one
            self._pool = ProcessPoolExecutor(self.processes,
                                             multiprocessing.get_context("spawn"),
                                             initializer=_start_worker,
                                             initargs=(os.getpid(),))
        if self._pool is not None:
            self._ask(AHEAD)

    def prediction(self, article: Article) -> dict:
        """Its prediction, as Label Studio imports it."""
        found = self._cached.pop(article.sha256, None)
        if found is not None:
            self.cached += 1
            return msgspec.json.decode(found)
        chunk = self._chunk_of.get(article.sha256)
        if chunk is not None and chunk not in self._fetched and self._pool is not None:
            self._fetched.add(chunk)
            try:
                self._ask(chunk + AHEAD)
                results = self._futures[chunk].result()
            except BrokenProcessPool:  # a worker died (out of memory, killed): go on here
                self._pool.shutdown(cancel_futures=True)
                self._pool = None
            else:
                start = chunk * CHUNK
                made = list(zip((sha for sha, _ in self._todo[start:start + CHUNK]), results,
                                strict=True))
                self._keep(made)
                self._ready.update(made)
        found = self._ready.pop(article.sha256, None)
        if found is not None:
            return msgspec.json.decode(found)
        made_here = self.annotator.predict(article.text)  # not planned, or a small push
        self._keep([(article.sha256, msgspec.json.encode(made_here))])
        return made_here

    def _ask(self, last: int) -> None:
        """Hand the workers every chunk up to ``last`` not yet asked for."""
        assert self._pool is not None
        while len(self._futures) <= min(last, (len(self._todo) - 1) // CHUNK):
            start = len(self._futures) * CHUNK
            self._futures.append(self._pool.submit(
                _predict, [text for _, text in self._todo[start:start + CHUNK]]))

    def _keep(self, made: list[tuple[str, bytes]]) -> None:
        self.made += len(made)
        if self.cache is not None:
            self.cache.put(self.model_version, made)
