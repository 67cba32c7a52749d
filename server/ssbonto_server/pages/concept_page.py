"""The page of a measurand (lithium distribution, jump length) or of an information kind (Table 9's
ionic motion information, heterogeneity information …): the techniques that give it, ranked by
how many of the review's studies used them for it, with the tables that say so, and the uses
themselves, filterable by subject, mode and the class of a material involved."""

from __future__ import annotations

from dataclasses import dataclass, field

from .citations import Citation, first_references
from .reading import KG, Reader, iri_term, values
from .uses import UsesTable, index_link, local_key, read_uses

MAX_REFERENCES = 12


@dataclass
class TechniqueRank:
    technique: str
    studies: int = 0  # studies whose use of the technique measured this (or an aspect of this kind)
    uses: int = 0
    all_studies: int = 0  # information kinds: every study that used the technique
    sources: list[tuple[str, str]] = field(default_factory=list)  # (Table 7/9 row, what it prints)
    inferred: bool = False  # HermiT placed the technique in "technique giving …" (information kinds)
    references: list[Citation] = field(default_factory=list)
    more_references: int = 0


@dataclass
class ConceptPage:
    iri: str
    kind: str  # "measurand" or "information"
    aspect_of: list[str]  # measurand: its information kind
    measurands: list[str]  # information kind: its measurands
    defined_class: str  # information kind: "technique giving … information"
    techniques: list[TechniqueRank]
    uses: UsesTable


def read_measurand(reader: Reader, iri: str, arguments: dict[str, str]) -> ConceptPage:
    node = iri_term(iri)
    ranks: dict[str, TechniqueRank] = {}
    for row in reader.rows(f"""SELECT ?t (COUNT(DISTINCT ?study) AS ?studies) (COUNT(DISTINCT ?use) AS ?uses) WHERE {{
          ?use ssb:measures {node} . GRAPH {KG} {{ ?use a ?t }} OPTIONAL {{ ?use ssb:partOfStudy ?study }} }}
          GROUP BY ?t"""):
        if reader.hierarchy.is_technique(row["t"]):
            ranks[row["t"]] = TechniqueRank(row["t"], int(row["studies"]), int(row["uses"]))
    for row in reader.rows(f"""SELECT ?t ?s ?printed WHERE {{ ?s a ssb:TechniqueSummary ; ssb:describesMeasurand {node} ;
          ssb:aboutTechnique ?t OPTIONAL {{ ?s ssb:printedAs ?printed }} }}"""):
        ranks.setdefault(row["t"], TechniqueRank(row["t"])).sources.append((row["s"], row.get("printed", "")))
    _add_references(reader, ranks, f"?use ssb:measures {node} .")
    aspect_of = [r["k"] for r in reader.rows(f"SELECT ?k WHERE {{ {node} ssb:isAspectOf ?k }}")]
    uses = read_uses(reader, f"?use ssb:measures {node} .", arguments,
                     all_link=index_link(reader, measurand=local_key(iri)))
    return ConceptPage(iri, "measurand", aspect_of, [], "", _ranked(reader, ranks), uses)


def read_information_kind(reader: Reader, iri: str, arguments: dict[str, str]) -> ConceptPage:
    node = iri_term(iri)
    hierarchy = reader.hierarchy
    defined = hierarchy.class_giving.get(iri, "")
    ranks: dict[str, TechniqueRank] = {}
    for row in reader.rows(f"""SELECT ?t ?cap ?printed WHERE {{ ?cap a ssb:CapabilityStatement ;
          ssb:providesInformation {node} ; ssb:aboutTechnique ?t OPTIONAL {{ ?cap ssb:printedAs ?printed }} }}
          ORDER BY ?cap"""):
        ranks.setdefault(row["t"], TechniqueRank(row["t"])).sources.append((row["cap"], row.get("printed", "")))
    if defined:
        for member in hierarchy.classes[defined].inferred_children + hierarchy.classes[defined].children:
            ranks.setdefault(member, TechniqueRank(member)).inferred = True
    measurands = sorted((r["m"] for r in reader.rows(f"SELECT ?m WHERE {{ ?m ssb:isAspectOf {node} }}")),
                        key=lambda m: reader.label(m).lower())
    families = {t: [t, *hierarchy.descendants(t)] for t in ranks}
    classes = {c for members in families.values() for c in members}
    if not ranks:
        return ConceptPage(iri, "information", [], measurands, defined, [], read_uses(reader, "FILTER(false)", arguments))
    pairs = " ".join(f"({iri_term(t)} {iri_term(c)})" for t, members in families.items() for c in members)
    for row in reader.rows(f"""SELECT ?owner (COUNT(DISTINCT ?aspectStudy) AS ?studies)
          (COUNT(DISTINCT ?aspectUse) AS ?uses) (COUNT(DISTINCT ?study) AS ?all) WHERE {{
          VALUES (?owner ?cls) {{ {pairs} }} GRAPH {KG} {{ ?use a ?cls }}
          OPTIONAL {{ ?use ssb:partOfStudy ?study }}
          OPTIONAL {{ ?use ssb:measures/ssb:isAspectOf {node} BIND(?use AS ?aspectUse)
                     OPTIONAL {{ ?use ssb:partOfStudy ?aspectStudy }} }} }} GROUP BY ?owner"""):
        rank = ranks[row["owner"]]
        rank.studies, rank.uses, rank.all_studies = int(row["studies"]), int(row["uses"]), int(row["all"])
    _add_references(reader, ranks, f"?use ssb:measures/ssb:isAspectOf {node} .", families)
    selection = f"{values('cls', classes)} GRAPH {KG} {{ ?use a ?cls }}"
    uses = read_uses(reader, selection, arguments)
    return ConceptPage(iri, "information", [], measurands, defined, _ranked(reader, ranks), uses)


def _add_references(reader: Reader, ranks: dict[str, TechniqueRank], pattern: str,
                    families: dict[str, list[str]] | None = None) -> None:
    pairs = " ".join(f"({iri_term(t)} {iri_term(c)})" for t in ranks for c in (families[t] if families else [t]))
    if not pairs:
        return
    cited = first_references(reader, f"""SELECT DISTINCT ?owner ?ref ?n WHERE {{ VALUES (?owner ?cls) {{ {pairs} }}
          GRAPH {KG} {{ ?use a ?cls }} {pattern} ?use ssb:citesReference ?ref OPTIONAL {{ ?ref ssb:referenceNumber ?n }} }}""",
                             MAX_REFERENCES)
    for technique, (shown, more) in cited.items():
        ranks[technique].references, ranks[technique].more_references = shown, more


def _ranked(reader: Reader, ranks: dict[str, TechniqueRank]) -> list[TechniqueRank]:
    return sorted(ranks.values(), key=lambda r: (-r.studies, -r.uses, -len(r.sources), -r.all_studies,
                                                 reader.label(r.technique).lower()))
