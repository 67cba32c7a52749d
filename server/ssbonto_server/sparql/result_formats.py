"""The media types a SPARQL answer can be written in, and how `format` parameter values name them.

SELECT and ASK answers are SPARQL results (JSON, XML, CSV, TSV); CONSTRUCT and DESCRIBE answers
are RDF. The first entry of each table is the default; the aliases after the standard types
exist for clients that ask for plain JSON or XML.
"""

from __future__ import annotations

import pyoxigraph as ox

SOLUTION_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/xml": ox.RdfFormat.RDF_XML,
}

# `format` (also `output`, `results`, as SPARQLWrapper sends them) value -> media type
SOLUTION_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_NAMES = {"ttl": "text/turtle", "turtle": "text/turtle", "n3": "text/turtle",
               "nt": "application/n-triples", "ntriples": "application/n-triples",
               "n-triples": "application/n-triples", "jsonld": "application/ld+json",
               "json-ld": "application/ld+json", "json": "application/ld+json",
               "rdfxml": "application/rdf+xml", "rdf+xml": "application/rdf+xml", "rdf": "application/rdf+xml",
               "xml": "application/rdf+xml", "nq": "application/n-quads", "nquads": "application/n-quads",
               "n-quads": "application/n-quads", "trig": "application/trig"}

SOLUTIONS, GRAPH = "solutions", "graph"
OFFERS = {SOLUTIONS: (SOLUTION_TYPES, SOLUTION_NAMES, "application/sparql-results+json"),
          GRAPH: (GRAPH_TYPES, GRAPH_NAMES, "text/turtle")}


def negotiate(kind: str, accept: str | None, format_values: list[str]) -> str | None:
    """The media type to write a `kind` answer in, or None when the client accepts none of ours.
    Format values win over Accept; several values (or comma lists) are alternatives."""
    from ..negotiation import NotAcceptable, choose  # here: query processes read the tables without werkzeug

    types, names, default = OFFERS[kind]
    offered = list(types)
    wanted = [part.strip().lower() for value in format_values for part in value.split(",") if part.strip()]
    if wanted:
        for value in wanted:
            media_type = names.get(value, value)
            if media_type in types:
                return media_type
        return None
    try:
        return choose(accept, offered, default=default)
    except NotAcceptable:
        return None


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def offered(kind: str) -> str:
    return ", ".join(OFFERS[kind][0])
