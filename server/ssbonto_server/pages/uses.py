"""Uses of techniques in the review's studies (the measurement individuals: one technique applied to
one subject in one table row or text passage), as the tables of the readable pages show them:
selected by a SPARQL pattern binding ?use, narrowed by the reader's filters (what kind of subject,
measurement mode, class of a material involved), capped, each row with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from markupsafe import Markup

from .citations import Citation, read_citations, sorted_citations
from .reading import INFERRED, KG, SSB, Reader, iri_term, one_of, values

CAP = 100  # rows of a uses table on a page; the rest is one link away in the measurement index
PARTS = "ssb:firstSide|ssb:secondSide|ssb:hasSide|ssb:hasComponent|ssb:hasCoating"


def involving(use: str, material: str) -> str:
    """?material is the use's subject or a side, coating or component of it. (Written as a union:
    Virtuoso mis-evaluates the zero-or-one path `hasSubject/(…)?`.)"""
    return (f"{{ {use} ssb:hasSubject {material} }} UNION {{ {use} ssb:hasSubject/({PARTS}) {material} }}")
SUBJECT_KINDS = {"material": "materials", "interface": "interfaces", "cell": "cells and electrodes"}
DETAIL_PROPERTIES = {"subject": SSB + "hasSubject", "mode": SSB + "hasMeasurementMode", "stimulus": SSB + "hasStimulus",
                     "nucleus": SSB + "probesNucleus", "measurand": SSB + "measures",
                     "reference": SSB + "citesReference", "resolution": SSB + "hasSpatialResolution"}


class PageArgumentError(ValueError):
    """A filter or sort in the page's address that this page does not offer; the message says which."""


@dataclass
class Use:
    iri: str
    study: str = ""
    table: str = ""
    row: str = ""
    techniques: list[str] = field(default_factory=list)
    details: dict[str, list[str]] = field(default_factory=dict)
    references: list[Citation] = field(default_factory=list)
    materials: list[tuple[str, list[tuple[str, bool]]]] = field(default_factory=list)  # material, its classes

    @property
    def subjects(self) -> list[str]:
        return self.values("subject")

    def values(self, name: str) -> list[str]:
        return self.details.get(name, [])


@dataclass
class FilterOption:
    key: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Filter:
    name: str  # the address parameter
    heading: str
    options: list[FilterOption]

    @property
    def selected(self) -> FilterOption | None:
        return next((option for option in self.options if option.selected), None)


@dataclass
class UsesTable:
    rows: list[Use]
    total: int  # after the filters
    unfiltered: int
    filters: list[Filter]
    all_link: str  # the measurement index, for more than CAP rows
    technique_column: bool = True

    @property
    def shown(self) -> int:
        return len(self.rows)

    @property
    def filtered(self) -> bool:
        return any(f.selected for f in self.filters)


def local_key(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def read_uses(reader: Reader, selection: str, arguments: dict[str, str], all_link: str = "",
              technique_column: bool = True, cap: int = CAP) -> UsesTable:
    """The uses `selection` (a pattern binding ?use) picks, filtered by `arguments` (`subject`,
    `mode`, `class`: keys offered by the filters; anything else raises PageArgumentError)."""
    base = f"{{ SELECT DISTINCT ?use WHERE {{ {selection} }} }}"
    filters = _filters(reader, base, arguments)
    narrowing = " ".join(_narrowing(reader, f) for f in filters if f.selected)
    unfiltered = reader.count(f"SELECT (COUNT(DISTINCT ?use) AS ?n) WHERE {{ {base} }}")
    total = reader.count(f"SELECT (COUNT(DISTINCT ?use) AS ?n) WHERE {{ {base} {narrowing} }}") \
        if narrowing else unfiltered
    rows = reader.rows(f"""SELECT * WHERE {{ {{ SELECT ?use (SAMPLE(?st) AS ?study)
          (MIN(?t) AS ?table) (MIN(?r) AS ?row) WHERE {{ {base} {narrowing}
            OPTIONAL {{ ?use ssb:partOfStudy ?st }}
            OPTIONAL {{ ?use ssb:sourceTable/ssb:tableNumber ?t }}
            OPTIONAL {{ ?use ssb:sourceRow ?r }}
          }} GROUP BY ?use }} }} ORDER BY (!BOUND(?table)) ?table ?row ?use LIMIT {cap}""")
    uses = [Use(row["use"], row.get("study", ""), row.get("table", ""), row.get("row", "")) for row in rows]
    _add_details(reader, uses)
    return UsesTable(uses, total, unfiltered, filters, all_link, technique_column)


def _filters(reader: Reader, base: str, arguments: dict[str, str]) -> list[Filter]:
    kinds: dict[str, int] = {}
    for row in reader.rows(f"SELECT ?s (COUNT(DISTINCT ?use) AS ?n) WHERE {{ {base} ?use ssb:hasSubject ?s }} GROUP BY ?s"):
        kind = reader.kind_of(row["s"])
        kinds[kind] = kinds.get(kind, 0) + int(row["n"])
    subject = Filter("subject", "Subject", [FilterOption(kind, SUBJECT_KINDS[kind], kinds[kind])
                                           for kind in SUBJECT_KINDS if kind in kinds])
    modes = reader.rows(f"""SELECT ?m (COUNT(DISTINCT ?use) AS ?n) WHERE {{ {base} ?use ssb:hasMeasurementMode ?m }}
                            GROUP BY ?m""")
    mode = Filter("mode", "Mode", sorted((FilterOption(local_key(r["m"]), reader.label(r["m"]), int(r["n"]))
                                          for r in modes), key=lambda o: o.label.lower()))
    classes = reader.rows(f"""SELECT ?c (COUNT(DISTINCT ?use) AS ?n) WHERE {{ {base}
          {involving("?use", "?m")} ?m a ?c . @below(Material, ?c) }} GROUP BY ?c""")
    material_class = Filter("class", "Material involved", sorted(
        (FilterOption(local_key(r["c"]), reader.label(r["c"]), int(r["n"])) for r in classes),
        key=lambda o: o.label.lower()))
    filters = [f for f in (subject, mode, material_class) if f.options]
    offered = {f.name: f for f in filters}
    for name in ("subject", "mode", "class"):
        wanted = arguments.get(name)
        if not wanted:
            continue
        if name not in offered:
            raise PageArgumentError(f"{name}={wanted!r}: this page offers no {name} filter")
        option = next((o for o in offered[name].options if o.key == wanted), None)
        if option is None:
            raise PageArgumentError(f"{name}={wanted!r} is not one of the choices here: "
                                    + ", ".join(o.key for o in offered[name].options))
        option.selected = True
    return filters


def _narrowing(reader: Reader, chosen: Filter) -> str:
    key = chosen.selected.key
    if chosen.name == "subject":
        prefix = iri_term(f"{reader.base_iri}id/{key}/")[1:-1]
        return f'?use ssb:hasSubject ?narrowSubject FILTER(STRSTARTS(STR(?narrowSubject), "{prefix}"))'
    if chosen.name == "mode":
        return f"?use ssb:hasMeasurementMode {iri_term(SSB + key)} ."
    return f"FILTER EXISTS {{ {involving('?use', '?narrowMaterial')} ?narrowMaterial a {iri_term(SSB + key)} }}"


def _add_details(reader: Reader, uses: list[Use]) -> None:
    if not uses:
        return
    by_iri = {use.iri: use for use in uses}
    names = {prop: name for name, prop in DETAIL_PROPERTIES.items()}
    page = values("use", by_iri)
    for row in reader.rows(f"""SELECT ?use ?p ?v WHERE {{
          {{ {page} GRAPH {KG} {{ ?use a ?v }} BIND(rdf:type AS ?p) }}
          UNION {{ {page} ?use ?p ?v {one_of('p', DETAIL_PROPERTIES.values())} }} }}"""):
        use = by_iri[row["use"]]
        if row["p"].endswith("#type"):
            if reader.hierarchy.is_technique(row["v"]):
                use.techniques.append(row["v"])
        else:
            use.details.setdefault(names[row["p"]], []).append(row["v"])
    citations = read_citations(reader, [ref for use in uses for ref in use.values("reference")])
    for use in uses:
        use.techniques.sort(key=lambda iri: reader.label(iri).lower())
        for name in use.details:
            use.details[name] = sorted(set(use.details[name]), key=lambda iri: reader.label(iri).lower())
        use.references = sorted_citations(citations[ref] for ref in use.values("reference"))
    _add_materials(reader, uses)


def _add_materials(reader: Reader, uses: list[Use]) -> None:
    """The materials each subject involves (itself, or the sides, coating and components of an
    interface or cell), with their classes: asserted, and those HermiT inferred (marked)."""
    subjects = {subject for use in uses for subject in use.subjects}
    if not subjects:
        return
    involved: dict[str, list[str]] = {subject: [subject] for subject in subjects}
    for row in reader.rows(f"SELECT ?s ?m WHERE {{ {values('s', subjects)} ?s {PARTS} ?m }}"):
        involved[row["s"]].append(row["m"])
    classes: dict[str, dict[str, bool]] = {}
    materials = {m for found in involved.values() for m in found}
    for row in reader.rows(f"""SELECT ?m ?c ?g WHERE {{ {values('m', materials)} GRAPH ?g {{ ?m a ?c }}
          @below(Material, ?c) FILTER(?g IN ({KG}, {INFERRED})) }}"""):
        inferred = row["g"] == INFERRED[1:-1]
        known = classes.setdefault(row["m"], {})
        known[row["c"]] = known.get(row["c"], True) and inferred
    involved = {s: [m for m in dict.fromkeys(found) if m in classes] for s, found in involved.items()}
    for use in uses:
        materials = dict.fromkeys(m for subject in use.subjects for m in involved.get(subject, []))
        for material in sorted(materials, key=lambda iri: reader.label(iri).lower()):
            found = sorted(classes[material].items(), key=lambda item: (item[1], reader.label(item[0]).lower()))
            use.materials.append((material, found))


def index_link(reader: Reader, **filters: str) -> str:
    """The measurement index narrowed to these filters."""
    query = urlencode({name: value for name, value in filters.items() if value})
    return f"{reader.describer.link_root}/id/measurement/" + (f"?{query}" if query else "")


def rendered_classes(reader: Reader, classes: list[tuple[str, bool]]) -> Markup:
    return Markup(", ").join(
        Markup('<a href="{}" class="{}">{}</a>{}').format(
            reader.href(iri), "inferred-class" if inferred else "asserted-class", reader.label(iri),
            Markup('<span class="inferred" title="inferred by HermiT">inferred</span>') if inferred else "")
        for iri, inferred in classes)
