"""The ontology's classes and their hierarchy, read once per process from the release's ontology
graph (asserted) and inferred graph (what HermiT placed): parents, children, ancestors, the
technique families, and the defined classes the reasoner fills (Table 9's information kinds)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .reading import INFERRED, ONTOLOGY, SSB, Reader, iri_term, is_iri, one_of, values

TECHNIQUE = SSB + "CharacterizationTechnique"
STUDIED_ENTITY = SSB + "StudiedEntity"
# Class sets written out from the hierarchy, which Oxigraph joins far faster than it walks
# rdfs:subClassOf* for every row of a large release: `@sub(Material, ?c)` keeps the rows whose ?c is
# ssb:Material or a class under it (asserted or inferred), `@below(…)` leaves the class itself out,
# `@families(?c)` keeps the technique families; `@each-sub(…)`/`@each-below(…)` start from the classes
# instead (a VALUES list, for a ?c nothing else binds yet). `@lineage(?c, ?a)`: ?a is ?c or one of its
# asserted superclasses.
CLASS_SET = re.compile(r"@(each-)?(sub|below)\((\w+), (\?\w+)\)|@families\((\?\w+)\)|@lineage\((\?\w+), (\?\w+)\)")


@dataclass
class ClassInfo:
    iri: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    definition: str = ""
    parents: list[str] = field(default_factory=list)  # asserted named superclasses
    inferred_parents: list[str] = field(default_factory=list)  # placed there by HermiT only
    children: list[str] = field(default_factory=list)  # asserted
    inferred_children: list[str] = field(default_factory=list)
    defined: bool = False  # has an owl:equivalentClass: membership follows from its definition


class Hierarchy:
    def __init__(self, reader: Reader):
        self.classes: dict[str, ClassInfo] = {}
        for row in reader.rows(f"""SELECT ?c ?definition ?equivalent WHERE {{
              GRAPH {ONTOLOGY} {{ ?c a owl:Class
                OPTIONAL {{ ?c skos:definition ?definition }}
                OPTIONAL {{ ?c owl:equivalentClass ?equivalent }} }}
              FILTER(isIRI(?c)) }}"""):
            if not is_iri(row["c"]):  # a class expression, skolemized by a remote store
                continue
            info = self.classes.setdefault(row["c"], ClassInfo(row["c"], reader.label(row["c"])))
            info.definition = info.definition or row.get("definition", "")
            info.defined = info.defined or "equivalent" in row
        for row in reader.rows(f"""SELECT ?c ?alt WHERE {{ GRAPH {ONTOLOGY} {{
              ?c a owl:Class ; skos:altLabel|ssb:acronym ?alt }} FILTER(isIRI(?c)) }}"""):
            if row["c"] in self.classes:
                self.classes[row["c"]].alt_labels.append(row["alt"])
        edges = reader.rows(f"""SELECT ?c ?p ?g WHERE {{ GRAPH ?g {{ ?c rdfs:subClassOf ?p }}
              FILTER(isIRI(?c) && isIRI(?p) && ?g IN ({ONTOLOGY}, {INFERRED})) }}""")
        asserted = {(row["c"], row["p"]) for row in edges if row["g"] == ONTOLOGY[1:-1]}
        for child, parent in sorted(asserted):
            if child in self.classes and parent in self.classes:
                self.classes[child].parents.append(parent)
                self.classes[parent].children.append(child)
        for row in sorted(edges, key=lambda r: (r["c"], r["p"])):
            child, parent = row["c"], row["p"]
            if (child, parent) in asserted or child not in self.classes or parent not in self.classes:
                continue
            if parent not in self.classes[child].inferred_parents:
                self.classes[child].inferred_parents.append(parent)
                self.classes[parent].inferred_children.append(child)
        # the defined class "technique giving X information" <-> the information kind X
        self.information_kind = {row["c"]: row["kind"] for row in reader.rows(f"""SELECT ?c ?kind WHERE {{
              GRAPH {ONTOLOGY} {{ ?c owl:equivalentClass/owl:intersectionOf/rdf:rest*/rdf:first ?r .
                                 ?r owl:onProperty ssb:yieldsInformation ; owl:hasValue ?kind }} }}""")}
        self.class_giving = {kind: c for c, kind in self.information_kind.items()}
        for info in self.classes.values():
            info.alt_labels.sort(key=str.lower)
            for members in (info.children, info.inferred_children):
                members.sort(key=lambda iri: self.classes[iri].label.lower())

    def __contains__(self, iri: str) -> bool:
        return iri in self.classes

    def label(self, iri: str) -> str:
        return self.classes[iri].label if iri in self.classes else iri

    def ancestors(self, iri: str, inferred: bool = False) -> list[str]:
        """Every superclass, nearest first (asserted edges; with `inferred`, HermiT's too)."""
        return self._walk(iri, lambda info: info.parents + (info.inferred_parents if inferred else []))

    def descendants(self, iri: str, inferred: bool = False) -> list[str]:
        """Every asserted subclass, nearest first (with `inferred`, those HermiT placed too)."""
        return self._walk(iri, lambda info: info.children + (info.inferred_children if inferred else []))

    def _walk(self, iri: str, step) -> list[str]:
        """The classes `step` reaches from `iri`, breadth first, each once."""
        found: list[str] = []
        frontier = [iri]
        while frontier:
            following = []
            for current in frontier:
                info = self.classes.get(current)
                for reached in step(info) if info else ():
                    if reached not in found and reached != iri:
                        found.append(reached)
                        following.append(reached)
            frontier = following
        return found

    def is_a(self, iri: str, ancestor: str) -> bool:
        return iri == ancestor or ancestor in self.ancestors(iri)

    def is_technique(self, iri: str) -> bool:
        return iri in self.classes and self.is_a(iri, TECHNIQUE)

    def families(self) -> list[str]:
        """The technique families: the asserted, undefined direct subclasses of
        ssb:CharacterizationTechnique (synchrotron X-ray, solid-state NMR, neutron, supporting)."""
        return [child for child in self.classes[TECHNIQUE].children if not self.classes[child].defined] \
            if TECHNIQUE in self.classes else []

    def family_of(self, iri: str) -> list[str]:
        lineage = [iri, *self.ancestors(iri)]
        return [family for family in self.families() if family in lineage]

    def information_classes(self) -> list[str]:
        """The defined technique classes HermiT fills from Table 9 ("technique giving … information")."""
        if TECHNIQUE not in self.classes:
            return []
        return sorted((c for c in self.classes if self.classes[c].defined and TECHNIQUE in self.ancestors(c, True)),
                      key=lambda c: self.classes[c].label.lower())

    def roots(self) -> list[str]:
        """Classes with no named superclass, asserted or inferred."""
        return sorted((iri for iri, info in self.classes.items() if not info.parents and not info.inferred_parents),
                      key=lambda iri: self.classes[iri].label.lower())

    def expand(self, sparql: str) -> str:
        """`sparql` with its class sets (CLASS_SET) written out as VALUES lists."""
        def written(match: re.Match) -> str:
            if match[6]:
                pairs = " ".join(f"({iri_term(c)} {iri_term(a)})" for c in sorted(self.classes)
                                 for a in [c, *self.ancestors(c)])
                return f"VALUES ({match[6]} {match[7]}) {{ {pairs} }}"
            if match[5]:
                return one_of(match[5][1:], self.families())
            root = SSB + match[3]
            members = self.descendants(root, inferred=True)
            chosen = members if match[2] == "below" else [root, *members]
            return (values if match[1] else one_of)(match[4][1:], chosen)
        return CLASS_SET.sub(written, sparql)
