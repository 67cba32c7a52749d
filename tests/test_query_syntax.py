"""Queries read well: a prefix per kind of individual, and syntax errors a person can act on
(line, column, the text before the error, a plain expectation), from the real store and endpoint."""

from __future__ import annotations

import pytest
import requests

from ssbonto.prefixes import PREFIX_IRIS
from ssbonto.store import QueryError

KINDS = ["material", "interface", "cell", "study", "measurement", "finding", "quantity", "reference", "table",
         "capability", "technique-summary", "neutron-data", "element", "nuclide"]


def message(store, sparql: str) -> str:
    with pytest.raises(QueryError) as error:
        store.query(sparql)
    return str(error.value)


def test_every_kind_of_individual_has_its_prefix_and_every_prefix_names_individuals(store):
    for kind in KINDS:
        assert PREFIX_IRIS[kind] == f"https://w3id.org/ssbonto/id/{kind}/"
        [row] = store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a ?type "
                            f"FILTER(STRSTARTS(STR(?x), STR({kind}:))) }}").rows()
        assert int(row["n"]) > 0, kind


@pytest.mark.parametrize("sparql, answer", [
    ("SELECT ?a WHERE { material:llzo rdfs:label ?a }", "Li7La3Zr2O12"),
    ("SELECT ?a WHERE { reference:31 ssb:firstAuthor ?a }", "Y. Sun"),
    ("SELECT ?a WHERE { study:table-1-row-5 ssb:sourceRow ?a }", "5"),
    ("SELECT ?a WHERE { nuclide:7Li ssb:massNumber ?a }", "7"),
    ("SELECT ?a WHERE { element:Li ssb:atomicNumber ?a }", "3"),
])
def test_individuals_read_by_their_kind_prefix(store, sparql, answer):
    assert [row["a"] for row in store.query(sparql).rows()] == [answer]


def test_an_unknown_prefix_is_named_with_the_predeclared_ones(store):
    text = message(store, "SELECT * WHERE {\n  ?s foo:bar ?o\n}")
    assert text.startswith("malformed query: error at line 2, column ")
    assert "unknown prefix foo: — predeclared are ssb:, ssbid:" in text and "material:, " in text
    assert "PREFIX foo: <namespace IRI>" in text


def test_a_slash_in_a_prefixed_name_points_to_the_kind_prefix(store):
    text = message(store, "SELECT ?l WHERE { ssbid:material/llzo rdfs:label ?l }")
    assert "write ssbid:material/llzo as material:llzo" in text


@pytest.mark.parametrize("sparql, expected", [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT x", "expected one of HAVING, OFFSET, OPTIONAL, VALUES or a number"),
    ("SELECT * WHERE { ?s <http://a b> ?o }", "this IRI is not valid"),
    ("SELECT * WHERE { ?s ?p ?o ", 'expected one of ",", ".", ";", "{"'),
])
def test_expectations_are_plain(store, sparql, expected):
    text = message(store, sparql)
    assert expected in text
    assert "\\u{" not in text and "..=" not in text  # never the parser's character ranges


def test_the_endpoint_answers_the_same_words_with_400(live_server):
    response = requests.get(live_server + "/sparql", params={"query": "SELECT * WHERE { ?s foo:bar ?o }"})
    assert response.status_code == 400
    text = response.json()["message"]
    assert text.startswith("malformed query: error at line 1, column ") and "unknown prefix foo:" in text
    assert "\\u{" not in text


def test_the_service_description_and_the_query_page_list_every_predeclared_prefix(live_server):
    import lxml.html
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import XSD

    sh = Namespace("http://www.w3.org/ns/shacl#")
    description = requests.get(live_server + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    graph = Graph().parse(data=description.text, format="turtle")
    [service] = graph.subjects(URIRef("http://www.w3.org/ns/sparql-service-description#defaultDataset"))
    declared = {str(graph.value(d, sh.prefix)): graph.value(d, sh.namespace) for d in graph.objects(service, sh.declare)}
    assert declared == {name: Literal(iri, datatype=XSD.anyURI) for name, iri in PREFIX_IRIS.items()}
    page = lxml.html.fromstring(requests.get(live_server + "/query", timeout=30).text)
    rows = [[cell.text_content() for cell in row.findall("td")]
            for row in page.get_element_by_id("predeclared-prefixes").iter("tr") if row.findall("td")]
    assert rows == [[f"{name}:", iri] for name, iri in PREFIX_IRIS.items()]
