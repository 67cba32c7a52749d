"""SPARQL queries run in worker processes under a real deadline.

pyoxigraph cannot interrupt a query, and a runaway query would hold its thread for good. So
each query runs in a worker process holding its own copy of the store (the release is small;
see query_worker); the web process hands it the query, waits until the deadline, and kills
it if no answer came. A fresh worker is spawned in its place while the other workers go on
serving.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

from ..children import Child as _Worker
from ..children import await_ready, spawn
from .query_worker import QueryJob, QueryOutcome

__all__ = ["QueryJob", "QueryOutcome", "QueryRunner", "query_runner"]

log = logging.getLogger("ssbonto.query")

STARTUP_SECONDS = 60  # a worker that has not loaded the store by then is considered broken
RETRY_SECONDS = 5  # after a worker failed to start


class QueryRunner:
    """A fixed number of worker processes; `run` hands a job to an idle one."""

    def __init__(self, release_dir: Path, processes: int = 2, deadline: float = 30.0,
                 max_answer_bytes: int = 64_000_000, memory_bytes: int = 2_000_000_000,
                 isolate_network: bool = True, store: str = "", store_mode: str = "auto"):
        self.release_dir = Path(release_dir).resolve()  # one build for every worker, even after a rebuild
        self.processes = max(1, processes)
        self.deadline = deadline
        self.memory_bytes = memory_bytes
        self._options = {"release_dir": str(self.release_dir), "parent_pid": os.getpid(),
                         "max_answer_bytes": max_answer_bytes, "memory_bytes": memory_bytes,
                         "isolate_network": isolate_network, "store": store, "store_mode": store_mode}
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._to_spawn: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None
        self._workers: set[_Worker] = set()
        self.startup_error: str | None = None
        self.stopped_at_deadline = 0

    # One supervisor thread spawns every worker: Linux ties a worker's death signal
    # (PR_SET_PDEATHSIG) to the thread that spawned it, so that thread lives as long as the runner.
    def start(self) -> None:
        with self._lock:
            if self._supervisor is not None:
                return
            self._supervisor = threading.Thread(target=self._supervise, name="query-supervisor", daemon=True)
            self._supervisor.start()
            for _ in range(self.processes):
                self._to_spawn.put(None)

    def _supervise(self) -> None:
        while True:
            batch = [self._to_spawn.get()]
            while not self._to_spawn.empty():
                batch.append(self._to_spawn.get())
            if any(isinstance(item, str) for item in batch):  # "stop"
                return
            for dead in batch:
                if dead is not None:
                    dead.kill()
                    self._workers.discard(dead)
            starting = [self._spawn() for _ in batch]
            for worker in starting:
                self._await_ready(worker)

    def _spawn(self) -> _Worker:
        worker = spawn("ssbonto_server.sparql.query_worker", self._options)
        self._workers.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        ready, answer = await_ready(worker, STARTUP_SECONDS, "query process")
        if ready:
            worker.info = answer
            self.startup_error = None
            self._idle.put(worker)
            return
        self.startup_error = answer
        log.error("a query process failed to start: %s", answer)
        timer = threading.Timer(RETRY_SECONDS, self._to_spawn.put, args=(worker,))
        timer.daemon = True
        timer.start()

    def status(self) -> dict:
        self.start()
        live = [worker for worker in list(self._workers) if worker.info and worker.alive()]
        return {"processes": self.processes, "ready": len(live), "idle": self._idle.qsize(),
                "store_mode": live[0].info.get("store_mode") if live else None,
                "stopped_at_deadline": self.stopped_at_deadline, "startup_error": self.startup_error,
                "network_isolated": all(w.info.get("network_isolated") for w in live) if live else None}

    def run(self, job: QueryJob) -> QueryOutcome:
        """The outcome of `job`, never later than the deadline (waiting for a free process included)."""
        self.start()
        due = time.monotonic() + self.deadline
        worker = self._take_idle(due)
        if worker is None:
            if self.startup_error:
                return QueryOutcome(503, message=f"the query service is not available: {self.startup_error}",
                                    headers={"Retry-After": str(RETRY_SECONDS)})
            return QueryOutcome(503, message=f"all {self.processes} query processes stayed busy for the "
                                             f"{self.deadline:g} s deadline; try again later",
                                headers={"Retry-After": "5"})
        try:
            worker.connection.send(job)
            if worker.connection.poll(max(0.0, due - time.monotonic())):
                outcome = worker.connection.recv()
                self._idle.put(worker)
                return outcome
        except (EOFError, OSError):
            try:
                code = worker.process.wait(5)
            except subprocess.TimeoutExpired:
                code = None
            self._replace(worker)
            if code == -signal.SIGABRT:  # Rust aborts when an allocation fails under the memory limit
                return QueryOutcome(503, message=f"the query needed more than the {self.memory_bytes:,} bytes of "
                                                 "memory this endpoint grants one query, and was stopped")
            return QueryOutcome(503, message=f"the query process stopped unexpectedly (exit code {code})")
        self._replace(worker)
        self.stopped_at_deadline += 1
        return QueryOutcome(503, message=f"the query ran longer than the {self.deadline:g} s deadline of this "
                                         "endpoint and was stopped; narrow it or add a LIMIT")

    def _take_idle(self, due: float) -> _Worker | None:
        while True:
            remaining = due - time.monotonic()
            if remaining <= 0:
                return None
            try:
                worker = self._idle.get(timeout=min(remaining, 0.25))
            except queue.Empty:
                if self.startup_error and not any(w.info for w in list(self._workers)):
                    return None
                continue
            if worker.alive():
                return worker
            self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        try:
            worker.process.kill()  # now: the client gets its answer without waiting for the respawn
        except OSError:
            pass
        self._to_spawn.put(worker)

    def close(self) -> None:
        """Stop every worker (tests and shutdown)."""
        self._to_spawn.put("stop")
        if self._supervisor is not None:
            self._supervisor.join(10)
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()


RUNNER_KEY = "ssbonto.query_runner"  # where the pool is kept among the app's extensions


def query_runner(app=None) -> QueryRunner:
    """The Flask app's pool of query processes, created on first use."""
    if app is None:
        from flask import current_app

        app = current_app
    runner = app.extensions.get(RUNNER_KEY)
    if runner is None:
        settings = app.config["SSBONTO"]
        runner = app.extensions.setdefault(RUNNER_KEY, QueryRunner(
            settings.release_dir, processes=settings.query_processes, deadline=settings.query_timeout,
            max_answer_bytes=settings.max_answer_bytes, memory_bytes=settings.query_memory_bytes,
            isolate_network=not settings.service_allow_list and not settings.store, store=settings.store,
            store_mode=settings.store_mode))
    return runner
