"""The import modules of ontology/imports/: what a bare clone carries of the reference ontologies,
checked for what they hold, merged with ssbonto, and (with the reference files beside the clone)
proven to be exactly what `ssbonto imports refresh` extracts from them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from conftest import REFERENCE_DIR, REPO, needs_reference
from ssbonto.interop import alignments, imports

MODULES = imports.registry(REPO)


def module_graph(module) -> Graph:
    return Graph().parse(REPO / module.path, format="turtle")


def test_the_registry_names_every_source_of_the_mapping_table():
    sources = {m.source for m in alignments.load_mappings(REPO) if not m.no_match}
    assert sources == {module.seeds.removeprefix("sssom:") for module in MODULES if module.seeds.startswith("sssom:")}
    assert [module.name for module in MODULES] == ["chmo", "panet", "chameo", "emmo", "electrochemistry", "battery",
                                                   "qudt-quantitykinds", "qudt-units"]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_each_module_says_what_it_was_extracted_from(module):
    graph = module_graph(module)
    header = URIRef(module.iri)
    assert (header, RDF.type, OWL.Ontology) in graph
    assert graph.value(header, DCTERMS.source) == URIRef(module.ontology)
    assert str(graph.value(header, OWL.versionInfo)) == module.version
    assert graph.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(header, PROV.wasDerivedFrom) == URIRef(module.release)
    comment = str(graph.value(header, RDFS.comment))
    assert all(path in comment for path in module.files) and " sha256 " in comment
    assert "ssbonto imports refresh" in comment
    assert len([s for s in graph.subjects(RDF.type, OWL.Ontology)]) == 1  # no header of the sources kept


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_every_seed_is_in_its_module_with_a_label(module):
    graph = module_graph(module)
    for seed in imports.seed_iris(module, REPO):
        assert (URIRef(seed), None, None) in graph, seed
        assert graph.value(URIRef(seed), RDFS.label) or graph.value(URIRef(seed), SKOS.prefLabel), seed


def test_bot_modules_keep_the_ancestors_of_their_seeds():
    chmo = module_graph(next(m for m in MODULES if m.name == "chmo"))
    # CHMO_0000156 (X-ray diffraction) is a mapped target: its superclasses come along, up to the top
    seed = URIRef("http://purl.obolibrary.org/obo/CHMO_0000156")
    ancestors, frontier = set(), [seed]
    while frontier:
        for parent in chmo.objects(frontier.pop(), RDFS.subClassOf):
            if isinstance(parent, URIRef) and parent not in ancestors:
                ancestors.add(parent)
                frontier.append(parent)
    assert URIRef("http://purl.obolibrary.org/obo/BFO_0000001") in ancestors  # BFO 'entity', the top
    assert all(chmo.value(a, RDFS.label) is not None for a in ancestors)


def test_ssbonto_merged_with_every_module_is_consistent_from_a_bare_clone(tmp_path):
    report_file = tmp_path / "report.json"
    command = [sys.executable, "-m", "ssbonto.cli", "merge", "--with", *(str(REPO / m.path) for m in MODULES),
               "--output", "-", "--json", str(report_file)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert (report["consistent"], report["unsatisfiable_ours"], report["timed_out"]) == (True, [], False)
    assert report["ours"] == len(report["tested_ours"]) > 100
    assert "consistent: yes" in result.stdout


@needs_reference
def test_refresh_extracts_exactly_the_committed_modules_from_the_reference_files(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "imports", "refresh", "--from", str(REFERENCE_DIR),
                             "--output", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for module in MODULES:
        assert (tmp_path / f"{module.name}.ttl").read_bytes() == (REPO / module.path).read_bytes(), \
            f"{module.path} is stale: run ssbonto imports refresh --from {REFERENCE_DIR}"


@needs_reference
def test_the_versions_of_the_modules_are_the_versions_of_the_reference_files():
    for module in MODULES:
        infos = set()
        for path in imports.reference_files(module, REFERENCE_DIR):
            infos |= {str(v) for v in Graph().parse(path, format="turtle").objects(URIRef(module.ontology),
                                                                                 OWL.versionInfo)}
        if module.name not in ("panet", "qudt-quantitykinds", "qudt-units"):  # their source forms carry none
            assert module.version in infos, module.name


def test_refresh_names_what_is_wrong(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "ssbonto.cli", "imports", "refresh", "--from",
                              str(tmp_path / "nowhere")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert (missing.returncode, missing.stderr.strip()) == (2, f"error: --from {tmp_path / 'nowhere'}: no such folder")
    (tmp_path / "empty").mkdir()
    unknown = subprocess.run([sys.executable, "-m", "ssbonto.cli", "imports", "refresh", "--from", str(tmp_path / "empty"),
                              "--only", "nope"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "no module named nope; known: chmo, panet" in unknown.stderr
    absent = subprocess.run([sys.executable, "-m", "ssbonto.cli", "imports", "refresh", "--from", str(tmp_path / "empty"),
                             "--only", "panet", "--output", str(tmp_path / "out")], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert absent.returncode == 2 and f"{tmp_path / 'empty' / 'panet' / 'PaNET.ttl'} does not exist" in absent.stderr
