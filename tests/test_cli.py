"""The command line as other tools call it: exit codes, formats, messages."""

from __future__ import annotations

import json
import subprocess
import sys

from rdflib import Graph


def ssbonto(*args, release=None, stdin=None):
    command = [sys.executable, "-m", "ssbonto.cli", *args]
    if release is not None:
        command += ["--release-dir", str(release)]
    return subprocess.run(command, capture_output=True, text=True, input=stdin, timeout=300)


def test_query_answers_from_the_built_store(built):
    result = ssbonto("query", "ASK { <https://w3id.org/ssbonto/id/material/lgps> a ssb:LGPSTypeElectrolyte }",
                     release=built.release)
    assert (result.returncode, result.stdout) == (0, "true\n")


def test_query_formats(built):
    query = "SELECT ?n WHERE { ?r ssb:referenceNumber ?n } ORDER BY ?n LIMIT 3"
    as_json = json.loads(ssbonto("query", query, "--format", "json", release=built.release).stdout)
    assert [b["n"]["value"] for b in as_json["results"]["bindings"]] == ["1", "2", "3"]
    assert ssbonto("query", query, "--format", "csv", release=built.release).stdout.split() == ["n", "1", "2", "3"]
    table = ssbonto("query", "-", release=built.release, stdin=query).stdout
    assert table.splitlines()[-1] == "(3 rows)"


def test_construct_as_turtle(built):
    result = ssbonto("query", "CONSTRUCT { ?m rdfs:label ?l } WHERE { ?m a ssb:ArgyroditeElectrolyte ; rdfs:label ?l }",
                     "--format", "ttl", release=built.release)
    assert result.returncode == 0
    assert len(Graph().parse(data=result.stdout, format="turtle")) == 3


def test_malformed_query_is_a_usage_error(built):
    result = ssbonto("query", "SELECT ?x WHERE { ?x ", release=built.release)
    assert result.returncode == 2
    assert result.stderr.startswith("error: malformed query")
    assert "Traceback" not in result.stderr


def test_format_that_does_not_fit_the_answer(built):
    result = ssbonto("query", "ASK { ?s ?p ?o }", "--format", "ttl", release=built.release)
    assert result.returncode == 2
    assert "does not fit a ASK answer" in result.stderr


def test_export_every_format(built):
    for fmt, parser in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")):
        result = subprocess.run([sys.executable, "-m", "ssbonto.cli", "export", "--format", fmt,
                                 "--release-dir", str(built.release)], capture_output=True, timeout=120)
        assert result.returncode == 0
        assert len(Graph().parse(data=result.stdout, format=parser)) == len(built.graphs.asserted())


def test_stats_counts_individuals_per_class(built):
    result = ssbonto("stats", release=built.release)
    assert result.returncode == 0
    line = next(l for l in result.stdout.splitlines() if l.strip().endswith("<https://w3id.org/ssbonto/def/Reference>"))
    assert line.split()[0] == "134"


def test_build_error_names_file_row_and_column(sources, tmp_path):
    studies = sources / "ontology/review/studies.tsv"
    lines = studies.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("SynchrotronXRayDiffraction", "XRayDifraction", 1)
    studies.write_text("\n".join(lines), encoding="utf-8")
    result = ssbonto("build", "--sources", str(sources), release=tmp_path / "release")
    assert result.returncode == 1
    assert "ontology/review/studies.tsv:2: column 'techniques': unknown technique class 'XRayDifraction'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "release").exists()
