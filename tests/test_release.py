"""The release: every serialization of the same graph, reproducible, checksummed, described by VoID."""

from __future__ import annotations

import gzip
import hashlib
import json

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID

from conftest import REPO, VERSION
from ssbonto.build import build


def test_serializations_hold_the_same_graph(built):
    release = built.release
    turtle = Graph().parse(release / "ssbonto.ttl", format="turtle")
    assert len(turtle) == len(built.graphs.asserted())
    for name, fmt in (("ssbonto.nt", "nt"), ("ssbonto.rdf", "xml"), ("ssbonto.jsonld", "json-ld")):
        other = Graph().parse(release / name, format=fmt)
        assert isomorphic(turtle, other), name


def test_jsonld_uses_the_published_readable_context(built):
    document = json.loads((built.release / "ssbonto.jsonld").read_text(encoding="utf-8"))
    context = json.loads((built.release / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    assert context["@id"] == f"https://w3id.org/ssbonto/context/{VERSION}.jsonld"
    assert context["@context"]["hasSubject"] == {"@id": "https://w3id.org/ssbonto/def/hasSubject", "@type": "@id"}
    llzo = next(n for n in document["@graph"] if n.get("@id") == "material:llzo")  # its kind's prefix
    assert "GarnetElectrolyte" in llzo["type"]
    assert llzo["formula"] == "Li7La3Zr2O12"


def test_quads_keep_asserted_and_inferred_apart(built):
    dataset = Dataset()
    dataset.parse(built.release / "ssbonto.nq", format="nquads")
    sizes = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    assert sizes == {
        "https://w3id.org/ssbonto/graph/ontology": len(built.graphs.ontology),
        "https://w3id.org/ssbonto/graph/kg": len(built.graphs.knowledge),
        "https://w3id.org/ssbonto/graph/inferred": len(built.graphs.inferred),
    }
    trig = Dataset()
    trig.parse(built.release / "ssbonto.trig", format="trig")
    assert sum(len(g) for g in trig.graphs()) == sum(sizes.values())


def test_checksums_and_gzip_copies(built):
    release = built.release
    lines = (release / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 21  # history.json and shapes.ttl included
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name
    for name in ("ssbonto.ttl", "ssbonto.nt", "ssbonto.jsonld", "ssbonto.rdf", "ssbonto.nq", "ssbonto.trig"):
        assert gzip.decompress((release / f"{name}.gz").read_bytes()) == (release / name).read_bytes()


def test_void_counts_what_was_released(built):
    void = Graph().parse(built.release / "void.ttl", format="turtle")
    dataset = next(void.subjects(VOID.sparqlEndpoint, URIRef("https://w3id.org/ssbonto/sparql")))  # the current one
    triples = int(void.value(dataset, VOID.triples))
    assert triples == len(built.graphs.asserted())
    assert len(set(void.objects(dataset, VOID.dataDump))) == 12


def test_two_builds_are_byte_identical(built, tmp_path):
    again = build(REPO, tmp_path / "release")
    assert (again.release / "SHA256SUMS").read_bytes() == (built.release / "SHA256SUMS").read_bytes()
