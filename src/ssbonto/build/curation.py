"""Curated review tables -> typed records, with every bad cell reported as file:row: column: reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildError, Problem
from . import chemistry, passages
from .tables import Row, collect_problems, read_table
from .vocabulary import Vocabulary

REFERENCE_COUNT_PRINTED = 134
STUDY_TABLES = {1, 2, 3, 4, 5, 8}
NUCLIDE = re.compile(r"^(\d+)([A-Z][a-z]?)$")
SOURCE = re.compile(r"^(Table \d+|Table \d+ caption|Figure \d+ caption|Section: .+)$")
KIND_OF_REFERENCE = {"article", "book", "chapter"}
MARKUP = re.compile(r"[*_`]")  # Markdown emphasis or code the text extraction left in a reference line

COLUMNS = {
    "references.tsv": ["number", "first_author", "authors", "title", "container", "volume", "issue",
                       "year", "pages", "publisher", "kind", "printed"],
    "materials.tsv": ["key", "label", "formula_printed", "formula", "substitutions", "class", "roles",
                      "variant_of", "components", "acronyms", "source", "refs", "note"],
    "interfaces.tsv": ["key", "label", "class", "side_a", "side_b", "coating", "source", "refs", "note"],
    "cells.tsv": ["key", "label", "printed", "class", "components", "source", "refs", "note"],
    "studies.tsv": ["table", "row", "group", "subject", "subject_printed", "techniques_printed",
                    "techniques", "mode", "stimulus", "nuclei", "measurands", "resolution",
                    "resolution_unit", "finding", "refs", "note"],
    "quantities.tsv": ["key", "subject", "quantity", "value", "min", "max", "unit", "approximate",
                       "printed", "statement", "technique", "condition", "events", "source", "refs", "note"],
    "neutron-scattering-lengths.tsv": ["row", "nuclide", "printed", "abundance_percent",
                                       "coherent_length_real", "coherent_length_imaginary",
                                       "total_cross_section", "absorption_cross_section", "note"],
    "neutron-techniques.tsv": ["row", "technique", "printed_name", "what_is_measured", "measurands"],
    "capabilities.tsv": ["row", "family", "printed", "techniques", "crystal_structure",
                         "electronic_structure", "interfacial_reaction", "heterogeneity", "ionic_motion"],
}
COLUMNS.update(passages.COLUMNS)
UNIT_COLUMNS = ["unit", "label", "symbol", "quantity_kinds"]
QUANTITY_KIND_COLUMNS = ["concept", "quantity_kind", "note"]

# Table 9's columns, in printed order, and the information kind each stands for.
CAPABILITY_COLUMNS = {
    "crystal_structure": "CrystalStructureInformation",
    "electronic_structure": "ElectronicStructureInformation",
    "interfacial_reaction": "InterfacialReactionInformation",
    "heterogeneity": "HeterogeneityInformation",
    "ionic_motion": "IonicMotionInformation",
}


@dataclass(frozen=True)
class Origin:
    file: str
    line: int


@dataclass
class Reference:
    origin: Origin
    number: int
    first_author: str
    authors: str
    title: str
    container: str
    volume: str
    issue: str
    year: int | None
    pages: str
    publisher: str
    kind: str
    printed: str


@dataclass
class Material:
    origin: Origin
    key: str
    label: str
    formula_printed: list[str]  # every form the review prints
    formula: chemistry.Formula | None
    material_class: str
    roles: list[str]
    variant_of: str
    components: list[str]  # material keys of a composite's constituents
    acronyms: list[str]
    source: str
    refs: list[int]
    note: str


@dataclass
class Interface:
    origin: Origin
    key: str
    label: str
    interface_class: str
    side_a: str
    side_b: str
    coating: str
    source: str
    refs: list[int]
    note: str


@dataclass
class Cell:
    origin: Origin
    key: str
    label: str
    printed: str
    cell_class: str
    components: list[str]
    source: str
    refs: list[int]
    note: str


@dataclass
class Study:
    origin: Origin
    table: int
    row: int
    group: str
    subjects: list[str]  # one key per printed stack or entity the row names
    subject_printed: list[str]  # the printed forms of the first subjects; later ones are named elsewhere in the row
    techniques_printed: str
    techniques: list[str]
    mode: str
    stimulus: str
    nuclei: list[str]
    measurands: list[str]
    resolution: str | None
    resolution_unit: str
    finding: str
    refs: list[int]
    note: str


@dataclass
class QuantityFact:
    origin: Origin
    key: str
    subject: str
    quantity: str
    value: str | None
    minimum: str | None
    maximum: str | None
    unit: str
    approximate: bool
    printed: str
    statement: str
    techniques: list[str]
    condition: str
    events: list[str]
    source: str
    refs: list[int]
    note: str


@dataclass
class NeutronDatum:
    origin: Origin
    row: int
    nuclide: str
    printed: str
    abundance_percent: str | None
    coherent_length_real: str
    coherent_length_imaginary: str | None
    total_cross_section: str
    absorption_cross_section: str
    note: str


@dataclass
class TechniqueSummary:
    origin: Origin
    row: int
    technique: str
    printed_name: str
    what_is_measured: str
    measurands: list[str]


@dataclass
class Capability:
    origin: Origin
    row: int
    family: str
    printed: str
    techniques: list[str]
    information: list[str]


@dataclass
class Unit:
    origin: Origin
    unit: str
    label: str
    symbol: str
    quantity_kinds: list[str]


@dataclass
class Review:
    """Everything curated from the review, cross-checked."""

    references: list[Reference] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    studies: list[Study] = field(default_factory=list)
    quantities: list[QuantityFact] = field(default_factory=list)
    neutron_data: list[NeutronDatum] = field(default_factory=list)
    technique_summaries: list[TechniqueSummary] = field(default_factory=list)
    capabilities: list[Capability] = field(default_factory=list)
    passage_studies: list[passages.PassageStudy] = field(default_factory=list)
    units: dict[str, Unit] = field(default_factory=dict)
    quantity_kinds: dict[str, list[str]] = field(default_factory=dict)

    def nuclides(self) -> list[str]:
        found = {n for s in self.studies for n in s.nuclei} | passages.nuclei_used(self.passage_studies)
        found |= {d.nuclide for d in self.neutron_data if NUCLIDE.match(d.nuclide)}
        return sorted(found, key=lambda n: (NUCLIDE.match(n).group(2), int(NUCLIDE.match(n).group(1))))


def _origin(row: Row) -> Origin:
    return Origin(row.file, row.line)


def _refs(row: Row, column: str = "refs", required: bool = True) -> list[int]:
    numbers = []
    for item in row.values(column, required):
        if not item.isdigit() or not 1 <= int(item) <= REFERENCE_COUNT_PRINTED:
            row.problem(column, f"reference {item!r} is not a number in 1–{REFERENCE_COUNT_PRINTED}")
        else:
            numbers.append(int(item))
    return numbers


def _source(row: Row) -> str:
    value = row.text("source", required=True)
    if value and not SOURCE.match(value):
        row.problem("source", f"{value!r} must be 'Table N', 'Table N caption', 'Figure N caption' "
                              "or 'Section: <part> / <heading>'")
    return value


class Curator:
    """Reads the curated tables under `review_dir` against the TBox vocabulary."""

    def __init__(self, sources: Path, vocabulary: Vocabulary):
        self.sources = sources
        self.review_dir = sources / "ontology" / "review"
        self.vocabulary = vocabulary
        self.rows: list[Row] = []

    def table(self, name: str) -> list[Row]:
        rows = read_table(self.review_dir / name, COLUMNS[name], self.sources)
        self.rows.extend(rows)
        return rows

    def load(self) -> Review:
        problems: list[Problem] = []
        review = Review()
        loaders = [
            (self.load_units, "units"),
            (self.load_references, "references"),
            (self.load_materials, "materials"),
            (self.load_interfaces, "interfaces"),
            (self.load_cells, "cells"),
            (self.load_studies, "studies"),
            (self.load_quantities, "quantities"),
            (self.load_neutron_data, "neutron_data"),
            (self.load_technique_summaries, "technique_summaries"),
            (self.load_capabilities, "capabilities"),
            (lambda: passages.load(self, _origin, _refs, _source, self._nuclei), "passage_studies"),
        ]
        for loader, attribute in loaders:
            try:
                setattr(review, attribute, loader())
            except BuildError as error:
                problems.extend(error.problems)
        try:
            review.quantity_kinds = self.load_quantity_kinds(review.units)
        except BuildError as error:
            problems.extend(error.problems)
        problems.extend(collect_problems(self.rows))
        if not problems:
            problems.extend(self.cross_check(review))
        if problems:
            raise BuildError(problems)
        return review

    # -- units (an extract of QUDT) ----------------------------------------------------------
    def load_units(self) -> dict[str, Unit]:
        rows = read_table(self.sources / "ontology" / "units.tsv", UNIT_COLUMNS, self.sources)
        self.rows.extend(rows)
        units: dict[str, Unit] = {}
        for row in rows:
            name = row.text("unit", required=True)
            if name in units:
                row.problem("unit", f"unit {name!r} is listed twice")
            units[name] = Unit(_origin(row), name, row.text("label", required=True),
                               row.text("symbol"), row.values("quantity_kinds", required=True))
        return units

    def load_quantity_kinds(self, units: dict[str, Unit]) -> dict[str, list[str]]:
        rows = read_table(self.sources / "ontology" / "quantity-kinds.tsv", QUANTITY_KIND_COLUMNS, self.sources)
        self.rows.extend(rows)
        kinds: dict[str, list[str]] = {}
        for row in rows:
            concept = row.choice("concept", self.vocabulary.observables, "measurand or quantity concept",
                                 required=True)
            kinds[concept] = row.values("quantity_kind", required=True)
        return kinds

    # -- bibliographic references ------------------------------------------------------------
    def load_references(self) -> list[Reference]:
        references = []
        seen: set[int] = set()
        for row in self.table("references.tsv"):
            number = row.integer("number", minimum=1)
            if number in seen:
                row.problem("number", f"reference [{number}] is listed twice")
            seen.add(number)
            year = row.integer("year", required=False, minimum=1900)
            kind = row.choice("kind", KIND_OF_REFERENCE, "reference kind", required=True)
            printed = row.text("printed", True)
            markup = MARKUP.search(printed)
            if markup:
                row.problem("printed", f"holds Markdown ({markup.group(0)!r}): write the reference line as plain "
                                       "text; pages set the journal in italics from 'container'")
            references.append(Reference(
                _origin(row), number, row.text("first_author", True), row.text("authors", True),
                row.text("title", kind == "book"), row.text("container", kind != "book"), row.text("volume"), row.text("issue"),
                year, row.text("pages"), row.text("publisher"), kind, printed))
        return references

    # -- materials, interfaces, cells ----------------------------------------------------------
    def load_materials(self) -> list[Material]:
        materials = []
        for row in self.table("materials.tsv"):
            formula_text = row.text("formula")
            formula = None
            if formula_text:
                try:
                    substitutions = chemistry.parse_substitutions(row.text("substitutions"))
                    formula = chemistry.parse_formula(formula_text, substitutions)
                except ValueError as error:
                    row.problem("formula" if isinstance(error, chemistry.FormulaError) else "substitutions",
                                str(error))
            elif not row.text("note"):
                row.problem("note", "a material without a formula must say why in 'note'")
            material_class = row.choice("class", self.vocabulary.material_classes, "material class", required=True)
            components = row.slugs("components")
            if components and material_class not in self.vocabulary.composite_classes:
                row.problem("components", f"only a composite electrolyte ({', '.join(sorted(self.vocabulary.composite_classes))}) "
                                          f"has components, not a {material_class}")
            materials.append(Material(
                _origin(row), row.slug("key"), row.text("label", True), row.values("formula_printed"), formula,
                material_class, row.choices("roles", self.vocabulary.roles, "material role", required=True),
                row.slug("variant_of", required=False), components, row.values("acronyms"), _source(row),
                _refs(row, required=False), row.text("note")))
        return materials

    def load_interfaces(self) -> list[Interface]:
        return [Interface(
            _origin(row), row.slug("key"), row.text("label", True),
            row.choice("class", self.vocabulary.interface_classes, "interface class", required=True),
            row.slug("side_a"), row.slug("side_b", required=False), row.slug("coating", required=False), _source(row),
            _refs(row, required=False), row.text("note"))
            for row in self.table("interfaces.tsv")]

    def load_cells(self) -> list[Cell]:
        return [Cell(
            _origin(row), row.slug("key"), row.text("label", True), row.text("printed", True),
            row.choice("class", self.vocabulary.cell_classes, "cell class", required=True),
            row.values("components"), _source(row), _refs(row, required=False), row.text("note"))
            for row in self.table("cells.tsv")]

    # -- table rows ------------------------------------------------------------------------------
    def _nuclei(self, row: Row) -> list[str]:
        nuclei = row.values("nuclei")
        for nuclide in nuclei:
            self._check_nuclide(row, "nuclei", nuclide)
        return nuclei

    def _check_nuclide(self, row: Row, column: str, nuclide: str) -> None:
        match = NUCLIDE.match(nuclide)
        if not match:
            row.problem(column, f"nuclide {nuclide!r} must be written like '7Li'")
        elif match.group(2) not in chemistry.element_symbols():
            row.problem(column, f"{match.group(2)!r} in {nuclide!r} is not an element")
        elif not chemistry.is_known_isotope(match.group(2), int(match.group(1))):
            row.problem(column, f"{nuclide!r} is not a known isotope")

    def load_studies(self) -> list[Study]:
        studies = []
        seen: set[tuple[int, int]] = set()
        for row in self.table("studies.tsv"):
            table = row.integer("table")
            if table is not None and table not in STUDY_TABLES:
                row.problem("table", f"Table {table} does not list studies (expected one of "
                                     f"{sorted(STUDY_TABLES)})")
            number = row.integer("row", minimum=1)
            if (table, number) in seen:
                row.problem("row", f"Table {table} row {number} is listed twice")
            seen.add((table, number))
            unit = row.text("resolution_unit")
            resolution = row.decimal("resolution")
            if resolution and not unit:
                row.problem("resolution_unit", "a resolution needs a unit")
            subjects = row.slugs("subject", required=True)
            if len(set(subjects)) != len(subjects):
                row.problem("subject", "names a subject twice")
            printed = row.values("subject_printed", required=True)
            if subjects and len(printed) > len(subjects):
                row.problem("subject_printed", f"gives {len(printed)} printed forms for {len(subjects)} subjects: "
                                               "one per printed subject, in the order of 'subject'")
            studies.append(Study(
                _origin(row), table, number, row.text("group"), subjects, printed,
                row.text("techniques_printed", True),
                row.choices("techniques", self.vocabulary.techniques, "technique class", required=True),
                row.choice("mode", self.vocabulary.modes, "measurement mode"),
                row.choice("stimulus", self.vocabulary.stimuli, "stimulus"),
                self._nuclei(row),
                row.choices("measurands", self.vocabulary.observables, "measurand"),
                resolution, unit, row.text("finding", True), _refs(row), row.text("note")))
        return studies

    def load_quantities(self) -> list[QuantityFact]:
        facts = []
        for row in self.table("quantities.tsv"):
            value, minimum, maximum = row.decimal("value"), row.decimal("min"), row.decimal("max")
            if value is None and minimum is None and maximum is None:
                row.problem("value", "a quantity needs a value, or a min and/or max")
            if value is not None and (minimum is not None or maximum is not None):
                row.problem("value", "give either a value or a min/max range, not both")
            if minimum is not None and maximum is not None and float(minimum) > float(maximum):
                row.problem("min", f"min {minimum} is larger than max {maximum}")
            facts.append(QuantityFact(
                _origin(row), row.slug("key"), row.text("subject", True),
                row.choice("quantity", self.vocabulary.observables, "quantity", required=True),
                value, minimum, maximum, row.text("unit", True), row.flag("approximate"),
                row.text("printed", True), row.text("statement", True),
                row.choices("technique", self.vocabulary.techniques, "technique class"),
                row.text("condition"), row.choices("events", self.vocabulary.events, "process event"),
                _source(row), _refs(row, required=False), row.text("note")))
        return facts

    def load_neutron_data(self) -> list[NeutronDatum]:
        data = []
        for row in self.table("neutron-scattering-lengths.tsv"):
            nuclide = row.text("nuclide", True)
            if NUCLIDE.match(nuclide):
                self._check_nuclide(row, "nuclide", nuclide)
            elif nuclide not in chemistry.element_symbols() and nuclide != "D":
                row.problem("nuclide", f"{nuclide!r} is neither an element symbol nor a nuclide like '7Li'")
            data.append(NeutronDatum(
                _origin(row), row.integer("row", minimum=1), nuclide, row.text("printed", True),
                row.decimal("abundance_percent"), row.decimal("coherent_length_real", True),
                row.decimal("coherent_length_imaginary"), row.decimal("total_cross_section", True),
                row.decimal("absorption_cross_section", True), row.text("note")))
        return data

    def load_technique_summaries(self) -> list[TechniqueSummary]:
        return [TechniqueSummary(
            _origin(row), row.integer("row", minimum=1),
            row.choice("technique", self.vocabulary.techniques, "technique class", required=True),
            row.text("printed_name", True), row.text("what_is_measured", True),
            row.choices("measurands", self.vocabulary.measurands, "measurand", required=True))
            for row in self.table("neutron-techniques.tsv")]

    def load_capabilities(self) -> list[Capability]:
        capabilities = []
        for row in self.table("capabilities.tsv"):
            information = [kind for column, kind in CAPABILITY_COLUMNS.items() if row.flag(column)]
            if not information:
                row.problem(None, "a Table 9 row must tick at least one kind of information")
            capabilities.append(Capability(
                _origin(row), row.integer("row", minimum=1), row.text("family", True), row.text("printed", True),
                row.choices("techniques", self.vocabulary.techniques, "technique class", required=True),
                information))
        return capabilities

    # -- references between tables -----------------------------------------------------------
    def cross_check(self, review: Review) -> list[Problem]:
        problems: list[Problem] = []

        def bad(origin: Origin, column: str, reason: str):
            problems.append(Problem(origin.file, origin.line, column, reason))

        def unique(records, what):
            seen: dict[str, Origin] = {}
            for record in records:
                if record.key in seen:
                    first = seen[record.key]
                    bad(record.origin, "key", f"{what} key {record.key!r} already used at "
                                              f"{first.file}:{first.line}")
                seen.setdefault(record.key, record.origin)
            return set(seen)

        materials = unique(review.materials, "material")
        interfaces = unique(review.interfaces, "interface")
        cells = unique(review.cells, "cell")
        unique(review.quantities, "quantity")
        subjects = materials | interfaces | cells
        for clash in sorted((materials & interfaces) | (materials & cells) | (interfaces & cells)):
            problems.append(Problem("ontology/review", None, None,
                                    f"key {clash!r} names two different kinds of subject"))
        references = {r.number for r in review.references}

        def check_refs(record, column="refs"):
            for number in record.refs:
                if number not in references:
                    bad(record.origin, column, f"reference [{number}] is not in references.tsv")

        for m in review.materials:
            if m.variant_of and m.variant_of not in materials:
                bad(m.origin, "variant_of", f"unknown material key {m.variant_of!r}")
            if m.variant_of == m.key:
                bad(m.origin, "variant_of", "a material cannot be a variant of itself")
            for key in m.components:
                if key not in materials:
                    bad(m.origin, "components", f"unknown material key {key!r}")
                elif key == m.key:
                    bad(m.origin, "components", "a material cannot be a component of itself")
            check_refs(m)
        for i in review.interfaces:
            for column, key in (("side_a", i.side_a), ("side_b", i.side_b), ("coating", i.coating)):
                if key and key not in materials:
                    bad(i.origin, column, f"unknown material key {key!r}")
            grain_boundary = i.interface_class == "GrainBoundary"
            if grain_boundary and i.side_b and i.side_b != i.side_a:
                bad(i.origin, "side_b", "a grain boundary lies within one material: leave side_b empty")
            if not grain_boundary and not i.side_b:
                bad(i.origin, "side_b", "is empty but an interface needs a second side")
            if not grain_boundary and i.side_a == i.side_b:
                bad(i.origin, "side_b", "an interface needs two distinct sides")
            check_refs(i)
        for c in review.cells:
            for key in c.components:
                if key not in materials:
                    bad(c.origin, "components", f"unknown material key {key!r}")
            check_refs(c)
        for s in review.studies:
            for key in s.subjects:
                if key not in subjects:
                    bad(s.origin, "subject", f"unknown material, interface or cell key {key!r}")
            if s.resolution_unit and s.resolution_unit not in review.units:
                bad(s.origin, "resolution_unit", f"unit {s.resolution_unit!r} is not a QUDT unit listed in "
                                                 "ontology/units.tsv")
            check_refs(s)
        for q in review.quantities:
            if q.subject not in subjects and q.subject not in self.vocabulary.techniques \
                    and q.subject not in self.vocabulary.facilities:
                bad(q.origin, "subject", f"unknown subject {q.subject!r} (a material, interface or cell "
                                         "key, a technique class or a facility)")
            if q.unit not in review.units:
                bad(q.origin, "unit", f"unit {q.unit!r} is not a QUDT unit listed in ontology/units.tsv")
            else:
                problems.extend(self.check_unit_kind(q, review))
            check_refs(q)
        problems.extend(passages.cross_check(review.passage_studies, subjects, {q.key for q in review.quantities},
                                             {f"table-{s.table}-row-{s.row}" for s in review.studies}, check_refs))
        for number in range(1, REFERENCE_COUNT_PRINTED + 1):
            if number not in references:
                problems.append(Problem("ontology/review/references.tsv", None, None,
                                        f"reference [{number}] is missing"))
        return problems

    def check_unit_kind(self, fact: QuantityFact, review: Review) -> list[Problem]:
        expected = review.quantity_kinds.get(fact.quantity)
        if expected is None:
            return [Problem(fact.origin.file, fact.origin.line, "quantity",
                            f"{fact.quantity!r} has no QUDT quantity kind in ontology/quantity-kinds.tsv")]
        unit_kinds = sorted(review.units[fact.unit].quantity_kinds)
        if not set(unit_kinds) & set(expected):
            shown = ", ".join(unit_kinds[:5]) + (f" and {len(unit_kinds) - 5} more" if len(unit_kinds) > 5 else "")
            return [Problem(fact.origin.file, fact.origin.line, "unit",
                            f"unit {fact.unit!r} measures {shown}, not {' or '.join(expected)} "
                            f"as {fact.quantity} requires")]
        return []


def table_captions(sources: Path) -> dict[int, str]:
    """The review's table captions (review-tables.tsv), by table number."""
    rows = read_table(sources / "ontology" / "review" / "review-tables.tsv", ["number", "caption", "part"], sources)
    captions = {}
    for row in rows:
        number = row.integer("number", minimum=1)
        captions[number] = row.text("caption", required=True)
        if row.problems:
            raise BuildError(row.problems)
    return captions
