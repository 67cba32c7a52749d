"""4xx answers of the linked-data, download and UI routes: a page in the site's layout when a
browser asks for HTML, otherwise the service's JSON error ({"status", "error", "message"})."""

from __future__ import annotations


from flask import Response, render_template, request

from .errors import error_fields, json_body

TITLES = {400: "Bad request", 404: "Not found", 406: "Not acceptable", 410: "Gone", 413: "Content too large",
          415: "Unsupported media type", 416: "Range not satisfiable", 429: "Too many requests",
          503: "Service unavailable"}


def wants_html() -> bool:
    """Browsers name text/html explicitly; programs send */* or RDF types."""
    return any(value == "text/html" and quality > 0 for value, quality in request.accept_mimetypes)


def problem(status: int, message: str, headers: dict[str, str] | None = None,
            suggestions: list[dict] | None = None) -> Response:
    """`suggestions` ([{"label", "display", "href", "iri"}]): what the asker may have meant,
    linked on the HTML page and listed as "did_you_mean" in the JSON."""
    if wants_html():
        body = render_template("problem.html", status=status, title=TITLES.get(status, "Error"), message=message,
                               suggestions=suggestions or [], version=_served_version())
        response = Response(body, status=status, mimetype="text/html")
    else:  # JSON whatever else Accept says, so that the suggestions can join it
        detail = error_fields(status, message)
        if suggestions:
            detail["did_you_mean"] = [{"iri": s["iri"], "label": s["label"], "href": s["href"]} for s in suggestions]
        response = Response(json_body(detail), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _served_version() -> str:
    """The footer's version; a problem page must render even when the release cannot be read."""
    from .served import served_release

    try:
        return served_release().version
    except Exception:  # the release is missing or pruned: the page says what went wrong, not this
        return ""
