"""Answers kept per web worker and sent again without Flask or the store.

The graph a process serves never changes (a new release means a new process), so an answer is
valid for as long as the process lives. The front (ssbonto_server.front) keeps two kinds:
- SPARQL answers computed from the release alone (never one that called SERVICE or fetched a
  remote graph), by GET or POST alike: the key is the query text, the dataset parameters, the
  format values, Accept and Origin (CORS headers), so a POST of a query and a GET of it share one;
- answers of other GET routes that mark themselves cacheable (`keep(request)` or the environ
  key CACHEABLE): the key is the path, the query string, Accept and Origin.
Least recently used answers go first once `max_bytes` is reached. Identical requests that arrive
while the first of them is being answered wait for that answer instead of each computing it again
(up to `wait_seconds`, then they compute it themselves).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

ANSWER_CACHE_KEY = "ssbonto.answer_cache"  # where create_app keeps the cache among the app's extensions
CACHEABLE = "ssbonto.answer_cacheable"  # WSGI environ key a route sets on an answer that may be kept
CACHE_HEADER = "X-Answer-Cache"
ENTRY_OVERHEAD = 400  # bytes of key, headers and bookkeeping counted per entry besides the body


def keep(request) -> None:
    """Mark the answer to this (Flask) request as one the front may keep: a GET whose answer
    depends only on the release, the path, the query string, Accept and Origin."""
    request.environ[CACHEABLE] = True


class AnswerCache:
    def __init__(self, max_bytes: int, wait_seconds: float = 30.0):
        self.max_bytes = max_bytes
        self.wait_seconds = wait_seconds
        self.max_entry_bytes = max(1, max_bytes // 8)  # one huge answer never evicts everything else
        self._entries: OrderedDict[tuple, tuple] = OrderedDict()
        self._in_flight: dict[tuple, threading.Event] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple):
        """The kept entry, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def claim(self, key: tuple):
        """(entry, None) when another request answered `key` meanwhile (waited for), else (None,
        release) where release() must be called once this request has answered (and put() its
        answer if it may be kept)."""
        with self._lock:
            leader = self._in_flight.get(key)
            if leader is None:
                done = self._in_flight[key] = threading.Event()
        if leader is not None:
            leader.wait(self.wait_seconds)
            entry = self.get(key)
            if entry is not None:
                return entry, None
            return None, _nothing

        def release() -> None:
            with self._lock:
                if self._in_flight.get(key) is done:
                    del self._in_flight[key]
            done.set()
        return None, release

    def put(self, key: tuple, entry: tuple, body_size: int) -> None:
        size = body_size + ENTRY_OVERHEAD
        with self._lock:
            self.misses += 1
            if size <= self.max_entry_bytes and key not in self._entries:
                self._entries[key] = entry + (size,)
                self._bytes += size
                while self._bytes > self.max_bytes:
                    _, dropped = self._entries.popitem(last=False)
                    self._bytes -= dropped[-1]

    def status(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses}


def _nothing() -> None:
    pass
