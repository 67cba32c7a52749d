"""The ontology as trees for the terms index (`/def/`): the techniques by family with how often the
review used each, the classes HermiT fills from Table 9, the other class trees (a class HermiT
placed is shown under its inferred parent, marked), the vocabulary individuals by type and the
properties. Built once per process from the ontology graph; the TBox does not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field

from .hierarchy import TECHNIQUE
from .reading import KG, ONTOLOGY, Reader

PROPERTY_KINDS = [("object-properties", "Object properties", "owl:ObjectProperty"),
                  ("datatype-properties", "Datatype properties", "owl:DatatypeProperty"),
                  ("annotation-properties", "Annotation properties", "owl:AnnotationProperty")]


@dataclass
class TreeNode:
    iri: str
    label: str
    alt_labels: list[str]
    count: int  # techniques: uses in the review, narrower ones included; other classes: direct members
    inferred: bool = False  # under its parent because HermiT placed it there
    children: list["TreeNode"] = field(default_factory=list)

    @property
    def names(self) -> str:
        """Every name of the node, for the tree's filter box."""
        return " ".join([self.label, *self.alt_labels]).lower()


@dataclass
class Terms:
    techniques: list[TreeNode]
    by_information: list[tuple[str, str, list[str]]]  # (defined class, information kind, inferred members)
    information_kinds: list[tuple[str, list[str]]]  # (kind, its measurands)
    classes: list[TreeNode]
    vocabulary: list[tuple[str, list[str]]]  # (type, its individuals in the ontology)
    properties: list[tuple[str, str, list[str]]]  # (anchor, heading, properties)
    technique_count: int


def read_terms(reader: Reader) -> Terms:
    hierarchy = reader.hierarchy
    direct_uses = {r["c"]: int(r["n"]) for r in reader.rows(
        f"SELECT ?c (COUNT(DISTINCT ?u) AS ?n) WHERE {{ GRAPH {KG} {{ ?u a ?c }} FILTER(isIRI(?c)) }} GROUP BY ?c")}
    members = {r["c"]: int(r["n"]) for r in reader.rows(
        "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c FILTER(isIRI(?c) && isIRI(?x)) } GROUP BY ?c")}

    def technique_node(iri: str) -> TreeNode:
        info = hierarchy.classes[iri]
        subtree = [iri, *hierarchy.descendants(iri)]
        return TreeNode(iri, info.label, info.alt_labels, sum(direct_uses.get(c, 0) for c in subtree),
                        children=[technique_node(child) for child in info.children])

    def class_node(iri: str, inferred: bool, path: tuple[str, ...]) -> TreeNode:
        info = hierarchy.classes[iri]
        below = [(c, False) for c in info.children] + [(c, True) for c in info.inferred_children
                                                       if not hierarchy.classes[c].parents]
        return TreeNode(iri, info.label, info.alt_labels, members.get(iri, 0), inferred,
                        [class_node(c, flag, path + (iri,)) for c, flag in sorted(
                            below, key=lambda item: hierarchy.classes[item[0]].label.lower()) if c not in path])

    information = [(c, hierarchy.information_kind.get(c, ""), hierarchy.classes[c].inferred_children)
                   for c in hierarchy.information_classes()]
    kinds = {}
    for row in reader.rows("SELECT ?k ?m WHERE { ?k a ssb:InformationKind OPTIONAL { ?m ssb:isAspectOf ?k } }"):
        kinds.setdefault(row["k"], [])
        if row.get("m"):
            kinds[row["k"]].append(row["m"])
    vocabulary: dict[str, list[str]] = {}
    for row in reader.rows(f"""SELECT ?t ?x WHERE {{ GRAPH {ONTOLOGY} {{ ?x a ?t }}
          FILTER(isIRI(?x) && STRSTARTS(STR(?t), STR(ssb:))) }}"""):
        vocabulary.setdefault(row["t"], []).append(row["x"])
    properties = []
    for anchor, heading, kind in PROPERTY_KINDS:
        found = [r["p"] for r in reader.rows(f"SELECT ?p WHERE {{ GRAPH {ONTOLOGY} {{ ?p a {kind} }} "
                                             "FILTER(STRSTARTS(STR(?p), STR(ssb:))) }")]
        properties.append((anchor, heading, sorted(found, key=lambda p: reader.label(p).lower())))
    by_label = lambda iri: reader.label(iri).lower()  # noqa: E731
    roots = [r for r in hierarchy.roots() if r != TECHNIQUE]
    return Terms(
        techniques=[technique_node(family) for family in hierarchy.families()],
        by_information=information,
        information_kinds=sorted(((k, sorted(ms, key=by_label)) for k, ms in kinds.items()), key=lambda i: by_label(i[0])),
        classes=[class_node(root, False, ()) for root in roots],
        vocabulary=sorted(((t, sorted(xs, key=by_label)) for t, xs in vocabulary.items()), key=lambda i: by_label(i[0])),
        properties=properties,
        technique_count=len([c for c in hierarchy.classes if hierarchy.is_technique(c) and c != TECHNIQUE]))
