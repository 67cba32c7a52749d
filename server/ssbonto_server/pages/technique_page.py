"""The page of a technique class, as a researcher asks about it: its place in the tree, what it
tells you (Table 9's information kinds, the measurands of Table 7 and of the studies), its
resolution, probing depth and time scale from the quantified findings (or that the review
reports none), the studies it was used in, the techniques it was combined with, and the facility
and probe it needs. Everything is read from the release's store; every claim names its source."""

from __future__ import annotations

from dataclasses import dataclass, field

from .citations import Citation, first_references, read_citations, sorted_citations
from .hierarchy import TECHNIQUE
from .reading import KG, SSB, Reader, one_of, values
from .uses import UsesTable, index_link, local_key, read_uses

QUANTITY_HEADINGS = [  # (anchor, heading, the quantity concepts it shows, said when there is none)
    ("resolution", "Resolution", ("SpatialResolution", "EnergyResolution"), "resolution"),
    ("probing-depth", "Probing depth", ("ProbingDepth",), "probing depth"),
    ("time-scale", "Time scale", ("TimeScale",), "time scale"),
    ("length-scale", "Length scale", ("LengthScale",), ""),
]
MAX_QUANTITIES = 20  # per heading; a synthetic release repeats findings many times
MAX_REFERENCES = 12  # per measurand


@dataclass
class Scoped:
    """Where a statement about a broader or narrower class applies: "" for this class itself."""
    scope: str = ""  # "", "broader" or "narrower"
    via: str = ""  # the class the statement is about, when not this one


@dataclass
class Capability(Scoped):
    statement: str = ""  # the Table 9 row
    printed: str = ""


@dataclass
class InformationRow:
    kind: str
    capabilities: list[Capability] = field(default_factory=list)
    inferred_class: str = ""  # the defined class HermiT places the technique in

    @property
    def only_narrower(self) -> bool:
        return not self.inferred_class and all(c.scope == "narrower" for c in self.capabilities)


@dataclass
class MeasurandRow:
    measurand: str
    summaries: list[tuple[str, str]] = field(default_factory=list)  # Table 7 row, class it is about
    studies: int = 0
    uses: int = 0
    references: list[Citation] = field(default_factory=list)
    more_references: int = 0


@dataclass
class QuantityRow(Scoped):
    holder: str = ""  # the finding, or the study of a table's resolution column
    quantity: str = ""
    concept: str = ""
    printed: str = ""
    statement: str = ""
    subject: str = ""
    source: str = ""
    references: list[Citation] = field(default_factory=list)


@dataclass
class QuantitySection:
    anchor: str
    heading: str
    none_said: str
    rows: list[QuantityRow]
    total: int


@dataclass
class TechniquePage:
    iri: str
    lineage: list[str]  # the family first, down to the parent
    parents: list[str]
    inferred_parents: list[str]
    children: list[str]
    information: list[InformationRow]
    measurands: list[MeasurandRow]
    quantities: list[QuantitySection]
    other_quantities: QuantitySection
    uses: UsesTable
    combined: list[tuple[str, int]]
    facilities: list[tuple[str, str]]  # facility class, the class that states it
    probes: list[tuple[str, str]]
    is_family: bool = False

    def section(self, anchor: str) -> QuantitySection:
        return next(s for s in self.quantities if s.anchor == anchor)


def read_technique(reader: Reader, iri: str, arguments: dict[str, str]) -> TechniquePage:
    hierarchy = reader.hierarchy
    info = hierarchy.classes[iri]
    ancestors = [a for a in hierarchy.ancestors(iri) if a != TECHNIQUE]
    narrower = hierarchy.descendants(iri)
    scope = {iri: Scoped(), **{a: Scoped("broader", a) for a in ancestors},
             **{d: Scoped("narrower", d) for d in narrower}}
    own = [iri, *narrower]
    restrictions = _restrictions(reader, [iri, *ancestors])
    measurands = _measurands(reader, iri, own, ancestors, restrictions)
    quantities, others = _quantities(reader, scope)
    uses = read_uses(reader, f"{values('cls', own)} GRAPH {KG} {{ ?use a ?cls }}", arguments,
                     all_link=index_link(reader, technique=local_key(iri)))
    return TechniquePage(
        iri=iri, lineage=_lineage(hierarchy, iri), parents=list(info.parents),
        inferred_parents=[p for p in info.inferred_parents if p not in info.parents], children=list(info.children),
        information=_information(reader, iri, scope), measurands=measurands, quantities=quantities,
        other_quantities=others, uses=uses, combined=_combined(reader, own),
        facilities=[(v, c) for c, p, v in restrictions if p == SSB + "performedAt"],
        probes=[(v, c) for c, p, v in restrictions if p == SSB + "usesProbe"],
        is_family=iri in hierarchy.families())


def _lineage(hierarchy, iri: str) -> list[str]:
    """One path from the family down to the class's parent (the first asserted parent each step)."""
    path = []
    current = iri
    while True:
        parents = [p for p in hierarchy.classes[current].parents if p != TECHNIQUE and hierarchy.is_technique(p)]
        if not parents:
            return list(reversed(path))
        current = parents[0]
        path.append(current)


def _restrictions(reader: Reader, classes: list[str]) -> list[tuple[str, str, str]]:
    """(class, property, value) of the `some`/`value` restrictions on these classes, in their order."""
    rows = reader.rows(f"""SELECT ?c ?p ?v WHERE {{ {values('c', classes)} ?c rdfs:subClassOf ?r .
          ?r owl:onProperty ?p ; owl:someValuesFrom|owl:hasValue ?v FILTER(isIRI(?v)) }}""")
    order = {c: n for n, c in enumerate(classes)}
    return sorted({(r["c"], r["p"], r["v"]) for r in rows},
                  key=lambda t: (order[t[0]], reader.label(t[2]).lower()))


def _information(reader: Reader, iri: str, scope: dict[str, Scoped]) -> list[InformationRow]:
    hierarchy = reader.hierarchy
    rows: dict[str, InformationRow] = {}
    for row in reader.rows(f"""SELECT ?cap ?t ?kind ?printed WHERE {{ {values('t', scope)}
          ?cap a ssb:CapabilityStatement ; ssb:aboutTechnique ?t ; ssb:providesInformation ?kind .
          OPTIONAL {{ ?cap ssb:printedAs ?printed }} }} ORDER BY ?cap"""):
        where = scope[row["t"]]
        rows.setdefault(row["kind"], InformationRow(row["kind"])).capabilities.append(
            Capability(where.scope, where.via, row["cap"], row.get("printed", "")))
    for placed in hierarchy.ancestors(iri, inferred=True):
        kind = hierarchy.information_kind.get(placed)
        if kind:
            rows.setdefault(kind, InformationRow(kind)).inferred_class = placed
    order = {"": 0, "broader": 1, "narrower": 2}
    for row in rows.values():
        row.capabilities.sort(key=lambda c: (order[c.scope], c.statement))
    return sorted(rows.values(), key=lambda r: (r.only_narrower, reader.label(r.kind).lower()))


def _measurands(reader: Reader, iri: str, own: list[str], ancestors: list[str],
                restrictions: list[tuple[str, str, str]]) -> list[MeasurandRow]:
    found: dict[str, MeasurandRow] = {}
    for cls, prop, value in restrictions:
        if prop == SSB + "canMeasure":
            found.setdefault(value, MeasurandRow(value))
    for row in reader.rows(f"""SELECT ?s ?t ?m WHERE {{ {values('t', [iri, *ancestors])}
          ?s a ssb:TechniqueSummary ; ssb:aboutTechnique ?t ; ssb:describesMeasurand ?m }}"""):
        found.setdefault(row["m"], MeasurandRow(row["m"])).summaries.append((row["s"], row["t"]))
    for row in reader.rows(f"""SELECT ?m (COUNT(DISTINCT ?study) AS ?studies) (COUNT(DISTINCT ?use) AS ?uses) WHERE {{
          {values('cls', own)} GRAPH {KG} {{ ?use a ?cls }} ?use ssb:measures ?m
          OPTIONAL {{ ?use ssb:partOfStudy ?study }} }} GROUP BY ?m"""):
        entry = found.setdefault(row["m"], MeasurandRow(row["m"]))
        entry.studies, entry.uses = int(row["studies"]), int(row["uses"])
    cited = first_references(reader, f"""SELECT DISTINCT ?owner ?ref ?n WHERE {{ {values('cls', own)}
          GRAPH {KG} {{ ?use a ?cls }} ?use ssb:measures ?owner ; ssb:citesReference ?ref .
          OPTIONAL {{ ?ref ssb:referenceNumber ?n }} }}""", MAX_REFERENCES)
    for measurand, (shown, more) in cited.items():
        found[measurand].references, found[measurand].more_references = shown, more
    return sorted(found.values(), key=lambda r: (-r.studies, -len(r.summaries), reader.label(r.measurand).lower()))


def _quantities(reader: Reader, scope: dict[str, Scoped]) -> tuple[list[QuantitySection], QuantitySection]:
    """Quantities stated about these classes: by findings about them, by findings a use of them reports,
    and by a table's resolution column; ranked, capped per heading, then read in full for those shown."""
    techniques = values("t", scope)
    found: dict[tuple[str, str], QuantityRow] = {}
    order = {"": 0, "broader": 1, "narrower": 2}
    for pattern in ("?holder a ssb:Finding ; ssb:aboutTechnique ?t ; ssb:hasQuantity ?q .",
                    f"GRAPH {KG} {{ ?use a ?t }} ?holder ssb:reportedBy ?use ; a ssb:Finding ; ssb:hasQuantity ?q .",
                    f"GRAPH {KG} {{ ?use a ?t }} ?use ssb:hasSpatialResolution ?q ; ssb:partOfStudy ?holder ."):
        for row in reader.rows(f"SELECT DISTINCT ?holder ?q ?t ?concept WHERE {{ {techniques} {pattern} "
                               f"?q ssb:quantifies ?concept }} LIMIT 10000"):
            where = scope[row["t"]]
            key = (row["holder"], row["q"])
            if key not in found or order[where.scope] < order[found[key].scope]:
                found[key] = QuantityRow(where.scope, where.via, row["holder"], row["q"], row["concept"])
    ranked = sorted(found.values(), key=lambda r: (order[r.scope], reader.label(r.concept).lower(), r.holder))
    shown = {SSB + name for _, _, names, _ in QUANTITY_HEADINGS for name in names}
    sections = []
    for anchor, heading, names, none_said in QUANTITY_HEADINGS:
        chosen = [r for r in ranked if r.concept in {SSB + n for n in names}]
        sections.append(QuantitySection(anchor, heading, none_said, chosen[:MAX_QUANTITIES], len(chosen)))
    other = [r for r in ranked if r.concept not in shown]
    others = QuantitySection("other-quantities", "Other quantified findings", "", other[:MAX_QUANTITIES], len(other))
    _add_quantity_details(reader, [r for section in (*sections, others) for r in section.rows])
    return sections, others


def _add_quantity_details(reader: Reader, rows: list[QuantityRow]) -> None:
    if not rows:
        return
    holders = values("holder", {r.holder for r in rows})
    facts: dict[str, dict[str, str]] = {}
    wanted = [SSB + name for name in ("statement", "hasSubject", "sourceSection", "sourceTable", "sourceRow")]
    for row in reader.rows(f"SELECT ?holder ?p ?v WHERE {{ {holders} ?holder ?p ?v {one_of('p', wanted)} }}"):
        known, name = facts.setdefault(row["holder"], {}), row["p"][len(SSB):]
        known[name] = min(known.get(name, row["v"]), row["v"])  # the same one whichever order the store answers
    printed = {r["q"]: r["p"] for r in reader.rows(
        f"SELECT ?q ?p WHERE {{ {values('q', {r.quantity for r in rows})} ?q ssb:printedValue ?p }}")}
    refs: dict[str, set[str]] = {}
    for row in reader.rows(f"SELECT ?holder ?ref WHERE {{ {holders} ?holder ssb:citesReference ?ref }}"):
        refs.setdefault(row["holder"], set()).add(row["ref"])
    citations = read_citations(reader, {ref for found in refs.values() for ref in found})
    for r in rows:
        known = facts.get(r.holder, {})
        r.printed = printed.get(r.quantity, "")
        r.statement, r.subject = known.get("statement", ""), known.get("hasSubject", "")
        r.source = (f"{reader.label(known['sourceTable'])}, row {known.get('sourceRow', '?')}" if known.get("sourceTable")
                    else known.get("sourceSection", "").removeprefix("Section: "))
        r.references = sorted_citations(citations[ref] for ref in refs.get(r.holder, ()))


def _combined(reader: Reader, own: list[str]) -> list[tuple[str, int]]:
    """Other techniques used in the same studies, with how many studies they share."""
    rows = reader.rows(f"""SELECT ?other (COUNT(DISTINCT ?study) AS ?n) WHERE {{ {values('cls', own)}
          GRAPH {KG} {{ ?use a ?cls }} ?use ssb:partOfStudy ?study . ?peer ssb:partOfStudy ?study .
          GRAPH {KG} {{ ?peer a ?other }} FILTER(?peer != ?use) }} GROUP BY ?other""")
    techniques = [(r["other"], int(r["n"])) for r in rows
                  if reader.hierarchy.is_technique(r["other"]) and r["other"] not in own]
    return sorted(techniques, key=lambda t: (-t[1], reader.label(t[0]).lower()))
