"""Error answers for the whole service: every HTTP error becomes a short message saying what was
wrong, as JSON for programs or as an escaped HTML page when a browser asks for HTML; anything
unexpected becomes a 500 with an incident id and no traceback (the traceback goes to the log)."""

from __future__ import annotations

import html
import json
import logging
import uuid

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import HTTP_STATUS_CODES, parse_accept_header

log = logging.getLogger("ssbonto.errors")

# werkzeug's default descriptions talk about "the browser"; these say what to change instead
PLAIN_MESSAGES = {
    404: "nothing is served at this address",
    405: "this address does not answer the {method} method",
    413: "the request body is larger than this service accepts ({limit} bytes)",
}


def error_body(status: int, message: str, accept: str | None) -> tuple[str, bytes]:
    """(content type, body) of an error answer: an escaped HTML page when `accept` prefers HTML,
    else the JSON object. Needs no request context (the WSGI front uses it too)."""
    reason = HTTP_STATUS_CODES.get(status, "Error")
    if _prefers_html(accept):
        body = (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} {reason}</title>"
                f"</head>\n<body><h1>{status} {html.escape(reason)}</h1>\n<p>{html.escape(message)}</p></body></html>\n")
        return "text/html; charset=utf-8", body.encode()
    return "application/json", json_body(error_fields(status, message))


def error_fields(status: int, message: str) -> dict:
    """The JSON error object; callers may add fields (the parameter at fault, suggestions)."""
    return {"status": status, "error": HTTP_STATUS_CODES.get(status, "Error"), "message": message}


def json_body(fields: dict) -> bytes:
    return (json.dumps(fields, ensure_ascii=False) + "\n").encode()


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    media_type, body = error_body(status, message, request.headers.get("Accept"))
    response = Response(body, status=status, content_type=media_type)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _prefers_html(accept_header: str | None) -> bool:
    if not accept_header or "html" not in accept_header:
        return False
    try:
        accept = parse_accept_header(accept_header[:4096], MIMEAccept)
        return accept.quality("text/html") > accept.quality("application/json")
    except Exception:  # an unreadable Accept header must not turn an error answer into another error
        return False


def _http_error(error: HTTPException) -> Response:
    original = error.get_response()
    message = error.description if error.description and error.description != type(error).description else \
        PLAIN_MESSAGES.get(error.code, HTTP_STATUS_CODES.get(error.code, "error")).format(
            method=request.method, limit=_body_limit())
    headers = {name: value for name, value in original.headers.items()
               if name.lower() in ("allow", "retry-after", "www-authenticate", "location")}
    return error_response(error.code or 500, message, headers)


def _body_limit() -> str:
    from flask import current_app

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return f"{limit:,}" if limit else "unlimited"


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return _http_error(error)
    cause = getattr(error, "original_exception", None) or error
    incident = uuid.uuid4().hex[:12]
    log.error("unexpected error %s on %s %s", incident, request.method, request.path,
              exc_info=(type(cause), cause, cause.__traceback__))
    return error_response(500, f"an unexpected error occurred; it was logged as incident {incident}")


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.register_error_handler(InternalServerError, _unexpected)
