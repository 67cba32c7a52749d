"""The SPARQL 1.1 Protocol endpoint at /sparql: read-only queries by GET, by form POST and by
direct POST; the dataset from default-graph-uri / named-graph-uri; answers negotiated by Accept
(or the `format` parameter); the service description when there is no query.

Every query runs in a worker process under the deadline (query_runner), and its whole answer
exists before the status line is sent, so a failed query never answers 200 with half a body.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, g, request

from ssbonto.namespaces import INFERRED_GRAPH, KNOWLEDGE_GRAPH, ONTOLOGY_GRAPH
from ssbonto.store import DEFAULT_PREFIXES
from ssbonto.store.query_text import inspect_query

from ..errors import error_response
from . import service_description
from .answer_cache import CACHEABLE
from .query_runner import QueryJob, query_runner
from .result_formats import GRAPH, SOLUTIONS, negotiate, offered

blueprint = Blueprint("sparql", __name__)

LOCAL_GRAPHS = (str(ONTOLOGY_GRAPH), str(KNOWLEDGE_GRAPH), str(INFERRED_GRAPH))
FORMAT_PARAMETERS = ("format", "output", "results")  # the last two as SPARQLWrapper also sends them
KNOWN_PARAMETERS = ("query", "update", "default-graph-uri", "named-graph-uri", *FORMAT_PARAMETERS)
FORM, DIRECT, DIRECT_UPDATE = ("application/x-www-form-urlencoded", "application/sparql-query",
                               "application/sparql-update")
READ_ONLY = ("SPARQL Update is not accepted: this endpoint is read-only (the knowledge graph changes only "
             "through a new release)")


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    return answer(query_runner(), current_app.config["SSBONTO"].release_dir)


def answer(runner, release_dir) -> Response:
    """The protocol over one release: the current one, or an earlier one (`/release/<version>/sparql`)."""
    settings = current_app.config["SSBONTO"]
    parameters = read_parameters(settings.max_query_bytes)
    queries = [value for name, value in parameters if name == "query"]
    updates = [value for name, value in parameters if name == "update"]
    formats = [value for name, value in parameters if name in FORMAT_PARAMETERS]
    default_graphs = [check_iri(value, name) for name, value in parameters if name == "default-graph-uri"]
    named_graphs = [check_iri(value, name) for name, value in parameters if name == "named-graph-uri"]
    if queries and updates:
        abort(400, "a request carries either 'query' or 'update', not both")
    if updates:
        abort(403, READ_ONLY)
    if len(queries) > 1:
        abort(400, f"the request carries {len(queries)} 'query' parameters; send exactly one")
    if not queries:
        if request.method == "GET" and not default_graphs and not named_graphs:
            return service_description.response(formats, release_dir)
        abort(400, "missing the 'query' parameter (a GET without parameters returns the service description)")
    sparql = queries[0]
    size = len(sparql.encode("utf-8"))
    if size > settings.max_query_bytes:
        abort(413, f"the query is {size:,} bytes; this endpoint accepts queries of at most "
                   f"{settings.max_query_bytes:,} bytes")
    if not sparql.strip():
        abort(400, "the query is empty")

    shape = inspect_query(sparql, DEFAULT_PREFIXES)
    if shape.is_update:
        abort(403, READ_ONLY)
    remote = outside_world(shape, default_graphs + named_graphs, settings.service_allow_list)
    solutions_type = negotiate(SOLUTIONS, request.headers.get("Accept"), formats)
    graph_type = negotiate(GRAPH, request.headers.get("Accept"), formats)
    if solutions_type is None and graph_type is None:
        abort(406, "none of the requested media types can be produced; SELECT/ASK answers come as "
                   f"{offered(SOLUTIONS)}; CONSTRUCT/DESCRIBE answers as {offered(GRAPH)}")
    dataset_given = bool(default_graphs or named_graphs)
    job = QueryJob(sparql, solutions_type, graph_type,
                   default_graphs=tuple(default_graphs) if dataset_given else None,
                   named_graphs=tuple(named_graphs) if dataset_given else None,
                   remote_graphs=tuple(remote), remote_timeout=settings.query_timeout)
    outcome = runner.run(job)
    if outcome.status != 200:
        return error_response(outcome.status, outcome.message, outcome.headers)
    g.query_ms = round(outcome.seconds * 1000, 3)  # for the access log
    if not remote and not shape.services:  # from the release alone: the same as long as this process lives
        request.environ[CACHEABLE] = True
    response = Response(outcome.body, status=200, content_type=outcome.content_type)
    response.headers["Vary"] = "Accept"
    return response


def read_parameters(max_query_bytes: int) -> list[tuple[str, str]]:
    """All protocol parameters of the request, from the URL and from the body, decoded strictly."""
    parameters = _pairs(request.query_string, "the URL's query string")
    if request.method != "POST":
        _check_names(parameters)
        return parameters
    media_type = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if media_type == DIRECT_UPDATE:
        abort(403, READ_ONLY)
    if media_type not in (FORM, DIRECT):
        abort(415, f"a POST to this endpoint must be {FORM} or {DIRECT}, not "
                   f"{media_type or 'without a Content-Type'}")
    if charset not in ("utf-8", "utf8"):
        abort(415, f"the body of a {media_type} POST must be UTF-8, not {charset}")
    body = request.get_data(cache=False)
    if media_type == FORM:
        parameters += _pairs(body, "the form body")
    else:
        if len(body) > max_query_bytes:
            abort(413, f"the query is {len(body):,} bytes; this endpoint accepts queries of at most "
                       f"{max_query_bytes:,} bytes")
        try:
            parameters.append(("query", body.decode("utf-8")))
        except UnicodeDecodeError as error:
            abort(400, f"the query is not valid UTF-8 (byte {error.start})")
        if any(name == "query" for name, _ in parameters[:-1]):
            abort(400, f"a {DIRECT} POST carries the query in its body, not also as a 'query' parameter")
    _check_names(parameters)
    return parameters


def _pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict",
                         max_num_fields=1000)
    except UnicodeDecodeError:
        abort(400, f"{where} is not valid UTF-8")
    except ValueError as error:
        abort(400, f"{where} cannot be read: {error}")


def _check_names(parameters: list[tuple[str, str]]) -> None:
    for name, _ in parameters:
        if name not in KNOWN_PARAMETERS:
            abort(400, f"unknown parameter {name!r}; this endpoint reads {', '.join(KNOWN_PARAMETERS)}")


def check_iri(value: str, parameter: str) -> str:
    try:
        ox.NamedNode(value)
    except ValueError as error:
        abort(400, f"{parameter} {value!r} is not an absolute IRI: {error}")
    return value


def allowed(iri: str, allow_list: list[str]) -> bool:
    """An entry allows itself, and everything below it when it ends with '/'."""
    return any(iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allow_list)


def outside_world(shape, protocol_graphs: list[str], allow_list: list[str]) -> list[str]:
    """Refuse (403) what would reach another server unless it is allow-listed; returns the
    allow-listed remote graphs the query needs fetched."""
    for item in shape.unresolved:
        abort(403, f"{item}: the target of SERVICE and FROM must be an IRI written in the query, so that it "
                   "can be checked against the allow-list of this endpoint")
    for iri in shape.services:
        if not allowed(iri, allow_list):
            abort(403, f"SERVICE <{iri}> is refused: this endpoint calls no other endpoint unless it is on its "
                       "allow-list (SSBONTO_SERVICE_ALLOW_LIST)")
    remote = []
    for iri in [*shape.from_graphs, *shape.from_named_graphs, *protocol_graphs]:
        if iri in LOCAL_GRAPHS or iri in remote:
            continue
        if not allowed(iri, allow_list):
            abort(403, f"graph <{iri}> is not held here (the graphs are {', '.join(LOCAL_GRAPHS)}), and other "
                       "graphs are fetched only from the allow-list (SSBONTO_SERVICE_ALLOW_LIST)")
        remote.append(iri)
    return remote
