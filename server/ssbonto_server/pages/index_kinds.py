"""What the index page of each kind of individual (`/id/material/`, `/id/reference/` …) lists: which
individuals belong to it, its columns and the filters it offers, each as a SPARQL pattern over ?x.

A column's pattern binds ?value (and may bind ?shown, the text to show for it, and ?inferred, true
where HermiT inferred it); a count column binds ?counted. A facet's pattern binds ?value."""

from __future__ import annotations

from dataclasses import dataclass

from .reading import INFERRED, KG
from .uses import PARTS

TECHNIQUE_OF_USE = f"GRAPH {KG} {{ ?x a ?value }} @below(CharacterizationTechnique, ?value)"
CLASSES = (f"GRAPH ?g {{ ?x a ?value }} FILTER(?g IN ({KG}, {INFERRED}) && isIRI(?value) && ?value != owl:NamedIndividual) "
           f"BIND(?g = {INFERRED} AS ?inferred)")
REFERENCE_MARKERS = ('?x ssb:citesReference ?value . ?value ssb:referenceNumber ?n '
                     'BIND(CONCAT("[", STR(?n), "]") AS ?shown) BIND(?n AS ?order)')
CLASS_COLUMN = ("class", "Classes", CLASSES + " @below(StudiedEntity, ?value)", "link")
USES_COUNT = ("uses", "Uses", "?use ssb:hasSubject ?x BIND(?use AS ?counted)", "count")
CLASS_FACET = ("class", "Class", "?x a ?value .")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    pattern: str = ""  # "" for the row itself
    kind: str = "text"  # self | link | text | number | count | citation
    sortable: bool = True
    sort: str = ""  # a pattern binding ?value to sort by, when it is not `pattern`


@dataclass(frozen=True)
class Facet:
    key: str  # the address parameter
    heading: str
    pattern: str
    literal: bool = False  # the values are literals (years, journals), else IRIs
    choices: str = ""  # a pattern on ?value that only the list of choices needs


@dataclass(frozen=True)
class IndexKind:
    path: str  # the IRI path segment: id/<path>/
    title: str
    singular: str
    about: str
    members: str  # a pattern binding ?x (the index adds that ?x is under id/<path>/)
    columns: tuple[Column, ...]
    facets: tuple[Facet, ...] = ()
    sort: str = ""  # the default sort column (first column by default)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _typed(cls: str) -> str:
    return f"@each-sub({cls}, ?xType) ?x a ?xType ."


KINDS = [
    IndexKind("material", "Materials", "material", "Electrolytes, electrodes and other materials the review's studies name, "
              "with their formulas, elements and classes (those the reasoner inferred from the elements are marked).",
              _typed("Material"),
              (Column("label", "Material", kind="self"),
               Column("formula", "Formula", "?x ssb:formula ?value"),
               Column("acronym", "Acronym", "?x ssb:acronym ?value"),
               Column(*CLASS_COLUMN),
               Column("role", "Role", "?x ssb:hasRole ?value", "link"),
               Column("elements", "Elements", "?x ssb:hasElement ?value . ?value ssb:elementSymbol ?shown", "link",
                      sortable=False),
               Column("uses", "Uses", f"{{ ?use ssb:hasSubject ?x }} UNION {{ ?use ssb:hasSubject/({PARTS}) ?x }} "
                      "BIND(?use AS ?counted)", "count")),
              (Facet(*CLASS_FACET, choices="@below(StudiedEntity, ?value)"),
               Facet("role", "Role", "?x ssb:hasRole ?value"),
               Facet("element", "Element", "?x ssb:hasElement ?value"))),
    IndexKind("interface", "Interfaces", "interface", "Electrode–electrolyte interfaces, grain boundaries and the review's "
              "classes of anode interfaces, with their sides.", _typed("Interface"),
              (Column("label", "Interface", kind="self"),
               Column(*CLASS_COLUMN),
               Column("sides", "Sides", "?x ssb:firstSide|ssb:secondSide|ssb:hasSide ?value", "link", sortable=False),
               Column("coating", "Coating", "?x ssb:hasCoating ?value", "link"),
               Column(*USES_COUNT)),
              (Facet(*CLASS_FACET, choices="@below(StudiedEntity, ?value)"),
               Facet("material", "Material", "?x ssb:firstSide|ssb:secondSide|ssb:hasSide|ssb:hasCoating ?value"))),
    IndexKind("cell", "Cells and electrodes", "cell", "Battery cells, symmetric cells and composite electrodes, with "
              "their components in printed order.", _typed("StudiedEntity"),
              (Column("label", "Cell or electrode", kind="self"),
               Column(*CLASS_COLUMN),
               Column("components", "Components", "?x ssb:hasComponent ?value", "link", sortable=False),
               Column(*USES_COUNT)),
              (Facet(*CLASS_FACET, choices="@below(StudiedEntity, ?value)"),
               Facet("material", "Component", "?x ssb:hasComponent ?value"))),
    IndexKind("study", "Studies (table rows)", "study", "Every row of the review's Tables 1–5 and 8: one study of a "
              "subject with one or more techniques.", "?x a ssb:Study .",
              (Column("label", "Study", kind="self",
                      sort="?x ssb:sourceTable/ssb:tableNumber ?t ; ssb:sourceRow ?r BIND(?t * 1000 + ?r AS ?value)"),
               Column("table", "Table", "?x ssb:sourceTable ?value . ?value ssb:tableNumber ?order", "link"),
               Column("subject", "Subject", "?x ssb:hasSubject ?value", "link"),
               Column("technique", "Techniques", "?use ssb:partOfStudy ?x . " + TECHNIQUE_OF_USE.replace("?x a", "?use a"),
                      "link"),
               Column("mode", "Mode", "?use ssb:partOfStudy ?x ; ssb:hasMeasurementMode ?value", "link"),
               Column("references", "References", REFERENCE_MARKERS, "link")),
              (Facet("table", "Table", "?x ssb:sourceTable ?value"),
               Facet("family", "Technique family", f"?use ssb:partOfStudy ?x . GRAPH {KG} {{ ?use a ?c }} "
                     "@lineage(?c, ?value)", choices="@families(?value)"),
               Facet("technique", "Technique", f"?use ssb:partOfStudy ?x . GRAPH {KG} {{ ?use a ?value }}",
                     choices="@below(CharacterizationTechnique, ?value)"),
               Facet("mode", "Mode", "?use ssb:partOfStudy ?x ; ssb:hasMeasurementMode ?value"))),
    IndexKind("measurement", "Uses of techniques", "use", "Each use of one technique in one study or text passage: the "
              "technique class, the subject, mode, stimulus and what was measured.",
              f"@each-below(CharacterizationTechnique, ?xType) GRAPH {KG} {{ ?x a ?xType }}",
              (Column("label", "Use", kind="self", sort="OPTIONAL { ?x ssb:sourceTable/ssb:tableNumber ?t ; "
                      "ssb:sourceRow ?r } BIND(COALESCE(?t * 1000 + ?r, 100000) AS ?value)"),
               Column("technique", "Technique", TECHNIQUE_OF_USE, "link"),
               Column("subject", "Subject", "?x ssb:hasSubject ?value", "link"),
               Column("mode", "Mode", "?x ssb:hasMeasurementMode ?value", "link"),
               Column("measured", "Measured", "?x ssb:measures ?value", "link", sortable=False),
               Column("references", "References", REFERENCE_MARKERS, "link")),
              (Facet("technique", "Technique (with narrower ones)", f"GRAPH {KG} {{ ?x a ?c }} @lineage(?c, ?value)",
                     choices="@sub(CharacterizationTechnique, ?value) FILTER NOT EXISTS { ?value owl:equivalentClass ?d }"),
               Facet("mode", "Mode", "?x ssb:hasMeasurementMode ?value"),
               Facet("measurand", "Measured", "?x ssb:measures ?value"),
               Facet("stimulus", "Stimulus", "?x ssb:hasStimulus ?value"))),
    IndexKind("finding", "Quantified findings", "finding", "Statements of the review's text that give a quantity, each "
              "with the quantity, what it is about and the cited references.", "?x a ssb:Finding .",
              (Column("label", "Value", "?x ssb:hasQuantity/ssb:printedValue ?shown", kind="self",
                      sort="?x ssb:hasQuantity/ssb:printedValue ?value"),
               Column("quantity", "Quantity", "?x ssb:hasQuantity/ssb:quantifies ?value", "link"),
               Column("about", "About", "?x ssb:hasSubject|ssb:aboutTechnique ?value", "link"),
               Column("technique", "Reported by", "?x ssb:reportedBy ?use . " + TECHNIQUE_OF_USE.replace("?x a", "?use a"),
                      "link"),
               Column("statement", "Statement", "?x ssb:statement ?value", sortable=False),
               Column("references", "References", REFERENCE_MARKERS, "link")),
              (Facet("quantity", "Quantity", "?x ssb:hasQuantity/ssb:quantifies ?value"),
               Facet("technique", "Technique", f"{{ ?x ssb:aboutTechnique ?value }} UNION {{ ?x ssb:reportedBy ?use . "
                     f"GRAPH {KG} {{ ?use a ?value }} }}", choices="@below(CharacterizationTechnique, ?value)"))),
    IndexKind("quantity", "Quantities", "quantity", "Every quantity the review states, with its value, unit and what it "
              "quantifies.", "?x a ssb:Quantity .",
              (Column("label", "Printed", kind="self"),
               Column("quantity", "Quantity", "?x ssb:quantifies ?value", "link"),
               Column("value", "Value", "?x qudt:numericValue|ssb:minimumValue ?value", "number"),
               Column("unit", "Unit", '?x qudt:unit ?value BIND(STRAFTER(STR(?value), "/unit/") AS ?shown)', "link"),
               Column("condition", "Condition", "?x ssb:condition ?value")),
              (Facet("quantity", "Quantity", "?x ssb:quantifies ?value"),
               Facet("unit", "Unit", "?x qudt:unit ?value"))),
    IndexKind("reference", "References", "reference", "The review's reference list, with every record of the knowledge "
              "graph that cites each reference.", "?x a ssb:Reference .",
              (Column("number", "No.", "?x ssb:referenceNumber ?value", "number"),
               Column("citation", "Citation", kind="citation", sort="?x ssb:authorList ?value"),
               Column("year", "Year", "?x ssb:publicationYear ?value", "number"),
               Column("journal", "Journal or book", "?x ssb:containerTitle ?value"),
               Column("cited", "Cited by", "?counted ssb:citesReference ?x", "count")),
              (Facet("year", "Year", "?x ssb:publicationYear ?value", literal=True),
               Facet("journal", "Journal or book", "?x ssb:containerTitle ?value", literal=True),
               Facet("kind", "Kind", "?x ssb:referenceKind ?value", literal=True))),
    IndexKind("capability", "Table 9 rows", "Table 9 row", "Table 9 of the review: which kinds of information each "
              "technique gives.", "?x a ssb:CapabilityStatement .",
              (Column("row", "Row", "?x ssb:sourceRow ?value", "number"),
               Column("label", "Printed", "?x ssb:printedAs ?shown", kind="self", sort="?x ssb:printedAs ?value"),
               Column("group", "Family", "?x ssb:rowGroup ?value"),
               Column("technique", "Techniques", "?x ssb:aboutTechnique ?value", "link", sortable=False),
               Column("information", "Information", "?x ssb:providesInformation ?value", "link", sortable=False)),
              (Facet("information", "Information", "?x ssb:providesInformation ?value"),)),
    IndexKind("technique-summary", "Table 7 rows", "Table 7 row", "Table 7 of the review: what each neutron technique "
              "measures.", "?x a ssb:TechniqueSummary .",
              (Column("row", "Row", "?x ssb:sourceRow ?value", "number"),
               Column("label", "Printed", "?x ssb:printedAs ?shown", kind="self", sort="?x ssb:printedAs ?value"),
               Column("technique", "Technique", "?x ssb:aboutTechnique ?value", "link"),
               Column("measurand", "Measurands", "?x ssb:describesMeasurand ?value", "link", sortable=False),
               Column("statement", "What is measured", "?x ssb:statement ?value", sortable=False))),
    IndexKind("neutron-data", "Table 6 rows", "Table 6 row", "Table 6 of the review: thermal neutron scattering lengths "
              "and cross-sections of elements and nuclides.", "?x a ssb:NeutronScatteringData .",
              (Column("row", "Row", "?x ssb:sourceRow ?value", "number"),
               Column("label", "Printed", "?x ssb:printedAs ?shown", kind="self", sort="?x ssb:printedAs ?value"),
               Column("species", "Element or nuclide", "?x ssb:aboutSpecies ?value", "link"),
               Column("coherent", "Coherent length (fm)", "?x ssb:coherentScatteringLengthReal ?value", "number"),
               Column("total", "Total cross-section (barn)", "?x ssb:totalScatteringCrossSection ?value", "number"),
               Column("absorption", "Absorption cross-section (barn)", "?x ssb:absorptionCrossSection ?value",
                      "number"))),
    IndexKind("element", "Elements", "element", "The chemical elements of the materials' formulas.",
              "?x a ssb:ChemicalElement .",
              (Column("symbol", "Symbol", "?x ssb:elementSymbol ?shown", kind="self", sort="?x ssb:atomicNumber ?value"),
               Column("label", "Name", "?x rdfs:label ?value"),
               Column("number", "Atomic number", "?x ssb:atomicNumber ?value", "number"),
               Column("materials", "Materials", "?counted ssb:hasElement ?x", "count")),
              sort="number"),
    IndexKind("nuclide", "Nuclides", "nuclide", "The nuclides NMR probes and neutron data name.", "?x a ssb:Nuclide .",
              (Column("label", "Nuclide", kind="self"),
               Column("notation", "Notation", "?x skos:altLabel ?value"),
               Column("mass", "Mass number", "?x ssb:massNumber ?value", "number"),
               Column("element", "Isotope of", "?x ssb:isotopeOf ?value", "link"),
               Column("uses", "Uses probing it", "?counted ssb:probesNucleus ?x", "count"))),
    IndexKind("table", "The review's tables", "table", "The nine tables of the review.", "?x a ssb:ReviewTable .",
              (Column("number", "Table", "?x ssb:tableNumber ?value", "number"),
               Column("label", "Caption", "?x ssb:statement ?shown", kind="self", sort="?x ssb:tableNumber ?value"),
               Column("rows", "Records", "?counted ssb:sourceTable ?x", "count"))),
]
KIND_BY_PATH = {kind.path: kind for kind in KINDS}
