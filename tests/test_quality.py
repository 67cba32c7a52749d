"""`ssbonto check`: passes on our ontology, and each check fails on a fixture made to break it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from ssbonto.interop import quality

REPO = Path(__file__).resolve().parents[1]

# A small ontology that passes every check; each fixture below adds or removes one thing.
BASE = """
@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix vann: <http://purl.org/vocab/vann/> . @prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix ex: <https://example.org/fx/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/fx> a owl:Ontology ; owl:versionIRI <https://example.org/release/2.1/fx> ;
  owl:versionInfo "2.1" ; dcterms:title "fixture"@en ; dcterms:description "A fixture."@en ;
  dcterms:license <https://creativecommons.org/licenses/by/4.0/> ; dcterms:creator "someone" ;
  vann:preferredNamespacePrefix "ex" ; vann:preferredNamespaceUri "https://example.org/fx/" ;
  dcterms:created "2026" ; dcterms:modified "2026" ; dcterms:publisher "someone" ; dcterms:contributor "someone" ;
  dcterms:bibliographicCitation "someone. fixture." ; bibo:status "draft" ; dcterms:source "nothing" ;
  foaf:homepage <https://example.org/> .
dcterms:title a owl:AnnotationProperty . dcterms:description a owl:AnnotationProperty .
dcterms:license a owl:AnnotationProperty . dcterms:creator a owl:AnnotationProperty .
vann:preferredNamespacePrefix a owl:AnnotationProperty . vann:preferredNamespaceUri a owl:AnnotationProperty .
dcterms:created a owl:AnnotationProperty . dcterms:modified a owl:AnnotationProperty .
dcterms:publisher a owl:AnnotationProperty . dcterms:contributor a owl:AnnotationProperty .
dcterms:bibliographicCitation a owl:AnnotationProperty . bibo:status a owl:AnnotationProperty .
dcterms:source a owl:AnnotationProperty . foaf:homepage a owl:AnnotationProperty . skos:definition a owl:AnnotationProperty .
ex:Technique a owl:Class ; rdfs:label "technique"@en ; skos:definition "A way to measure."@en .
ex:Diffraction a owl:Class ; rdfs:subClassOf ex:Technique ; rdfs:label "diffraction"@en ;
  skos:definition "Measuring by diffraction."@en .
ex:measures a owl:ObjectProperty ; rdfs:domain ex:Technique ; rdfs:range ex:Technique ;
  rdfs:label "measures"@en ; skos:definition "Relates a technique to what it measures."@en .
"""
HEADER = '<https://example.org/fx> a owl:Ontology ;'

# check -> (how to break the base, the entity that the check must name)
FIXTURES = {
    "oops-P04-unconnected-class": ("ex:Loner a owl:Class ; rdfs:label 'loner'@en ; skos:definition 'Alone.'@en .",
                                   "https://example.org/fx/Loner"),
    "oops-P08-missing-annotations": ("ex:Bare a owl:Class ; rdfs:subClassOf ex:Technique .",
                                     "https://example.org/fx/Bare"),
    "oops-P11-missing-range": ("ex:size a owl:DatatypeProperty ; rdfs:label 'size'@en ; skos:definition 'Size.'@en .",
                               "https://example.org/fx/size"),
    "oops-P19-multiple-domains-ranges": ("ex:measures rdfs:domain ex:Diffraction .", "https://example.org/fx/measures"),
    "oops-P22-naming-convention": ("ex:x_ray_thing a owl:Class ; rdfs:subClassOf ex:Technique ; "
                                   "rdfs:label 'x ray thing'@en ; skos:definition 'Badly named.'@en .",
                                   "https://example.org/fx/x_ray_thing"),
    "oops-P34-P35-untyped": ("ex:Diffraction rdfs:subClassOf ex:Undeclared .", "https://example.org/fx/Undeclared"),
    "oops-P40-namespace-hijacking": ("skos:definition rdfs:label 'our own definition'@en .",
                                     "http://www.w3.org/2004/02/skos/core#definition"),
    "oops-P41-no-license": ("DROP dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;",
                            "https://example.org/fx"),
    "foops-minimum-metadata": ('DROP owl:versionInfo "2.1" ;', "https://example.org/fx"),
    "foops-recommended-metadata": ('DROP dcterms:publisher "someone" ;', "https://example.org/fx"),
    "foops-version-and-prefix": ("<https://example.org/fx> owl:versionIRI <https://example.org/fx> .",
                                 "https://example.org/fx"),
    "robot-missing-label": ("ex:Nameless a owl:Class ; rdfs:subClassOf ex:Technique ; skos:definition 'No name.'@en .",
                            "https://example.org/fx/Nameless"),
    "robot-duplicate-label": ("ex:Other a owl:Class ; rdfs:subClassOf ex:Technique ; rdfs:label 'Diffraction'@en ; "
                              "skos:definition 'Another.'@en .", "https://example.org/fx/Other"),
    "robot-multiple-labels": ("ex:Diffraction rdfs:label 'scattering'@en .", "https://example.org/fx/Diffraction"),
    "robot-missing-definition": ("ex:Vague a owl:Class ; rdfs:subClassOf ex:Technique ; rdfs:label 'vague'@en .",
                                 "https://example.org/fx/Vague"),
    "robot-duplicate-definition": ("ex:Copy a owl:Class ; rdfs:subClassOf ex:Technique ; rdfs:label 'copy'@en ; "
                                   "skos:definition 'Measuring by diffraction.'@en .", "https://example.org/fx/Copy"),
    "robot-multiple-definitions": ("ex:Diffraction skos:definition 'Also this.'@en .",
                                   "https://example.org/fx/Diffraction"),
    "robot-whitespace": ("ex:Spaced a owl:Class ; rdfs:subClassOf ex:Technique ; rdfs:label 'spaced  out '@en ; "
                         "skos:definition 'Spaced.'@en .", "https://example.org/fx/Spaced"),
    # a transitive (non-simple) property in a cardinality restriction is outside OWL 2 DL
    "owl2-dl-profile": ("ex:partOf a owl:ObjectProperty, owl:TransitiveProperty ; rdfs:range ex:Technique ; "
                        "rdfs:label 'part of'@en ; skos:definition 'Part of.'@en . ex:Diffraction rdfs:subClassOf "
                        "[ a owl:Restriction ; owl:onProperty ex:partOf ; owl:maxCardinality 1 ] .",
                        "https://example.org/fx/Diffraction"),
}


def fixture_graph(change: str | None) -> Graph:
    text = BASE
    if change and change.startswith("DROP "):
        removed = change[len("DROP "):]
        assert removed in text
        text = text.replace(removed, "")
    elif change:
        text += "\n" + change + "\n"
    return Graph().parse(data=text, format="turtle")


def test_every_check_has_a_fixture():
    assert set(FIXTURES) == set(quality.quality_queries(REPO)) | {quality.DL_PROFILE}


def test_the_unbroken_fixture_passes_every_check():
    report = quality.check(fixture_graph(None), REPO)
    assert report.violations == []
    assert len(report.checks) == len(FIXTURES)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_check_fails_on_its_fixture(name):
    change, entity = FIXTURES[name]
    report = quality.check(fixture_graph(change), REPO, dl_profile=name == quality.DL_PROFILE)
    failing = [v for v in report.violations if v.check == name]
    assert failing, f"{name} did not fail on its fixture"
    assert entity in {v.entity for v in failing}


def test_dl_profile_names_the_violation():
    change, _ = FIXTURES["owl2-dl-profile"]
    violations = quality.dl_profile_violations(fixture_graph(change))
    assert len(violations) == 1
    assert "non-simple property" in violations[0].message.lower()


def test_check_passes_on_ssbonto_through_the_command_line():
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "check"], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(FIXTURES)} of {len(FIXTURES)} checks passed" in result.stdout


def test_check_exits_1_and_names_the_defect_of_a_broken_file(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text(BASE + FIXTURES["robot-missing-label"][0] + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "check", str(broken)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "FAIL  robot-missing-label" in result.stdout
    assert "<https://example.org/fx/Nameless> missing_label" in result.stdout


def test_check_rejects_an_unreadable_file_with_exit_2(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "check", str(bad)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "bad.ttl" in result.stderr and "does not parse as turtle" in result.stderr
    assert "Traceback" not in result.stderr
