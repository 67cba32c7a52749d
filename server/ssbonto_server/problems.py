"""4xx answers of the linked-data, download and UI routes: a page in the site's layout when a
browser asks for HTML, otherwise the service's JSON error ({"status", "error", "message"})."""

from __future__ import annotations

from flask import Response, render_template, request

from .errors import error_response

TITLES = {400: "Bad request", 404: "Not found", 406: "Not acceptable", 410: "Gone", 413: "Content too large",
          415: "Unsupported media type", 416: "Range not satisfiable", 429: "Too many requests",
          503: "Service unavailable"}


def wants_html() -> bool:
    """Browsers name text/html explicitly; programs send */* or RDF types."""
    return any(value == "text/html" and quality > 0 for value, quality in request.accept_mimetypes)


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if not wants_html():
        return error_response(status, message, headers)
    body = render_template("problem.html", status=status, title=TITLES.get(status, "Error"), message=message)
    response = Response(body, status=status, mimetype="text/html")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
