"""The page of a studied entity (a material, an interface, a cell or electrode): its formula and
printed forms, elements, classes (asserted, and those HermiT inferred, marked), roles, variants,
what it is made of and what it is part of, the studies and techniques applied to it (also as part
of an interface or cell) with their findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .citations import Citation, read_citations, sorted_citations
from .reading import INFERRED, KG, SSB, Reader, iri_term, one_of, values
from .uses import UsesTable, read_uses

PART_PROPERTIES = {  # property -> how the page names it
    SSB + "firstSide": "first side", SSB + "secondSide": "second side", SSB + "hasSide": "side",
    SSB + "hasCoating": "coating", SSB + "hasComponent": "component",
}
MAX_FINDINGS = 50


@dataclass
class FindingRow:
    finding: str
    printed: list[str]
    statement: str
    concepts: list[str]
    references: list[Citation]
    via: str = ""  # the interface or cell the finding is about, when not this entity


@dataclass
class EntityPage:
    iri: str
    kind: str  # material, interface or cell
    formulas: list[str]
    printed: list[str]
    acronyms: list[str]
    elements: list[str]
    classes: list[tuple[str, bool]]  # class, inferred
    roles: list[str]
    variant_of: list[str]
    variants: list[str]
    parts: list[tuple[str, str]]  # (how, entity)
    part_of: list[tuple[str, str]]  # (how, whole)
    uses: UsesTable
    findings: list[FindingRow] = field(default_factory=list)
    findings_total: int = 0


def read_entity(reader: Reader, iri: str, kind: str, arguments: dict[str, str]) -> EntityPage:
    node = iri_term(iri)
    found: dict[str, list[str]] = {}
    for row in reader.rows(f"""SELECT ?p ?v WHERE {{ {node} ?p ?v
          {one_of('p', [SSB + n for n in ('formula', 'printedFormula', 'printedAs', 'acronym', 'hasElement',
                                          'hasRole', 'isVariantOf')])} }}"""):
        found.setdefault(row["p"][len(SSB):], []).append(row["v"])
    classes: dict[str, bool] = {}
    for row in reader.rows(f"""SELECT ?c ?g WHERE {{ GRAPH ?g {{ {node} a ?c }} FILTER(isIRI(?c) && ?g IN ({KG}, {INFERRED}))
          FILTER(?c != owl:NamedIndividual) }}"""):
        classes[row["c"]] = classes.get(row["c"], True) and row["g"] == INFERRED[1:-1]
    parts = [(PART_PROPERTIES[r["p"]], r["v"]) for r in reader.rows(
        f"SELECT ?p ?v WHERE {{ {node} ?p ?v {one_of('p', PART_PROPERTIES)} }}")]
    part_of = [(PART_PROPERTIES[r["p"]], r["w"]) for r in reader.rows(
        f"SELECT ?p ?w WHERE {{ ?w ?p {node} {one_of('p', PART_PROPERTIES)} }}")]
    variants = [r["v"] for r in reader.rows(f"SELECT ?v WHERE {{ ?v ssb:isVariantOf {node} }}")]
    by_label = lambda iri: reader.label(iri).lower()  # noqa: E731
    wholes = [iri, *sorted({whole for _, whole in part_of})]  # itself and the interfaces and cells it is part of
    uses = read_uses(reader, f"{values('subject', wholes)} ?use ssb:hasSubject ?subject .", arguments)
    page = EntityPage(
        iri=iri, kind=kind, formulas=sorted(set(found.get("formula", []))),
        printed=sorted(set(found.get("printedFormula", []) + found.get("printedAs", []))),
        acronyms=sorted(set(found.get("acronym", []))), elements=sorted(found.get("hasElement", []), key=by_label),
        classes=sorted(classes.items(), key=lambda item: (item[1], by_label(item[0]))),
        roles=sorted(found.get("hasRole", []), key=by_label), variant_of=sorted(found.get("isVariantOf", []), key=by_label),
        variants=sorted(variants, key=by_label), parts=sorted(parts, key=lambda p: (p[0], by_label(p[1]))),
        part_of=sorted(part_of, key=lambda p: by_label(p[1])), uses=uses)
    _add_findings(reader, page, wholes)
    return page


def _add_findings(reader: Reader, page: EntityPage, wholes: list[str]) -> None:
    selection = f"{values('about', wholes)} ?finding ssb:hasSubject ?about ; a ssb:Finding ."
    page.findings_total = reader.count(f"SELECT (COUNT(DISTINCT ?finding) AS ?n) WHERE {{ {selection} }}")
    rows = reader.rows(f"""SELECT ?finding ?about ?statement ?printed ?concept WHERE {{
          {{ SELECT DISTINCT ?finding ?about WHERE {{ {selection} }} ORDER BY ?finding LIMIT {MAX_FINDINGS} }}
          OPTIONAL {{ ?finding ssb:statement ?statement }}
          OPTIONAL {{ ?finding ssb:hasQuantity ?q . ?q ssb:printedValue ?printed ; ssb:quantifies ?concept }} }}""")
    findings: dict[str, FindingRow] = {}
    for row in rows:
        entry = findings.setdefault(row["finding"], FindingRow(
            row["finding"], [], row.get("statement", ""), [], [], "" if row["about"] == page.iri else row["about"]))
        if row.get("printed") and row["printed"] not in entry.printed:
            entry.printed.append(row["printed"])
        if row.get("concept") and row["concept"] not in entry.concepts:
            entry.concepts.append(row["concept"])
    refs: dict[str, list[str]] = {}
    if findings:
        for row in reader.rows(f"SELECT ?f ?r WHERE {{ {values('f', findings)} ?f ssb:citesReference ?r }}"):
            refs.setdefault(row["f"], []).append(row["r"])
    citations = read_citations(reader, {r for found in refs.values() for r in found})
    for finding in findings.values():
        finding.references = sorted_citations(citations[r] for r in refs.get(finding.finding, ()))
    page.findings = sorted(findings.values(), key=lambda f: (f.via != "", reader.label(f.concepts[0]).lower()
                                                             if f.concepts else "", f.finding))
