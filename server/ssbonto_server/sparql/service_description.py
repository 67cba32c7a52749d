"""The SPARQL 1.1 Service Description returned by a GET on /sparql without a query, so that
clients which auto-detect endpoints (Comunica, YASGUI) find `sd:endpoint` and the dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from flask import Response, abort, current_app, request

from ssbonto.namespaces import INFERRED_GRAPH, KNOWLEDGE_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from ssbonto.prefixes import PREFIX_IRIS
from ssbonto.layout import MANIFEST_FILE, earlier_releases

from ..negotiation import NotAcceptable, choose
from .result_formats import GRAPH, GRAPH_TYPES, content_type, negotiate

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
HAS_VERSION = ox.NamedNode("http://purl.org/dc/terms/hasVersion")
VERSION_INFO = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
SH = "http://www.w3.org/ns/shacl#"
RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]
# The standard RDF types only: a browser's "application/xml;q=0.9" should not win over Turtle.
DESCRIPTION_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
                     "application/n-quads", "application/trig"]
GRAPH_KEYS = {"ontology": ONTOLOGY_GRAPH, "kg": KNOWLEDGE_GRAPH, "inferred": INFERRED_GRAPH}


def sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def describe(endpoint: str, triples_per_graph: dict[str, int], federated: bool, version: str | None = None,
             versions: dict[str, str] | None = None) -> list[ox.Triple]:
    """`versions`: every release served, version -> its endpoint (the current one and earlier ones)."""
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
    if version:
        triples.append(ox.Triple(service, VERSION_INFO, ox.Literal(version)))
    for number, (served, address) in enumerate((versions or {}).items()):
        release = ox.BlankNode(f"release-{number}")
        triples += [ox.Triple(service, HAS_VERSION, release), ox.Triple(release, RDF_TYPE, sd("Service")),
                    ox.Triple(release, sd("endpoint"), ox.NamedNode(address)),
                    ox.Triple(release, VERSION_INFO, ox.Literal(served))]
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + name)) for name in RESULT_FORMATS]
    # the predeclared prefixes, in SHACL's vocabulary for prefix declarations (sh:declare)
    for name, namespace in PREFIX_IRIS.items():
        declaration = ox.BlankNode(f"prefix-{name}")
        triples += [ox.Triple(service, ox.NamedNode(SH + "declare"), declaration),
                    ox.Triple(declaration, ox.NamedNode(SH + "prefix"), ox.Literal(name)),
                    ox.Triple(declaration, ox.NamedNode(SH + "namespace"),
                              ox.Literal(namespace, datatype=ox.NamedNode(str(PREFIXES["xsd"]) + "anyURI")))]
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


def _manifest(release_dir: Path) -> dict:
    try:
        return json.loads((Path(release_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def served_versions(release_dir: Path) -> dict[str, str]:
    """Every release this service answers queries on, version -> endpoint (current one first)."""
    root = request.host_url.rstrip("/") + request.script_root
    current = _manifest(release_dir).get("version")
    versions = {current: f"{root}/sparql"} if current else {}
    for version in earlier_releases(release_dir):
        versions[version] = f"{root}/release/{version}/sparql"
    return versions


def response(format_values: list[str], release_dir: Path | None = None) -> Response:
    """The description of the endpoint of `release_dir` (default: the current release)."""
    settings = current_app.config["SSBONTO"]
    release_dir = release_dir or settings.release_dir
    if format_values:
        media_type = negotiate(GRAPH, None, format_values)
    else:
        try:
            media_type = choose(request.headers.get("Accept"), DESCRIPTION_TYPES, default=DESCRIPTION_TYPES[0])
        except NotAcceptable:
            media_type = None
    if media_type not in DESCRIPTION_TYPES:
        abort(406, "the service description is available as " + ", ".join(DESCRIPTION_TYPES))
    manifest = _manifest(release_dir)
    triples = describe(request.base_url, manifest.get("triples", {}), bool(settings.service_allow_list),
                       manifest.get("version"), served_versions(settings.release_dir))
    prefixes = {"sd": SD, "formats": FORMATS, "void": "http://rdfs.org/ns/void#", "dcterms": str(PREFIXES["dcterms"]),
                "owl": str(PREFIXES["owl"]), "sh": SH, "xsd": str(PREFIXES["xsd"])}
    body = ox.serialize(triples, format=GRAPH_TYPES[media_type],
                        prefixes=prefixes if media_type in ("text/turtle", "application/trig") else None)
    result = Response(body, content_type=content_type(media_type))
    result.headers["Vary"] = "Accept"
    return result
