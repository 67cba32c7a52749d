"""The SPARQL 1.1 Service Description returned by a GET on /sparql without a query, so that
clients which auto-detect endpoints (Comunica, YASGUI) find `sd:endpoint` and the dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from flask import Response, abort, current_app, request

from ssbonto.namespaces import INFERRED_GRAPH, KNOWLEDGE_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from ssbonto.layout import MANIFEST_FILE

from ..negotiation import NotAcceptable, choose
from .result_formats import GRAPH, GRAPH_TYPES, content_type, negotiate

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]
# The standard RDF types only: a browser's "application/xml;q=0.9" should not win over Turtle.
DESCRIPTION_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
                     "application/n-quads", "application/trig"]
GRAPH_KEYS = {"ontology": ONTOLOGY_GRAPH, "kg": KNOWLEDGE_GRAPH, "inferred": INFERRED_GRAPH}


def sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def describe(endpoint: str, triples_per_graph: dict[str, int], federated: bool) -> list[ox.Triple]:
    service, dataset, default_graph = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, DCTERMS_TITLE, ox.Literal("ssbonto SPARQL endpoint (read-only)", language="en")),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
    ]
    if federated:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + name)) for name in RESULT_FORMATS]
    for key, graph_iri in GRAPH_KEYS.items():
        named, graph = ox.BlankNode(f"named-{key}"), ox.BlankNode(f"graph-{key}")
        triples += [ox.Triple(dataset, sd("namedGraph"), named),
                    ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
                    ox.Triple(named, sd("name"), ox.NamedNode(str(graph_iri))),
                    ox.Triple(named, sd("graph"), graph),
                    ox.Triple(graph, RDF_TYPE, sd("Graph"))]
        if key in triples_per_graph:
            triples.append(ox.Triple(graph, VOID_TRIPLES, ox.Literal(str(triples_per_graph[key]),
                                                                     datatype=ox.NamedNode(str(PREFIXES["xsd"]) + "integer"))))
    return triples


def _graph_sizes(release_dir: Path) -> dict[str, int]:
    try:
        return json.loads((Path(release_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))["triples"]
    except (OSError, ValueError, KeyError):
        return {}


def response(format_values: list[str]) -> Response:
    settings = current_app.config["SSBONTO"]
    if format_values:
        media_type = negotiate(GRAPH, None, format_values)
    else:
        try:
            media_type = choose(request.headers.get("Accept"), DESCRIPTION_TYPES, default=DESCRIPTION_TYPES[0])
        except NotAcceptable:
            media_type = None
    if media_type not in DESCRIPTION_TYPES:
        abort(406, "the service description is available as " + ", ".join(DESCRIPTION_TYPES))
    triples = describe(request.base_url, _graph_sizes(settings.release_dir), bool(settings.service_allow_list))
    prefixes = {"sd": SD, "formats": FORMATS, "void": "http://rdfs.org/ns/void#", "dcterms": str(PREFIXES["dcterms"])}
    body = ox.serialize(triples, format=GRAPH_TYPES[media_type],
                        prefixes=prefixes if media_type in ("text/turtle", "application/trig") else None)
    result = Response(body, content_type=content_type(media_type))
    result.headers["Vary"] = "Accept"
    return result
