"""The SPARQL 1.1 Protocol endpoint at /sparql: read-only queries by GET, by form POST and by
direct POST; the dataset from default-graph-uri / named-graph-uri; answers negotiated by Accept
(or the `format` parameter); the service description when there is no query.

Requests with a query are answered without Flask, straight from the WSGI environ (the front,
ssbonto_server.front, calls `read_request` and `answer`): every query runs in a query process
under the deadline (query_runner), which also checks it (size, depth, updates, SERVICE and FROM
against the allow-list), and its whole answer exists before the status line is sent, so a failed
query never answers 200 with half a body. Flask serves the service description and what the
front passes on (OPTIONS, other methods).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import binascii
import re
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from ..errors import error_response
from . import service_description
from .query_runner import query_runner
from .query_worker import READ_ONLY
from .result_formats import GRAPH, SOLUTIONS, negotiate, offered

blueprint = Blueprint("sparql", __name__)

FORMAT_PARAMETERS = ("format", "output", "results")  # the last two as SPARQLWrapper also sends them
KNOWN_PARAMETERS = ("query", "update", "default-graph-uri", "named-graph-uri", *FORMAT_PARAMETERS)
FORM, DIRECT, DIRECT_UPDATE = ("application/x-www-form-urlencoded", "application/sparql-query",
                               "application/sparql-update")


class ProtocolError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class SparqlRequest:
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    formats: tuple[str, ...]

    def cache_key(self, accept: str, origin: str) -> tuple:
        """Everything of the request its answer depends on: the same for GET and POST."""
        return ("sparql", self.query, self.default_graphs, self.named_graphs, self.formats, accept, origin)


def read_request(environ, body: bytes, max_query_bytes: int) -> SparqlRequest | None:
    """The query request in `environ` (and its body, already read); None when it asks for the
    service description. Raises ProtocolError."""
    parameters = read_parameters(environ, body, max_query_bytes)
    queries = [value for name, value in parameters if name == "query"]
    updates = [value for name, value in parameters if name == "update"]
    formats = tuple(value for name, value in parameters if name in FORMAT_PARAMETERS)
    default_graphs = tuple(check_iri(value, name) for name, value in parameters if name == "default-graph-uri")
    named_graphs = tuple(check_iri(value, name) for name, value in parameters if name == "named-graph-uri")
    if queries and updates:
        raise ProtocolError(400, "a request carries either 'query' or 'update', not both")
    if updates:
        raise ProtocolError(403, READ_ONLY)
    if len(queries) > 1:
        raise ProtocolError(400, f"the request carries {len(queries)} 'query' parameters; send exactly one")
    if not queries:
        if environ["REQUEST_METHOD"] in ("GET", "HEAD") and not default_graphs and not named_graphs:
            return None
        raise ProtocolError(400, "missing the 'query' parameter (a GET without parameters returns the service "
                                 "description)")
    sparql = queries[0]
    size = len(sparql.encode("utf-8"))
    if size > max_query_bytes:
        raise ProtocolError(413, f"the query is {size:,} bytes; this endpoint accepts queries of at most "
                                 f"{max_query_bytes:,} bytes")
    if not sparql.strip():
        raise ProtocolError(400, "the query is empty")
    return SparqlRequest(sparql, default_graphs, named_graphs, formats)


def read_parameters(environ, body: bytes, max_query_bytes: int) -> list[tuple[str, str]]:
    """All protocol parameters of the request, from the URL and from the body, decoded strictly."""
    raw_query = environ.get("QUERY_STRING", "")
    parameters = _pairs(raw_query.encode("latin-1", "replace") if raw_query else b"", "the URL's query string")
    if environ["REQUEST_METHOD"] != "POST":
        _check_names(parameters)
        return parameters
    media_type, charset = _content_type(environ.get("CONTENT_TYPE", ""))
    if media_type == DIRECT_UPDATE:
        raise ProtocolError(403, READ_ONLY)
    if media_type not in (FORM, DIRECT):
        raise ProtocolError(415, f"a POST to this endpoint must be {FORM} or {DIRECT}, not "
                                 f"{media_type or 'without a Content-Type'}")
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the body of a {media_type} POST must be UTF-8, not {charset}")
    if media_type == FORM:
        parameters += _pairs(body, "the form body")
    else:
        if len(body) > max_query_bytes:
            raise ProtocolError(413, f"the query is {len(body):,} bytes; this endpoint accepts queries of at most "
                                     f"{max_query_bytes:,} bytes")
        try:
            parameters.append(("query", body.decode("utf-8")))
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"the query is not valid UTF-8 (byte {error.start})")
        if any(name == "query" for name, _ in parameters[:-1]):
            raise ProtocolError(400, f"a {DIRECT} POST carries the query in its body, not also as a 'query' parameter")
    _check_names(parameters)
    return parameters


@lru_cache(maxsize=256)
def _content_type(header: str) -> tuple[str, str]:
    media_type, _, rest = header.partition(";")
    charset = "utf-8"
    for parameter in rest.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


MAX_FIELDS = 1000
_INVALID_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """application/x-www-form-urlencoded pairs, as urllib's parse_qsl reads them (blank values
    kept, UTF-8 strictly), percent-decoded by binascii: a long query decodes several times faster."""
    fields = [field for field in raw.split(b"&") if field]
    if len(fields) > MAX_FIELDS:
        raise ProtocolError(400, f"{where} cannot be read: it has more than {MAX_FIELDS} fields")
    pairs = []
    try:
        for field in fields:
            name, _, value = field.partition(b"=")
            pairs.append((_unquote(name).decode("utf-8"), _unquote(value).decode("utf-8")))
    except UnicodeDecodeError:
        raise ProtocolError(400, f"{where} is not valid UTF-8")
    return pairs


def _unquote(raw: bytes) -> bytes:
    raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        return raw
    if _INVALID_ESCAPE.search(raw) or b"\r" in raw or b"\n" in raw:
        return unquote_to_bytes(raw)
    # quoted-printable's =XX is the same escape as %XX: binascii decodes it in C
    return binascii.a2b_qp(raw.replace(b"=", b"=3D").replace(b"%", b"="))


def _check_names(parameters: list[tuple[str, str]]) -> None:
    for name, _ in parameters:
        if name not in KNOWN_PARAMETERS:
            raise ProtocolError(400, f"unknown parameter {name!r}; this endpoint reads {', '.join(KNOWN_PARAMETERS)}")


def check_iri(value: str, parameter: str) -> str:
    try:
        ox.NamedNode(value)
    except ValueError as error:
        raise ProtocolError(400, f"{parameter} {value!r} is not an absolute IRI: {error}")
    return value


@lru_cache(maxsize=512)
def negotiated(accept: str | None, formats: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(media type for SELECT/ASK answers, for CONSTRUCT/DESCRIBE answers), per Accept and format."""
    return negotiate(SOLUTIONS, accept, list(formats)), negotiate(GRAPH, accept, list(formats))


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    message: str = ""  # for errors
    headers: dict | None = None
    cacheable: bool = False
    query_ms: float | None = None
    in_worker: bool = False  # answered by the web worker (worker_lane), not by a query process


def answer(sparql: SparqlRequest, accept: str | None, runner, due: float | None = None, lane=None) -> Reply:
    """Run the query in a query process, or in this worker when it is one small triple pattern
    (worker_lane); the reply to send (errors included)."""
    solutions_type, graph_type = negotiated(accept, sparql.formats)
    if solutions_type is None and graph_type is None:
        raise ProtocolError(406, "none of the requested media types can be produced; SELECT/ASK answers come as "
                                 f"{offered(SOLUTIONS)}; CONSTRUCT/DESCRIBE answers as {offered(GRAPH)}")
    dataset_given = bool(sparql.default_graphs or sparql.named_graphs)
    job = (sparql.query, solutions_type, graph_type, sparql.default_graphs if dataset_given else None,
           sparql.named_graphs if dataset_given else None)
    in_worker = lane is not None and lane.takes(job)
    result = lane.run(job) if in_worker else runner.run(job, due)
    status, media_type, body, message, _, seconds, headers, cacheable = result
    return Reply(status, media_type, body, message, headers, cacheable, round(seconds * 1000, 3), in_worker)


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """What the front passes on: the service description (and every query, if no front is installed)."""
    return respond(query_runner())


def respond(runner, release_dir=None) -> Response:
    """The protocol over one release and its query processes: the current one, or an earlier one
    (`/release/<version>/sparql`, which the front passes on)."""
    settings = current_app.config["SSBONTO"]
    try:
        sparql = read_request(request.environ, request.get_data(cache=True), settings.max_query_bytes)
        if sparql is None:
            formats = [value for name, value in read_parameters(request.environ, b"", settings.max_query_bytes)
                       if name in FORMAT_PARAMETERS]
            return service_description.response(formats, release_dir)
        reply = answer(sparql, request.headers.get("Accept"), runner)
    except ProtocolError as error:
        return error_response(error.status, error.message)
    if reply.status != 200:
        return error_response(reply.status, reply.message, reply.headers)
    response = Response(reply.body, status=200, content_type=reply.content_type)
    response.headers["Vary"] = "Accept"
    return response
