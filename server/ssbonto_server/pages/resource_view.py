"""What the store says about one IRI, arranged for a page or an RDF document.

Everything here reads quads from the served release's embedded store; nothing is parsed from
the curated tables. Values are rendered with markupsafe, so text from the graph is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from markupsafe import Markup

from ssbonto.namespaces import INFERRED_GRAPH, PREFIXES, SSB

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"

TYPE = ox.NamedNode(RDF + "type")
LABEL = ox.NamedNode(RDFS + "label")
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
FIRST, REST, NIL = RDF + "first", RDF + "rest", RDF + "nil"
INFERRED = ox.NamedNode(str(INFERRED_GRAPH))

DEFINITIONS = [SKOS + "definition", RDFS + "comment", DCTERMS + "description"]
ALT_LABELS = [SKOS + "altLabel", str(SSB.acronym)]
PROVENANCE = {str(SSB[name]) for name in ("sourceTable", "sourceRow", "sourceSection", "citesReference",
                                          "curationFile", "curationLine")}
SHOWN_AT_TOP = {RDF + "type", RDFS + "label", *DEFINITIONS, *ALT_LABELS}

MAX_INCOMING = 300  # a class such as ssb:Study has one incoming rdf:type per study
MAX_DEPTH = 8  # nesting of class expressions rendered on a page
MAX_LIST = 1000  # members of one RDF list
_CURIE_PREFIXES = sorted(((str(ns), prefix) for prefix, ns in PREFIXES.items()), key=lambda item: -len(item[0]))


def curie(iri: str) -> str:
    for namespace, prefix in _CURIE_PREFIXES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


@dataclass
class PropertyValues:
    property: Markup
    values: list[tuple[Markup, bool]]  # rendered value, inferred by the reasoner


@dataclass
class Provenance:
    tables: list[Markup] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # cited references, by number
    curation: list[str] = field(default_factory=list)  # "file, line n"

    def __bool__(self) -> bool:
        return bool(self.tables or self.sections or self.references or self.curation)


@dataclass
class ResourceView:
    iri: str
    label: str
    definitions: list[str]
    alt_labels: list[str]
    types: list[tuple[Markup, bool]]
    outgoing: list[PropertyValues]
    incoming: list[PropertyValues]
    incoming_total: int
    provenance: Provenance
    query_link: str
    incoming_query_link: str

    @property
    def incoming_shown(self) -> int:
        return min(self.incoming_total, MAX_INCOMING)


class Describer:
    """Reads descriptions of IRIs from an Oxigraph store. `base_iri` is the namespace this
    server answers for; `link_root` is the URL path under which those IRIs dereference here."""

    def __init__(self, store: ox.Store, base_iri: str, link_root: str = ""):
        self.store = store
        self.base_iri = base_iri
        self.link_root = link_root
        self.labels = self._labels()

    def _labels(self) -> dict[str, str]:
        """One label per IRI: skos:prefLabel over rdfs:label, English or plain over other
        languages, then the alphabetically first (so the choice never depends on load order)."""
        best: dict[str, tuple[int, str]] = {}
        for predicate, rank in ((PREF_LABEL, 2), (LABEL, 0)):
            for quad in self.store.quads_for_pattern(None, predicate, None):
                if not isinstance(quad.subject, ox.NamedNode) or not isinstance(quad.object, ox.Literal):
                    continue
                key = (-(rank + (1 if quad.object.language in (None, "en") else 0)), quad.object.value)
                if quad.subject.value not in best or key < best[quad.subject.value]:
                    best[quad.subject.value] = key
        return {iri: text for iri, (_, text) in best.items()}

    # -- lookups ---------------------------------------------------------------------------------
    def exists(self, iri: str) -> bool:
        node = self.node(iri)
        if node is None:
            return False
        return (next(iter(self.store.quads_for_pattern(node, None, None)), None) is not None
                or next(iter(self.store.quads_for_pattern(None, None, node)), None) is not None)

    @staticmethod
    def node(iri: str) -> ox.NamedNode | None:
        try:
            return ox.NamedNode(iri)
        except ValueError:
            return None

    def triples(self, iri: str, graph: ox.NamedNode | None = None) -> list[ox.Triple]:
        """The RDF description: every statement about the IRI (with the blank nodes it uses,
        such as class expressions, followed to their end) and every statement naming it."""
        node = ox.NamedNode(iri)
        found: set[ox.Triple] = set()
        pending = [node]
        seen = set()
        while pending:
            subject = pending.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for quad in self.store.quads_for_pattern(subject, None, None, graph):
                found.add(quad.triple)
                if isinstance(quad.object, ox.BlankNode):
                    pending.append(quad.object)
        for quad in self.store.quads_for_pattern(None, None, node, graph):
            if isinstance(quad.subject, ox.NamedNode):
                found.add(quad.triple)
        return sorted(found, key=str)

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or curie(iri)

    def href(self, iri: str) -> str:
        if iri.startswith(self.base_iri):
            return f"{self.link_root}/{iri[len(self.base_iri):]}"
        return iri

    # -- rendering -------------------------------------------------------------------------------
    def link(self, iri: str) -> Markup:
        return Markup('<a href="{}" title="{}">{}</a>').format(self.href(iri), iri, self.label(iri))

    def render(self, term, depth: int = 0) -> Markup:
        if isinstance(term, ox.NamedNode):
            return self.link(term.value)
        if isinstance(term, ox.Literal):
            return self.render_literal(term)
        if isinstance(term, ox.BlankNode) and depth < MAX_DEPTH:
            return self.render_blank(term, depth + 1)
        return Markup("[…]")

    @staticmethod
    def render_literal(literal: ox.Literal) -> Markup:
        if literal.language:
            return Markup('<span class="literal" lang="{}">{}</span>').format(literal.language, literal.value)
        datatype = literal.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Markup('<span class="literal">{}</span>').format(literal.value)
        return Markup('<span class="literal">{}</span> <span class="datatype">{}</span>').format(
            literal.value, curie(datatype))

    def objects(self, subject, predicate: str) -> list:
        return [q.object for q in self.store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]

    def one(self, subject, predicate: str):
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def members(self, head) -> list:
        items = []
        while isinstance(head, ox.BlankNode) and len(items) < MAX_LIST:
            first = self.one(head, FIRST)
            if first is None:
                break
            items.append(first)
            head = self.one(head, REST)
        return items

    def render_blank(self, node: ox.BlankNode, depth: int) -> Markup:
        """OWL class expressions in Manchester syntax; any other blank node as [ p o ; … ]."""
        restricted = self.one(node, OWL + "onProperty")
        if restricted is not None:
            return self.render_restriction(node, restricted, depth)
        for predicate, joiner in ((OWL + "unionOf", " or "), (OWL + "intersectionOf", " and ")):
            head = self.one(node, predicate)
            if head is not None:
                parts = [self.render(member, depth) for member in self.members(head)]
                return Markup("(") + Markup(joiner).join(parts) + Markup(")")
        head = self.one(node, OWL + "oneOf")
        if head is not None:
            return Markup("{") + Markup(", ").join(self.render(m, depth) for m in self.members(head)) + Markup("}")
        complement = self.one(node, OWL + "complementOf")
        if complement is not None:
            return Markup("not ") + self.render(complement, depth)
        if self.one(node, FIRST) is not None:
            return Markup("(") + Markup(" ").join(self.render(m, depth) for m in self.members(node)) + Markup(")")
        parts = [Markup("{} {}").format(self.link(q.predicate.value), self.render(q.object, depth))
                 for q in self.store.quads_for_pattern(node, None, None)]
        return Markup("[ ") + Markup(" ; ").join(sorted(parts)) + Markup(" ]")

    def render_restriction(self, node, restricted, depth: int) -> Markup:
        prop = self.render(restricted, depth)
        for predicate, word in (("someValuesFrom", "some"), ("allValuesFrom", "only"), ("hasValue", "value")):
            value = self.one(node, OWL + predicate)
            if value is not None:
                return Markup("({} <em>{}</em> {})").format(prop, word, self.render(value, depth))
        for predicate, word in (("minQualifiedCardinality", "min"), ("maxQualifiedCardinality", "max"),
                                ("qualifiedCardinality", "exactly"), ("minCardinality", "min"),
                                ("maxCardinality", "max"), ("cardinality", "exactly")):
            value = self.one(node, OWL + predicate)
            if value is not None:
                on_class = self.one(node, OWL + "onClass") or self.one(node, OWL + "onDataRange")
                qualifier = Markup(" ") + self.render(on_class, depth) if on_class is not None else Markup("")
                return Markup("({} <em>{}</em> {}{})").format(prop, word, value.value, qualifier)
        return Markup("({})").format(prop)

    # -- the page --------------------------------------------------------------------------------
    def view(self, iri: str) -> ResourceView:
        node = ox.NamedNode(iri)
        outgoing: dict[str, list[tuple[Markup, bool]]] = {}
        types: list[tuple[Markup, bool]] = []
        definitions, alt_labels = [], []
        provenance_quads = []
        for quad in sorted(self.store.quads_for_pattern(node, None, None), key=str):
            predicate = quad.predicate.value
            inferred = quad.graph_name == INFERRED
            if predicate in PROVENANCE:
                provenance_quads.append(quad)
            elif predicate == RDF + "type":
                types.append((self.render(quad.object), inferred))
            elif predicate in DEFINITIONS and isinstance(quad.object, ox.Literal):
                definitions.append(quad.object.value)
            elif predicate in ALT_LABELS and isinstance(quad.object, ox.Literal):
                alt_labels.append(quad.object.value)
            if predicate not in SHOWN_AT_TOP and predicate not in PROVENANCE:
                outgoing.setdefault(predicate, []).append((self.render(quad.object), inferred))
        incoming: dict[str, list[tuple[Markup, bool]]] = {}
        incoming_total = 0
        for quad in self.store.quads_for_pattern(None, None, node):
            if not isinstance(quad.subject, ox.NamedNode):
                continue  # a class expression or list that mentions this IRI, shown on its owner's page
            incoming_total += 1
            if incoming_total <= MAX_INCOMING:
                incoming.setdefault(quad.predicate.value, []).append(
                    (self.link(quad.subject.value), quad.graph_name == INFERRED))
        return ResourceView(
            iri=iri, label=self.labels.get(iri) or curie(iri),
            definitions=sorted(set(definitions)), alt_labels=sorted(set(alt_labels)),
            types=_unique(types), outgoing=self._grouped(outgoing), incoming=self._grouped(incoming),
            incoming_total=incoming_total, provenance=self.provenance(provenance_quads),
            query_link=self.query_link(query_this(iri)),
            incoming_query_link=self.query_link(
                f"SELECT ?subject ?property WHERE {{\n  ?subject ?property <{iri}> .\n}}\nORDER BY ?property ?subject"))

    def query_link(self, query: str) -> str:
        return f"{self.link_root}/query?" + urlencode({"query": query})

    def _grouped(self, by_predicate: dict[str, list[tuple[Markup, bool]]]) -> list[PropertyValues]:
        groups = [PropertyValues(self.link(predicate), _unique(values)) for predicate, values in by_predicate.items()]
        return sorted(groups, key=lambda group: natural(group.property.striptags()))

    def provenance(self, quads) -> Provenance:
        result = Provenance()
        cited = []
        for quad in quads:
            name = quad.predicate.value[len(str(SSB)):]
            value = quad.object
            if name == "sourceTable":
                result.tables.append(self.render(value))
            elif name == "sourceRow":
                result.rows.append(value.value)
            elif name == "sourceSection":
                result.sections.append(value.value.removeprefix("Section: "))
            elif name == "citesReference" and isinstance(value, ox.NamedNode):
                number = self.one(value, str(SSB.referenceNumber))
                cited.append((int(number.value) if number is not None else 0, value.value))
        files = [q.object.value for q in quads if q.predicate.value == str(SSB.curationFile)]
        lines = [q.object.value for q in quads if q.predicate.value == str(SSB.curationLine)]
        result.curation = [f"{file}, line {line}" for file in files for line in lines]
        result.references = [iri for _, iri in sorted(cited)]
        return result


def natural(text: str) -> list:
    """A sort key that puts "row 2" before "row 10"."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _unique(values: list[tuple[Markup, bool]]) -> list[tuple[Markup, bool]]:
    """One entry per value; a value both asserted and inferred counts as asserted."""
    best: dict[str, tuple[Markup, bool]] = {}
    for value, inferred in values:
        if str(value) not in best or not inferred:
            best[str(value)] = (value, inferred)
    return sorted(best.values(), key=lambda item: natural(item[0].striptags()))


def query_this(iri: str) -> str:
    """The query a page's "query this" link opens: everything stated about the IRI."""
    return f"SELECT ?property ?value WHERE {{\n  <{iri}> ?property ?value .\n}}\nORDER BY ?property ?value"
