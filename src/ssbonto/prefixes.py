"""The IRIs of ssbonto's prefixes and named graphs as plain strings: what the query store and its
processes need, without loading rdflib (namespaces.py makes rdflib terms of them)."""

BASE = "https://w3id.org/ssbonto/"
GRAPH_BASE = BASE + "graph/"
ONTOLOGY_GRAPH_IRI = GRAPH_BASE + "ontology"
KNOWLEDGE_GRAPH_IRI = GRAPH_BASE + "kg"
INFERRED_GRAPH_IRI = GRAPH_BASE + "inferred"

PREFIX_IRIS = {
    "ssb": BASE + "def/",
    "ssbid": BASE + "id/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "quantitykind": "http://qudt.org/vocab/quantitykind/",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
    # one prefix per kind of individual, so that queries read `material:llzo`, `reference:94`,
    # `study:table-1-row-5` (a '/' cannot stand in a prefixed name such as ssbid:material/llzo)
    **{kind: f"{BASE}id/{kind}/" for kind in (
        "material", "interface", "cell", "study", "measurement", "finding", "quantity", "reference", "table",
        "capability", "technique-summary", "neutron-data", "element", "nuclide")},
}

# Prefixes of the aligned ontologies, for the module and the published JSON-LD context
# (the curie_map of ssbonto.sssom.yml uses the same names).
ALIGNED_PREFIXES = {
    "obo": "http://purl.obolibrary.org/obo/",
    "CHMO": "http://purl.obolibrary.org/obo/CHMO_",
    "PaNET": "http://purl.org/pan-science/PaNET/",
    "chameo": "https://w3id.org/emmo/domain/characterisation-methodology/chameo#",
    "emmo": "https://w3id.org/emmo#",
    "echem": "https://w3id.org/emmo/domain/electrochemistry#",
    "battery": "https://w3id.org/emmo/domain/battery#",
    "quantitykind": "http://qudt.org/vocab/quantitykind/",
}
