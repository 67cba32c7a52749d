"""Logging: JSON lines on standard error, and the structured access log: one JSON object per request on the `ssbonto.access` logger, with the
total time and, for SPARQL requests, the time the query process spent on the query."""

from __future__ import annotations

import atexit
import json
import logging
import multiprocessing.util
import threading
import time
from datetime import datetime, timezone

from flask import Flask, Response, g, request

log = logging.getLogger("ssbonto.access")


def _started() -> None:
    g.access_started = time.perf_counter()


def _finished(response: Response) -> Response:
    started = g.get("access_started")
    if not log.isEnabledFor(logging.INFO) or started is None:
        return response
    write_entry(request.remote_addr, request.method, request.path, response.status_code, response.content_length,
                started, g.get("query_ms"), response.mimetype, request.headers.get("User-Agent", ""))
    return response


def write_entry(remote, method: str, path: str, status: int, size, started: float, query_ms, media_type: str,
                agent: str, **extra) -> None:
    """One access line; `started` is the request's perf_counter start."""
    entry = {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "remote": remote,
        "method": method,
        "path": path,
        "status": status,
        "bytes": size,
        "ms": round((time.perf_counter() - started) * 1000, 3),
        "query_ms": query_ms,
        **extra,
        "type": media_type,
        "agent": agent[:200],
    }
    log.info(json.dumps(entry, ensure_ascii=False))


def install(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_finished)


class JsonLines(logging.Formatter):
    """Access entries are JSON already; other records become JSON objects too."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == log.name:
            return record.getMessage()
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class BatchedAccessLines(logging.StreamHandler):
    """Access entries written in batches: one write of the lines gathered every FLUSH_SECONDS (or
    every BATCH_LINES lines) instead of a write and a flush per request, which cost a busy endpoint
    several per cent of its throughput. Any other record is written at once, after the batch, so
    that the order of lines is kept; at exit the batch is written too."""

    FLUSH_SECONDS = 0.2
    BATCH_LINES = 512

    def __init__(self, stream):
        super().__init__(stream)
        self.lines: list[str] = []
        self._wake = threading.Event()
        threading.Thread(target=self._flush_now_and_then, name="access-log", daemon=True).start()
        atexit.register(self.flush)
        # a web worker that is a multiprocessing child (granian's) ends with os._exit, after these only
        multiprocessing.util.Finalize(self, self.flush, exitpriority=100)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.lines.append(line)  # under the handler's lock (Handler.handle)
        if record.name != log.name:
            self.flush()
        elif len(self.lines) >= self.BATCH_LINES:
            self._wake.set()

    def flush(self) -> None:
        with self.lock:  # re-entrant: emit holds it already
            lines, self.lines = self.lines, []
            if not lines:
                return
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # standard error closed or gone: the lines cannot go anywhere
                pass

    def _flush_now_and_then(self) -> None:
        while True:
            self._wake.wait(self.FLUSH_SECONDS)
            self._wake.clear()
            self.flush()


def configure_logging(level: str) -> None:
    """JSON lines on standard error for every `ssbonto.*` logger, at `level`."""
    import sys

    handler = BatchedAccessLines(sys.stderr)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("ssbonto")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
