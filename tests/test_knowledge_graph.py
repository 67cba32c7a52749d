"""The built knowledge graph holds every curated fact of the review, with provenance and exact values."""

from __future__ import annotations

import csv
import re
import unicodedata
from decimal import Decimal

import pytest

from conftest import REPO, REVIEW_TEXT, needs_review_text, select

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


@needs_review_text
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


@needs_review_text
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


# -- Answers from the vocabulary alone (issue 18): each query is written from the ontology's terms,
#    as a user who reads only ssbonto.ttl would write it, with no knowledge of how the build works.

ID = "https://w3id.org/ssbonto/id/"


def iris(store, sparql: str, variable: str = "x") -> set[str]:
    return {row[variable] for row in select(store, sparql)}


@pytest.mark.parametrize("printed, entity", [
    ("NASICON/Li metal anode", "interface/li--latp"),                    # Table 2 row 6
    ("LLZO/Li interface", "interface/li--llzo"),                         # Table 3 row 2
    ("Li/Li10GeP2S12", "interface/li--lgps"),                            # Table 5 row 4
    ("LiCoO2/Li3PO4/80Li2S·20P2S5", "interface/lco--li3po4--80li2s-20p2s5"),  # Table 2 row 2
    ("Li/β-Li3PS4/Li", "cell/li-beta-li3ps4-li"),                        # Table 3 row 3
    ("Al-doped Li7La3Zr2O12", "material/al-doped-llzo"),                 # Table 1 rows 4 and 13
])
def test_every_entity_a_table_prints_keeps_its_printed_form(store, printed, entity):
    assert iris(store, f'SELECT ?x WHERE {{ ?x ssb:printedAs "{printed}" }}') == {ID + entity}


def test_every_study_subject_carries_the_form_its_row_prints(store):
    assert count(store, "?x a ssb:Study . FILTER NOT EXISTS { ?x ssb:hasSubject/ssb:printedAs ?printed }") == 0
    interfaces = {row["key"] for row in tsv("interfaces.tsv")}
    printed = {key for row in tsv("studies.tsv")
               for key in row["subject"].split(";")[:len(row["subject_printed"].split(";"))] if key in interfaces}
    assert len(printed) == 15
    assert count(store, "?x a/rdfs:subClassOf* ssb:Interface ; ssb:printedAs ?printed") == len(printed)


@needs_review_text
def test_printed_forms_and_formulas_are_printed_in_the_review(store):
    text = comparable(REVIEW_TEXT.read_text(encoding="utf-8"))
    printed = {row["printed"] for row in select(store, """SELECT DISTINCT ?printed WHERE {
        { ?x ssb:printedFormula ?printed } UNION { ?x a/rdfs:subClassOf* ssb:StudiedEntity ; ssb:printedAs ?printed } }""")}
    assert len(printed) > 90
    # a cell printed on several lines is curated with its lines joined: by " / " between formulas
    # (Li3.75Si0.75P0.25O4 / Li3.5Si0.5P0.5O4 / ...), by a space within one (xLi2SO4·(1-x) LiPO3)
    def in_text(form: str) -> bool:
        joints = (" / ", " ") if form.count(" ") == 1 else (" / ",)
        return any(all(quoted(comparable(line), text) for line in form.split(joint)) for joint in joints)

    assert [form for form in printed if not in_text(form)] == []


def test_every_printed_stack_is_a_subject_of_its_study(store):
    subjects = iris(store, """SELECT ?x WHERE { <https://w3id.org/ssbonto/id/study/table-2-row-2> ssb:hasSubject ?x }""")
    assert subjects == {ID + "interface/lco--80li2s-20p2s5", ID + "interface/lco--li3po4--80li2s-20p2s5"}
    coated = iris(store, """SELECT ?x WHERE { ?x ssb:hasSubject <https://w3id.org/ssbonto/id/interface/li--li3po4--latp> ;
        a ssb:Study }""")
    assert coated == {ID + "study/table-2-row-6"}
    # every interface or cell taken from a table is the subject of a study printed in that table
    assert count(store, """?x a/rdfs:subClassOf* ?kind ; ssb:sourceTable ?table .
        FILTER(?kind IN (ssb:Interface, ssb:BatteryCell, ssb:CompositeElectrode))
        FILTER NOT EXISTS { ?study a ssb:Study ; ssb:sourceTable ?table ; ssb:hasSubject ?x }""") == 0


def test_has_side_finds_both_sides_of_every_interface(store):
    interfaces = tsv("interfaces.tsv")
    links = sum(2 if row["side_b"] else 1 for row in interfaces)
    assert links == 47
    assert int(select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?i ssb:hasSide ?m }")[0]["n"]) == links
    assert iris(store, "SELECT ?x WHERE { ?x ssb:hasSide <https://w3id.org/ssbonto/id/material/llzo> }") == {
        ID + "interface/li--llzo", ID + "interface/lco--llzo"}
    # and the super-property of sides, coatings and components
    assert iris(store, "SELECT ?x WHERE { <https://w3id.org/ssbonto/id/interface/li--li3po4--latp> ssb:involvesMaterial ?x }") \
        == {ID + "material/li", ID + "material/latp", ID + "material/li3po4"}


@pytest.mark.parametrize("sparql, expected", [
    ('SELECT ?x WHERE { ?x ssb:acronym "NMC811" }', "material/nmc811"),
    ('SELECT ?x WHERE { ?x ssb:acronym "LLZO" }', "material/llzo"),
    ('SELECT ?x WHERE { ?x ssb:formula "Li10GeP2S12" }', "material/lgps"),
    ('SELECT ?x WHERE { ?x ssb:printedFormula "Na3Sb4" }', "material/na3sbs4"),
    ('SELECT ?x WHERE { ?x ssb:acronym "XPS" }', None),
])
def test_acronyms_and_formulas_are_plain_strings_alike(store, sparql, expected):
    found = iris(store, sparql)
    if expected is None:  # a term's acronym: ssb:XRayPhotoelectronSpectroscopy
        assert found == {"https://w3id.org/ssbonto/def/XRayPhotoelectronSpectroscopy"}
    else:
        assert found == {ID + expected}


def test_every_literal_has_the_datatype_its_property_declares(store):
    assert count(store, """?x ?p ?value . ?p rdfs:range ?range .
        FILTER(STRSTARTS(STR(?p), "https://w3id.org/ssbonto/def/") && isLiteral(?value) && DATATYPE(?value) != ?range)""") == 0
    assert count(store, """?x ?p ?value . FILTER(?p IN (rdfs:label, skos:definition, skos:altLabel, skos:editorialNote))
        FILTER(isLiteral(?value) && LANG(?value) != "en")""") == 0


def test_a_material_keeps_every_printed_formula_and_one_normalized_formula(store):
    from ssbonto.build.chemistry import parse_formula

    rows = select(store, """SELECT ?printed ?formula ?normalized WHERE {
        <https://w3id.org/ssbonto/id/material/latp> ssb:printedFormula ?printed ; ssb:formula ?formula ;
            ssb:normalizedFormula ?normalized }""")
    assert {r["printed"] for r in rows} == {"Li1+xTi2-xAlx(PO4)3", "Li1-xAlxTi2-x(PO4)3"}  # Table 4, the text [81]
    assert {(r["formula"], r["normalized"]) for r in rows} == {("Li1+xTi2-xAlx(PO4)3", "AlxLi1+xO12P3Ti2-x")}
    # the element order of a printing does not matter: the text's corrected form is the same material
    same = parse_formula("Li1+xAlxTi2-x(PO4)3").normalized
    assert iris(store, f'SELECT ?x WHERE {{ ?x ssb:normalizedFormula "{same}" }}') == {ID + "material/latp"}
    al_llzo = {r["printed"] for r in select(store, """SELECT ?printed WHERE {
        <https://w3id.org/ssbonto/id/material/li7-xalx-3la3zr2o12> ssb:printedFormula ?printed }""")}
    assert al_llzo == {"(Li7-xAlx/3)La3Zr2O12", "Li7-xAlx/3La3Zr2O12"}  # Table 1 [38], Table 4 [66,79]
    assert {parse_formula(form).normalized for form in al_llzo} == {"Alx/3La3Li7-xO12Zr2"}
    assert count(store, "?x ssb:formula ?f . FILTER NOT EXISTS { ?x ssb:normalizedFormula ?n ; ssb:printedFormula ?p }") == 0


def test_curated_normalized_formulas_are_the_parser_s(store):
    from ssbonto.build.chemistry import parse_formula, parse_substitutions

    stored = {row["x"].rsplit("/", 1)[-1]: row["n"] for row in select(store, """SELECT ?x ?n WHERE {
        ?x ssb:normalizedFormula ?n }""")}
    curated = {row["key"]: parse_formula(row["formula"], parse_substitutions(row["substitutions"])).normalized
               for row in tsv("materials.tsv") if row["formula"]}
    assert stored == curated


def test_which_studies_involve_llzo_finds_its_composite(store):
    studies = iris(store, """SELECT ?x WHERE {
        ?x a ssb:Study ; ssb:hasSubject/ssb:involvesMaterial? <https://w3id.org/ssbonto/id/material/llzo> }""")
    assert ID + "study/table-4-row-20" in studies  # Li7La3Zr2O12-PEO
    assert {ID + "study/table-1-row-5", ID + "study/table-3-row-2", ID + "study/table-2-row-8"} <= studies
    assert iris(store, "SELECT ?x WHERE { <https://w3id.org/ssbonto/id/material/llzo-peo> ssb:hasComponent ?x }") == {
        ID + "material/llzo", ID + "material/peo"}
    assert iris(store, "SELECT ?x WHERE { <https://w3id.org/ssbonto/id/material/3peg-liclo4-tio2> ssb:hasComponent ?x }") \
        == {ID + "material/tio2", ID + "material/al2o3"}


def test_a_temperature_says_which_event_it_marks(store):
    rows = select(store, """SELECT ?event ?value ?min ?max WHERE {
        ?finding ssb:hasSubject <https://w3id.org/ssbonto/id/material/lagp> ; ssb:hasQuantity ?q .
        ?q ssb:quantifies ssb:Temperature ; ssb:marksEvent ?e . ?e rdfs:label ?event .
        OPTIONAL { ?q qudt:numericValue ?value } OPTIONAL { ?q ssb:minimumValue ?min } OPTIONAL { ?q ssb:maximumValue ?max } }""")
    found = {(r["event"], Decimal(r.get("value") or r.get("min") or r.get("max"))) for r in rows}
    assert found == {("crystallization onset", 570), ("dopant incorporation", 730), ("dopant extraction", 950),
                     ("secondary phase formation", 950), ("annealing temperature limit", 950)}
    [conversion] = select(store, """SELECT ?value WHERE { ?q ssb:marksEvent ssb:PhaseTransformation ;
        qudt:numericValue ?value ; qudt:unit unit:DEG_C }""")
    assert Decimal(conversion["value"]) == 300  # germanium mullite -> AlPO4 on cooling [20]
    assert count(store, "?x ssb:quantifies ssb:Temperature . FILTER NOT EXISTS { ?x ssb:marksEvent ?e }") == 0


def test_a_study_subject_names_the_table_it_is_printed_in(store):
    tables = iris(store, "SELECT ?x WHERE { <https://w3id.org/ssbonto/id/material/na3sbs4> ssb:sourceTable ?x }")
    assert tables == {ID + "table/1"}
    [note] = select(store, "SELECT ?note WHERE { <https://w3id.org/ssbonto/id/material/na3sbs4> skos:editorialNote ?note }")
    assert "no generic sulfide class" not in note["note"] and "SulfideElectrolyte" in note["note"]
    assert count(store, """?study a ssb:Study ; ssb:hasSubject ?x ; ssb:sourceTable ?table .
        FILTER NOT EXISTS { ?x ssb:sourceTable ?table }""") == 0
