"""The SHACL shapes as the knowledge graph's contract: the shipped graph conforms, every shape
catches the breakage it is written for (tests/fixtures/shapes/*.ru, each a SPARQL Update that
breaks the built graph in one way and states the exact results it must raise), the build fails
on a violation and names file and row, and the shapes themselves are valid SHACL."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from ssbonto.build import chemistry, validate
from ssbonto.errors import BuildError
from ssbonto.namespaces import SH, sparql_prologue

from conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "shapes"
SHAPES = "https://w3id.org/ssbonto/shapes/"
PREFIXES = {**validate.SHAPES_PREFIXES}


def expand(name: str) -> str:
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else name


def expectations(path: Path) -> set[tuple]:
    """'# expect: Severity focus path component shape' lines -> (severity, focus IRI, path, component, shape)."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect: "):
            severity, focus, result_path, component, shape = line[len("# expect: "):].split()
            found.add((severity, expand(focus), None if result_path == "-" else result_path, component, shape))
    return found


def results(report: validate.Report) -> set[tuple]:
    return {(v.severity, v.focus, v.path, v.constraint, v.shape) for v in report.violations + report.warnings}


@pytest.fixture(scope="module")
def shapes():
    return validate.load_shapes(REPO)


@pytest.fixture(scope="module")
def graph(built):
    """The built graph as the build validates it (knowledge graph, inferences and TBox in one)."""
    merged = Graph()
    merged += built.graphs.knowledge
    merged += built.graphs.inferred
    merged += built.graphs.ontology
    return merged


@pytest.fixture(scope="module")
def baseline(graph, shapes):
    return validate.validate(graph, Graph(), shapes)


def rows(name: str) -> list[dict[str, str]]:
    with open(REPO / "ontology" / "review" / name, encoding="utf-8") as handle:
        return list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))


def test_shipped_graph_conforms_with_exactly_the_known_warnings(built, baseline):
    assert baseline.conforms and baseline.violations == []
    uncited = {f"https://w3id.org/ssbonto/id/finding/{row['key']}" for row in rows("quantities.tsv") if not row["refs"]}
    pageless = {f"https://w3id.org/ssbonto/id/reference/{row['number']}" for row in rows("references.tsv")
                if not row["pages"] and row["kind"] != "book"}
    assert len(uncited) == 12 and len(pageless) == 9
    assert results(baseline) == (
        {("Warning", f, "ssb:citesReference", "sh:MinCountConstraintComponent", "ssbsh:FindingShape") for f in uncited}
        | {("Warning", r, "ssb:pages", "sh:SPARQLConstraintComponent", "ssbsh:PagesShape") for r in pageless})
    # the build prints the same warnings, by label, path, message, file and row
    assert sorted(built.warnings) == sorted(str(w) for w in baseline.warnings)
    assert ("Warning: [2] J. Liu et al., Nat. Energy (2019) <https://w3id.org/ssbonto/id/reference/2> ssb:pages: "
            "the review prints no pages for this article [ontology/review/references.tsv:3]") in built.warnings


FIXTURE_FILES = sorted(FIXTURES.glob("*.ru"))


def test_the_corpus_has_a_broken_fixture_for_every_shape(shapes):
    assert len(FIXTURE_FILES) >= 25
    named_shapes = {validate._short(s) for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    covered = {expected[4] for path in FIXTURE_FILES for expected in expectations(path)}
    assert len(named_shapes) >= 27
    assert named_shapes == covered


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda path: path.stem)
def test_broken_fixture_raises_exactly_its_violation(fixture, graph, shapes, baseline):
    expected = expectations(fixture)
    assert expected, f"{fixture.name} states no '# expect:' line"
    before = set(graph)
    try:
        graph.update(sparql_prologue() + fixture.read_text(encoding="utf-8"))
        after = set(graph)
        assert after != before, f"{fixture.name} changed nothing in the graph"
        report = validate.validate(graph, Graph(), shapes)
    finally:  # put the shared graph back as it was
        for triple in set(graph) - before:
            graph.remove(triple)
        for triple in before - set(graph):
            graph.add(triple)
    assert results(report) - results(baseline) == expected
    assert results(baseline) - results(report) == set()
    assert report.conforms == (not any(e[0] == "Violation" for e in expected))


def test_a_violation_names_the_label_path_message_and_curated_row(graph, shapes):
    before = set(graph)
    try:
        graph.update(sparql_prologue() + (FIXTURES / "activation-energy-in-kelvin.ru").read_text())
        report = validate.validate(graph, Graph(), shapes)
    finally:
        for triple in set(graph) - before:
            graph.remove(triple)
        for triple in before - set(graph):
            graph.add(triple)
    [violation] = report.violations
    line = next(n for n, row in enumerate(rows("quantities.tsv"), start=2) if row["key"] == "li6ps5x-bulk-activation-energy")
    assert str(violation) == (
        "Violation: ~ 0.20 eV <https://w3id.org/ssbonto/id/quantity/li6ps5x-bulk-activation-energy> qudt:unit: "
        f"unit unit:K does not measure quantitykind:Energy (units ssbonto accepts are listed in ontology/units.tsv) "
        f"[ontology/review/quantities.tsv:{line}]")
    assert violation.value == "unit:K"


def test_a_term_violation_points_at_its_line_in_the_ontology(built, shapes):
    tbox = Graph()
    tbox += built.graphs.ontology
    tbox.remove((URIRef("https://w3id.org/ssbonto/def/StaticNMR"), URIRef("http://www.w3.org/2004/02/skos/core#definition"), None))
    report = validate.validate(built.graphs.knowledge, tbox, shapes)
    [violation] = report.violations
    text = (REPO / "ontology" / "ssbonto.ttl").read_text(encoding="utf-8").splitlines()
    assert (violation.file, violation.line) == ("ontology/ssbonto.ttl", text.index("ssb:StaticNMR a owl:Class ;") + 1)
    assert violation.label == "static NMR" or violation.label.lower().startswith("static")


def test_build_fails_on_a_shape_violation_naming_file_and_row(sources):
    """Table 9 row 1 (XRD) loses its crystal-structure tick: the curated table still loads (the row
    ticks another column), the shape catches the missing cell and the build stops."""
    from ssbonto.build import generate

    capabilities = sources / "ontology" / "review" / "capabilities.tsv"
    lines = capabilities.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split("\t")
    assert cells[:5] == ["1", "Synchrotron X-ray", "XRD", "SynchrotronXRayDiffraction", "yes"]
    cells[4] = ""
    lines[1] = "\t".join(cells)
    capabilities.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        generate(sources)
    assert [str(problem) for problem in failure.value.problems] == [
        "ontology/review/capabilities.tsv:2: Violation: Table 9, row 1: Synchrotron X-ray XRD "
        "<https://w3id.org/ssbonto/id/capability/table-9-row-1> ssb:providesInformation: Table 9 row 1 prints a tick "
        "for ssb:CrystalStructureInformation, but the graph does not state it [ontology/review/capabilities.tsv:2]"]


# -- the shapes themselves ----------------------------------------------------------------------

def shacl_shacl() -> Graph:
    """The W3C's shapes for shapes graphs (SHACL 1.0, Appendix C), as pySHACL ships them."""
    import pyshacl

    return Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl", format="turtle")


def test_shapes_conform_to_shacl_for_shacl(shapes):
    report = validate.run_engine(shapes, shacl_shacl())
    assert set(report.subjects(SH.resultSeverity, None)) == set()
    assert [c.toPython() for c in report.objects(None, SH.conforms)] == [True]


def test_shacl_for_shacl_catches_a_malformed_shape(shapes):
    broken = Graph()
    broken += shapes
    shape = URIRef(SHAPES + "MaterialShape")
    broken.add((shape, SH.targetClass, Literal("ssb:Material")))  # a class must be an IRI
    report = validate.run_engine(broken, shacl_shacl())
    assert {(report.value(r, SH.focusNode), report.value(r, SH.resultPath))
            for r in report.subjects(SH.resultSeverity, SH.Violation)} == {(shape, SH.targetClass)}


def shape_pattern(shapes: Graph, node_shape: str, path: URIRef) -> str:
    [pattern] = [str(shapes.value(p, SH.pattern)) for p in shapes.objects(URIRef(SHAPES + node_shape), SH.property)
                 if shapes.value(p, SH.path) == path and shapes.value(p, SH.pattern) is not None]
    return pattern


BAD_FORMULAS = ["", "Li7La3Zr2O12)", "Qz2", "Li2S·", "li2s", "Li..5", "Li2(", "(1-x)", "Li+", "Li1.5.2", "2",
                "Li2S··P2S5", "(Li2S", "LiJ", "β-", "β-80Li2S", "Li[Ni)", "LiCoO2-", "-LiCoO2", "Li()", "Li2**3",
                "Li-", "Xx", "k-Si", "Li(2+x)" * 2 + "!"]
GOOD_FORMULAS = ["Li[Ni0.8Co0.1]O2", "Li2O·xH2O", "Li2S-P2S5", "LiNi1/3Co1/3Mn1/3O2", "Li1+x+yAlxTi2-xSiyP3-yO12",
                 "Li.5Co", "Sn2n", "SnSn", "Cx", "Li2S20P2S5", "80Li2S–20P2S5", "Li7-xLa3Zr2-xTaxO12", "XeF2", "H2O2",
                 "Li2/xO"]


def test_formula_pattern_accepts_exactly_what_the_formula_parser_accepts(shapes):
    pattern = re.compile(shape_pattern(shapes, "MaterialShape", URIRef("https://w3id.org/ssbonto/def/formula")))
    curated = [row["formula"] for row in rows("materials.tsv") if row["formula"]]
    assert len(curated) == 69
    for formula in curated + GOOD_FORMULAS + BAD_FORMULAS:
        placeholders = {"X": ("Cl",)} if "X" in formula.replace("Xe", "") else None
        try:
            chemistry.parse_formula(formula, placeholders)
            parsed = True
        except ValueError:
            parsed = False
        assert bool(pattern.search(formula)) == parsed, formula
    # atomic groups keep matching linear: these would take ages with a backtracking blow-up
    for hostile in ("Sn" * 40 + "!", "Li2S-" * 40 + "!", "Li2S·" * 40 + "·", "x" * 60 + "!"):
        assert not pattern.search(hostile)


def test_unit_and_quantity_kind_tables_restate_the_curated_tables(shapes):
    text = (REPO / "shapes" / "quantities.ttl").read_text(encoding="utf-8")
    concept_kinds = {(row["concept"], kind.strip()) for row in rows("../quantity-kinds.tsv")
                     for kind in row["quantity_kind"].split(";")}
    used_kinds = {kind for _, kind in concept_kinds}
    unit_kinds = {(row["unit"], kind.strip()) for row in rows("../units.tsv") for kind in row["quantity_kinds"].split(";")
                  if kind.strip() in used_kinds}
    [concepts_block, units_block] = re.findall(r"IN \(\n(.*?)\n\s*\)\)\)", text, re.S)
    assert {tuple(pair.split("|")) for pair in re.findall(r'"([^"]+)"', concepts_block)} == concept_kinds
    assert {tuple(pair.split("|")) for pair in re.findall(r'"([^"]+)"', units_block)} == unit_kinds
    assert ("K", "Energy") not in unit_kinds and ("EV", "Energy") in unit_kinds


def test_element_table_is_the_periodic_table(shapes):
    symbols = sorted(chemistry.element_symbols(), key=chemistry.atomic_number)
    [symbol_shape] = [p for p in shapes.objects(URIRef(SHAPES + "ChemicalElementShape"), SH.property)
                      if shapes.value(p, SH.path) == URIRef("https://w3id.org/ssbonto/def/elementSymbol")]
    from rdflib.collection import Collection

    assert [str(s) for s in Collection(shapes, shapes.value(symbol_shape, SH["in"]))] == symbols
    text = (REPO / "shapes" / "materials.ttl").read_text(encoding="utf-8")
    pairs = re.findall(r'"([A-Z][a-z]?)\|(\d+)"', text)
    assert pairs == [(s, str(chemistry.atomic_number(s))) for s in symbols]
