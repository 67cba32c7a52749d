"""Every IRI base and prefix ssbonto uses, defined once."""

from rdflib import Namespace, URIRef

from .prefixes import (BASE, GRAPH_BASE, INFERRED_GRAPH_IRI, KNOWLEDGE_GRAPH_IRI, ONTOLOGY_GRAPH_IRI,
                       PREFIX_IRIS)

SSB = Namespace(PREFIX_IRIS["ssb"])
ID = Namespace(PREFIX_IRIS["ssbid"])
GRAPH = Namespace(GRAPH_BASE)
ONTOLOGY_IRI = URIRef(BASE + "def")

QUDT = Namespace(PREFIX_IRIS["qudt"])
UNIT = Namespace(PREFIX_IRIS["unit"])
QUANTITYKIND = Namespace(PREFIX_IRIS["quantitykind"])
VANN = Namespace(PREFIX_IRIS["vann"])
SH = Namespace(PREFIX_IRIS["sh"])
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

# Named graphs of a release: the hand-written ontology, the generated knowledge graph,
# and what the reasoner inferred from both.
ONTOLOGY_GRAPH = URIRef(ONTOLOGY_GRAPH_IRI)
KNOWLEDGE_GRAPH = URIRef(KNOWLEDGE_GRAPH_IRI)
INFERRED_GRAPH = URIRef(INFERRED_GRAPH_IRI)

PREFIXES = {prefix: Namespace(iri) for prefix, iri in PREFIX_IRIS.items()}


def bind_prefixes(graph):
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
