"""Every IRI base and prefix ssbonto uses, defined once."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, VOID, PROV

BASE = "https://w3id.org/ssbonto/"
SSB = Namespace(BASE + "def/")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
ONTOLOGY_IRI = URIRef(BASE + "def")

QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
QUANTITYKIND = Namespace("http://qudt.org/vocab/quantitykind/")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

# Named graphs of a release: the hand-written ontology, the generated knowledge graph,
# and what the reasoner inferred from both.
ONTOLOGY_GRAPH = GRAPH["ontology"]
KNOWLEDGE_GRAPH = GRAPH["kg"]
INFERRED_GRAPH = GRAPH["inferred"]

PREFIXES = {
    "ssb": SSB,
    "ssbid": ID,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "qudt": QUDT,
    "unit": UNIT,
    "quantitykind": QUANTITYKIND,
    "vann": VANN,
    "void": VOID,
    "prov": PROV,
    "sh": SH,
}


def bind_prefixes(graph):
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
