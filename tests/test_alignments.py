"""The SSSOM mapping table and the OWL alignment module derived from it."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ssbonto.interop import alignments, imports
from ssbonto.build import load_tbox
from ssbonto.errors import BuildError
from ssbonto.namespaces import SSB
from ssbonto.build.vocabulary import Vocabulary

from conftest import VERSION

REPO = Path(__file__).resolve().parents[1]
CHMO = "http://purl.obolibrary.org/obo/CHMO_"


@pytest.fixture(scope="module")
def mappings():
    return alignments.load_mappings(REPO)


@pytest.fixture(scope="module")
def tbox():
    return load_tbox(REPO)


def by_subject(mappings, local: str):
    return [m for m in mappings if m.subject == SSB[local]]


def test_every_technique_class_has_a_mapping_or_a_no_match_row(mappings, tbox):
    techniques = set(Vocabulary.from_tbox(tbox).techniques.values())
    assert len(techniques) == 69
    mapped = {m.subject for m in mappings}
    assert sorted(str(t) for t in techniques - mapped) == []


def test_every_measurand_material_and_interface_class_is_covered(mappings, tbox):
    vocabulary = Vocabulary.from_tbox(tbox)
    wanted = (set(vocabulary.measurands.values()) | set(vocabulary.material_classes.values())
              | set(vocabulary.interface_classes.values()))
    assert sorted(str(t) for t in wanted - {m.subject for m in mappings}) == []


def test_subjects_exist_in_the_tbox_with_the_label_and_type_given(mappings, tbox):
    for m in mappings:
        assert str(tbox.value(m.subject, RDFS.label)) == m.subject_label, m.line
        declared = OWL.Class if m.subject_type == "owl class" else OWL.NamedIndividual
        assert (m.subject, RDF.type, declared) in tbox, m.line


@pytest.fixture(scope="module")
def target_graphs():
    """object_source -> its import module in ontology/imports/ (what a bare clone carries)."""
    return {module.seeds.removeprefix("sssom:"): Graph().parse(REPO / module.path, format="turtle")
            for module in imports.registry(REPO) if module.seeds.startswith("sssom:")}


def test_every_target_exists_in_its_import_module_with_the_label_it_prints(mappings, target_graphs):
    checked = 0
    for m in mappings:
        if m.no_match:
            continue
        graph = target_graphs[m.source]
        printed = {str(label) for prop in (SKOS.prefLabel, RDFS.label) for label in graph.objects(m.object, prop)
                   if label.language in (None, "en")}
        assert m.object_label in printed, f"line {m.line}: <{m.object}> is labelled {sorted(printed)}"
        if m.object_type == "owl class":
            assert (m.object, RDF.type, OWL.Class) in graph, m.line
        checked += 1
    assert checked == 151


def test_target_versions_are_the_versions_of_the_import_modules(mappings):
    for module in imports.registry(REPO):
        if module.seeds.startswith("sssom:"):
            source = module.seeds.removeprefix("sssom:")
            graph = Graph().parse(REPO / module.path, format="turtle")
            assert {str(v) for v in graph.objects(URIRef(module.iri), OWL.versionInfo)} == {module.version}
            assert {m.source_version for m in mappings if m.source == source} == {module.version}, source


def test_the_traps_of_chmo_are_handled(mappings):
    anode = [m for m in by_subject(mappings, "AnodeMaterial") if m.object == URIRef(CHMO + "0002931")]
    cathode = [m for m in by_subject(mappings, "CathodeMaterial") if m.object == URIRef(CHMO + "0002932")]
    exsy = [m for m in by_subject(mappings, "TwoDimensionalExchangeSpectroscopyNMR")
            if m.object == URIRef(CHMO + "0000607")]
    assert [m.negated for m in anode + cathode + exsy] == [True, True, True]
    assert "swapped" in anode[0].comment and "swapped" in cathode[0].comment
    assert "NOESY" in exsy[0].comment
    qens = [m for m in by_subject(mappings, "QuasielasticNeutronScattering") if m.object == URIRef(CHMO + "0000190")]
    assert [(m.predicate, m.negated) for m in qens] == [("skos:narrowMatch", False)]
    assert "liquid" in qens[0].comment


def test_the_module_is_the_one_generated_from_the_table():
    committed = (REPO / alignments.MODULE).read_bytes()
    assert committed == alignments.module_turtle(REPO, VERSION), \
        "ontology/alignments/ssbonto-alignments.ttl is stale: run python -m ssbonto.interop.alignments"


def test_module_axioms_follow_the_predicates(mappings):
    module = Graph().parse(REPO / alignments.MODULE, format="turtle")
    subclass_rows = {(m.subject, m.object) for m in mappings if m.gives_subclass_axiom}
    asserted = {(s, o) for s, o in module.subject_objects(RDFS.subClassOf)}
    assert asserted == subclass_rows
    assert len(asserted) == 98
    # the traps give no axiom and no annotation
    for chmo in ("0002931", "0002932", "0000607", "0000190"):
        assert (None, RDFS.subClassOf, URIRef(CHMO + chmo)) not in module
    assert (SSB.QuasielasticNeutronScattering, SKOS.narrowMatch, URIRef(CHMO + "0000190")) in module
    assert (None, SKOS.exactMatch, URIRef(CHMO + "0000607")) not in module
    # no equivalences, and nothing said about another ontology's term beyond declaring it a class
    assert not list(module.triples((None, OWL.equivalentClass, None)))
    for subject, predicate, _ in module:
        if not str(subject).startswith(str(SSB)) and subject != alignments.MODULE_IRI:
            assert predicate == RDF.type, (subject, predicate)
    assert (alignments.MODULE_IRI, OWL.imports, URIRef("https://w3id.org/ssbonto/def")) in module


def test_sssom_py_validates_the_table():
    import yaml
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    meta = yaml.safe_load((REPO / alignments.METADATA).read_text(encoding="utf-8"))
    msdf = parse_sssom_table(REPO / alignments.TABLE, meta=meta)
    assert len(msdf.df) == 201
    reports = validate(msdf, [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness,
                              SchemaValidationType.StrictCurieFormat], fail_on_error=False)
    assert {kind.value: report.results for kind, report in reports.items()} == {
        "JsonSchema": [], "PrefixMapCompleteness": [], "StrictCurieFormat": []}


def test_sssom_py_catches_a_broken_table(tmp_path, caplog):
    import yaml
    from sssom.parsers import parse_sssom_table

    table = (REPO / alignments.TABLE).read_text(encoding="utf-8").replace("\tNot\t", "\tNever\t", 1)
    broken = tmp_path / "broken.sssom.tsv"
    broken.write_text(table, encoding="utf-8")
    meta = yaml.safe_load((REPO / alignments.METADATA).read_text(encoding="utf-8"))
    with caplog.at_level(logging.WARNING):
        msdf = parse_sssom_table(broken, meta=meta)
    assert len(msdf.df) == 200  # sssom-py drops the malformed mapping and says why
    assert "Unknown PredicateModifierEnum enumeration code: Never" in caplog.text


def test_a_bad_row_is_reported_with_file_line_and_column(tmp_path):
    shutil.copytree(REPO / "ontology" / "alignments", tmp_path / "ontology" / "alignments")
    table = tmp_path / alignments.TABLE
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("skos:broadMatch", "skos:sameAs", 1)
    lines[4] = lines[4].replace("CHMO:", "NOPE:", 1)
    table.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(BuildError) as error:
        alignments.load_mappings(tmp_path)
    messages = [str(p) for p in error.value.problems]
    assert any(m.startswith("ontology/alignments/ssbonto.sssom.tsv:4: column 'predicate_id'") for m in messages)
    assert any(":5:" in m and "'NOPE:" in m for m in messages)


def test_published_jsonld_context_covers_the_aligned_prefixes(tbox):
    from pyld import jsonld

    from ssbonto.build.release import context_for

    context = context_for(tbox, VERSION)
    for prefix, namespace in alignments.ALIGNED_PREFIXES.items():
        assert context["@context"][prefix] == namespace
    # a document written with the context expands to the aligned IRIs
    document = {"@context": context["@context"], "@id": "ssb:NeutronPowderDiffraction",
                "skos:exactMatch": {"@id": "PaNET:PaNET01100"}, "skos:broadMatch": {"@id": "echem:electrochemistry_x"}}
    expanded = jsonld.expand(document)[0]
    assert expanded["@id"] == str(SSB.NeutronPowderDiffraction)
    assert expanded[str(SKOS.exactMatch)] == [{"@id": "http://purl.org/pan-science/PaNET/PaNET01100"}]
    assert expanded[str(SKOS.broadMatch)] == [{"@id": "https://w3id.org/emmo/domain/electrochemistry#electrochemistry_x"}]
