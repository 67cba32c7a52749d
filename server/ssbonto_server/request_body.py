"""Request bodies, read before anything else looks at the request: within a deadline, at no less
than a floor rate once a grace period has passed, and under a size cap, by a bounded number of
readers, so that clients sending slowly cannot hold the threads that serve everyone else.

The HTTP server's body reads block until the bytes arrive and cannot be interrupted, so the read
happens on a reader thread while the request's own thread watches the clock; a request whose
body is too slow gets its 408 at once. (granian keeps such a connection open until its client
closes it, and the reader with it; the readers are therefore few and their number is bounded, and a
body arriving while all are busy gets a 503 at once, while requests without a body are served
as usual.)
"""

from __future__ import annotations

import queue
import threading
import time

STEP = 4096  # bytes per read: small enough to see a slow client's progress


class BodyProblem(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class _Job:
    def __init__(self, stream, length: int | None, limit: int):
        self.stream, self.length, self.limit = stream, length, limit
        self.parts: list[bytes] = []
        self.received = 0
        self.error: BodyProblem | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while True:
                wanted = STEP if self.length is None else min(STEP, self.length - self.received)
                if wanted <= 0:
                    break
                chunk = self.stream.read(wanted)
                self.parts.append(chunk)
                self.received += len(chunk)
                if self.received > self.limit:
                    self.error = BodyProblem(413, f"the request body is larger than this service accepts "
                                                  f"({self.limit:,} bytes)")
                    break
                if len(chunk) < wanted:  # the end of the body
                    if self.length is not None:
                        self.error = BodyProblem(400, f"the request body ended after {self.received:,} of the "
                                                      f"{self.length:,} bytes its Content-Length announced")
                    break
        except Exception as error:  # a broken connection or chunked encoding, however the server says it
            self.error = BodyProblem(400, f"the request body could not be read: {error}")
        finally:
            self.done.set()


class BodyReader:
    def __init__(self, max_bytes: int, deadline: float = 30.0, min_rate: int = 1_000, grace: float = 2.0,
                 readers: int = 4):
        self.max_bytes, self.deadline, self.min_rate, self.grace = max_bytes, deadline, min_rate, grace
        self.readers = max(1, readers)
        self._free = threading.Semaphore(self.readers)
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._started = 0
        self._lock = threading.Lock()
        self.too_slow = self.refused_busy = 0

    def read(self, environ) -> bytes:
        """The whole body (b"" when there is none); raises BodyProblem."""
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = None
        if declared and not chunked:
            if not declared.isdigit():
                raise BodyProblem(400, f"Content-Length {declared[:40]!r} is not a number of bytes")
            length = int(declared)
            if length > self.max_bytes:
                raise BodyProblem(413, f"the request body is larger than this service accepts ({self.max_bytes:,} "
                                       "bytes)")
            if length == 0:
                return b""
        elif not chunked:
            return b""
        if not self._free.acquire(blocking=False):
            self.refused_busy += 1
            raise BodyProblem(503, f"{self.readers} requests are sending their bodies to this worker now, its "
                                   "limit; try again in a moment", {"Retry-After": "2"})
        job = _Job(environ["wsgi.input"], length, self.max_bytes)
        self._ensure_reader()
        self._jobs.put(job)
        started = time.monotonic()
        while not job.done.wait(0.2):
            elapsed = time.monotonic() - started
            if elapsed > self.deadline:
                self.too_slow += 1
                raise BodyProblem(408, f"the request body did not arrive within {self.deadline:g} s")
            if elapsed > self.grace and job.received < self.min_rate * (elapsed - self.grace):
                self.too_slow += 1
                raise BodyProblem(408, f"the request body arrived at {job.received / elapsed:,.0f} bytes/s; this "
                                       f"service reads bodies sent at {self.min_rate:,} bytes/s or faster")
        if job.error:
            raise job.error
        return b"".join(job.parts)

    def _ensure_reader(self) -> None:
        with self._lock:
            if self._started < self.readers:
                self._started += 1
                threading.Thread(target=self._serve, name="body-reader", daemon=True).start()

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job.run()
            finally:
                self._free.release()  # only once the read has returned, even when its request gave up

    def status(self) -> dict:
        return {"readers": self.readers, "too_slow": self.too_slow, "refused_busy": self.refused_busy}
