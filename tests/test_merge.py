"""`ssbonto merge`: real reference ontologies, imports resolved locally, the real HermiT.

Reasoning over the whole reference set takes about 10 minutes on this machine (docs/merging.md
lists the timings), so the reasoning tests merge ssbonto with PaNET (seconds); the import
resolution of the EMMO domain stack is tested without reasoning.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from ssbonto import merge as merging
from ssbonto.namespaces import SSB

REPO = Path(__file__).resolve().parents[1]
REF = REPO.parent / "shared" / "ref-ontologies"
PANET = REF / "panet" / "PaNET.ttl"
PANET_NS = "http://purl.org/pan-science/PaNET/"


@pytest.fixture(scope="module")
def panet_merge(tmp_path_factory):
    output = tmp_path_factory.mktemp("merge") / "merged.owl"
    return merging.merge([PANET], REPO, time_limit=300, output=output), output


def test_ssbonto_with_panet_is_consistent_with_no_unsatisfiable_class(panet_merge):
    report, _ = panet_merge
    assert report.consistent is True
    assert report.timed_out is False
    assert report.unsatisfiable == []
    assert report.exit_code == 0
    assert [Path(f).name for f in report.files] == ["ssbonto.ttl", "ssbonto-alignments.ttl", "PaNET.ttl"]


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


def test_an_unsatisfiable_class_of_ours_is_reported(tmp_path):
    clash = tmp_path / "clash.ttl"
    clash.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<https://example.org/clash> a owl:Ontology .\n"
        f"<{PANET_NS}PaNET01217> a owl:Class ; owl:disjointWith <{PANET_NS}PaNET01100> .\n"
        f"<{PANET_NS}PaNET01100> a owl:Class .\n", encoding="utf-8")
    report = merging.merge([clash], REPO, time_limit=300)
    # ssb:NeutronPowderDiffraction is under both (exact match to NPD, and via ssb:NeutronDiffraction)
    assert report.consistent is True
    assert str(SSB.NeutronPowderDiffraction) in report.unsatisfiable_ours
    assert report.exit_code == 1


def test_the_time_limit_is_reported_when_hermit_runs_out_of_it(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "merge", "--with", str(PANET),
                             "--time-limit", "0.5", "--output", "-", "--json", str(tmp_path / "r.json")],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "HermiT ran out of its time limit (0.5 s): consistency is UNDECIDED" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["timed_out"], report["consistent"]) == (True, None)


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


def test_battinfo_closure_resolves_locally_with_reported_substitutions():
    """BattINFO imports electrochemistry 0.36.0 modules, chemical-substance 0.15.0 and CHAMEO 1.0.2, which are
    stored as 0.37.2, 0.14.2 and 1.0.3; with EMMO pinned to 1.0.2 nothing is left unresolved."""
    resolver = merging.Resolver()
    for folder in ("domain-battery", "domain-electrochemistry", "domain-chemical-substance",
                   "domain-characterisation-methodology", "emmo/1.0.2"):
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
