"""4xx answers for people and programs: a small HTML page when the client prefers HTML, plain
text otherwise; the message is escaped either way."""

from __future__ import annotations

from flask import Response, render_template, request

TITLES = {400: "Bad request", 404: "Not found", 406: "Not acceptable", 412: "Precondition failed", 413: "Content too large",
          416: "Range not satisfiable"}


def wants_html() -> bool:
    """Browsers name text/html explicitly; programs send */* or RDF types."""
    return any(value == "text/html" and quality > 0 for value, quality in request.accept_mimetypes)


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if wants_html():
        body = render_template("problem.html", status=status, title=TITLES.get(status, "Error"), message=message)
        response = Response(body, status=status, mimetype="text/html")
    else:
        response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
