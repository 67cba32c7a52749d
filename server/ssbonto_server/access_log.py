"""Logging: JSON lines on standard error, and the structured access log: one JSON object per request on the `ssbonto.access` logger, with the
total time and, for SPARQL requests, the time the query process spent on the query."""

from __future__ import annotations

import json
import logging
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


def configure_logging(level: str) -> None:
    """JSON lines on standard error for every `ssbonto.*` logger, at `level`."""
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("ssbonto")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
