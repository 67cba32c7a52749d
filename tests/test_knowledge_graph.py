"""The built knowledge graph holds every curated fact of the review, with provenance and exact values."""

from __future__ import annotations

import csv
import re
import unicodedata
from decimal import Decimal

import pytest

from conftest import REPO, REVIEW_TEXT, select

REVIEW = REPO / "ontology" / "review"


def tsv(name: str) -> list[dict[str, str]]:
    with (REVIEW / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))


def count(store, where: str) -> int:
    return int(select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")[0]["n"])


def test_every_table_row_is_in_the_graph(store):
    per_table = {int(r["t"]): int(r["n"]) for r in select(store, """
        SELECT ?t (COUNT(DISTINCT ?x) AS ?n) WHERE {
          ?x ssb:sourceTable/ssb:tableNumber ?t ; ssb:sourceRow ?row .
          FILTER NOT EXISTS { ?x a ssb:Quantity }
          FILTER NOT EXISTS { ?x a/rdfs:subClassOf* ssb:CharacterizationTechnique }
        } GROUP BY ?t""")}
    assert per_table == {1: 13, 2: 10, 3: 5, 4: 21, 5: 5, 6: 17, 7: 8, 8: 20, 9: 12}
    assert sum(per_table.values()) == 111


def test_all_134_references_with_their_bibliographic_data(store):
    assert count(store, "?x a ssb:Reference") == 134
    [row] = select(store, """SELECT * WHERE { ?r ssb:referenceNumber 31 ; ssb:firstAuthor ?author ;
        ssb:containerTitle ?journal ; ssb:volume ?volume ; ssb:publicationYear ?year ; ssb:pages ?pages }""")
    assert (row["author"], row["journal"], row["volume"], row["year"], row["pages"]) == \
        ("Y. Sun", "J. Power Sources", "324", "2016", "798")
    [book] = select(store, """SELECT * WHERE { ?r ssb:referenceNumber 77 ; dcterms:title ?title ;
        ssb:publisherName ?publisher ; ssb:referenceKind ?kind }""")
    assert (book["title"], book["publisher"], book["kind"]) == \
        ("Spin Dynamics: Basics of Nuclear Magnetic Resonance", "John Wiley & Sons", "book")


def test_printed_references_are_verbatim_from_the_review():
    # the extracted text marks italics as Markdown (*Nat. Energy*); the reference lines keep the text only
    text = re.sub(r"\*([^*\n]+)\*", r"\1", REVIEW_TEXT.read_text(encoding="utf-8"))
    for row in tsv("references.tsv"):
        assert f"[{row['number']}] {row['printed']}" in text, row["number"]


def test_reference_lines_hold_no_markdown(store):
    """Issue 10: a page renders the journal in italics from ssb:containerTitle; the data holds no Markdown."""
    assert count(store, """?x dcterms:bibliographicCitation ?line . FILTER(REGEX(?line, "[*_`]"))""") == 0
    [row] = select(store, """SELECT ?line ?journal WHERE { ?r ssb:referenceNumber 1 ;
        dcterms:bibliographicCitation ?line ; ssb:containerTitle ?journal }""")
    assert (row["line"], row["journal"]) == ("P. Albertus et al., Nat. Energy 3 (1) (2018) 16.", "Nat. Energy")


LATEX = {"\\rho": "ρ", "\\sim": "~", "\\times": "×", "\\leq": "≤", "\\geq": "≥", "\\mu": "μ",
         "\\circ": "°", "\\beta": "β", "\\AA": "Å", "\\%": "%"}


def comparable(text: str) -> str:
    """Letters and digits only: the extracted review mixes LaTeX, Unicode super/subscripts and
    page breaks; the curated statements flatten them."""
    text = re.sub(r"\\(text|mathrm|rm)\b", "", text)
    for latex, plain in LATEX.items():
        text = text.replace(latex, plain)
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).lower()


def test_text_quantities_quote_the_review():
    text = comparable(REVIEW_TEXT.read_text(encoding="utf-8"))
    rows = tsv("quantities.tsv")
    assert len(rows) >= 50
    missing = [row["key"] for row in rows if not quoted(comparable(row["statement"]), text)]
    assert missing == []


def quoted(statement: str, text: str) -> bool:
    """The statement is in the text, possibly cut once by a figure or table the extraction inserted."""
    low, high = 0, len(statement)
    while low < high:  # the longest prefix of the statement that the text contains
        middle = (low + high + 1) // 2
        if statement[:middle] in text:
            low = middle
        else:
            high = middle - 1
    return low == len(statement) or (low >= 20 and statement[low:] in text)


def test_every_record_says_where_it_came_from(store):
    assert count(store, "?x a ssb:Study . FILTER NOT EXISTS { ?x ssb:citesReference ?r }") == 0
    assert count(store, "?x a ssb:Study . FILTER NOT EXISTS { ?x ssb:sourceTable ?t ; ssb:sourceRow ?n }") == 0
    assert count(store, "?x a ssb:Finding . FILTER NOT EXISTS { ?x ssb:sourceSection ?s }") == 0
    assert count(store, """?x ssb:curationFile ?f . FILTER NOT EXISTS { ?x ssb:curationLine ?l }""") == 0
    assert count(store, "?x a ssb:Finding") == len(tsv("quantities.tsv"))


@pytest.mark.parametrize("finding, value, unit", [
    ("lgps-ionic-conductivity", "0.012", "S-PER-CentiM"),
    ("li7p3s11-jump-length", "4.3", "ANGSTROM"),
    ("li6ps5x-grain-boundary-activation-energy", "0.27", "EV"),
    ("latp-reference-jump-rate", "400000", "PER-SEC"),
])
def test_exact_values_with_qudt_units(store, finding, value, unit):
    [row] = select(store, f"""SELECT ?value ?unit WHERE {{
        <https://w3id.org/ssbonto/id/finding/{finding}> ssb:hasQuantity ?q .
        ?q qudt:numericValue ?value ; qudt:unit ?unit }}""")
    assert Decimal(row["value"]) == Decimal(value)
    assert row["unit"] == f"http://qudt.org/vocab/unit/{unit}"


def test_printing_inconsistencies_keep_both_forms(store):
    [na] = select(store, """SELECT * WHERE { ?m ssb:printedFormula "Na3Sb4" ; ssb:formula ?formula ;
        skos:editorialNote ?note }""")
    assert na["formula"] == "Na3SbS4" and "Na3Sb4" in na["note"]
    resolutions = {r["printed"] for r in select(store, """SELECT ?printed WHERE {
        ?x ssb:citesReference/ssb:referenceNumber 58 .
        { ?x ssb:hasQuantity/ssb:printedValue ?printed } UNION { ?x ssb:hasSpatialResolution/ssb:printedValue ?printed }
        FILTER(CONTAINS(?printed, "nm")) }""")}
    assert {"58.2 nm", "52.3 nm"} <= resolutions


def test_table6_neutron_data_keeps_printed_precision(store, built):
    rows = {r["printed"]: r for r in select(store, """SELECT * WHERE { ?d a ssb:NeutronScatteringData ;
        ssb:printedAs ?printed ; ssb:coherentScatteringLengthReal ?real ; ssb:absorptionCrossSection ?abs .
        OPTIONAL { ?d ssb:coherentScatteringLengthImaginary ?imaginary } }""")}
    assert len(rows) == 17
    six = rows["6Li (7.5%)"]
    assert (Decimal(six["real"]), Decimal(six["imaginary"]), Decimal(six["abs"])) == (2, Decimal("-0.261"), 940)
    # The store compares numbers by value; the dumps keep the printed lexical form.
    dump = (built.release / "ssbonto.nt").read_text(encoding="utf-8")
    assert ('<https://w3id.org/ssbonto/def/coherentScatteringLengthReal> '
            '"2.00"^^<http://www.w3.org/2001/XMLSchema#decimal>') in dump
    assert '"6.6460"^^<http://www.w3.org/2001/XMLSchema#decimal>' in dump


def test_every_material_formula_has_its_element_set(store):
    elements = {r["symbol"] for r in select(store, """SELECT ?symbol WHERE {
        <https://w3id.org/ssbonto/id/material/li6ps5x> ssb:hasElement/ssb:elementSymbol ?symbol }""")}
    assert elements == {"Li", "P", "S", "Cl", "Br"}
    assert count(store, "?x ssb:formula ?f . FILTER NOT EXISTS { ?x ssb:hasElement ?e }") == 0


@pytest.mark.parametrize("material, inferred", [
    ("li6ps5cl", {"SulfideElectrolyte", "HalideContainingElectrolyte", "LithiumIonConductor"}),
    ("llzo", {"OxideElectrolyte", "LithiumIonConductor"}),
    ("li10gep2s12-xox", {"OxysulfideElectrolyte", "LithiumIonConductor"}),
    ("na3sbs4", {"SulfideElectrolyte", "SodiumIonConductor"}),
    ("li3clo", {"OxideElectrolyte", "HalideContainingElectrolyte", "LithiumIonConductor"}),
])
def test_reasoner_classifies_materials_by_their_elements(store, material, inferred):
    found = {r["cls"].rsplit("/", 1)[-1] for r in select(store, f"""SELECT ?cls WHERE {{
        GRAPH <https://w3id.org/ssbonto/graph/inferred> {{ <https://w3id.org/ssbonto/id/material/{material}> a ?cls }} }}""")}
    assert found == inferred


def test_polymers_are_not_classified_as_oxide_electrolytes(store):
    assert not store.query("ASK { <https://w3id.org/ssbonto/id/material/peo> a ssb:OxideElectrolyte }").result


def test_table9_is_stated_in_owl_and_classified_by_the_reasoner(store):
    techniques = {r["label"] for r in select(store, """SELECT ?label WHERE {
        GRAPH <https://w3id.org/ssbonto/graph/inferred> { ?t rdfs:subClassOf ssb:TechniqueGivingIonicMotionInformation }
        ?t rdfs:label ?label }""")}
    assert techniques == {"dynamic NMR technique", "magnetic resonance imaging", "inelastic neutron scattering",
                          "quasielastic neutron scattering"}


def test_ontology_metadata_for_fair_checkers(store):
    [meta] = select(store, """SELECT * WHERE { <https://w3id.org/ssbonto/def> a owl:Ontology ;
        owl:versionIRI ?versionIRI ; owl:versionInfo ?version ; dcterms:license ?license ;
        dcterms:title ?title ; vann:preferredNamespacePrefix ?prefix ; vann:preferredNamespaceUri ?ns }""")
    assert meta["versionIRI"] != "https://w3id.org/ssbonto/def"
    assert meta["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert (meta["prefix"], meta["ns"]) == ("ssb", "https://w3id.org/ssbonto/def/")


def test_every_term_has_one_label_and_a_definition(store):
    rows = select(store, """SELECT ?term (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?def) AS ?defs) WHERE {
        GRAPH <https://w3id.org/ssbonto/graph/ontology> {
          ?term a ?kind . FILTER(?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty,
                                           owl:AnnotationProperty, owl:NamedIndividual))
          FILTER(STRSTARTS(STR(?term), "https://w3id.org/ssbonto/def/"))
          OPTIONAL { ?term rdfs:label ?label } OPTIONAL { ?term skos:definition ?def } } }
        GROUP BY ?term""")
    assert len(rows) > 250
    assert [r["term"] for r in rows if r["labels"] != "1" or r["defs"] == "0"] == []
