"""Answers to GET queries, kept per web worker and sent again without Flask or the store.

The graph a process serves never changes (a new release means a new process), so an answer is
valid for as long as the process lives. The cache sits in front of the WSGI application: a hit
costs a dictionary lookup, which is what lets a repeated lookup keep up with Oxigraph's own
server (bench/README.md). Only what the SPARQL endpoint marks as cacheable is kept: a 200 answer
computed from the release alone (never one that fetched a remote graph). The key is everything
of the request the answer depends on: the query string (query, dataset, format), Accept, and
Origin (CORS headers). Least recently used answers go first once `max_bytes` is reached.
Identical requests that arrive while the first of them is being answered wait for that answer
instead of each running the query again (up to `wait_seconds`, then they run it themselves).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from ..access_log import log, write_entry

ANSWER_CACHE_KEY = "ssbonto.answer_cache"  # where create_app keeps the cache among the app's extensions
CACHEABLE = "ssbonto.answer_cacheable"  # WSGI environ key the endpoint sets on a cacheable answer
CACHE_HEADER = "X-Answer-Cache"
ENTRY_OVERHEAD = 400  # bytes of key, headers and bookkeeping counted per entry besides the body


class AnswerCache:
    def __init__(self, app, max_bytes: int, wait_seconds: float = 30.0, path: str = "/sparql"):
        self.app = app
        self.max_bytes = max_bytes
        self.wait_seconds = wait_seconds
        self.max_entry_bytes = max(1, max_bytes // 8)  # one huge answer never evicts everything else
        self.path = path
        self._entries: OrderedDict[tuple, tuple[str, list, bytes, int]] = OrderedDict()
        self._in_flight: dict[tuple, threading.Event] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != self.path \
                or not environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = (environ["QUERY_STRING"], environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_ORIGIN", ""))
        entry, leader = self._lookup(key)
        if entry is None and leader is not None:  # the same request is being answered: wait for it
            leader.wait(self.wait_seconds)
            entry, leader = self._lookup(key)
        if entry is not None:
            status, headers, body, _ = entry
            start_response(status, headers + [(CACHE_HEADER, "hit")])
            if log.isEnabledFor(logging.INFO):
                content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
                write_entry(environ.get("REMOTE_ADDR"), "GET", self.path, int(status.split(" ", 1)[0]), len(body),
                            started, None, content_type.split(";", 1)[0].strip(), environ.get("HTTP_USER_AGENT", ""),
                            cache="hit")
            return [body]
        with self._lock:
            done = self._in_flight.setdefault(key, threading.Event())
        try:
            return self._answer_and_keep(key, environ, start_response)
        finally:
            with self._lock:
                if self._in_flight.get(key) is done:
                    del self._in_flight[key]
            done.set()

    def _lookup(self, key: tuple) -> tuple[tuple | None, threading.Event | None]:
        """(the cached entry, or None and the event of a request answering it now, if any)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry, None
            return None, self._in_flight.get(key)

    def _answer_and_keep(self, key: tuple, environ, start_response):
        sent: dict = {}

        def recording_start_response(status, headers, exc_info=None):
            sent["status"], sent["headers"] = status, headers
            if environ.get(CACHEABLE):
                headers = headers + [(CACHE_HEADER, "miss")]
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording_start_response)
        if not environ.get(CACHEABLE) or not sent.get("status", "").startswith("200"):
            return result  # streamed through untouched (downloads, errors, pages)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        size = len(body) + ENTRY_OVERHEAD
        with self._lock:
            self.misses += 1
            if size <= self.max_entry_bytes and key not in self._entries:
                self._entries[key] = (sent["status"], list(sent["headers"]), body, size)
                self._bytes += size
                while self._bytes > self.max_bytes:
                    _, (_, _, _, dropped) = self._entries.popitem(last=False)
                    self._bytes -= dropped
        return [body]

    def status(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses}
