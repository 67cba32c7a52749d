"""Queries that are one triple pattern, answered in the web worker itself.

Every other query runs in a query process (query_runner), because Oxigraph cannot be stopped once
it evaluates: the deadline is kept by killing the process. A query that is one triple pattern and
nothing else (ssbonto.store.query_text.OnePattern: no join, path, filter, order, group, SERVICE,
FROM or subquery) cannot run away: Oxigraph answers it with one scan of one index, in time and
memory proportional to what the pattern matches. The lane takes such a query only when that is
also small: its subject is given, or two of its three terms are, or it has a LIMIT of at most
the lane's limit (settings.worker_lane_limit); so the handoff to a query process, which costs
more than the query (bench/README.md), is skipped for the lookups linked-data clients send most.

The query goes through the same checks and the same code (query_worker.execute) as in a query
process, on the store the worker's pages read (served.py); Oxigraph evaluates it and writes its
answer without holding the GIL, so the worker's other threads go on meanwhile.
"""

from __future__ import annotations

import threading

from ssbonto.store import DEFAULT_PREFIXES
from ssbonto.store.query_text import OnePattern, inspect_query

from .query_worker import execute


def small(pattern: OnePattern | None, max_limit: int) -> bool:
    """Whether a one-pattern query matches few enough triples to be answered without a deadline."""
    if pattern is None:
        return False
    subject, predicate, object_ = pattern.bound
    return subject or (predicate and object_) or (pattern.limit is not None and pattern.limit <= max_limit)


class WorkerLane:
    def __init__(self, store, options: dict, max_limit: int):
        self.store = store  # called for the store, loaded when first needed (served.ServedRelease.store)
        self.options = options
        self.max_limit = max_limit
        self.answered = 0
        self._count = threading.Lock()

    def takes(self, job: tuple) -> bool:
        sparql, _, _, default_graphs, named_graphs = job
        if default_graphs is not None or named_graphs is not None:
            return False
        return small(inspect_query(sparql, DEFAULT_PREFIXES).pattern, self.max_limit)

    def run(self, job: tuple) -> tuple:
        result = execute(self.store(), job, self.options, streamed=False)
        with self._count:
            self.answered += 1
        return result

    def status(self) -> dict:
        return {"answered": self.answered, "max_limit": self.max_limit}


LANE_KEY = "ssbonto.worker_lane"


def worker_lane(app) -> WorkerLane | None:
    """The app's lane, or None when it is turned off or its store is remote (a query to a remote
    store goes through a query process's outbound gate)."""
    app = getattr(app, "_get_current_object", lambda: app)()  # the app itself, not Flask's proxy to it
    settings = app.config["SSBONTO"]
    if settings.store or settings.worker_lane_limit <= 0:
        return None
    lane = app.extensions.get(LANE_KEY)
    if lane is None:
        from ..served import served_release
        from .query_runner import query_runner

        lane = app.extensions.setdefault(LANE_KEY, WorkerLane(lambda: served_release(app).store,
                                                              query_runner(app).options, settings.worker_lane_limit))
    return lane
