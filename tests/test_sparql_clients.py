"""Real SPARQL clients against the real endpoint over a socket: SPARQLWrapper in every return
format (GET and POST), rdflib's SPARQLStore, and Comunica (npm @comunica/query-sparql) both
with an explicit `sparql@URL` and by auto-detecting the endpoint through its service
description. Each asserts the exact answer."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from sparql_support import IONIC_ANSWER, IONIC_QUERY, REF31, REF31_ROW, SSB
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

PREFIXES = "PREFIX ssb: <https://w3id.org/ssbonto/def/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
REF31_FACTS = f"SELECT ?author ?year ?journal WHERE {{ <{REF31}> ssb:firstAuthor ?author ; " \
              "ssb:publicationYear ?year ; ssb:containerTitle ?journal }"
CONSTRUCT = f"CONSTRUCT {{ <{REF31}> ssb:firstAuthor ?a ; ssb:publicationYear ?y }} " \
            f"WHERE {{ <{REF31}> ssb:firstAuthor ?a ; ssb:publicationYear ?y }}"
JS = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def endpoint(live_server):
    return live_server + "/sparql"


def wrapper(endpoint: str, query: str, return_format: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(PREFIXES + query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_in_every_format(endpoint, method):
    as_json = wrapper(endpoint, IONIC_QUERY, JSON, method).query().convert()
    assert [row["technique"]["value"] for row in as_json["results"]["bindings"]] == IONIC_ANSWER
    as_xml = wrapper(endpoint, IONIC_QUERY, XML, method).query().convert()  # a DOM document
    assert [node.firstChild.data for node in as_xml.getElementsByTagName("uri")] == IONIC_ANSWER
    as_csv = wrapper(endpoint, REF31_FACTS, CSV, method).query().convert()
    assert list(csv.DictReader(io.StringIO(as_csv.decode()))) == [REF31_ROW]
    as_tsv = wrapper(endpoint, IONIC_QUERY, TSV, method).query().convert()
    assert as_tsv.decode().splitlines() == ["?technique", *(f"<{iri}>" for iri in IONIC_ANSWER)]


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(endpoint, return_format):
    yes = wrapper(endpoint, f"ASK {{ <{REF31}> a ssb:Reference }}", return_format, GET).query().convert()
    no = wrapper(endpoint, f"ASK {{ <{REF31}> a ssb:Material }}", return_format, GET).query().convert()
    if return_format == JSON:
        assert (yes["boolean"], no["boolean"]) == (True, False)
    else:
        assert [doc.getElementsByTagName("boolean")[0].firstChild.data for doc in (yes, no)] == ["true", "false"]


EXPECTED_CONSTRUCT = {(URIRef(REF31), URIRef(SSB + "firstAuthor"), Literal("Y. Sun")),
                      (URIRef(REF31), URIRef(SSB + "publicationYear"), Literal(2016))}


@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, XML, JSONLD])
@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_construct_in_every_format(endpoint, return_format, method):
    result = wrapper(endpoint, CONSTRUCT, return_format, method).query()
    converted = result.convert()
    if isinstance(converted, bytes):  # Turtle and N3 come back as text for the caller to parse
        converted = Graph().parse(data=converted.decode(), format="turtle")
    assert set(converted) == EXPECTED_CONSTRUCT


def test_rdflib_sparqlstore(endpoint):
    graph = Graph(store=SPARQLStore(endpoint))
    rows = graph.query(PREFIXES + IONIC_QUERY)
    assert [str(row.technique) for row in rows] == IONIC_ANSWER
    assert graph.query(PREFIXES + f"ASK {{ <{REF31}> a ssb:Reference }}").askAnswer is True
    constructed = graph.query(PREFIXES + CONSTRUCT).graph
    assert set(constructed) == EXPECTED_CONSTRUCT
    assert graph.value(URIRef(REF31), URIRef(SSB + "containerTitle")) == Literal("J. Power Sources")


def comunica(source: str, query: str) -> list[dict]:
    binary = JS / "node_modules" / ".bin" / "comunica-sparql"
    assert binary.exists() and shutil.which("node"), "Comunica is missing: ./run.sh test installs tests/js"
    done = subprocess.run([str(binary), source, PREFIXES + query], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_comunica_with_an_explicit_sparql_source(endpoint):
    rows = comunica(f"sparql@{endpoint}", IONIC_QUERY)
    assert [row["technique"] for row in rows] == IONIC_ANSWER


def test_comunica_detects_the_endpoint_from_its_service_description(endpoint):
    # This URL does not end in /sparql, so only the service description's sd:endpoint tells
    # Comunica that a SPARQL endpoint is there; the answer comes from the knowledge graph.
    rows = comunica(f"{endpoint}?format=ttl", REF31_FACTS)
    assert rows == [{"author": '"Y. Sun"', "year": '"2016"^^http://www.w3.org/2001/XMLSchema#integer',
                     "journal": '"J. Power Sources"'}]
