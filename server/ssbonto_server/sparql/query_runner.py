"""SPARQL queries run in worker processes under a real deadline.

pyoxigraph cannot interrupt a query, and a runaway query would hold its thread for good. So
each query runs in a query process holding its own copy of the store (see query_worker); the
web process hands it the query text, waits until the deadline, and kills it if no answer came.

One supervisor thread watches every process through a pidfd: a process that dies for any
reason (the deadline, the memory limit, a crash, a kill from outside) is replaced at once, and
replacements start side by side, while the other processes go on serving. A job is handed over
as one message on a socket pair and its answer, serialized by the query process, comes back
as one message; a job that could not even be delivered (the process had just died) is handed
to another process, so only the query a process was running when it died fails.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import resource
import select
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .query_worker import OUTCOME_FIELDS, outcome, receive, send

__all__ = ["OUTCOME_FIELDS", "QueryRunner", "query_runner"]

log = logging.getLogger("ssbonto.query")

STARTUP_SECONDS = 60  # a worker that has not loaded the store by then is considered broken
RETRY_SECONDS = 5  # after a worker failed to start
SLOW_SECONDS = 1.0  # a query running longer yields the CPU to quicker ones (its process is then replaced)
# The query processes' main thread, where Oxigraph parses and evaluates, may grow this large (the
# pages are only touched when used). bench/README.md: Oxigraph needs ~10 KB per nesting level at
# worst, so the depth limits of Settings stay far below what this holds.
QUERY_STACK_BYTES = 256 * 2**20


class _Worker:
    def __init__(self, process: subprocess.Popen, sock: socket.socket, gated: bool):
        self.process = process
        self.sock = sock
        self.gated = gated  # a gate descriptor (or its absence) comes first from this process
        self.gate_fd: int | None = None
        self.info: dict = {}
        self.dead = False
        self.killed_for: str | None = None
        self.demoted = False  # its priority was lowered during a long query: retired after it
        self.started = time.monotonic()
        try:
            self.pidfd: int | None = os.pidfd_open(process.pid)
        except (OSError, AttributeError):
            self.pidfd = None

    def kill(self) -> None:
        try:
            self.process.kill()
        except OSError:
            pass


def _exited(worker: _Worker) -> bool:
    """Whether its process has exited though the supervisor has not said so yet (the job would be
    lost in its socket)."""
    if worker.pidfd is None:
        return False
    try:
        return bool(select.select([worker.pidfd], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class QueryRunner:
    """A fixed number of query processes; `run` hands a job to an idle one."""

    def __init__(self, release_dir: Path, processes: int = 2, deadline: float = 30.0,
                 max_answer_bytes: int = 64_000_000, memory_bytes: int = 2_000_000_000,
                 allow_list: list[str] | None = None, store: str = "", store_mode: str = "auto",
                 network: str = "isolated", gate_destinations: list[str] | None = None,
                 max_query_tokens: int = 25_000, max_query_nesting: int = 100, max_query_depth: int = 2_000):
        self.release_dir = Path(release_dir).resolve()  # one build for every worker, even after a rebuild
        self.processes = max(1, processes)
        self.deadline = deadline
        self.memory_bytes = memory_bytes
        self.allow_list = list(allow_list or [])
        self.network = network  # "isolated" (no network), "gated" (outbound_gate) or "open"
        self.gate_destinations = list(gate_destinations or self.allow_list)
        self._settings = {
            "release_dir": str(self.release_dir), "parent_pid": os.getpid(), "store": store, "store_mode": store_mode,
            "options": {"allow_list": self.allow_list, "network": network, "max_answer_bytes": max_answer_bytes,
                        "memory_bytes": memory_bytes, "remote_timeout": deadline, "max_query_tokens": max_query_tokens,
                        "max_query_nesting": max_query_nesting, "max_query_depth": max_query_depth}}
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        self._stopping = False
        self._supervisor: threading.Thread | None = None
        self._workers: set[_Worker] = set()
        self._ready = threading.Condition()
        self._gate = None
        self.startup_error: str | None = None
        self.stopped_at_deadline = 0
        self.died = 0  # processes that ended otherwise than by the deadline
        self.started_processes = 0

    # One supervisor thread spawns every worker: Linux ties a worker's death signal
    # (PR_SET_PDEATHSIG) to the thread that spawned it, so that thread lives as long as the runner.
    def start(self) -> None:
        with self._lock:
            if self._supervisor is not None:
                return
            if self.network == "gated":
                from .outbound_gate import Gate

                self._gate = Gate(self.gate_destinations)
            self._supervisor = threading.Thread(target=self._supervise, name="query-supervisor", daemon=True)
            self._supervisor.start()

    @property
    def options(self) -> dict:
        """What the query processes check and limit a query with (query_worker.execute)."""
        return self._settings["options"]

    def wait_ready(self, seconds: float) -> bool:
        """Block until a process is ready (or starting failed, or `seconds` passed)."""
        self.start()
        due = time.monotonic() + seconds
        with self._ready:
            while not self._ready_count() and not self.startup_error and time.monotonic() < due:
                self._ready.wait(min(0.5, max(0.0, due - time.monotonic())))
        return bool(self._ready_count())

    def _ready_count(self) -> int:
        return sum(1 for worker in list(self._workers) if worker.info and not worker.dead)

    def _supervise(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._wake_read, selectors.EVENT_READ, ("wake", None))
        retry_at: list[float] = []
        for _ in range(self.processes):
            self._watch(selector, self._spawn())
        while True:
            timeout = min([*(at - time.monotonic() for at in retry_at), 1.0])
            for key, _ in selector.select(max(0.0, timeout)):
                kind, worker = key.data
                if kind == "wake":
                    os.read(self._wake_read, 4096)
                elif kind == "exit":
                    selector.unregister(key.fileobj)
                    self._forget(selector, worker)
                    if not self._stopping:
                        self._watch(selector, self._spawn())
                elif kind == "startup":
                    if not self._startup_message(worker):
                        selector.unregister(key.fileobj)
                        if not worker.info and not worker.dead:  # failed to load: try again later
                            retry_at.append(time.monotonic() + RETRY_SECONDS)
            if self._stopping:
                for worker in list(self._workers):
                    worker.kill()
                return
            now = time.monotonic()
            for worker in list(self._workers):
                if not worker.info and not worker.dead and now - worker.started > STARTUP_SECONDS:
                    self.startup_error = f"a query process gave no sign of life for {STARTUP_SECONDS} s"
                    worker.kill()
            due = [at for at in retry_at if at <= now]
            retry_at = [at for at in retry_at if at > now]
            for _ in due:
                self._watch(selector, self._spawn())

    def _watch(self, selector, worker: _Worker | None) -> None:
        if worker is None:
            return
        if worker.pidfd is not None:
            selector.register(worker.pidfd, selectors.EVENT_READ, ("exit", worker))
        selector.register(worker.sock, selectors.EVENT_READ, ("startup", worker))

    def _spawn(self) -> _Worker | None:
        ours, theirs = socket.socketpair()
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        wanted = QUERY_STACK_BYTES if hard == resource.RLIM_INFINITY else min(QUERY_STACK_BYTES, hard)
        try:
            resource.setrlimit(resource.RLIMIT_STACK, (max(soft, wanted) if soft != resource.RLIM_INFINITY
                                                       else soft, hard))  # inherited by the child
            process = subprocess.Popen(
                [sys.executable, "-m", "ssbonto_server.sparql.query_worker", str(theirs.fileno()),
                 json.dumps(self._settings)], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
        except OSError as error:
            self.startup_error = f"cannot start a query process: {error}"
            ours.close()
            return None
        finally:
            resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))
            theirs.close()
        self.started_processes += 1
        worker = _Worker(process, ours, gated=self.network == "gated")
        self._workers.add(worker)
        return worker

    def _startup_message(self, worker: _Worker) -> bool:
        """Read what a starting process says; False once it needs no more watching for that."""
        try:
            if worker.gated:
                worker.gated = False
                _, descriptors, _, _ = socket.recv_fds(worker.sock, 1, 1)
                if descriptors:
                    worker.gate_fd = descriptors[0]
                    self._gate.watch(worker.gate_fd, worker.process.pid)
                return True
            worker.sock.settimeout(STARTUP_SECONDS)
            message = receive(worker.sock)
        except (EOFError, OSError) as error:
            message = ("failed", f"the query process exited while loading ({error})")
        if message[0] == "ready":
            worker.info = message[1]
            self.startup_error = None
            worker.sock.settimeout(None)
            self._idle.put(worker)
            with self._ready:
                self._ready.notify_all()
            return False
        self.startup_error = message[1]
        log.error("a query process failed to start: %s", message[1])
        worker.kill()
        with self._ready:
            self._ready.notify_all()
        return False

    def _forget(self, selector, worker: _Worker) -> None:
        """A process has exited: reap it and let go of what it held."""
        worker.dead = True
        try:
            code = worker.process.wait(5)
        except subprocess.TimeoutExpired:
            code = None
        if worker.info and worker.killed_for not in ("deadline", "demoted"):
            self.died += 1
        try:
            selector.unregister(worker.sock)
        except (KeyError, ValueError):
            pass
        for descriptor in (worker.pidfd,):
            if descriptor is not None:
                os.close(descriptor)
        if worker.gate_fd is not None and self._gate is not None:
            self._gate.forget(worker.gate_fd)
        worker.sock.close()
        self._workers.discard(worker)
        if worker.info:
            log.warning("query process %s ended (exit code %s); a new one is starting", worker.process.pid, code)

    def status(self) -> dict:
        self.start()
        live = [worker for worker in list(self._workers) if worker.info and not worker.dead]
        return {"processes": self.processes, "ready": len(live), "idle": self._idle.qsize(),
                "starting": sum(1 for w in list(self._workers) if not w.info and not w.dead),
                "store_mode": live[0].info.get("store_mode") if live else None,
                "stopped_at_deadline": self.stopped_at_deadline, "ended_unexpectedly": self.died,
                "started": self.started_processes, "startup_error": self.startup_error,
                "network_isolated": all(w.info.get("network_isolated") for w in live) if live else None,
                "outbound_gate": (dict(enabled=all(w.info.get("outbound_gate") for w in live) if live else None,
                                       **self._gate.status()) if self._gate else None)}

    def run(self, job: tuple, due: float | None = None) -> tuple:
        """The outcome of `job`, never later than the deadline (waiting for a free process included),
        or than `due` (time.monotonic) when the request has waited already."""
        self.start()
        due = min(due, time.monotonic() + self.deadline) if due is not None else time.monotonic() + self.deadline
        while True:
            worker = self._take_idle(due)
            if worker is None:
                if self.startup_error and not self._ready_count():
                    return outcome(503, message=f"the query service is not available: {self.startup_error}",
                                   headers={"Retry-After": str(RETRY_SECONDS)})
                return outcome(503, message=f"all {self.processes} query processes stayed busy for the "
                                            f"{self.deadline:g} s deadline; try again later",
                               headers={"Retry-After": "5"})
            try:
                send(worker.sock, job)
            except OSError:  # it died before the job reached it: another process takes the job
                worker.dead = True
                worker.kill()
                continue
            try:
                answer = self._await_answer(worker, due)
                if worker.demoted:  # a fresh process, at normal priority, takes its place
                    worker.dead = True
                    worker.killed_for = "demoted"
                    worker.kill()
                else:
                    self._idle.put(worker)
                return answer
            except (TimeoutError, socket.timeout):
                worker.killed_for = "deadline"
                worker.dead = True
                worker.kill()
                self.stopped_at_deadline += 1
                return outcome(503, message=f"the query ran longer than the {self.deadline:g} s deadline of this "
                                            "endpoint and was stopped; narrow it or add a LIMIT")
            except (EOFError, OSError):
                return self._died_with(worker)

    def _await_answer(self, worker: _Worker, due: float) -> tuple:
        """The answer, by `due`. A query still running after SLOW_SECONDS has its process's CPU
        priority lowered, so that runaways cede the cores to the quick queries of other processes."""
        worker.sock.settimeout(max(0.001, min(due, time.monotonic() + SLOW_SECONDS) - time.monotonic()))
        try:
            answer = receive(worker.sock)
        except (TimeoutError, socket.timeout):
            if time.monotonic() >= due:
                raise
            try:
                os.setpriority(os.PRIO_PROCESS, worker.process.pid, 15)
                worker.demoted = True
            except OSError:
                pass
            worker.sock.settimeout(max(0.001, due - time.monotonic()))
            answer = receive(worker.sock)
        worker.sock.settimeout(None)
        return answer

    def _died_with(self, worker: _Worker) -> tuple:
        worker.dead = True
        try:
            code = worker.process.wait(5)
        except subprocess.TimeoutExpired:
            worker.kill()
            code = None
        retry = {"Retry-After": "1"}
        if code == -signal.SIGABRT:  # Rust aborts when an allocation fails under the memory limit
            return outcome(503, message=f"the query needed more than the {self.memory_bytes:,} bytes of "
                                        "memory this endpoint grants one query, and was stopped")
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return outcome(503, headers=retry, message=(
                f"the query process running this query was stopped by signal {name} before it answered; a new one "
                "is starting and other queries are not affected: send the query again"))
        return outcome(503, headers=retry, message=f"the query process running this query exited (code {code}) "
                                                   "before it answered; a new one is starting: send the query again")

    def _take_idle(self, due: float) -> _Worker | None:
        while True:
            remaining = due - time.monotonic()
            if remaining <= 0:
                return None
            try:
                worker = self._idle.get(timeout=min(remaining, 0.25))
            except queue.Empty:
                if self.startup_error and not self._ready_count():
                    return None
                continue
            if not worker.dead and worker.process.returncode is None and not _exited(worker):
                return worker

    def close(self) -> None:
        """Stop every worker (tests and shutdown)."""
        self._stopping = True
        os.write(self._wake_write, b"x")
        if self._supervisor is not None:
            self._supervisor.join(10)
        for worker in list(self._workers):
            worker.kill()
            try:
                worker.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self._workers.clear()


RUNNER_KEY = "ssbonto.query_runner"  # where the pool is kept among the app's extensions


def runner_for(settings) -> QueryRunner:
    """The pool `settings` ask for. Query processes get no network unless an endpoint is allow-listed
    or the store is remote; then every connection they open goes through the outbound gate."""
    destinations = list(settings.service_allow_list)
    if settings.store:
        from ssbonto.store.remote import endpoint_url

        destinations.append(endpoint_url(settings.store))
    return QueryRunner(
        settings.release_dir, processes=settings.query_processes, deadline=settings.query_timeout,
        max_answer_bytes=settings.max_answer_bytes, memory_bytes=settings.query_memory_bytes,
        allow_list=settings.service_allow_list, store=settings.store, store_mode=settings.store_mode,
        network="gated" if destinations else "isolated", gate_destinations=destinations, max_query_tokens=settings.max_query_tokens,
        max_query_nesting=settings.max_query_nesting, max_query_depth=settings.max_query_depth)


def query_runner(app=None) -> QueryRunner:
    """The Flask app's pool of query processes, created on first use."""
    if app is None:
        from flask import current_app

        app = current_app
    runner = app.extensions.get(RUNNER_KEY)
    if runner is None:
        runner = app.extensions.setdefault(RUNNER_KEY, runner_for(app.config["SSBONTO"]))
    return runner
