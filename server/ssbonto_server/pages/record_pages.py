"""The pages of the review's records: a reference (its citation, and every table row, finding and
quantity that cites it), a study (one table row: subject, techniques with mode, stimulus, nuclei
and measurands, what it found) and a finding (the quantity it states, about what, by which
technique)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .citations import Citation, read_citations, sorted_citations
from .entity_page import FindingRow
from .reading import KG, SSB, Reader, iri_term, one_of, values
from .uses import UsesTable, read_uses

MAX_RECORDS = 200
KIND_HEADINGS = {"material": "Materials", "interface": "Interfaces", "cell": "Cells and electrodes",
                 "technique-summary": "Table 7 rows", "capability": "Table 9 rows", "neutron-data": "Table 6 rows",
                 "quantity": "Quantities"}


@dataclass
class StudyRow:
    study: str
    table: str
    row: str
    subjects: list[str]
    printed: str
    statement: str


@dataclass
class ReferencePage:
    iri: str
    citation: Citation
    studies: list[StudyRow]
    findings: list[FindingRow]
    uses: UsesTable
    others: list[tuple[str, list[str]]]  # (heading, records)
    total: int


@dataclass
class QuantityFacts:
    quantity: str
    printed: str = ""
    concept: str = ""
    value: str = ""
    minimum: str = ""
    maximum: str = ""
    unit: str = ""
    condition: str = ""
    approximate: bool = False


@dataclass
class FindingPage:
    iri: str
    statement: str
    subject: str
    techniques: list[tuple[str, str]]  # (technique class, the use that reports it or "")
    quantities: list[QuantityFacts]
    references: list[Citation]
    source: str


@dataclass
class StudyPage:
    iri: str
    table: str
    row: str
    group: str
    printed: str
    statement: str
    subjects: list[str]
    uses: UsesTable
    references: list[Citation]
    resolutions: list[QuantityFacts] = field(default_factory=list)


def read_reference(reader: Reader, iri: str, arguments: dict[str, str]) -> ReferencePage:
    node = iri_term(iri)
    citation = read_citations(reader, [iri])[iri]
    citing = [r["x"] for r in reader.rows(f"SELECT DISTINCT ?x WHERE {{ ?x ssb:citesReference {node} }} "
                                          f"ORDER BY ?x LIMIT {MAX_RECORDS * 4}")]
    total = reader.count(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x ssb:citesReference {node} }}")
    by_kind: dict[str, list[str]] = {}
    for record in citing:
        by_kind.setdefault(reader.kind_of(record), []).append(record)
    studies = _study_rows(reader, by_kind.pop("study", [])[:MAX_RECORDS])
    findings = _finding_rows(reader, by_kind.pop("finding", [])[:MAX_RECORDS])
    by_kind.pop("measurement", None)  # shown as the uses table
    uses = read_uses(reader, f"?use ssb:citesReference {node} .", arguments)
    others = [(KIND_HEADINGS.get(kind, kind or "Other records"),
               sorted(records, key=lambda r: reader.label(r).lower())[:MAX_RECORDS])
              for kind, records in sorted(by_kind.items())]
    return ReferencePage(iri, citation, studies, findings, uses, others, total)


def _study_rows(reader: Reader, studies: list[str]) -> list[StudyRow]:
    if not studies:
        return []
    found = {s: StudyRow(s, "", "", [], "", "") for s in studies}
    for row in reader.rows(f"""SELECT ?s ?table ?row ?printed ?statement WHERE {{ {values('s', studies)}
          OPTIONAL {{ ?s ssb:sourceTable/ssb:tableNumber ?table }} OPTIONAL {{ ?s ssb:sourceRow ?row }}
          OPTIONAL {{ ?s ssb:printedAs ?printed }} OPTIONAL {{ ?s ssb:statement ?statement }} }}"""):
        entry = found[row["s"]]
        for name in ("table", "row", "printed", "statement"):
            setattr(entry, name, getattr(entry, name) or row.get(name, ""))
    for row in reader.rows(f"SELECT ?s ?subject WHERE {{ {values('s', studies)} ?s ssb:hasSubject ?subject }}"):
        found[row["s"]].subjects.append(row["subject"])
    for entry in found.values():
        entry.subjects.sort(key=lambda iri: reader.label(iri).lower())
    return sorted(found.values(), key=lambda s: (int(s.table or 0), int(s.row or 0), s.study))


def _finding_rows(reader: Reader, findings: list[str]) -> list[FindingRow]:
    if not findings:
        return []
    found = {f: FindingRow(f, [], "", [], []) for f in findings}
    for row in reader.rows(f"""SELECT ?f ?statement ?printed ?concept WHERE {{ {values('f', findings)}
          OPTIONAL {{ ?f ssb:statement ?statement }}
          OPTIONAL {{ ?f ssb:hasQuantity ?q . ?q ssb:printedValue ?printed ; ssb:quantifies ?concept }} }}"""):
        entry = found[row["f"]]
        entry.statement = entry.statement or row.get("statement", "")
        if row.get("printed") and row["printed"] not in entry.printed:
            entry.printed.append(row["printed"])
        if row.get("concept") and row["concept"] not in entry.concepts:
            entry.concepts.append(row["concept"])
    return sorted(found.values(), key=lambda f: (reader.label(f.concepts[0]).lower() if f.concepts else "", f.finding))


def _quantities(reader: Reader, pattern: str) -> list[QuantityFacts]:
    """Quantities bound to ?q by `pattern`, with their value, range, unit and condition."""
    fields = {"printedValue": "printed", "quantifies": "concept", "minimumValue": "minimum",
              "maximumValue": "maximum", "condition": "condition", "isApproximate": "approximate"}
    found: dict[str, QuantityFacts] = {}
    for row in reader.rows(f"""SELECT ?q ?p ?v WHERE {{ {pattern}
          {one_of('p', [SSB + name for name in fields] + ['http://qudt.org/schema/qudt/numericValue',
                                                         'http://qudt.org/schema/qudt/unit'])} ?q ?p ?v }}"""):
        facts = found.setdefault(row["q"], QuantityFacts(row["q"]))
        name = row["p"].rsplit("/", 1)[-1]
        if name == "numericValue":
            facts.value = row["v"]
        elif name == "unit":
            facts.unit = row["v"]
        elif name == "isApproximate":
            facts.approximate = row["v"] == "true"
        else:
            setattr(facts, fields[name], row["v"])
    return sorted(found.values(), key=lambda q: q.quantity)


def read_finding(reader: Reader, iri: str) -> FindingPage:
    node = iri_term(iri)
    facts: dict[str, str] = {}
    for row in reader.rows(f"""SELECT ?p ?v WHERE {{ {node} ?p ?v
          {one_of('p', [SSB + n for n in ('statement', 'hasSubject', 'sourceSection')])} }}"""):
        facts.setdefault(row["p"][len(SSB):], row["v"])
    techniques = [(r["t"], "") for r in reader.rows(f"SELECT ?t WHERE {{ {node} ssb:aboutTechnique ?t }}")]
    techniques += [(r["t"], r["use"]) for r in reader.rows(
        f"SELECT ?t ?use WHERE {{ {node} ssb:reportedBy ?use . GRAPH {KG} {{ ?use a ?t }} }}")
        if reader.hierarchy.is_technique(r["t"])]
    refs = [r["r"] for r in reader.rows(f"SELECT ?r WHERE {{ {node} ssb:citesReference ?r }}")]
    citations = read_citations(reader, refs)
    return FindingPage(iri, facts.get("statement", ""), facts.get("hasSubject", ""),
                       sorted(techniques, key=lambda t: reader.label(t[0]).lower()),
                       _quantities(reader, f"{node} ssb:hasQuantity ?q ."),
                       sorted_citations(citations.values()), facts.get("sourceSection", "").removeprefix("Section: "))


def read_study(reader: Reader, iri: str, arguments: dict[str, str]) -> StudyPage:
    node = iri_term(iri)
    [row] = _study_rows(reader, [iri])
    group = next((r["g"] for r in reader.rows(f"SELECT ?g WHERE {{ {node} ssb:rowGroup ?g }}")), "")
    refs = [r["r"] for r in reader.rows(f"SELECT ?r WHERE {{ {node} ssb:citesReference ?r }}")]
    uses = read_uses(reader, f"?use ssb:partOfStudy {node} .", arguments)
    return StudyPage(iri, row.table, row.row, group, row.printed, row.statement, row.subjects, uses,
                     sorted_citations(read_citations(reader, refs).values()),
                     _quantities(reader, f"?use ssb:partOfStudy {node} ; ssb:hasSpatialResolution ?q ."))
