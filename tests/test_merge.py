"""`ssbonto merge`: real reference ontologies, imports resolved locally, the real HermiT.

The whole reference set (CHAMEO, electrochemistry, BattINFO, chemical-substance, EMMO 1.0.2, CHMO,
PaNET, QUDT units) is merged and decided in the default satisfiability mode (under a minute here;
docs/merging.md lists the timings) when the reference files are beside the clone
($SSBONTO_REFERENCE_DIR). Full classification of that set takes 10 minutes or more, so the classify
mode is tested on ssbonto + PaNET's import module (ontology/imports/panet.ttl: seconds, and in a bare
clone too).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from conftest import REFERENCE_DIR as REF
from conftest import REPO, needs_reference
from ssbonto.interop import merge as merging
from ssbonto.interop import satisfiability
from ssbonto.namespaces import SSB

PANET = REPO / "ontology" / "imports" / "panet.ttl"  # PaNET's terms the alignments use, with their ancestors
PANET_NS = "http://purl.org/pan-science/PaNET/"
QUDT_UNITS = REF / "qudt" / "src" / "main" / "rdf" / "vocab" / "unit" / "VOCAB_QUDT-UNITS-ALL.ttl"
EMMO_SEARCH = ("emmo/1.0.2", "domain-battery", "domain-electrochemistry", "domain-chemical-substance",
               "domain-characterisation-methodology")
MODES = (merging.SATISFIABILITY, merging.CLASSIFY)


def our_classes() -> set[str]:
    graph = Graph().parse(REPO / "ontology" / "ssbonto.ttl")
    return {str(c) for c in graph.subjects(merging.RDF.type, merging.OWL.Class) if str(c).startswith(str(SSB))}


@pytest.fixture(scope="module")
def full_merge(tmp_path_factory):
    """The command of docs/merging.md, run as a user runs it."""
    report_file = tmp_path_factory.mktemp("full") / "report.json"
    roots = ["domain-battery/battery.ttl", "domain-electrochemistry/electrochemistry.ttl",
             "domain-characterisation-methodology/chameo.ttl", "domain-chemical-substance/chemical-substance.ttl",
             "chmo/chmo.ttl", "panet/PaNET.ttl"]
    command = [sys.executable, "-m", "ssbonto.cli", "merge", "--with", *(str(REF / r) for r in roots),
               str(QUDT_UNITS), "--allow-missing-imports", "--time-limit", "400", "--output", "-",
               "--json", str(report_file)]
    for folder in EMMO_SEARCH:
        command += ["--search", str(REF / folder)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=500)
    return result, json.loads(report_file.read_text(encoding="utf-8"))


@needs_reference
def test_the_whole_materials_merge_is_consistent_with_every_class_of_ours_satisfiable(full_merge):
    result, report = full_merge
    assert result.returncode == 0, result.stdout + result.stderr
    assert (report["reasoning"], report["consistent"], report["timed_out"]) == ("satisfiability", True, False)
    assert set(report["tested_ours"]) == our_classes() and report["ours"] == len(our_classes())
    assert report["unsatisfiable_ours"] == [] and report["unsatisfiable"] == []
    assert len(report["files"]) == 64
    names = {Path(f).name for f in report["files"]}
    assert {"ssbonto.ttl", "ssbonto-alignments.ttl", "battery.ttl", "electrochemistry.ttl", "chameo.ttl",
            "chemical-substance.ttl", "emmo.ttl", "chmo.ttl", "PaNET.ttl", "VOCAB_QUDT-UNITS-ALL.ttl"} <= names
    assert report["classes"] > 8000
    assert "consistent: yes\n" in result.stdout
    assert report["joint_test"] is True
    assert f"unsatisfiable ssbonto classes: 0 ({len(our_classes())} of {len(our_classes())} tested: one joint test)" \
        in result.stdout


@needs_reference
def test_placements_without_classification_are_the_asserted_ones_and_say_so(full_merge):
    result, report = full_merge
    assert report["placements_inferred"] is False
    assert "(asserted subClassOf chains only; --reasoning classify infers them)" in result.stdout
    npd = report["placements"][str(SSB.NeutronPowderDiffraction)]
    assert f"{PANET_NS}PaNET01100" in npd and "http://purl.obolibrary.org/obo/CHMO_0000699" in npd
    assert f"{PANET_NS}PaNET01217" not in npd  # above PaNET01100, so not the most specific


@pytest.fixture(scope="module")
def panet_merge(tmp_path_factory):
    output = tmp_path_factory.mktemp("merge") / "merged.owl"
    return merging.merge([PANET], REPO, time_limit=300, output=output, reasoning=merging.CLASSIFY), output


def test_ssbonto_with_panet_classified_is_consistent_with_no_unsatisfiable_class(panet_merge):
    report, _ = panet_merge
    assert (report.reasoning, report.placements_inferred) == ("classify", True)
    assert report.consistent is True
    assert report.timed_out is False
    assert report.unsatisfiable == []
    assert report.exit_code == 0
    assert [Path(f).name for f in report.files] == ["ssbonto.ttl", "ssbonto-alignments.ttl", "panet.ttl"]


def test_our_terms_land_in_panet_hierarchy(panet_merge):
    report, _ = panet_merge

    def in_panet(local):
        return [p for p in report.placements[str(SSB[local])] if p.startswith(PANET_NS)]

    assert in_panet("NeutronPowderDiffraction") == [f"{PANET_NS}PaNET01100"]
    assert in_panet("ExtendedXRayAbsorptionFineStructure") == [f"{PANET_NS}PaNET01198"]
    # inherited through our own hierarchy: angle-dispersive XRD is mapped to nothing itself
    assert in_panet("AngleDispersiveXRayDiffraction") == [f"{PANET_NS}PaNET01216"]
    assert in_panet("PulsedFieldGradientNMR") == []


def test_label_clashes_across_ontologies_are_reported(panet_merge):
    report, _ = panet_merge
    clashes = {c["label"].casefold(): c for c in report.label_clashes}
    neutron = clashes["neutron"]
    assert [t["iri"] for t in neutron["terms"]] == [f"{PANET_NS}PaNET2011001", str(SSB.Neutron)]
    assert neutron["aligned"] is False
    assert clashes["neutron diffraction"]["aligned"] is True


def test_the_merged_ontology_is_written_as_one_ontology(panet_merge):
    report, output = panet_merge
    merged = Graph().parse(output, format="xml")
    assert len(merged) == report.triples
    ontologies = set(merged.subjects(predicate=None, object=merging.OWL.Ontology))
    assert ontologies == {merging.MERGED_IRI}
    assert not list(merged.triples((None, merging.OWL.imports, None)))


def disjointness_fixture(path: Path, *statements: str) -> Path:
    """An ontology making PaNET's neutron diffraction disjoint from neutron powder diffraction
    (which ssb:NeutronPowderDiffraction is under both), plus `statements`."""
    path.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                    f"<https://example.org/{path.stem}> a owl:Ontology .\n"
                    f"<{PANET_NS}PaNET01217> a owl:Class ; owl:disjointWith <{PANET_NS}PaNET01100> .\n"
                    + "".join(statement + "\n" for statement in statements), encoding="utf-8")
    return path


@pytest.mark.parametrize("reasoning", MODES)
def test_an_unsatisfiable_class_of_ours_is_reported(tmp_path, reasoning):
    clash = disjointness_fixture(tmp_path / "clash.ttl", f"<{PANET_NS}PaNET01100> a owl:Class .")
    report = merging.merge([clash], REPO, time_limit=300, reasoning=reasoning)
    # ssb:NeutronPowderDiffraction is under both (exact match to NPD, and via ssb:NeutronDiffraction)
    assert report.consistent is True
    assert str(SSB.NeutronPowderDiffraction) in report.unsatisfiable_ours
    assert str(SSB.NeutronDiffraction) not in report.unsatisfiable_ours
    assert report.exit_code == 1
    if reasoning == merging.SATISFIABILITY:  # the joint test fails, then each class is tested alone
        assert report.joint_test is False and set(report.tested_ours) == our_classes()


@pytest.mark.parametrize("reasoning", MODES)
def test_an_inconsistent_merge_is_reported_as_inconsistent(tmp_path, reasoning):
    clash = disjointness_fixture(tmp_path / "inconsistent.ttl",
                                 f"<https://example.org/run-1> a owl:NamedIndividual, <{SSB.NeutronPowderDiffraction}> .")
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "merge", "--with", str(clash), "--output", "-",
                             "--reasoning", reasoning], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "consistent: NO\n" in result.stdout


@pytest.mark.parametrize("reasoning", MODES)
def test_the_time_limit_is_reported_when_hermit_runs_out_of_it(tmp_path, reasoning):
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "merge", "--with", str(PANET), "--reasoning",
                             reasoning, "--time-limit", "0.5", "--output", "-", "--json", str(tmp_path / "r.json")],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "HermiT ran out of its time limit (0.5 s): consistency is UNDECIDED" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["timed_out"], report["consistent"]) == (True, None)
    if reasoning == merging.CLASSIFY:
        assert "placed under other ontologies' classes: not computed (no classification)" in result.stdout


def test_what_a_killed_reasoner_decided_is_kept():
    """The child writes one line per finding; the line it was writing when killed is cut off."""
    lines = ['{"classes": 3}', '{"consistent": true}', f'{{"class": "{SSB.A}", "satisfiable": true}}',
             f'{{"class": "{SSB.B}", "satisfiable": false}}', '{"class": "https://w3id.org/ssb']
    result = satisfiability.read_findings("\n".join(lines))
    assert (result.classes, result.consistent) == (3, True)
    assert (result.checked, result.unsatisfiable) == ([str(SSB.A), str(SSB.B)], [str(SSB.B)])
    report = merging.MergeReport(ours=3, consistent=True, timed_out=True, time_limit=60, tested_ours=result.checked,
                                 unsatisfiable=result.unsatisfiable, unsatisfiable_ours=result.unsatisfiable)
    assert report.exit_code == 1  # an unsatisfiable class of ours was decided before the limit
    assert "1 ssbonto classes are UNDECIDED" in report.text()


def test_a_literal_hermit_refuses_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                   "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                   "<https://example.org/bad> a owl:Ontology .\n"
                   "<https://example.org/p> a owl:DatatypeProperty .\n"
                   '<https://example.org/i> a owl:NamedIndividual ; <https://example.org/p> "many"^^xsd:integer .\n',
                   encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "merge", "--with", str(bad), "--output", "-"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    assert 'error: reasoner: HermiT failed (exit code 2): ' in result.stderr
    assert 'Literal "many"^^<http://www.w3.org/2001/XMLSchema#integer> is malformed' in result.stderr
    assert "Traceback" not in result.stderr


def test_an_import_that_resolves_nowhere_is_a_clear_error(tmp_path):
    importer = tmp_path / "importer.ttl"
    importer.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                        "<https://example.org/importer> a owl:Ontology ; "
                        "owl:imports <https://example.org/not/stored/anywhere> .\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "merge", "--with", str(importer), "--output", "-"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "<https://example.org/not/stored/anywhere (imported by" in result.stderr
    assert "resolves to no local file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_input_file_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "merge", "--with", str(tmp_path / "nope.ttl")],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"error: {tmp_path / 'nope.ttl'}: no such file" in result.stderr


def test_a_time_limit_of_zero_is_a_clear_error():
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "merge", "--with", str(PANET), "--time-limit", "0"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "error: --time-limit: 0 is not a number of seconds above 0" in result.stderr


@needs_reference
def test_battinfo_closure_resolves_locally_with_reported_substitutions():
    """BattINFO imports electrochemistry 0.36.0 modules, chemical-substance 0.15.0 and CHAMEO 1.0.2, which are
    stored as 0.37.2, 0.14.2 and 1.0.3; with EMMO pinned to 1.0.2 nothing is left unresolved."""
    resolver = merging.Resolver()
    for folder in EMMO_SEARCH:
        resolver.add_folder(REF / folder)
    files, substitutions, unresolved = merging.collect([REF / "domain-battery" / "battery.ttl"], resolver,
                                                       allow_missing=False)
    assert unresolved == []
    assert len(files) == 57
    assert not any("/emmo/1.0.3/" in str(f) for f in files)
    substituted = {s["import"]: s["file"] for s in substitutions}
    assert substituted["https://w3id.org/emmo/domain/electrochemistry/0.36.0/reference/electrochemistry-reference"] \
        .endswith("domain-electrochemistry/reference/electrochemistry-reference.ttl")
    # CHAMEO 1.0.3 imports EMMO 1.0.3 modules: they are taken from the pinned EMMO 1.0.2
    assert substituted["https://w3id.org/emmo/1.0.3/disciplines/isq"].endswith("emmo/1.0.2/disciplines/isq.ttl")
    substituted = {iri: Path(path).name for iri, path in substituted.items()}
    assert substituted["https://w3id.org/emmo/domain/chemical-substance/0.15.0/chemical-substance"] == \
        "chemical-substance.ttl"
    assert substituted["https://w3id.org/emmo/domain/characterisation-methodology/1.0.2/chameo"] == "chameo.ttl"
