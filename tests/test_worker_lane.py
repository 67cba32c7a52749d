"""Queries that are one small triple pattern are answered in the web worker (sparql.worker_lane):
the reading that decides it takes nothing more than one pattern, the answers are the bytes a query
process gives, errors and limits are the same, and runaway queries still go to the query processes,
which stop them at the deadline while the lane goes on answering."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from sparql_support import RUNAWAY_QUERY, app_server

from ssbonto.store import DEFAULT_PREFIXES
from ssbonto.store.query_text import OnePattern, inspect_query
from ssbonto_server.settings import Settings
from ssbonto_server.sparql.worker_lane import small

DEADLINE = 5.0
LABEL_LOOKUP = 'SELECT ?s WHERE { ?s rdfs:label "synchrotron X-ray technique"@en }'


@pytest.mark.parametrize("query, pattern", [
    (LABEL_LOOKUP, OnePattern("SELECT", (False, True, True), None)),
    ("select distinct * { ?s ?p ?o . } limit 10 offset 5", OnePattern("SELECT", (False, False, False), 10)),
    ("SELECT ?p ?o WHERE { ssb:MagicAngleSpinningNMR ?p ?o } OFFSET 2 LIMIT 3",
     OnePattern("SELECT", (True, False, False), 3)),
    ("ASK { <https://w3id.org/ssbonto/def/X> a owl:Class }", OnePattern("ASK", (True, True, True), None)),
    ("PREFIX ex: <http://example.org/> SELECT ?s { ?s ex:p ex:o. }", OnePattern("SELECT", (False, True, True), None)),
    ('SELECT ?s { ?s ssb:value "1.5"^^xsd:decimal }', OnePattern("SELECT", (False, True, True), None)),
    ("SELECT ?s { ?s ssb:value 10. }  # a comment with } and {", OnePattern("SELECT", (False, True, True), None)),
    ('SELECT REDUCED ?s { ?s ?p "} . ?a ?b ?c {" }', OnePattern("SELECT", (False, False, True), None)),
])
def test_one_triple_pattern_is_read_as_such(query, pattern):
    assert inspect_query(query, DEFAULT_PREFIXES).pattern == pattern


@pytest.mark.parametrize("query", [
    "SELECT ?s { ?s ?p ?o . ?o ?q ?r }",  # a join
    "SELECT ?s { ?s ?p ?o ; ?q ?r }",
    "SELECT ?s { ?s ?p ?o , ?r }",
    "SELECT ?s { ?s ssb:a/ssb:b ?o }",  # a path
    "SELECT ?s { ?s ssb:a* ?o }",
    "SELECT ?s { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s { ?s ?p ?o FILTER(REGEX(?o, 'x')) }",
    "SELECT ?s { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?s { { ?s ?p ?o } }",
    "SELECT ?s { ?s ?p ?o } VALUES ?s { ssb:X }",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s FROM <http://example.org/g> { ?s ?p ?o }",
    "SELECT ?s { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT ?s { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s { [] ?p ?o }",
    "SELECT ?s { ?s ?p ?o } LIMIT 1 LIMIT 2",
    "ASK { ?s ?p ?o } LIMIT 1",
    'SELECT ?s REDUCED { ?s ?p "}" }',  # REDUCED after the projection is not SPARQL
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE ssb:X",
    "INSERT DATA { ssb:a ssb:b ssb:c }",
    "SELECT ?s { ?s ?p ?o } " + "# long\n" * 5 + "LIMIT",
])
def test_anything_more_than_one_pattern_is_not(query):
    assert inspect_query(query, DEFAULT_PREFIXES).pattern is None


@pytest.mark.parametrize("bound, limit, taken", [
    ((True, False, False), None, True),  # a subject's description
    ((False, True, True), None, True),  # a label, a class's members
    ((True, True, True), None, True),
    ((False, True, False), None, False),  # every triple of a predicate
    ((False, False, True), None, False),  # every triple pointing at an object
    ((False, False, False), None, False),
    ((False, False, False), 10_000, True),
    ((False, False, False), 10_001, False),
])
def test_the_lane_takes_only_what_matches_little(bound, limit, taken):
    assert small(OnePattern("SELECT", bound, limit), 10_000) is taken


@pytest.fixture(scope="module")
def servers(built):
    """The same release served with the lane (its default) and without it."""
    settings = dict(release_dir=built.release, query_timeout=DEADLINE, max_answer_bytes=200_000,
                    answer_cache_bytes=0)
    with app_server(Settings(**settings)) as lane, app_server(Settings(**settings, worker_lane_limit=0)) as plain:
        yield lane, plain


def answered_in_worker(url: str) -> int:
    return requests.get(url + "/healthz", timeout=30).json()["worker_lane"]["answered"]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_lane_answers_what_a_query_process_answers(servers, accept, method):
    lane, plain = servers
    assert requests.get(plain + "/healthz", timeout=30).json()["worker_lane"] is None
    for query in (LABEL_LOOKUP, "SELECT ?p ?o WHERE { ssb:MagicAngleSpinningNMR ?p ?o }",
                  "ASK { ssb:MagicAngleSpinningNMR a owl:Class }", "SELECT ?s ?o { ?s rdfs:label ?o } LIMIT 7 OFFSET 100"):
        if query.startswith("ASK") and accept.startswith("text/"):
            continue
        before = answered_in_worker(lane)
        answers = [requests.request(method, url + "/sparql", headers={"Accept": accept}, timeout=30,
                                    **({"params": {"query": query}} if method == "GET" else {"data": {"query": query}}))
                   for url in (lane, plain)]
        assert answered_in_worker(lane) == before + 1, query
        assert [answer.status_code for answer in answers] == [200, 200]
        assert answers[0].headers["Content-Type"] == answers[1].headers["Content-Type"]
        assert without_blank_labels(answers[0].content) == without_blank_labels(answers[1].content), query
        assert len(answers[0].content) > 20, query


def without_blank_labels(body: bytes) -> bytes:
    """The answer with its blank nodes' labels blanked out (each store that loads the release labels them anew)."""
    return BLANK_LABEL.sub(b"_:b", body)


BLANK_LABEL = re.compile(rb'(?<="bnode","value":")[0-9a-f]+|(?<=<bnode>)[0-9a-f]+|_:[0-9a-f]+')


def test_the_lane_refuses_and_limits_as_the_query_processes_do(servers):
    lane, plain = servers
    for query, status, message in [
            ("SELECT ?s { ?s nowhere:p ssb:X }", 400, "unknown prefix"),
            ("SELECT * { ?s ?p ?o } LIMIT 10000", 503, "the answer is larger than the 200,000 byte limit")]:
        before = answered_in_worker(lane)
        answers = [requests.post(url + "/sparql", data={"query": query}, timeout=30) for url in (lane, plain)]
        assert answered_in_worker(lane) == before + 1, query
        assert [answer.status_code for answer in answers] == [status, status]
        assert message in answers[0].json()["message"]
        assert answers[0].json()["message"] == answers[1].json()["message"]


def test_runaways_still_meet_the_deadline_while_the_lane_answers(servers):
    lane, _ = servers
    finished: dict[str, tuple[requests.Response, float]] = {}

    def runaway(name: str) -> None:
        finished[name] = (requests.post(lane + "/sparql", data={"query": RUNAWAY_QUERY}, timeout=60), time.monotonic())

    before = answered_in_worker(lane)
    started = time.monotonic()
    threads = [threading.Thread(target=runaway, args=(f"runaway {n}",)) for n in range(2)]  # both query processes
    for thread in threads:
        thread.start()
    due = time.monotonic() + 10
    while requests.get(lane + "/healthz", timeout=30).json()["query_processes"]["idle"]:
        assert time.monotonic() < due, "the runaway queries never reached the query processes"
        time.sleep(0.05)
    lookups = [(requests.get(lane + "/sparql", params={"query": LABEL_LOOKUP}, timeout=30), time.monotonic())
               for _ in range(20)]
    for thread in threads:
        thread.join(DEADLINE + 30)
    stopped_at = min(at for _, at in finished.values())
    for answer, at in lookups:
        assert answer.status_code == 200 and answer.json()["results"]["bindings"]
        assert at < stopped_at  # answered while both query processes were held
    for answer, at in finished.values():
        assert answer.status_code == 503
        assert answer.json()["message"].startswith(f"the query ran longer than the {DEADLINE:g} s deadline")
        assert at - started >= DEADLINE
    assert answered_in_worker(lane) == before + 20
