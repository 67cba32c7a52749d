"""The SPARQL 1.1 Protocol at /sparql over a real socket: the three ways to send a query, every
result format, content negotiation, the dataset parameters, the service description, HEAD,
OPTIONS and CORS, and the protocol's error statuses. Expected answers come from the review
(Table 9, reference [31]) and from the release dump read with rdflib, not from the endpoint."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from sparql_support import GRAPH, IONIC_ANSWER, IONIC_QUERY, REF31, REF31_QUERY, REF31_ROW, SSB, json_column

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULTS = "{http://www.w3.org/2005/sparql-results#}"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def endpoint(live_server):
    return live_server + "/sparql"


@pytest.fixture(scope="module")
def dump(built):
    dataset = Dataset()
    dataset.parse(built.release / "ssbonto.nq", format="nquads")
    return dataset


def test_get_form_post_and_direct_post_give_the_same_answer(endpoint):
    by_get = requests.get(endpoint, params={"query": IONIC_QUERY})
    by_form = requests.post(endpoint, data={"query": IONIC_QUERY})
    direct = requests.post(endpoint, data=IONIC_QUERY.encode(), headers={"Content-Type": "application/sparql-query"})
    for response in (by_get, by_form, direct):
        assert response.headers["Content-Type"] == "application/sparql-results+json"
        assert json_column(response, "technique") == IONIC_ANSWER


def parse_select(media_type: str, body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8")
    if media_type == "application/sparql-results+json":
        return [{k: v["value"] for k, v in row.items()} for row in json.loads(text)["results"]["bindings"]]
    if media_type == "application/sparql-results+xml":
        root = ET.fromstring(body)
        return [{b.get("name"): next(iter(b)).text for b in result.iter(RESULTS + "binding")}
                for result in root.iter(RESULTS + "result")]
    if media_type == "text/csv":
        return list(csv.DictReader(io.StringIO(text)))
    header, *lines = text.splitlines()  # TSV writes terms in Turtle syntax
    names = [name.lstrip("?") for name in header.split("\t")]
    return [dict(zip(names, (cell.strip('"<>') for cell in line.split("\t")))) for line in lines]


@pytest.mark.parametrize("media_type", ["application/sparql-results+json", "application/sparql-results+xml",
                                        "text/csv", "text/tab-separated-values"])
def test_select_answers_in_every_result_format(endpoint, media_type):
    response = requests.get(endpoint, params={"query": IONIC_QUERY}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert [row["technique"] for row in parse_select(media_type, response.content)] == IONIC_ANSWER
    typed = requests.get(endpoint, params={"query": REF31_QUERY}, headers={"Accept": media_type})
    row = parse_select(media_type, typed.content)[0]
    assert {key: value.split('"^^')[0] for key, value in row.items()} == REF31_ROW


@pytest.mark.parametrize("media_type, true_body", [
    ("application/sparql-results+json", None), ("application/sparql-results+xml", None),
    ("text/csv", "true\n"), ("text/tab-separated-values", "true\n")])
def test_ask_answers_in_every_result_format(endpoint, media_type, true_body):
    asks = {True: f"ASK {{ <{REF31}> a ssb:Reference }}", False: f"ASK {{ <{REF31}> a ssb:Material }}"}
    for expected, query in asks.items():
        response = requests.post(endpoint, data={"query": query}, headers={"Accept": media_type})
        assert response.status_code == 200
        if media_type.endswith("+json"):
            assert response.json() == {"head": {}, "boolean": expected}
        elif media_type.endswith("+xml"):
            assert ET.fromstring(response.content).find(RESULTS + "boolean").text == str(expected).lower()
        else:
            assert response.text == str(expected).lower() + "\n"


RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml", "application/n-quads": "nquads", "application/trig": "trig"}


@pytest.mark.parametrize("media_type", RDF_TYPES)
def test_construct_answers_in_every_rdf_format(endpoint, dump, media_type):
    query = f"CONSTRUCT {{ <{REF31}> ?p ?o }} WHERE {{ <{REF31}> ?p ?o }}"
    response = requests.post(endpoint, data={"query": query}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    answer = Graph()
    if RDF_TYPES[media_type] in ("nquads", "trig"):
        parsed = Dataset()
        parsed.parse(data=response.content, format=RDF_TYPES[media_type])
        for s, p, o, _ in parsed.quads():
            answer.add((s, p, o))
    else:
        answer.parse(data=response.content, format=RDF_TYPES[media_type])
    expected = Graph()
    for s, p, o, _ in dump.quads((URIRef(REF31), None, None, None)):
        expected.add((s, p, o))
    assert len(expected) > 10
    assert isomorphic(answer, expected)
    assert (URIRef(REF31), URIRef(SSB + "firstAuthor"), Literal("Y. Sun")) in answer


def test_describe_returns_the_resource(endpoint):
    response = requests.get(endpoint, params={"query": f"DESCRIBE <{REF31}>"})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.text, format="turtle")
    assert graph.value(URIRef(REF31), URIRef(SSB + "containerTitle")) == Literal("J. Power Sources")


@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),  # q-values
    ("text/*, text/tab-separated-values", "text/tab-separated-values"),  # the more specific range wins a tie
    ("text/*, text/csv;q=0", "text/tab-separated-values"),  # q=0 refuses a type
    ("*/*", "application/sparql-results+json"),  # no preference: the default
    ("", "application/sparql-results+json"),
    ("application/json", "application/json"),
])
def test_select_negotiation(endpoint, accept, expected):
    response = requests.get(endpoint, params={"query": IONIC_QUERY}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert response.headers["Vary"] == "Accept"


def test_format_parameter_overrides_accept(endpoint):
    response = requests.get(endpoint, params={"query": IONIC_QUERY, "format": "csv"},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines() == ["technique", *IONIC_ANSWER]
    graph = requests.get(endpoint, params={"query": f"DESCRIBE <{REF31}>", "format": "nt"})
    assert graph.headers["Content-Type"] == "application/n-triples"


@pytest.mark.parametrize("query, headers, parameters", [
    (IONIC_QUERY, {"Accept": "image/png"}, {}),
    (f"DESCRIBE <{REF31}>", {"Accept": "text/csv"}, {}),
    (IONIC_QUERY, {}, {"format": "ttl"}),
])
def test_nothing_acceptable_is_406_with_the_alternatives(endpoint, query, headers, parameters):
    response = requests.get(endpoint, params={"query": query, **parameters}, headers=headers)
    assert response.status_code == 406
    message = response.json()["message"]
    assert "application/sparql-results+json" in message or "text/turtle" in message


def count(endpoint, query, **dataset) -> int:
    response = requests.post(endpoint, data={"query": query, **dataset})
    return int(json_column(response, "n")[0])


def test_default_dataset_is_the_union_of_the_named_graphs(endpoint, dump, built):
    triples = {(s, p, o) for s, p, o, _ in dump.quads()}
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    assert count(endpoint, distinct) == len(triples)
    graphs = requests.get(endpoint, params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"})
    assert json_column(graphs, "g") == [GRAPH + "inferred", GRAPH + "kg", GRAPH + "ontology"]


def test_dataset_parameters_choose_the_graphs(endpoint, built):
    sizes = json.loads((built.release / "manifest.json").read_text())["triples"]
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(endpoint, every, **{"default-graph-uri": GRAPH + "ontology"}) == sizes["ontology"]
    # the protocol's dataset replaces the query's FROM
    assert count(endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}kg> WHERE {{ ?s ?p ?o }}",
                 **{"default-graph-uri": GRAPH + "inferred"}) == sizes["inferred"]
    named = requests.post(endpoint, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                          "named-graph-uri": GRAPH + "kg"})
    assert json_column(named, "g") == [GRAPH + "kg"]
    # named graphs alone leave the default graph empty, as the protocol says
    assert count(endpoint, every, **{"named-graph-uri": GRAPH + "kg"}) == 0


def test_from_in_the_query_is_honoured(endpoint, built):
    sizes = json.loads((built.release / "manifest.json").read_text())["triples"]
    assert count(endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}ontology> WHERE {{ ?s ?p ?o }}") == sizes["ontology"]
    assert count(endpoint, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH}inferred> "
                           "WHERE { GRAPH ?g { ?s ?p ?o } }") == sizes["inferred"]


def test_get_without_query_returns_the_service_description(endpoint):
    response = requests.get(endpoint)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    description = Graph().parse(data=response.text, format="turtle")
    service = description.value(predicate=SD.endpoint, object=URIRef(endpoint))
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    assert (service, SD.feature, SD.UnionDefaultGraph) in description
    names = sorted(str(name) for name in description.objects(None, SD.name))
    assert names == [GRAPH + "inferred", GRAPH + "kg", GRAPH + "ontology"]
    as_jsonld = requests.get(endpoint, headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["Content-Type"] == "application/ld+json"
    assert isomorphic(Graph().parse(data=as_jsonld.text, format="json-ld"), description)
    browser = requests.get(endpoint, headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert browser.headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_head_answers_like_get_without_a_body(endpoint):
    get = requests.get(endpoint, params={"query": IONIC_QUERY})
    head = requests.head(endpoint, params={"query": IONIC_QUERY})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == str(len(get.content))


def test_cors_preflight_and_cors_on_every_answer(endpoint):
    preflight = requests.options(endpoint, headers={
        "Origin": "https://lab.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", "https://lab.example")
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    origin = {"Origin": "https://lab.example"}
    answers = [requests.get(endpoint, params={"query": IONIC_QUERY}, headers=origin),
               requests.get(endpoint, params={"query": "SELECT"}, headers=origin),  # 400
               requests.put(endpoint, headers=origin),  # 405
               requests.get(endpoint, params={"query": IONIC_QUERY}, headers={**origin, "Accept": "image/png"})]
    assert [answer.status_code for answer in answers] == [200, 400, 405, 406]
    for answer in answers:
        assert answer.headers["Access-Control-Allow-Origin"] in ("*", "https://lab.example")


def test_malformed_query_is_400_with_the_parser_message_and_position(endpoint):
    response = requests.get(endpoint, params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    message = response.json()["message"]
    assert message.startswith("malformed query: error at line 1, column ")


@pytest.mark.parametrize("data, message", [
    ([("query", IONIC_QUERY), ("query", IONIC_QUERY)], "carries 2 'query' parameters"),
    ([("query", IONIC_QUERY), ("update", "CLEAR ALL")], "either 'query' or 'update', not both"),
    ([("default-graph-uri", GRAPH + "kg")], "missing the 'query' parameter"),
    ([("query", "  \n")], "the query is empty"),
    ([("query", IONIC_QUERY), ("default-graph-uri", "not an iri")], "is not an absolute IRI"),
])
def test_protocol_misuse_is_400(endpoint, data, message):
    response = requests.post(endpoint, data=data)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_unsupported_methods_are_405_with_allow(endpoint):
    for method in ("PUT", "DELETE", "PATCH"):
        response = requests.request(method, endpoint)
        assert response.status_code == 405
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS", "POST"}


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x",
                                          "application/sparql-query; charset=iso-8859-1", None])
def test_wrong_media_type_is_415(endpoint, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(endpoint, data=IONIC_QUERY.encode(), headers=headers)
    if content_type is None:  # requests sends no Content-Type for a bytes body
        assert "Content-Type" not in response.request.headers
    assert response.status_code == 415
    assert "application/sparql-query" in response.json()["message"]


def test_query_over_the_size_limit_is_413(endpoint):
    padding = "#" + "x" * 100_000 + "\n"
    for send in (lambda q: requests.post(endpoint, data={"query": q}),
                 lambda q: requests.post(endpoint, data=q.encode(), headers={"Content-Type": "application/sparql-query"})):
        response = send(padding + IONIC_QUERY)
        assert response.status_code == 413
        assert "at most 100,000 bytes" in response.json()["message"]
