"""Validation as a service: `POST /api/validate` and the `/validate` page.

The document comes as the request body with its media type (text/turtle, application/ld+json,
application/n-triples, application/rdf+xml) or as a form (a `file` field, or `data` text with a
`format`). It is validated exactly as `ssbonto validate` does, against the served release, in a
validator process (validation.pool); nothing is stored and nothing is fetched. The answer is JSON
by default, the SHACL validation report as Turtle or JSON-LD on Accept, a report page for browsers.

Limits (settings): the body size (413), the time one validation may take (503, the process is
stopped and replaced), validations at once (429 with Retry-After); a document that cannot be
read gets 400 with what is wrong and, for a syntax error, its line and column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from ssbonto.answers.validation import EXTENSIONS, FORMATS, MEDIA_TYPES

from ..errors import error_response
from ..negotiation import NotAcceptable, choose
from ..problems import problem
from ..served import served_release
from ..validation.pool import RETRY_AFTER_SECONDS, Busy, TimedOut, Unavailable, too_large, validator_pool
from ..validation.worker import ValidationJob

blueprint = Blueprint("validate", __name__)

REPORT_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD}
ANSWER_TYPES = ["application/json", *REPORT_TYPES, "text/html"]
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF/XML"}
REPORT_PREFIXES = {"sh": "http://www.w3.org/ns/shacl#", "ssb": "https://w3id.org/ssbonto/def/",
                   "ssbsh": "https://w3id.org/ssbonto/shapes/", "xsd": "http://www.w3.org/2001/XMLSchema#"}


class Refused(Exception):
    """A request that is answered with an error before any validation: status and message."""

    def __init__(self, status: int, message: str, line: int | None = None, column: int | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.line, self.column, self.headers = status, message, line, column, headers


@dataclass
class Document:
    data: bytes
    fmt: str
    name: str
    text: str = ""  # what was pasted, shown again on the page


def limit() -> int:
    return current_app.config["SSBONTO"].validation_max_bytes


def refuse_size() -> Refused:
    """(Behind the front, which refuses a body above the cap before it is read, this catches what
    a server without the front lets through.)"""
    return Refused(413, too_large(request.content_length, limit()))


def guess_format(data: bytes) -> str:
    start = data.lstrip()[:200]
    if start[:1] in (b"{", b"["):
        return "jsonld"
    if start.startswith(b"<?xml") or start.startswith(b"<rdf:RDF"):
        return "rdfxml"
    return "ttl"  # N-Triples is Turtle too


def format_named(value: str, data: bytes) -> str:
    value = (value or "").strip().lower()
    if value in ("", "auto"):
        return guess_format(data)
    if value in FORMATS:
        return value
    if value in MEDIA_TYPES:
        return MEDIA_TYPES[value]
    raise Refused(400, f"format {value!r} is not one of auto, {', '.join(FORMATS)} or the media types "
                       f"{', '.join(MEDIA_TYPES)}")


def read_document() -> Document:
    """The document of the request, within the size limit."""
    # A body without Content-Length (chunked) stops at the limit without an error: let it run one
    # byte over, so that a longer one is told apart from one of exactly the limit.
    request.max_content_length = limit() if request.content_length is not None else limit() + 1
    request.max_form_memory_size = limit() + 1  # a pasted document is a form field, not a file
    try:
        if request.mimetype in FORMS:
            document = _from_form()
        else:
            fmt = MEDIA_TYPES.get(request.mimetype)
            if fmt is None:
                raise Refused(415, f"send the document as {', '.join(MEDIA_TYPES)}, or as a form with a 'file' "
                                   f"field (multipart/form-data), not {request.mimetype or 'without a Content-Type'}")
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise Refused(415, f"send the document in UTF-8, not {charset}")
            document = Document(request.get_data(cache=False), fmt, "the document")
    except RequestEntityTooLarge:
        raise refuse_size()
    if len(document.data) > limit():
        raise refuse_size()
    return document


def _from_form() -> Document:
    upload = request.files.get("file")
    chosen = request.form.get("format", "")
    if upload is not None and upload.filename:
        data = upload.read()
        name = upload.filename
        if chosen in ("", "auto"):
            extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
            chosen = EXTENSIONS.get(extension) or MEDIA_TYPES.get(upload.mimetype) or "auto"
        return Document(data, format_named(chosen, data), name)
    text = request.form.get("data", "")
    if not text.strip():
        raise Refused(400, "the form holds no document: choose a file ('file' field) or paste one ('data' field)")
    data = text.encode("utf-8")
    return Document(data, format_named(chosen, data), "the pasted document", text)


def validate_document(document: Document, report: bool = False) -> dict:
    try:
        answer = validator_pool().validate(ValidationJob(document.data, document.fmt, document.name, report))
    except Busy as error:
        raise Refused(429, f"{error}; try again in {RETRY_AFTER_SECONDS} s",
                      headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    except TimedOut as error:
        raise Refused(503, str(error), headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    except Unavailable as error:
        raise Refused(503, str(error), headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if answer["status"] != 200:
        raise Refused(answer["status"], answer["message"], answer.get("line"), answer.get("column"))
    return answer


def refusal(error: Refused, html: bool) -> Response:
    if html:
        return problem(error.status, error.message, error.headers)
    body = {"status": error.status, "message": error.message}
    if error.line:
        body.update(line=error.line, column=error.column)
    response = error_response(error.status, error.message, error.headers)
    if response.mimetype == "application/json":
        response.set_data(json.dumps({**json.loads(response.get_data()), **body}, ensure_ascii=False) + "\n")
    return response


@blueprint.route("/api/validate", methods=["POST"])
def api_validate() -> Response:
    try:
        wanted = choose(request.headers.get("Accept"), ANSWER_TYPES, default="application/json")
    except NotAcceptable as error:
        return problem(406, f"the validation answer comes as {', '.join(ANSWER_TYPES)}: {error}")
    try:
        document = read_document()
        answer = validate_document(document, report=wanted in REPORT_TYPES)
    except Refused as error:
        return refusal(error, wanted == "text/html")
    if wanted == "text/html":
        return report_page(answer, document)
    if wanted in REPORT_TYPES:
        report = ox.serialize(ox.parse(answer["report"], format=ox.RdfFormat.N_TRIPLES),
                              format=REPORT_TYPES[wanted], prefixes=REPORT_PREFIXES)
        return Response(report, mimetype=wanted)
    body = {key: answer[key] for key in ("conforms", "ssbonto", "triples", "results")}
    return Response(json.dumps(body, ensure_ascii=False, indent=1) + "\n", mimetype="application/json")


def grouped(results: list[dict]) -> list[dict]:
    """The results by focus node, in the order the nodes first appear."""
    groups: dict[str, dict] = {}
    for result in results:
        group = groups.setdefault(result["focus"], {"focus": result["focus"], "label": result["focus_label"],
                                                    "noun": result["noun"], "results": []})
        group["results"].append(result)
    return list(groups.values())


def report_page(answer: dict | None, document: Document | None, error: Refused | None = None) -> Response:
    results = answer["results"] if answer else []
    counts = {severity: sum(r["severity"] == severity for r in results) for severity in ("Violation", "Warning")}
    body = render_template("validate.html", version=served_release().version, answer=answer, error=error,
                           groups=grouped(results), counts=counts, document=document, limit=limit(),
                           formats=FORMAT_NAMES)
    return Response(body, status=error.status if error else 200, mimetype="text/html",
                    headers=error.headers if error and error.headers else None)


@blueprint.route("/validate", methods=["GET", "POST"])
def validate_page() -> Response:
    if request.method == "GET":
        validator_pool().start()  # the processes load while the person chooses a file
        return report_page(None, None)
    document = None
    try:
        document = read_document()
        answer = validate_document(document)
    except Refused as error:
        return report_page(None, document, error)
    return report_page(answer, document)
