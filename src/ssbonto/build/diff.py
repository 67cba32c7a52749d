"""What changed between two releases, IRI by IRI: terms and individuals added, removed and
deprecated; labels, definitions, axioms and facts changed.

Every asserted triple (ontology and knowledge graph) is accounted to one IRI: its subject, or for
a blank node (a restriction, a list, an axiom) the IRI that refers to it, written out in full;
blank nodes nothing refers to (owl:AllDifferent and the like) belong to the ontology itself.
The curation line numbers a row carries are left out (they move whenever a row is inserted
above; the count is given). Inferred triples follow from these and are not compared.
`ssbonto diff` prints the result as Markdown or JSON, and the build records it per IRI
(build.history) for the pages' history panel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, DCTERMS

from ..namespaces import ONTOLOGY_IRI, PREFIXES, SSB
from ..prefixes import BASE
from .release import ReleaseGraphs

PROVENANCE_LINES = {SSB.curationFile, SSB.curationLine}
TERMS, INDIVIDUALS = BASE + "def/", BASE + "id/"
_LOCAL = re.compile(r"[A-Za-z_][\w.-]*(?<!\.)|\d[\w-]*")


def short(iri: str) -> str:
    """The shortest prefixed name of `iri` (material:llzo, ssb:Study), else <iri>."""
    best = None
    for prefix, namespace in PREFIXES.items():
        namespace = str(namespace)
        if iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace):]):
            if best is None or len(namespace) > len(best[1]):
                best = (prefix, namespace)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else f"<{iri}>"


def kind_of(iri: str) -> str:
    if iri == str(ONTOLOGY_IRI):
        return "ontology"
    if iri.startswith(TERMS):
        return "term"
    if iri.startswith(INDIVIDUALS):
        return "individual"
    return "external"


class _Writer:
    """Triples as readable, order-free text: `predicate object`, blank nodes written out."""

    def __init__(self, graph: Graph):
        self.graph = graph

    def term(self, node, seen: frozenset = frozenset()) -> str:
        if isinstance(node, URIRef):
            return short(str(node))
        if isinstance(node, Literal):
            text = '"' + str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
            if node.language:
                return f"{text}@{node.language}"
            if node.datatype is not None:
                return f"{text}^^{short(str(node.datatype))}"
            return text
        if node in seen:
            return "[…]"
        seen = seen | {node}
        items = self.list_items(node)
        if items is not None:
            return "(" + " ".join(self.term(item, seen) for item in items) + ")"
        pairs = sorted(f"{self.term(p)} {self.term(o, seen)}" for p, o in self.graph.predicate_objects(node))
        return "[" + "; ".join(pairs) + "]"

    def list_items(self, node) -> list | None:
        if (node, RDF.first, None) not in self.graph:
            return None
        items = []
        while node not in (RDF.nil, None) and len(items) < 10_000:
            items.append(self.graph.value(node, RDF.first))
            node = self.graph.value(node, RDF.rest)
        return items


@dataclass
class Description:
    """What one release says about one IRI."""

    statements: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    definitions: set[str] = field(default_factory=set)
    deprecated: bool = False
    replaced_by: str | None = None
    note: str | None = None
    provenance: set[str] = field(default_factory=set)

    @property
    def label(self) -> str | None:
        return min(self.labels) if self.labels else None


def describe(graphs: ReleaseGraphs) -> dict[str, Description]:
    """Every IRI the release's asserted graphs describe, with what they say about it."""
    graph = graphs.asserted()
    writer = _Writer(graph)
    found: dict[str, Description] = {}
    for subject in set(graph.subjects()):
        if isinstance(subject, BNode):
            if (None, None, subject) in graph:
                continue  # written out inside the description of what refers to it
            found.setdefault(str(ONTOLOGY_IRI), Description()).statements.add(writer.term(subject))
            continue
        entry = found.setdefault(str(subject), Description())
        for predicate, value in graph.predicate_objects(subject):
            text = writer.term(value)
            if predicate in PROVENANCE_LINES:
                entry.provenance.add(f"{short(str(predicate))} {text}")
            elif predicate == RDFS.label:
                entry.labels.add(str(value))
            elif predicate == SKOS.definition:
                entry.definitions.add(str(value))
            else:
                if predicate == OWL.deprecated and value.toPython() is True:
                    entry.deprecated = True
                elif predicate == DCTERMS.isReplacedBy:
                    entry.replaced_by = str(value)
                elif predicate == SKOS.historyNote:
                    entry.note = str(value)
                entry.statements.add(f"{short(str(predicate))} {text}")
    return found


@dataclass
class Change:
    iri: str
    kind: str
    label: str | None = None
    labels: tuple[list[str], list[str]] | None = None  # (old, new) when they differ
    definitions: tuple[list[str], list[str]] | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced_by: str | None = None
    note: str | None = None

    def summary(self) -> list[str]:
        """What changed, in a word each: 'label', 'definition', and the properties whose
        statements were added or removed ('ssb:measures')."""
        what = ["label"] if self.labels else []
        if self.definitions:
            what.append("definition")
        return what + sorted({statement.split(" ", 1)[0] for statement in self.added + self.removed})

    def as_dict(self) -> dict:
        entry = {"iri": self.iri, "curie": short(self.iri), "kind": self.kind, "label": self.label}
        if self.labels:
            entry["labels"] = {"old": self.labels[0], "new": self.labels[1]}
        if self.definitions:
            entry["definitions"] = {"old": self.definitions[0], "new": self.definitions[1]}
        if self.added or self.removed:
            entry["statements"] = {"added": self.added, "removed": self.removed}
        if self.replaced_by or self.note:
            entry["replaced_by"] = self.replaced_by
            entry["note"] = self.note
        return entry


@dataclass
class Diff:
    old: str
    new: str
    date: str | None = None  # the new release's dcterms:modified
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    deprecated: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    provenance_moved: int = 0  # IRIs whose curation file or line alone changed

    SECTIONS = ("added", "deprecated", "removed", "changed")

    def sections(self) -> dict[str, list[Change]]:
        return {name: getattr(self, name) for name in self.SECTIONS}

    def as_dict(self) -> dict:
        return {"old": self.old, "new": self.new, "date": self.date,
                **{name: [change.as_dict() for change in changes] for name, changes in self.sections().items()},
                "provenance_moved": self.provenance_moved}


def compare(old: ReleaseGraphs, new: ReleaseGraphs, before: dict[str, Description] | None = None,
            after: dict[str, Description] | None = None) -> Diff:
    """The changes from `old` to `new` (their descriptions may be given when already made)."""
    before = describe(old) if before is None else before
    after = describe(new) if after is None else after
    modified = new.ontology.value(ONTOLOGY_IRI, DCTERMS.modified)
    diff = Diff(old.version, new.version, str(modified) if modified is not None else None)
    for iri in sorted(set(before) | set(after), key=lambda i: (kind_order(i), short(i))):
        was, now = before.get(iri), after.get(iri)
        change = Change(iri, kind_of(iri), (now or was).label)
        if was is None:
            diff.added.append(change)
            continue
        if now is None:
            diff.removed.append(change)
            continue
        if now.deprecated and not was.deprecated:
            change.replaced_by, change.note = now.replaced_by, now.note
            diff.deprecated.append(change)
            continue
        if was.labels != now.labels:
            change.labels = (sorted(was.labels), sorted(now.labels))
        if was.definitions != now.definitions:
            change.definitions = (sorted(was.definitions), sorted(now.definitions))
        change.added = sorted(now.statements - was.statements)
        change.removed = sorted(was.statements - now.statements)
        if change.labels or change.definitions or change.added or change.removed:
            diff.changed.append(change)
        elif was.provenance != now.provenance:
            diff.provenance_moved += 1
    return diff


def kind_order(iri: str) -> int:
    return ("ontology", "term", "individual", "external").index(kind_of(iri))
