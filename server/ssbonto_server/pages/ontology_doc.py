"""HTML documentation of the ontology, generated from its named graph in the store.

pyLODE was the first choice, but 3.3.4 (the last release that runs on Python 3.11) fails on this
ontology's nested class expressions (a union inside an intersection: "unhashable type: 'list'")
and orders set members by hash; this generator covers what the pages need, deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from markupsafe import Markup

from ssbonto.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI, SSB

from .resource_view import DCTERMS, OWL, RDF, RDFS, SKOS, Describer, natural

ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
INFERRED = ox.NamedNode(str(INFERRED_GRAPH))
VANN = "http://purl.org/vocab/vann/"

SECTIONS = [  # (anchor, heading, rdf:type of the terms listed)
    ("classes", "Classes", OWL + "Class"),
    ("object-properties", "Object properties", OWL + "ObjectProperty"),
    ("datatype-properties", "Datatype properties", OWL + "DatatypeProperty"),
    ("annotation-properties", "Annotation properties", OWL + "AnnotationProperty"),
    ("individuals", "Named individuals", OWL + "NamedIndividual"),
]
METADATA = [  # (row heading, property)
    ("Title", DCTERMS + "title"),
    ("Version", OWL + "versionInfo"),
    ("Version IRI", OWL + "versionIRI"),
    ("Description", DCTERMS + "description"),
    ("Licence", DCTERMS + "license"),
    ("Creator", DCTERMS + "creator"),
    ("Contributor", DCTERMS + "contributor"),
    ("Publisher", DCTERMS + "publisher"),
    ("Created", DCTERMS + "created"),
    ("Modified", DCTERMS + "modified"),
    ("Source", DCTERMS + "source"),
    ("Cite as", DCTERMS + "bibliographicCitation"),
    ("Preferred prefix", VANN + "preferredNamespacePrefix"),
    ("Namespace", VANN + "preferredNamespaceUri"),
    ("Homepage", "http://xmlns.com/foaf/0.1/homepage"),
]
# (row heading, property, which way: "out" = the term's values, "in" = terms pointing at it)
TERM_ROWS = [
    ("Superclasses", RDFS + "subClassOf", "out"),
    ("Equivalent to", OWL + "equivalentClass", "out"),
    ("Disjoint with", OWL + "disjointWith", "out"),
    ("Subclasses", RDFS + "subClassOf", "in"),
    ("Super-properties", RDFS + "subPropertyOf", "out"),
    ("Sub-properties", RDFS + "subPropertyOf", "in"),
    ("Inverse of", OWL + "inverseOf", "out"),
    ("Domain", RDFS + "domain", "out"),
    ("Range", RDFS + "range", "out"),
    ("Types", RDF + "type", "out"),
    ("Example", SKOS + "example", "out"),
]
DECLARATION_TYPES = {kind for _, _, kind in SECTIONS}


@dataclass
class Term:
    anchor: str
    iri: str
    label: str
    href: str
    definitions: list[str]
    alt_labels: list[str]
    rows: list[tuple[str, list[Markup]]] = field(default_factory=list)


@dataclass
class OntologyDoc:
    iri: str
    version_iri: str
    title: str
    metadata: list[tuple[str, list[Markup]]]
    sections: list[tuple[str, str, list[Term]]]


def document(describer: Describer) -> OntologyDoc:
    store = describer.store
    ontology = ox.NamedNode(str(ONTOLOGY_IRI))

    def values(subject, predicate: str, graph=ONTOLOGY) -> list:
        return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, graph)]

    metadata = []
    for heading, predicate in METADATA:
        found = sorted(values(ontology, predicate), key=str)
        if found:
            metadata.append((heading, [describer.render(value) for value in found]))
    version_iri = next((v.value for v in values(ontology, OWL + "versionIRI")), "")
    title = next((v.value for v in values(ontology, DCTERMS + "title")), describer.label(str(ONTOLOGY_IRI)))

    sections = []
    for anchor, heading, kind in SECTIONS:
        members = {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"),
                                                                    ox.NamedNode(kind), ONTOLOGY)
                   if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(str(SSB))}
        terms = [_term(describer, iri, values) for iri in members]
        sections.append((anchor, heading, sorted(terms, key=lambda term: natural(term.label))))
    return OntologyDoc(str(ONTOLOGY_IRI), version_iri, title, metadata, sections)


def _term(describer: Describer, iri: str, values) -> Term:
    node = ox.NamedNode(iri)
    store = describer.store
    term = Term(anchor=iri[len(str(SSB)):], iri=iri, label=describer.label(iri), href=describer.href(iri),
                definitions=sorted(v.value for v in values(node, SKOS + "definition")),
                alt_labels=sorted({v.value for v in values(node, SKOS + "altLabel") + values(node, str(SSB.acronym))}))
    for heading, predicate, direction in TERM_ROWS:
        if direction == "out":
            found = values(node, predicate)
            if predicate == RDF + "type":
                found = [v for v in found if v.value not in DECLARATION_TYPES]
        else:
            found = [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(predicate), node, ONTOLOGY)
                     if isinstance(q.subject, ox.NamedNode)]
        if found:
            term.rows.append((heading, sorted((describer.render(v) for v in found),
                                              key=lambda m: natural(m.striptags()))))
    inferred = [q.object for q in store.quads_for_pattern(node, ox.NamedNode(RDFS + "subClassOf"), None, INFERRED)]
    if inferred:
        term.rows.append(("Inferred superclasses (HermiT)", sorted((describer.render(v) for v in inferred),
                                                                  key=lambda m: natural(m.striptags()))))
    return term
