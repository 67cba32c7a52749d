"""RDF documents written for the linked-data and VoID responses, in the four RDF syntaxes a
resource offers. Triples are sorted first, so the same request always gets the same bytes."""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph

from ssbonto.namespaces import PREFIXES, bind_prefixes
from ssbonto.build.release import jsonld_document

# document extension -> media type, in the order a page lists them
RDF_DOCUMENT_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
_OXIGRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_PREFIXES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def serialize(triples: Iterable[ox.Triple], media_type: str, context: dict) -> bytes:
    """`context` is the release's JSON-LD context document (used for JSON-LD only)."""
    ordered = sorted(set(triples), key=str)
    ntriples = ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES)
    if media_type == "application/ld+json":
        # The same compaction as the release's JSON-LD dump (see ssbonto.release.jsonld_document).
        graph = bind_prefixes(Graph())
        graph.parse(data=ntriples.decode("utf-8"), format="nt")
        return jsonld_document(graph, context).encode("utf-8")
    if media_type == "application/n-triples":
        return ntriples
    return ox.serialize(ordered, format=_OXIGRAPH_FORMATS[media_type], prefixes=_prefixes_used(ordered))


def _prefixes_used(triples: list[ox.Triple]) -> dict[str, str]:
    """The prefixes whose namespaces occur. `ssbid:` is left out: its local names hold slashes,
    which Turtle would have to escape (ssbid:material\\/llzo), so full IRIs read better."""
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {prefix: namespace for prefix, namespace in _PREFIXES.items()
            if prefix != "ssbid" and any(iri.startswith(namespace) for iri in iris)}
