"""The data behind the pictures, read from the release's store: Table 9's capability matrix, the
techniques' spatial resolutions, probing depths and length scales from the quantified findings
(in metres), and the review's references per year by technique family. Each also as CSV rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from .reading import KG, SSB, Reader, one_of, values

QUDT = "http://qudt.org/schema/qudt/"
QUDT_UNIT = "http://qudt.org/vocab/unit/"
METRES = {  # QUDT length units -> metres (QUDT's conversion multipliers)
    "M": 1.0, "CentiM": 1e-2, "MilliM": 1e-3, "MicroM": 1e-6, "NanoM": 1e-9, "PicoM": 1e-12, "ANGSTROM": 1e-10,
}
LENGTHS = {  # quantity concept -> series name and marker
    SSB + "SpatialResolution": "spatial resolution",
    SSB + "ProbingDepth": "probing depth",
    SSB + "LengthScale": "length scale",
}
MAX_POINTS = 500  # a synthetic release repeats findings; the chart shows at most this many
NO_TECHNIQUE = ""  # the family of references no technique use or finding cites


@dataclass
class Cell:
    technique: str
    kind: str
    statement: str  # the Table 9 row that says so
    printed: str
    row: int


@dataclass
class Matrix:
    techniques: list[tuple[str, str]]  # (technique, family printed in Table 9), in Table 9's order
    kinds: list[str]
    cells: dict[tuple[str, str], Cell]

    def csv_rows(self, reader: Reader) -> list[list[str]]:
        rows = [["technique", "technique_iri", "family", "information", "information_iri", "table_9_row", "printed",
                 "evidence_iri"]]
        for technique, family in self.techniques:
            for kind in self.kinds:
                cell = self.cells.get((technique, kind))
                if cell:
                    rows.append([reader.label(technique), technique, family, reader.label(kind), kind,
                                 reader.label(cell.statement), cell.printed, cell.statement])
        return rows


@dataclass
class LengthPoint:
    technique: str
    concept: str
    holder: str  # the finding (or the study of a table's resolution column)
    printed: str
    low: float | None  # metres; a single value has low == high
    high: float | None
    unit: str

    @property
    def drawn(self) -> bool:
        return self.low is not None or self.high is not None


@dataclass
class Lengths:
    points: list[LengthPoint]
    total: int
    techniques: list[str]  # rows of the chart, by family then name

    def csv_rows(self, reader: Reader) -> list[list[str]]:
        rows = [["technique", "technique_iri", "quantity", "printed", "lowest_m", "highest_m", "unit", "evidence_iri"]]
        for p in self.points:
            rows.append([reader.label(p.technique), p.technique, LENGTHS[p.concept], p.printed,
                         _number(p.low), _number(p.high), p.unit.removeprefix(QUDT_UNIT), p.holder])
        return rows


@dataclass
class PerYear:
    years: list[int]
    families: list[str]  # family IRIs, then NO_TECHNIQUE
    counts: dict[tuple[str, int], int]  # (family, year) -> references
    totals: dict[int, int]  # year -> references
    undated: int
    references: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    def csv_rows(self, reader: Reader) -> list[list[str]]:
        names = [reader.label(f) if f else "no technique named" for f in self.families]
        rows = [["year", "all_references", *names]]
        for year in self.years:
            rows.append([str(year), str(self.totals.get(year, 0)),
                         *(str(self.counts.get((f, year), 0)) for f in self.families)])
        return rows


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def capability_matrix(reader: Reader) -> Matrix:
    rows = reader.rows("""SELECT ?cap ?row ?group ?printed ?t ?kind WHERE { ?cap a ssb:CapabilityStatement ;
          ssb:aboutTechnique ?t ; ssb:providesInformation ?kind .
          OPTIONAL { ?cap ssb:sourceRow ?row } OPTIONAL { ?cap ssb:rowGroup ?group } OPTIONAL { ?cap ssb:printedAs ?printed } }""")
    techniques: dict[str, tuple[int, str]] = {}
    cells = {}
    for row in rows:
        order = int(row.get("row", 0))
        if row["t"] not in techniques or order < techniques[row["t"]][0]:
            techniques[row["t"]] = (order, row.get("group", ""))
        cells[(row["t"], row["kind"])] = Cell(row["t"], row["kind"], row["cap"], row.get("printed", ""), order)
    kinds = sorted({row["kind"] for row in rows}, key=lambda k: reader.label(k).lower())
    ordered = sorted(techniques, key=lambda t: (techniques[t][0], reader.label(t).lower()))
    return Matrix([(t, techniques[t][1]) for t in ordered], kinds, cells)


def lengths(reader: Reader) -> Lengths:
    hierarchy = reader.hierarchy
    quantities = f"{values('concept', LENGTHS)} ?q ssb:quantifies ?concept ."
    found: dict[tuple[str, str], tuple[str, str]] = {}  # (technique, holder) -> (quantity, concept)
    for pattern in ("?holder ssb:hasQuantity ?q ; ssb:aboutTechnique ?t ; a ssb:Finding .",
                    f"?holder ssb:hasQuantity ?q ; ssb:reportedBy ?use ; a ssb:Finding . GRAPH {KG} {{ ?use a ?t }}",
                    f"?use ssb:hasSpatialResolution ?q ; ssb:partOfStudy ?holder . GRAPH {KG} {{ ?use a ?t }}"):
        for row in reader.rows(f"SELECT DISTINCT ?t ?holder ?q ?concept WHERE {{ {quantities} {pattern} }}"):
            if hierarchy.is_technique(row["t"]):
                found.setdefault((row["t"], row["holder"]), (row["q"], row["concept"]))
    ordered = sorted(found.items(), key=lambda item: (item[0][0], item[1][1], item[0][1]))
    chosen = ordered[:MAX_POINTS]
    facts: dict[str, dict[str, str]] = {}
    if chosen:
        wanted = [SSB + "printedValue", SSB + "minimumValue", SSB + "maximumValue", QUDT + "numericValue", QUDT + "unit"]
        for row in reader.rows(f"SELECT ?q ?p ?v WHERE {{ {values('q', {q for _, (q, _) in chosen})} ?q ?p ?v "
                               f"{one_of('p', wanted)} }}"):
            facts.setdefault(row["q"], {})[row["p"].rsplit("/", 1)[-1]] = row["v"]
    points = []
    for (technique, holder), (quantity, concept) in chosen:
        known = facts.get(quantity, {})
        factor = METRES.get(known.get("unit", "").removeprefix(QUDT_UNIT))
        scale = (lambda text: float(text) * factor if text and factor else None)  # noqa: E731
        value = scale(known.get("numericValue"))
        low, high = (value, value) if value is not None else (scale(known.get("minimumValue")),
                                                               scale(known.get("maximumValue")))
        points.append(LengthPoint(technique, concept, holder, known.get("printedValue", ""), low, high,
                                  known.get("unit", "")))
    families = hierarchy.families()

    def place(technique: str) -> tuple:
        family = hierarchy.family_of(technique)
        return (families.index(family[0]) if family else len(families), reader.label(technique).lower())
    return Lengths(points, len(ordered), sorted({p.technique for p in points}, key=place))


def references_per_year(reader: Reader) -> PerYear:
    hierarchy = reader.hierarchy
    families = hierarchy.families()
    by_reference: dict[str, tuple[int | None, set[str]]] = {}
    for row in reader.rows("SELECT ?r ?year WHERE { ?r a ssb:Reference OPTIONAL { ?r ssb:publicationYear ?year } }"):
        by_reference.setdefault(row["r"], (int(row["year"]) if row.get("year", "").isdigit() else None, set()))
    for pattern in (f"?x ssb:citesReference ?r . GRAPH {KG} {{ ?x a ?cls }}",
                    "?x ssb:citesReference ?r ; ssb:aboutTechnique ?cls ."):
        for row in reader.rows(f"SELECT DISTINCT ?r ?cls WHERE {{ {pattern} }}"):
            if row["r"] in by_reference and hierarchy.is_technique(row["cls"]):
                by_reference[row["r"]][1].update(hierarchy.family_of(row["cls"]))
    counts: dict[tuple[str, int], int] = {}
    totals: dict[int, int] = {}
    references: dict[tuple[str, int], list[str]] = {}
    undated = 0
    for reference, (year, found) in by_reference.items():
        if year is None:
            undated += 1
            continue
        totals[year] = totals.get(year, 0) + 1
        for family in found or {NO_TECHNIQUE}:
            counts[(family, year)] = counts.get((family, year), 0) + 1
            references.setdefault((family, year), []).append(reference)
    years = list(range(min(totals), max(totals) + 1)) if totals else []
    return PerYear(years, families + [NO_TECHNIQUE], counts, totals, undated, references)
