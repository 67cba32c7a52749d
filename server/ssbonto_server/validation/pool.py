"""The validator processes of one web worker: at most `workers` validations at once (one per
process; another request gets Busy at once, for a 429 with Retry-After), each under the deadline
(past it the process is killed and TimedOut raised, for a 503; a fresh process takes its place
while the others go on). Validation is CPU-bound Python that no thread can interrupt, which is
why it runs in processes that can be killed.

One long-lived spawner thread starts every process: Linux ties a process's death signal
(PR_SET_PDEATHSIG) to the thread that spawned it, so that thread lives as long as the pool.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from pathlib import Path

from ..children import Child, await_ready, spawn
from .worker import ValidationJob

log = logging.getLogger("ssbonto.validation")

STARTUP_SECONDS = 60  # a process that has not loaded the release by then is broken
RETRY_AFTER_SECONDS = 5  # what a 429 asks a client to wait: about one validation of a large study


VALIDATION_PATHS = ("/api/validate", "/validate")  # their bodies are documents, up to validation_max_bytes


def too_large(size: int | None, cap: int) -> str:
    told = f"is {size:,} bytes" if size else "is larger than that"
    return (f"the document {told}; this service validates documents of at most {cap:,} bytes ({cap / 1e6:g} MB); "
            "validate a larger one on your machine with `ssbonto validate FILE`")


class Busy(Exception):
    """Every validator process is validating; retry later."""


class TimedOut(Exception):
    """The validation ran past the deadline and its process was stopped."""


class Unavailable(Exception):
    """No validator process could be started, or it stopped unexpectedly; the message says why."""


class ValidatorPool:
    def __init__(self, release_dir: Path, workers: int = 2, deadline: float = 20.0,
                 memory_bytes: int = 2_000_000_000, isolate_network: bool = True):
        self.workers = max(1, workers)
        self.deadline = deadline
        self._options = {"release_dir": str(Path(release_dir).resolve()), "parent_pid": os.getpid(),
                         "memory_bytes": memory_bytes, "isolate_network": isolate_network}
        self._slots = threading.BoundedSemaphore(self.workers)
        self._idle: queue.Queue[Child] = queue.Queue()
        self._to_spawn: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._spawner: threading.Thread | None = None
        self._live: set[Child] = set()
        self.startup_error: str | None = None
        self.stopped_at_deadline = 0

    def start(self) -> None:
        """Start the processes in the background (a page that offers validation calls it)."""
        with self._lock:
            if self._spawner is not None:
                return
            self._spawner = threading.Thread(target=self._spawn_loop, name="validator-spawner", daemon=True)
            self._spawner.start()
            for _ in range(self.workers):
                self._to_spawn.put(None)

    def _spawn_loop(self) -> None:
        while True:
            if self._to_spawn.get() == "stop":
                return
            started = spawn("ssbonto_server.validation.worker", self._options)
            self._live.add(started)
            ready, answer = await_ready(started, STARTUP_SECONDS, "validator process")
            if ready:
                self.startup_error = None
                self._idle.put(started)
                continue
            self.startup_error = answer
            log.error("a validator process failed to start: %s", answer)
            self._discard(started)
            timer = threading.Timer(RETRY_AFTER_SECONDS, self._to_spawn.put, args=(None,))
            timer.daemon = True
            timer.start()

    def _discard(self, process: Child) -> None:
        process.kill()
        self._live.discard(process)

    def validate(self, job: ValidationJob) -> dict:
        """The worker's answer for `job` (status 200 or 400), within the deadline."""
        if not self._slots.acquire(blocking=False):
            raise Busy(f"all {self.workers} validations this service runs at once are under way")
        try:
            self.start()
            try:
                process = self._idle.get(timeout=STARTUP_SECONDS)
            except queue.Empty:
                raise Unavailable(f"the validator is not available: {self.startup_error or 'it did not start'}")
            try:
                process.connection.send(job)
                if process.connection.poll(self.deadline):
                    answer = process.connection.recv()
                    self._idle.put(process)
                    return answer
            except (EOFError, OSError):
                code = process.process.poll()
                self._replace(process)
                raise Unavailable(f"the validator process stopped unexpectedly (exit code {code}); validating "
                                  "this document may need more memory than the service grants one validation")
            self._replace(process)
            self.stopped_at_deadline += 1
            raise TimedOut(f"the validation ran longer than the {self.deadline:g} s deadline of this service and "
                           "was stopped; validate the document in parts, or on your machine with "
                           "`ssbonto validate FILE`, which has no deadline")
        finally:
            self._slots.release()

    def _replace(self, process: Child) -> None:
        self._discard(process)
        self._to_spawn.put(None)

    def status(self) -> dict:
        return {"workers": self.workers, "idle": self._idle.qsize(), "startup_error": self.startup_error,
                "stopped_at_deadline": self.stopped_at_deadline}

    def close(self) -> None:
        self._to_spawn.put("stop")
        if self._spawner is not None:
            self._spawner.join(10)
        for process in list(self._live):
            self._discard(process)


POOL_KEY = "ssbonto.validator_pool"


def validator_pool(app=None) -> ValidatorPool:
    """The Flask app's validator processes, created on first use."""
    if app is None:
        from flask import current_app

        app = current_app
    pool = app.extensions.get(POOL_KEY)
    if pool is None:
        settings = app.config["SSBONTO"]
        pool = app.extensions.setdefault(POOL_KEY, ValidatorPool(
            settings.release_dir, workers=settings.validation_workers, deadline=settings.validation_timeout,
            memory_bytes=settings.query_memory_bytes))
    return pool
