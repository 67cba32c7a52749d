"""Curated records -> the knowledge graph (ABox), with deterministic, readable IRIs.

Every individual says where it came from: the review table and row or section
(`sourceTable`/`sourceRow`/`sourceSection`), the cited references (`citesReference`), and the
curated file and line it was generated from (`curationFile`/`curationLine`). What our
sub-properties entail is stated too (hasSide for firstSide, involvesMaterial for a side).
"""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from ..namespaces import ID, QUANTITYKIND, QUDT, SSB, UNIT, bind_prefixes
from . import chemistry, passages
from .curation import NUCLIDE, Origin, Review
from .vocabulary import Vocabulary, subclasses, super_properties


def kebab(name: str) -> str:
    """'TwoDimensionalExchangeSpectroscopyNMR' -> 'two-dimensional-exchange-spectroscopy-nmr'."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+", name)
    return "-".join(w.lower() for w in words)


def element_iri(symbol: str) -> URIRef:
    return ID[f"element/{symbol}"]


def nuclide_iri(nuclide: str) -> URIRef:
    return ID[f"nuclide/{nuclide}"]


def en(text: str) -> Literal:
    return Literal(text, lang="en")


class Populator:
    def __init__(self, review: Review, vocabulary: Vocabulary, tbox: Graph, table_captions: dict[int, str]):
        self.review = review
        self.vocabulary = vocabulary
        self.tbox = tbox
        self.captions = table_captions
        self.graph = bind_prefixes(Graph())
        self.subject_iris: dict[str, URIRef] = {}
        self.elements_used: set[str] = set()
        self.nmr_techniques = set(subclasses(tbox, SSB.SolidStateNMRTechnique).values())

    # -- small helpers -------------------------------------------------------------------------
    def add(self, s, p, o):
        self.graph.add((s, p, o))

    def individual(self, iri: URIRef, cls: URIRef, label: str) -> URIRef:
        self.add(iri, RDF.type, OWL.NamedIndividual)
        self.add(iri, RDF.type, cls)
        self.add(iri, RDFS.label, en(label))
        return iri

    def curated(self, iri: URIRef, origin: Origin):
        self.add(iri, SSB.curationFile, Literal(origin.file))
        self.add(iri, SSB.curationLine, Literal(origin.line, datatype=XSD.integer))

    def cites(self, iri: URIRef, refs: list[int]):
        for number in refs:
            self.add(iri, SSB.citesReference, ID[f"reference/{number}"])

    def from_source(self, iri: URIRef, source: str, row: int | None = None):
        match = re.fullmatch(r"Table (\d+)", source)
        if match:
            self.add(iri, SSB.sourceTable, ID[f"table/{match.group(1)}"])
            if row is not None:
                self.add(iri, SSB.sourceRow, Literal(row, datatype=XSD.integer))
        else:
            self.add(iri, SSB.sourceSection, Literal(source))

    def note(self, iri: URIRef, text: str):
        if text:
            self.add(iri, SKOS.editorialNote, en(text))

    def traced(self, iri: URIRef, row, source: str, source_row: int | None = None, refs: list[int] | None = None):
        """Where a curated `row` comes from: its place in the review, the references it cites, its
        note and its line of the curated tables."""
        self.from_source(iri, source, source_row)
        self.cites(iri, row.refs if refs is None else refs)
        self.note(iri, row.note)
        self.curated(iri, row.origin)

    def term_label(self, iri: URIRef) -> str:
        label = self.tbox.value(iri, RDFS.label)
        return str(label) if label is not None else str(iri).rsplit("/", 1)[-1]

    def decimal(self, lexical: str) -> Literal:
        return Literal(lexical, datatype=XSD.decimal, normalize=False)

    # -- the whole graph -------------------------------------------------------------------------
    def populate(self) -> Graph:
        self.add_tables()
        self.add_references()
        self.add_materials()
        self.add_interfaces()
        self.add_cells()
        self.add_studies()
        self.add_findings()
        passages.populate(self, self.review.passage_studies, kebab)
        self.add_neutron_data()
        self.add_technique_summaries()
        self.add_capabilities()
        self.add_nuclides()
        self.add_elements()
        self.add_super_property_statements()
        return self.graph

    def add_tables(self):
        for number, caption in sorted(self.captions.items()):
            iri = self.individual(ID[f"table/{number}"], SSB.ReviewTable, f"Table {number}")
            self.add(iri, SSB.tableNumber, Literal(number, datatype=XSD.integer))
            self.add(iri, SSB.statement, Literal(caption))

    def add_references(self):
        for r in self.review.references:
            iri = self.individual(ID[f"reference/{r.number}"], SSB.Reference, f"[{r.number}] {r.authors}, "
                                  f"{r.container}" + (f" ({r.year})" if r.year else ""))
            self.add(iri, SSB.referenceNumber, Literal(r.number, datatype=XSD.integer))
            self.add(iri, SSB.firstAuthor, Literal(r.first_author))
            self.add(iri, SSB.authorList, Literal(r.authors))
            self.add(iri, SSB.containerTitle, Literal(r.container))
            self.add(iri, SSB.referenceKind, Literal(r.kind))
            self.add(iri, DCTERMS.bibliographicCitation, Literal(r.printed))
            for prop, value in ((DCTERMS.title, r.title), (SSB.volume, r.volume), (SSB.issue, r.issue),
                                (SSB.pages, r.pages), (SSB.publisherName, r.publisher)):
                if value:
                    self.add(iri, prop, Literal(value))
            if r.year:
                self.add(iri, SSB.publicationYear, Literal(r.year, datatype=XSD.integer))
            self.curated(iri, r.origin)

    def add_materials(self):
        for m in self.review.materials:
            iri = self.individual(ID[f"material/{m.key}"], SSB[m.material_class], m.label)
            self.subject_iris[m.key] = iri
            for acronym in m.acronyms:
                self.add(iri, SSB.acronym, Literal(acronym))
            for role in m.roles:
                self.add(iri, SSB.hasRole, self.vocabulary.roles[role])
            if m.variant_of:
                self.add(iri, SSB.isVariantOf, ID[f"material/{m.variant_of}"])
            for key in m.components:
                self.add(iri, SSB.hasComponent, ID[f"material/{key}"])
            for printed in m.formula_printed:
                self.add(iri, SSB.printedFormula, Literal(printed))
            if m.formula:
                self.add(iri, SSB.formula, Literal(m.formula.text))
                self.add(iri, SSB.normalizedFormula, Literal(m.formula.normalized))
                self.add_element_set(iri, m.formula.elements)
            self.traced(iri, m, m.source)

    def add_element_set(self, material: URIRef, elements: tuple[str, ...]):
        """hasElement for each element, closed by `hasElement only {...}` so the reasoner may also
        conclude which elements a material lacks (sulfide vs oxide)."""
        members = [element_iri(e) for e in elements]
        self.elements_used.update(elements)
        for member in members:
            self.add(material, SSB.hasElement, member)
        restriction, one_of, items = BNode(), BNode(), BNode()
        Collection(self.graph, items, members)
        self.add(one_of, RDF.type, OWL.Class)
        self.add(one_of, OWL.oneOf, items)
        self.add(restriction, RDF.type, OWL.Restriction)
        self.add(restriction, OWL.onProperty, SSB.hasElement)
        self.add(restriction, OWL.allValuesFrom, one_of)
        self.add(material, RDF.type, restriction)

    def add_interfaces(self):
        for i in self.review.interfaces:
            iri = self.individual(ID[f"interface/{i.key}"], SSB[i.interface_class], i.label)
            self.subject_iris[i.key] = iri
            if i.side_b:
                self.add(iri, SSB.firstSide, ID[f"material/{i.side_a}"])
                self.add(iri, SSB.secondSide, ID[f"material/{i.side_b}"])
            else:  # a grain boundary: between grains of one material
                self.add(iri, SSB.hasSide, ID[f"material/{i.side_a}"])
            if i.coating:
                self.add(iri, SSB.hasCoating, ID[f"material/{i.coating}"])
            self.traced(iri, i, i.source)

    def add_cells(self):
        for c in self.review.cells:
            iri = self.individual(ID[f"cell/{c.key}"], SSB[c.cell_class], c.label)
            self.subject_iris[c.key] = iri
            self.add(iri, SSB.printedAs, Literal(c.printed))
            for key in c.components:
                self.add(iri, SSB.hasComponent, ID[f"material/{key}"])
            self.traced(iri, c, c.source)

    def add_studies(self):
        for s in self.review.studies:
            slug = f"table-{s.table}-row-{s.row}"
            study = self.individual(ID[f"study/{slug}"], SSB.Study,
                                    f"Table {s.table}, row {s.row}: {' and '.join(s.subject_printed)} "
                                    f"by {s.techniques_printed}")
            subjects = [self.subject_iris[key] for key in s.subjects]
            for index, subject in enumerate(subjects):
                self.add(study, SSB.hasSubject, subject)
                self.add(subject, SSB.sourceTable, ID[f"table/{s.table}"])
                if index < len(s.subject_printed):  # the first subjects are the ones the row prints
                    self.add(subject, SSB.printedAs, Literal(s.subject_printed[index]))
            self.add(study, SSB.statement, Literal(s.finding))
            self.add(study, SSB.printedAs, Literal(s.techniques_printed))
            if s.group:
                self.add(study, SSB.rowGroup, Literal(s.group))
            self.traced(study, s, f"Table {s.table}", s.row)
            resolution = None
            if s.resolution:
                resolution = self.quantity(ID[f"quantity/{slug}-resolution"], "SpatialResolution",
                                           s.resolution, None, None, s.resolution_unit, False,
                                           f"{s.resolution} {self.review.units[s.resolution_unit].symbol}")
                self.from_source(resolution, f"Table {s.table}", s.row)
                self.curated(resolution, s.origin)
            for technique in s.techniques:
                measurement = self.measurement(ID[f"measurement/{slug}-{kebab(technique)}"], technique,
                                               f"Table {s.table}, row {s.row}", subjects, s.refs)
                self.add(measurement, SSB.partOfStudy, study)
                if s.mode:
                    self.add(measurement, SSB.hasMeasurementMode, self.vocabulary.modes[s.mode])
                if s.stimulus:
                    self.add(measurement, SSB.hasStimulus, self.vocabulary.stimuli[s.stimulus])
                if self.vocabulary.techniques[technique] in self.nmr_techniques:
                    for nuclide in s.nuclei:
                        self.add(measurement, SSB.probesNucleus, nuclide_iri(nuclide))
                for measurand in s.measurands:
                    self.add(measurement, SSB.measures, self.vocabulary.observables[measurand])
                if resolution is not None:
                    self.add(measurement, SSB.hasSpatialResolution, resolution)
                self.from_source(measurement, f"Table {s.table}", s.row)
                self.curated(measurement, s.origin)

    def measurement(self, iri: URIRef, technique: str, where: str, subjects: list[URIRef],
                    refs: list[int]) -> URIRef:
        technique_iri = self.vocabulary.techniques[technique]
        self.individual(iri, technique_iri, f"{self.term_label(technique_iri)} ({where})")
        for subject in subjects:
            self.add(iri, SSB.hasSubject, subject)
        self.cites(iri, refs)
        return iri

    def quantity(self, iri: URIRef, concept: str, value, minimum, maximum, unit: str,
                 approximate: bool, printed: str) -> URIRef:
        self.individual(iri, SSB.Quantity, printed)
        if value is not None:
            self.add(iri, QUDT.numericValue, self.decimal(value))
        if minimum is not None:
            self.add(iri, SSB.minimumValue, self.decimal(minimum))
        if maximum is not None:
            self.add(iri, SSB.maximumValue, self.decimal(maximum))
        self.add(iri, QUDT.unit, UNIT[unit])
        unit_kinds = self.review.units[unit].quantity_kinds
        kind = next(k for k in self.review.quantity_kinds[concept] if k in unit_kinds)
        self.add(iri, QUDT.hasQuantityKind, QUANTITYKIND[kind])
        self.add(iri, SSB.quantifies, self.vocabulary.observables[concept])
        self.add(iri, SSB.isApproximate, Literal(approximate))
        self.add(iri, SSB.printedValue, Literal(printed))
        return iri

    def add_findings(self):
        for q in self.review.quantities:
            finding = self.individual(ID[f"finding/{q.key}"], SSB.Finding, f"{q.printed}: {q.statement}")
            quantity = self.quantity(ID[f"quantity/{q.key}"], q.quantity, q.value, q.minimum, q.maximum,
                                     q.unit, q.approximate, q.printed)
            self.from_source(quantity, q.source)
            self.curated(quantity, q.origin)
            if q.condition:
                self.add(quantity, SSB.condition, Literal(q.condition))
            for event in q.events:
                self.add(quantity, SSB.marksEvent, self.vocabulary.events[event])
            self.add(finding, SSB.hasQuantity, quantity)
            self.add(finding, SSB.statement, Literal(q.statement))
            subject = self.subject_iris.get(q.subject)
            if subject is not None:
                self.add(finding, SSB.hasSubject, subject)
            elif q.subject in self.vocabulary.techniques:
                self.add(finding, SSB.aboutTechnique, self.vocabulary.techniques[q.subject])
            else:
                self.add(finding, DCTERMS.subject, self.vocabulary.facilities[q.subject])
            for technique in q.techniques:
                measurement = self.measurement(ID[f"measurement/finding-{q.key}-{kebab(technique)}"], technique,
                                               q.source.removeprefix("Section: "),
                                               [subject] if subject is not None else [], q.refs)
                self.add(finding, SSB.reportedBy, measurement)
                self.from_source(measurement, q.source)
                self.curated(measurement, q.origin)
            self.traced(finding, q, q.source)

    def add_neutron_data(self):
        for d in self.review.neutron_data:
            species = self.species_iri(d.nuclide)
            iri = self.individual(ID[f"neutron-data/{d.nuclide}"], SSB.NeutronScatteringData,
                                  f"thermal neutron scattering data of {d.printed}")
            self.add(iri, SSB.aboutSpecies, species)
            self.add(iri, SSB.printedAs, Literal(d.printed))
            self.add(iri, SSB.coherentScatteringLengthReal, self.decimal(d.coherent_length_real))
            if d.coherent_length_imaginary is not None:
                self.add(iri, SSB.coherentScatteringLengthImaginary, self.decimal(d.coherent_length_imaginary))
            self.add(iri, SSB.totalScatteringCrossSection, self.decimal(d.total_cross_section))
            self.add(iri, SSB.absorptionCrossSection, self.decimal(d.absorption_cross_section))
            if d.abundance_percent is not None:
                self.add(iri, SSB.naturalAbundance, self.decimal(d.abundance_percent))
            self.traced(iri, d, "Table 6", d.row, refs=[107])

    def species_iri(self, name: str) -> URIRef:
        if name == "D":
            return nuclide_iri("2H")
        if NUCLIDE.match(name):
            return nuclide_iri(name)
        self.elements_used.add(name)
        return element_iri(name)

    def add_technique_summaries(self):
        for t in self.review.technique_summaries:
            iri = self.individual(ID[f"technique-summary/table-7-row-{t.row}"], SSB.TechniqueSummary,
                                  f"Table 7, row {t.row}: {t.printed_name}")
            technique = self.vocabulary.techniques[t.technique]
            self.add(iri, SSB.aboutTechnique, technique)
            self.add(iri, SSB.printedAs, Literal(t.printed_name))
            self.add(iri, SSB.statement, Literal(t.what_is_measured))
            for measurand in t.measurands:
                self.add(iri, SSB.describesMeasurand, self.vocabulary.measurands[measurand])
                self.has_value_axiom(technique, SSB.canMeasure, self.vocabulary.measurands[measurand])
            self.from_source(iri, "Table 7", t.row)
            self.curated(iri, t.origin)

    def add_capabilities(self):
        for c in self.review.capabilities:
            iri = self.individual(ID[f"capability/table-9-row-{c.row}"], SSB.CapabilityStatement,
                                  f"Table 9, row {c.row}: {c.family} {c.printed}")
            self.add(iri, SSB.printedAs, Literal(c.printed))
            self.add(iri, SSB.rowGroup, Literal(c.family))
            for technique in c.techniques:
                self.add(iri, SSB.aboutTechnique, self.vocabulary.techniques[technique])
            for kind in c.information:
                kind_iri = self.vocabulary.information_kinds[kind]
                self.add(iri, SSB.providesInformation, kind_iri)
                for technique in c.techniques:
                    self.has_value_axiom(self.vocabulary.techniques[technique], SSB.yieldsInformation, kind_iri)
            self.from_source(iri, "Table 9", c.row)
            self.curated(iri, c.origin)

    def has_value_axiom(self, cls: URIRef, prop: URIRef, value: URIRef):
        """cls ⊑ (prop value value): the table's statement, stated in OWL on the technique class."""
        restriction = BNode()
        self.add(restriction, RDF.type, OWL.Restriction)
        self.add(restriction, OWL.onProperty, prop)
        self.add(restriction, OWL.hasValue, value)
        self.add(cls, RDFS.subClassOf, restriction)

    def add_nuclides(self):
        for nuclide in sorted(set(self.review.nuclides()) | {"2H"}):
            match = NUCLIDE.match(nuclide)
            mass, symbol = int(match.group(1)), match.group(2)
            iri = self.individual(nuclide_iri(nuclide), SSB.Nuclide,
                                  f"{chemistry.element_name(symbol)}-{mass}")
            self.add(iri, SKOS.altLabel, en(nuclide))
            self.add(iri, SSB.massNumber, Literal(mass, datatype=XSD.integer))
            self.add(iri, SSB.isotopeOf, element_iri(symbol))
            self.elements_used.add(symbol)

    def add_elements(self):
        symbols = sorted(self.elements_used | self.tbox_elements(), key=chemistry.atomic_number)
        for symbol in symbols:
            iri = self.individual(element_iri(symbol), SSB.ChemicalElement, chemistry.element_name(symbol))
            self.add(iri, SSB.elementSymbol, Literal(symbol))
            self.add(iri, SSB.atomicNumber, Literal(chemistry.atomic_number(symbol), datatype=XSD.integer))
        # Elements are distinct individuals: without this the reasoner could not tell S from O.
        different, items = BNode(), BNode()
        Collection(self.graph, items, [element_iri(s) for s in symbols])
        self.add(different, RDF.type, OWL.AllDifferent)
        self.add(different, OWL.distinctMembers, items)

    def add_super_property_statements(self):
        """What our sub-properties entail, stated: every firstSide or secondSide link is a hasSide
        link, every side, coating or component link an involvesMaterial link, so that a query
        written from the ontology (?interface ssb:hasSide ?material) finds them all."""
        for prop, parents in super_properties(self.tbox).items():
            for s, o in list(self.graph.subject_objects(prop)):
                for parent in parents:
                    self.add(s, parent, o)

    def tbox_elements(self) -> set[str]:
        prefix = str(ID["element/"])
        return {str(node)[len(prefix):] for node in self.tbox.all_nodes()
                if isinstance(node, URIRef) and str(node).startswith(prefix)}
