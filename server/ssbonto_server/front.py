"""What every request meets first, in front of the Flask application: its body read with a
deadline, a rate floor and a size cap (request_body); SPARQL queries answered without Flask
(sparql.endpoint), from the answer cache when they were answered before, by GET or POST alike;
other GET routes answered from the cache when they marked an earlier answer as cacheable
(sparql.answer_cache.keep). Everything else goes on to Flask, with the body already read."""

from __future__ import annotations

import io
import logging
import time

from .access_log import log as access_log
from .access_log import write_entry
from .errors import error_body
from .request_body import BodyProblem, BodyReader
from .sparql.answer_cache import CACHE_HEADER, CACHEABLE, AnswerCache
from .sparql.endpoint import ProtocolError, answer, read_request
from .validation.pool import VALIDATION_PATHS, too_large

FRONT_KEY = "ssbonto.front"  # where create_app keeps the front among the app's extensions
# the CORS answer flask_cors gives the Flask routes (create_app), for the routes answered here
EXPOSED = "Content-Disposition, Content-Length, ETag, Last-Modified, Retry-After, " + CACHE_HEADER
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 408: "Request Timeout", 413: "Content Too Large", 415: "Unsupported Media Type",
           500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable"}


def _status_line(status: int) -> str:
    return f"{status} {REASONS.get(status, 'Error')}"


def _cors(environ, headers: list) -> list:
    origin = environ.get("HTTP_ORIGIN")
    headers.append(("Access-Control-Allow-Origin", origin or "*"))
    headers.append(("Access-Control-Expose-Headers", EXPOSED))
    return headers


def body_limit(environ, settings) -> tuple:
    """(cap, refusal) of this request's body: documents sent to be validated have their own cap."""
    if environ.get("PATH_INFO") in VALIDATION_PATHS:
        return settings.validation_max_bytes, lambda size: too_large(size, settings.validation_max_bytes)
    return None, None


class Front:
    def __init__(self, app, settings, runner, cache: AnswerCache | None, lane=lambda: None):
        self.app = app  # the Flask application's WSGI callable
        self.settings = settings
        self.runner = runner  # called for the pool of query processes (created on first use)
        self.lane = lane  # called for the lane of one-pattern queries (sparql.worker_lane), or None
        self.cache = cache
        self.bodies = BodyReader(settings.max_body_bytes, deadline=settings.body_timeout,
                                 min_rate=settings.body_min_rate, grace=settings.body_grace,
                                 readers=settings.body_readers)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        try:
            return self._handle(environ, start_response, started)
        except Exception as error:  # a fault here: logged with its traceback, answered without it
            import uuid

            incident = uuid.uuid4().hex[:12]
            logging.getLogger("ssbonto.errors").error("unexpected error %s on %s %s", incident,
                                                      environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                                                      exc_info=error)
            return self._error(environ, start_response, started, 500,
                               f"an unexpected error occurred; it was logged as incident {incident}")

    def _handle(self, environ, start_response, started):
        try:
            body = self.bodies.read(environ, *body_limit(environ, self.settings))
        except BodyProblem as problem:
            return self._error(environ, start_response, started, problem.status, problem.message,
                               {**problem.headers, "Connection": "close"})
        if environ.get("CONTENT_LENGTH") or environ.get("HTTP_TRANSFER_ENCODING"):
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input_terminated"] = True
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        method = environ["REQUEST_METHOD"]
        if environ.get("PATH_INFO") == "/sparql" and method in ("GET", "POST", "HEAD"):
            try:
                sparql = read_request(environ, body, self.settings.max_query_bytes)
            except ProtocolError as error:
                return self._error(environ, start_response, started, error.status, error.message)
            if sparql is not None:
                return self._sparql(environ, start_response, started, sparql)
        elif method == "GET" and self.cache is not None:
            return self._cached_route(environ, start_response, started)
        return self.app(environ, start_response)

    # -- SPARQL ---------------------------------------------------------------------------------
    def _sparql(self, environ, start_response, started, sparql):
        accept = environ.get("HTTP_ACCEPT")
        due = time.monotonic() + self.settings.query_timeout  # waiting for an identical request counts
        if self.cache is None:
            return self._run(environ, start_response, started, sparql, accept, None, due)
        key = sparql.cache_key(accept or "", environ.get("HTTP_ORIGIN", ""))
        entry = self.cache.get(key)
        if entry is None:
            entry, release = self.cache.claim(key)
            if entry is None:
                try:
                    return self._run(environ, start_response, started, sparql, accept, key, due)
                finally:
                    release()
        status, headers, body, _ = entry
        start_response(status, headers + [(CACHE_HEADER, "hit")])
        self._log(environ, 200, len(body), started, None, headers, cache="hit")
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _run(self, environ, start_response, started, sparql, accept, key, due):
        try:
            reply = answer(sparql, accept, self.runner(), due, self.lane())
        except ProtocolError as error:
            return self._error(environ, start_response, started, error.status, error.message)
        if reply.status != 200:
            return self._error(environ, start_response, started, reply.status, reply.message, reply.headers,
                               reply.query_ms)
        headers = _cors(environ, [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body))),
                                  ("Vary", "Accept, Origin" if environ.get("HTTP_ORIGIN") else "Accept")])
        extra = []
        if key is not None and reply.cacheable:
            self.cache.put(key, ("200 OK", headers, reply.body), len(reply.body))
            extra = [(CACHE_HEADER, "miss")]
        start_response("200 OK", headers + extra)
        self._log(environ, 200, len(reply.body), started, reply.query_ms, headers,
                  **({"lane": "worker"} if reply.in_worker else {}))
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [reply.body]

    def _error(self, environ, start_response, started, status, message, headers=None, query_ms=None):
        media_type, body = error_body(status, message, environ.get("HTTP_ACCEPT"))
        listed = _cors(environ, [("Content-Type", media_type), ("Content-Length", str(len(body))),
                                 *((headers or {}).items())])
        if environ.get("HTTP_ORIGIN"):
            listed.append(("Vary", "Origin"))
        start_response(_status_line(status), listed)
        self._log(environ, status, len(body), started, query_ms, listed)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _log(self, environ, status, size, started, query_ms, headers, **extra) -> None:
        if access_log.isEnabledFor(logging.INFO):
            media_type = next((value for name, value in headers if name == "Content-Type"), "")
            write_entry(environ.get("REMOTE_ADDR"), environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), status,
                        size, started, query_ms, media_type.split(";", 1)[0].strip(),
                        environ.get("HTTP_USER_AGENT", ""), **extra)

    # -- other GET routes ---------------------------------------------------------------------------
    def _cached_route(self, environ, start_response, started):
        key = ("GET", environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT", ""),
               environ.get("HTTP_ORIGIN", ""))
        entry = self.cache.get(key)
        if entry is None:
            entry, release = self.cache.claim(key)
            if entry is None:
                try:
                    return self._answer_and_keep(key, environ, start_response)
                finally:
                    release()
        status, headers, body, _ = entry
        start_response(status, headers + [(CACHE_HEADER, "hit")])
        self._log(environ, int(status.split(" ", 1)[0]), len(body), started, None, headers, cache="hit")
        return [body]

    def _answer_and_keep(self, key: tuple, environ, start_response):
        sent: dict = {}

        def recording_start_response(status, headers, exc_info=None):
            sent["status"], sent["headers"] = status, headers
            if environ.get(CACHEABLE):
                headers = headers + [(CACHE_HEADER, "miss")]
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording_start_response)
        if not environ.get(CACHEABLE) or not sent.get("status", "").startswith("200"):
            return result  # streamed through untouched (downloads, errors, pages that are not kept)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.cache.put(key, (sent["status"], list(sent["headers"]), body), len(body))
        return [body]

    def status(self) -> dict:
        return {"bodies": self.bodies.status()}
