"""Request bodies, read before anything else looks at the request: within a deadline, at no less
than a floor rate once a grace period has passed, and under a size cap, by a bounded number of
requests at once, so that clients sending slowly cannot hold the threads that serve everyone else.

The HTTP server's body reads block until the bytes asked for have arrived, and they must run on
the server's own request thread (granian's worker stalls while another thread waits in one). So
the body is read in steps that adapt to the client's pace: small while bytes trickle in (a
client sending one byte a second is seen after each byte, and gets its 408 once it falls below
the floor), doubling while they flow. Only `readers` requests of a worker read bodies at once;
one more waits up to `slot_wait` for its turn, then gets a 503, and requests without a body are
served as usual. (A client that
stops sending altogether holds its reader until it disconnects: no read can be interrupted. Put a
proxy with a body timeout in front when that matters; docs/serving.md.)
"""

from __future__ import annotations

import threading
import time

MAX_STEP = 65536


class BodyProblem(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class BodyReader:
    def __init__(self, max_bytes: int, deadline: float = 30.0, min_rate: int = 1_000, grace: float = 2.0,
                 readers: int = 4, slot_wait: float = 0.1):
        self.max_bytes, self.deadline, self.min_rate, self.grace = max_bytes, deadline, min_rate, grace
        self.slot_wait = slot_wait  # a busy moment of fast bodies passes within it; slow senders do not
        self.readers = max(1, readers)
        self._free = threading.Semaphore(self.readers)
        self.too_slow = self.refused_busy = 0

    def read(self, environ, max_bytes: int | None = None, too_large=None) -> bytes:
        """The whole body (b"" when there is none); raises BodyProblem. `max_bytes` replaces the cap
        for this request, and `too_large(size)` (size None when unknown) says why it refuses more."""
        cap = max_bytes or self.max_bytes
        refusal = too_large or (lambda size: f"the request body is larger than this service accepts ({cap:,} bytes)")
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = None
        if declared and not chunked:
            if not declared.isdigit():
                raise BodyProblem(400, f"Content-Length {declared[:40]!r} is not a number of bytes")
            length = int(declared)
            if length > cap:
                raise BodyProblem(413, refusal(length))
            if length == 0:
                return b""
        elif not chunked:
            return b""
        if not self._free.acquire(timeout=self.slot_wait):
            self.refused_busy += 1
            raise BodyProblem(503, f"{self.readers} requests are sending their bodies to this worker now, its "
                                   "limit; try again in a moment", {"Retry-After": "2"})
        try:
            return self._read(environ["wsgi.input"], length, cap, refusal)
        finally:
            self._free.release()

    def _read(self, stream, length: int | None, cap: int, refusal) -> bytes:
        parts: list[bytes] = []
        received, step = 0, 1  # a body already here is read in a few doubling steps
        started = time.monotonic()
        while True:
            wanted = step if length is None else min(step, length - received)
            if wanted <= 0:
                break
            began = time.monotonic()
            try:
                chunk = stream.read(wanted)
            except Exception as error:  # a broken connection or chunked encoding, however the server says it
                raise BodyProblem(400, f"the request body could not be read: {error}")
            now = time.monotonic()
            parts.append(chunk)
            received += len(chunk)
            if received > cap:
                raise BodyProblem(413, refusal(None))
            if len(chunk) < wanted:  # the end of the body
                if length is not None:
                    raise BodyProblem(400, f"the request body ended after {received:,} of the {length:,} bytes its "
                                           "Content-Length announced")
                break
            elapsed = now - started
            if elapsed > self.deadline:
                self.too_slow += 1
                raise BodyProblem(408, f"the request body did not arrive within {self.deadline:g} s")
            if elapsed > self.grace and received < self.min_rate * (elapsed - self.grace):
                self.too_slow += 1
                raise BodyProblem(408, f"the request body arrived at {received / elapsed:,.0f} bytes/s; this service "
                                       f"reads bodies sent at {self.min_rate:,} bytes/s or faster")
            # while bytes flow, ask for more at once; while they trickle, ask for little, to watch the pace
            step = min(step * 2, MAX_STEP) if now - began < 0.05 else max(1, step // 4)
        return b"".join(parts)

    def status(self) -> dict:
        return {"readers": self.readers, "too_slow": self.too_slow, "refused_busy": self.refused_busy}
