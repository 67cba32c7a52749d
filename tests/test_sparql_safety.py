"""The endpoint is read-only and safe: updates are refused and change nothing; SERVICE and
remote graphs are refused unless allow-listed (a local listener proves that no connection is
made, and that an allow-listed one is); a runaway query is stopped at the deadline while other
queries are served; oversized answers and memory-hungry queries stop cleanly; bad input gets
a clear 4xx."""

from __future__ import annotations

import socket
import threading
import time

import pyoxigraph as ox
import pytest
import requests
from sparql_support import (GRAPH, IONIC_QUERY, REF31_QUERY, REF31_ROW, RUNAWAY_QUERY, Listener, app_server,
                            json_column)

from ssbonto.store.query_text import inspect_query
from ssbonto.store import DEFAULT_PREFIXES
from ssbonto_server.settings import Settings

STRICT_DEADLINE = 5.0


@pytest.fixture(scope="module")
def outsider():
    """An endpoint that is on no allow-list: it must never see a connection."""
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def strict(built, partner):
    settings = Settings(release_dir=built.release, query_timeout=STRICT_DEADLINE, max_answer_bytes=200_000,
                        query_memory_bytes=450_000_000, service_allow_list=[partner.url + "/"])
    with app_server(settings) as url:
        yield url


def sparql(url: str, query: str, **parameters) -> requests.Response:
    return requests.post(url + "/sparql", data={"query": query, **parameters}, timeout=60)


TRIPLE_COUNTS = {"all": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                 **{name: f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}{name}> {{ ?s ?p ?o }} }}"
                    for name in ("ontology", "kg", "inferred")}}


def test_every_form_of_update_is_refused_and_changes_nothing(live_server, outsider):
    endpoint = live_server + "/sparql"
    before = {name: json_column(sparql(live_server, query), "n") for name, query in TRIPLE_COUNTS.items()}
    insert = 'PREFIX ex: <http://example.org/> INSERT DATA { ex:intruder ex:says "hello" }'
    updates = [insert, "DELETE WHERE { ?s ?p ?o }", f"LOAD <{outsider.url}/graph.ttl>", "CLEAR ALL",
               f"DROP GRAPH <{GRAPH}kg>", "CREATE GRAPH <http://example.org/g>", f"COPY <{GRAPH}kg> TO DEFAULT",
               f"MOVE <{GRAPH}kg> TO DEFAULT", f"ADD <{GRAPH}kg> TO DEFAULT",
               f"WITH <{GRAPH}kg> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", f"# comment\n{insert} ; CLEAR ALL"]
    answers = []
    for update in updates:
        answers.append(requests.post(endpoint, data={"update": update}))
        answers.append(requests.post(endpoint, data=update.encode(), headers={"Content-Type": "application/sparql-update"}))
        answers.append(requests.post(endpoint, data={"query": update}))
        answers.append(requests.get(endpoint, params={"query": update}))
    answers.append(requests.get(endpoint, params={"update": insert}))
    for answer in answers:
        assert answer.status_code == 403, answer.text
        assert "read-only" in answer.json()["message"]
    after = {name: json_column(sparql(live_server, query), "n") for name, query in TRIPLE_COUNTS.items()}
    assert after == before
    intruder = sparql(live_server, "ASK { <http://example.org/intruder> ?p ?o }")
    assert intruder.json()["boolean"] is False
    assert outsider.connections == 0


def refused_requests(outsider_url: str) -> list[tuple[str, dict]]:
    endpoint, graph = outsider_url + "/sparql", outsider_url + "/graph.ttl"
    return [
        (f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}", {}),
        (f"select * where {{ service silent <{endpoint}> {{ ?s ?p ?o }} }}", {}),
        (f"PREFIX out: <{outsider_url}/> SELECT * WHERE {{ SERVICE out:sparql {{ ?s ?p ?o }} }}", {}),
        (f"BASE <{outsider_url}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ VALUES ?e {{ <{endpoint}> }} SERVICE ?e {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ SERVICE <{outsider_url}/sp\\u0061rql> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": graph}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": graph}),
        *[(query, {}) for query in bypass_spellings(outsider_url)],
    ]


def bypass_spellings(listener_url: str) -> list[str]:
    """SERVICE calls to `listener_url` spelled the ways Oxigraph's scannerless parser accepts: the
    keyword glued to a prefixed name with the empty prefix (issue 16), in lower case, in a subquery
    and an OPTIONAL, after `}` or `.` with no space, prefixed names with and without a local part,
    BASE-relative IRIs, SILENT glued on, and after a literal that ends without a space."""
    call = "{ ?s ?p ?o }"
    return [
        f"PREFIX : <{listener_url}/> SELECT * WHERE {{ SERVICE:sparql {call} }}",
        f"prefix : <{listener_url}/> select * where {{ service:sparql {call} }}",
        f"PREFIX : <{listener_url}/> SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE:sparql {call} }} }} }}",
        f"PREFIX : <{listener_url}/> SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE:sparql {call} }} }}",
        f"PREFIX : <{listener_url}/sparql> SELECT * WHERE {{ SERVICE: {call} }}",
        f"PREFIX x: <{listener_url}/> SELECT * WHERE {{ SERVICEx:sparql {call} }}",
        f"SELECT * WHERE {{ {{}}SERVICE<{listener_url}/sparql>{call} }}",
        f"SELECT * WHERE {{ ?a ?b ?c .SERVICE<{listener_url}/sparql>{call} }}",
        f"SELECT * WHERE {{ ?a ?b true.SERVICE<{listener_url}/sparql>{call} }}",
        f"SELECT * WHERE {{ ?a ?b trueSERVICE<{listener_url}/sparql>{call} }}",
        f"SELECT * WHERE {{ ?a ?b 1e5SERVICE<{listener_url}/sparql>{call} }}",
        f"SELECT * WHERE {{ SERVICESILENT<{listener_url}/sparql>{call} }}",
        f"SELECT * WHERE {{ SERVICE#a comment\n<{listener_url}/sparql>#another\n{call} }}",
        f"BASE <{listener_url}/a/b> SELECT * WHERE {{ SERVICE <../sparql> {call} }}",
        f"BASE <{listener_url}/> PREFIX r: <rel/> SELECT * WHERE {{ SERVICE r:x {call} }}",
        f"SELECT * WHERE {{ MINUS {{ SERVICE <{listener_url}/sparql> {call} }} }}",
        f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{listener_url}/sparql> {call} }} }}",
        f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE <{listener_url}/sparql> {call} }} }}",
        f"SELECT * WHERE {{ FILTER(?a<?b)SERVICE#>\n<{listener_url}/sparql>{call} }}",
    ]


@pytest.mark.parametrize("server", ["live_server", "strict"])
def test_service_and_remote_graphs_are_refused_without_any_connection(request, server, outsider):
    url = request.getfixturevalue(server)
    for query, parameters in refused_requests(outsider.url):
        answer = sparql(url, query, **parameters)
        assert answer.status_code == 403, (query, answer.text)
        message = answer.json()["message"]
        assert "allow-list" in message
        assert outsider.url in message or "SERVICE ?e" in message or "SERVICE r:x" not in query
    time.sleep(0.5)  # a connection attempt, had there been one, would have arrived by now
    assert outsider.connections == 0
    assert outsider.requests == []


def test_allow_listed_service_is_called(strict, partner):
    before = len(partner.requests)
    answer = sparql(strict, f"SELECT ?x WHERE {{ SERVICE <{partner.url}/sparql> {{ ?x ?y ?z }} }}")
    assert json_column(answer, "x") == ["answered by the partner endpoint"]
    assert [(method, path) for method, path, _ in partner.requests[before:]] == [("POST", "/sparql")]
    assert b"?x" in partner.requests[before][2]
    glued = sparql(strict, f"PREFIX : <{partner.url}/> SELECT ?x WHERE {{ SERVICE:sparql {{ ?x ?y ?z }} }}")
    assert json_column(glued, "x") == ["answered by the partner endpoint"]  # spelling does not matter
    assert len(partner.requests) == before + 2


def test_allow_listed_remote_graph_is_fetched_for_that_query_only(strict, partner):
    graph = partner.url + "/graph.ttl"
    by_from = sparql(strict, f"SELECT ?label FROM <{graph}> WHERE {{ ?s rdfs:label ?label }}")
    assert json_column(by_from, "label") == ["a remote graph"]
    named = sparql(strict, "SELECT ?g ?label WHERE { GRAPH ?g { ?s rdfs:label ?label } }",
                   **{"named-graph-uri": graph})
    assert json_column(named, "g") == [graph]
    for _ in range(4):  # whichever query process answers, the remote graph is gone again
        left = sparql(strict, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert left.json()["boolean"] is False


# Texts whose SERVICE keyword hides or does not hide in strings, comments, escapes and IRIs;
# True when the guard must see a SERVICE call. (Oxigraph calls SERVICE once per solution of
# what precedes it, so the calls follow a BIND, not a pattern that matches nothing.)
GUARD_CASES = [
    ("SELECT * WHERE { SERVICE <{P}/sparql> { ?s ?p ?o } }", True),
    ("select * where { service silent <{P}/sparql> { ?s ?p ?o } }", True),
    ("PREFIX p: <{P}/> SELECT * WHERE { SERVICE p:sparql { ?s ?p ?o } }", True),
    ("BASE <{P}/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }", True),
    ("SELECT * WHERE { SERVICE <{P}/sp\\u0061rql> { ?s ?p ?o } }", True),
    ('SELECT * WHERE { BIND("\\"" AS ?x) SERVICE <{P}/sparql> { ?s ?p ?o } }', True),
    ("PREFIX p: <{P}/> SELECT * WHERE { BIND(p:a\\' AS ?x) SERVICE <{P}/sparql> { ?s ?p ?o } }", True),
    ("SELECT * WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b) SERVICE <{P}/sparql> { ?s ?p ?o } }", True),
    ("SELECT * WHERE {SERVICE<{P}/sparql>{?s ?p ?o}}", True),
    ('SELECT * WHERE { ?s ?p "SERVICE <{P}/sparql> { ?s ?p ?o }" }', False),
    ("SELECT * WHERE { ?s ?p ?o } # SERVICE <{P}/sparql> { }", False),
    ("SELECT * WHERE { ?s ?p '''it's '' SERVICE <{P}/sparql> {} ''' }", False),
    ("SELECT * WHERE { ?s <{P}/SERVICE> ?o }", False),
    ("SELECT ?SERVICE WHERE { ?s ?p ?SERVICE }", False),
]


def _one_triple_store() -> ox.Store:
    """Oxigraph calls SERVICE once per solution of what precedes it: one triple with a boolean
    and a number as objects gives the glued-literal spellings a solution."""
    store = ox.Store()
    for value in (ox.Literal(True), ox.Literal("1e5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))):
        store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b"), value))
    return store


def _connects(store: ox.Store, probe: Listener, query: str) -> bool:
    before = probe.connections
    try:
        list(store.query(query, prefixes=DEFAULT_PREFIXES, use_default_graph_as_union=True))
    except (SyntaxError, OSError, ValueError):
        pass
    return probe.connections > before


def _flagged(query: str) -> bool:
    shape = inspect_query(query, DEFAULT_PREFIXES)
    return bool(shape.services or shape.unresolved)


def test_the_guard_sees_every_service_call_oxigraph_would_make():
    """Run each text in a real Oxigraph store against a listener: whenever Oxigraph connects, the
    guard must have flagged the text, and it flags nothing hidden in a literal."""
    probe = Listener()
    store = _one_triple_store()
    try:
        cases = GUARD_CASES + [(query.replace(probe.url, "{P}"), True) for query in bypass_spellings(probe.url)
                               if "FILTER(?a<?b)" not in query and "MINUS" not in query and "EXISTS" not in query]
        for template, calls in cases:
            query = template.replace("{P}", probe.url)
            assert _flagged(query) == calls, query
            assert _connects(store, probe, query) == calls, query  # the cases mean what they say about Oxigraph
    finally:
        probe.close()


def test_no_spelling_of_service_reaches_oxigraph_unseen():
    """A generated family of spellings (keyword case, SILENT, what precedes the keyword, the
    target's form, what separates it from its group) run through Oxigraph against a listener:
    every text Oxigraph connects with is one the guard flags."""
    import itertools

    probe = Listener()
    store = _one_triple_store()
    before_keyword = ["{ ", "{", "{ ?a ?b ?c . ", "{ ?a ?b ?c .", "{ ?a ?b true", "{ ?a ?b 1e5", "{ {}",
                      "{ OPTIONAL { ", "{ { SELECT * WHERE { ", "{ #c\n", "{ ?a ?b ?c ;"]
    keywords = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVICESILENT", "service silent#c\n"]
    targets = ["<{P}/sparql>", ":sparql", ":", "p:sparql", "p:", "<sparql>", "<./sparql>", "<{P}/sp\\u0061rql>",
               "<\\u0068ttp://127.0.0.1:{PORT}/sparql>"]
    after_target = ["", " ", "#c\n"]
    port = probe.url.rsplit(":", 1)[1]
    connected = missed = 0
    try:
        for opening, keyword, target, gap in itertools.product(before_keyword, keywords, targets, after_target):
            closing = "}" * (opening.count("{") - opening.count("}"))
            query = (f"BASE <{probe.url}/> PREFIX : <{probe.url}/> PREFIX p: <{probe.url}/sparql> "
                     f"SELECT * WHERE {opening}{keyword} {target}{gap}{{ ?s ?p ?o }} {closing}"
                     ).replace("{P}", probe.url).replace("{PORT}", port)
            if _connects(store, probe, query):
                connected += 1
                missed += not _flagged(query)
                assert _flagged(query), query
    finally:
        probe.close()
    assert connected > 500 and missed == 0  # the family really exercises Oxigraph's SERVICE calls


def test_runaway_query_is_stopped_at_the_deadline_while_others_are_served(strict):
    finished: dict[str, tuple[requests.Response, float]] = {}

    def runaway():
        finished["runaway"] = (sparql(strict, RUNAWAY_QUERY), time.monotonic())

    started = time.monotonic()
    thread = threading.Thread(target=runaway)
    thread.start()
    due = time.monotonic() + 10
    while requests.get(strict + "/healthz").json()["query_processes"]["idle"] != 1:  # it holds one process
        assert time.monotonic() < due, "the runaway query never reached a query process"
        time.sleep(0.05)
    others = []
    for _ in range(5):
        answer = sparql(strict, REF31_QUERY)
        others.append((answer, time.monotonic()))
    thread.join(STRICT_DEADLINE + 30)
    stopped, stopped_at = finished["runaway"]
    assert stopped.status_code == 503
    assert stopped.json()["message"].startswith(f"the query ran longer than the {STRICT_DEADLINE:g} s deadline")
    assert stopped_at - started >= STRICT_DEADLINE
    for answer, answered_at in others:
        assert answer.status_code == 200
        assert {k: v["value"] for k, v in answer.json()["results"]["bindings"][0].items()} == REF31_ROW
        assert answered_at < stopped_at  # served while the runaway query still held its process
    assert json_column(sparql(strict, IONIC_QUERY), "technique")  # still serving after the kill
    health = requests.get(strict + "/healthz").json()["query_processes"]
    assert health["stopped_at_deadline"] == 1


def test_oversized_answer_is_refused_whole(strict):
    answer = sparql(strict, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert answer.status_code == 503
    assert answer.json()["message"].startswith("the answer is larger than the 200,000 byte limit")


def test_memory_hungry_query_stops_only_its_own_process(strict):
    answer = sparql(strict, "SELECT ?a ?b ?c ?d WHERE { ?a ?p ?b . ?c ?q ?d } ORDER BY ?d ?a")
    assert answer.status_code == 503
    assert "bytes of memory this endpoint grants one query" in answer.json()["message"]
    assert json_column(sparql(strict, IONIC_QUERY), "technique")


# ------------------------------------------------------------------ bad input

def test_invalid_utf8_is_400(live_server):
    endpoint = live_server + "/sparql"
    answers = [
        requests.get(endpoint + "?query=SELECT%FF"),
        requests.post(endpoint, data=b"query=SELECT%C3%28", headers={"Content-Type": "application/x-www-form-urlencoded"}),
        requests.post(endpoint, data=b"SELECT \xff\xfe", headers={"Content-Type": "application/sparql-query"}),
    ]
    for answer in answers:
        assert answer.status_code == 400
        assert "not valid UTF-8" in answer.json()["message"]
    host, port = live_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:  # raw bytes no client would send
        raw.sendall(b"GET /sparql?query=SELECT\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    # werkzeug re-encodes raw bytes before the app sees them; either way the answer is a 400
    assert reply.startswith(b"HTTP/1.1 400")
    assert b'"error": "Bad Request"' in reply


@pytest.mark.parametrize("accept, status", [
    ("x" * 8000, 406), (";;;,,,q=", 406), ("image/png, " * 500, 406), ("a/b;q=0.5;" * 300, 406),
    ("*/*;q=abc", 200), ("*/*;q=2", 200), ("text/csv;q=0", 406), ("\u00e9/\u00e9", 406)])
def test_absurd_accept_headers(live_server, accept, status):
    answer = requests.get(live_server + "/sparql", params={"query": IONIC_QUERY}, headers={"Accept": accept})
    assert answer.status_code == status
    if status == 406:
        assert "none of the requested media types" in answer.json()["message"]


def test_empty_bodies(live_server):
    endpoint = live_server + "/sparql"
    form = requests.post(endpoint, data=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
    direct = requests.post(endpoint, data=b"", headers={"Content-Type": "application/sparql-query"})
    bare = requests.post(endpoint)
    assert (form.status_code, form.json()["message"]) == (400, "missing the 'query' parameter (a GET without "
                                                               "parameters returns the service description)")
    assert (direct.status_code, direct.json()["message"]) == (400, "the query is empty")
    assert bare.status_code == 415


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/sparql-query"])
def test_ten_megabyte_bodies_are_413(live_server, content_type):
    body = b"query=" + b"x" * 10_000_000 if content_type.endswith("urlencoded") else b"x" * 10_000_000
    answer = requests.post(live_server + "/sparql", data=body, headers={"Content-Type": content_type}, timeout=60)
    assert answer.status_code == 413
    assert answer.json()["message"] == "the request body is larger than this service accepts (1,000,000 bytes)"


def test_unknown_parameters_are_named(live_server):
    answer = requests.get(live_server + "/sparql", params={"query": IONIC_QUERY, "callback": "x"})
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("unknown parameter 'callback'; this endpoint reads query, update")


def test_nul_bytes_and_html_in_the_request_are_harmless(live_server):
    nul = requests.get(live_server + "/sparql", params={"query": "SELECT \x00 WHERE {}"})
    assert nul.status_code == 400
    assert nul.json()["message"].startswith("malformed query")
    script = "<script>alert(1)</script>"
    page = requests.get(live_server + "/sparql", params={"query": IONIC_QUERY, script: "1"},
                        headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "unknown parameter &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;" in page.text
    assert script not in page.text


# ------------------------------------------------------------------ deep and long queries (issue 17)

def deep_queries() -> dict[str, str]:
    """Texts whose nesting or chains would exhaust an ordinary (8 MiB) stack in Oxigraph's parser and
    evaluator, or run into the deadline (measured in bench/README.md)."""
    return {
        "FILTER EXISTS, 2 500 levels": "SELECT * WHERE { " + "FILTER EXISTS { " * 2500 + "}" * 2500 + " }",
        "groups, 3 000 levels": "SELECT * WHERE " + "{ " * 3000 + "}" * 3000,
        "blank-node property lists, 1 000 levels": "SELECT * WHERE { ?s ?p " + "[ ?p " * 1000 + "?o" + " ]" * 1000 + " }",
        "parentheses, 10 000 levels": "SELECT * WHERE { FILTER(" + "(" * 10000 + "1" + ")" * 10000 + ") }",
        "CONCAT calls, 1 500 levels": "SELECT * WHERE { BIND(" + "CONCAT(" * 1500 + "'a'" + ")" * 1500 + " AS ?x) }",
        "a chain of 10 000 additions": "SELECT * WHERE { FILTER(1" + "+1" * 10000 + ") }",
        "3 000 BINDs in a row": "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3000)) + " }",
        "a UNION of 10 000 groups": "SELECT * WHERE { {?s ?p ?o}" + " UNION {?s ?p ?o}" * 10000 + " }",
        "30 000 tokens": "SELECT * WHERE { VALUES ?x { " + "1 " * 30000 + "} }",
    }


def test_deep_queries_are_refused_by_every_method_and_crash_nothing(strict):
    before = requests.get(strict + "/healthz").json()["query_processes"]
    endpoint = strict + "/sparql"
    for name, query in deep_queries().items():
        answers = [requests.get(endpoint, params={"query": query}) if len(query) < 30_000 else None,
                   requests.post(endpoint, data={"query": query}),
                   requests.post(endpoint, data=query.encode(), headers={"Content-Type": "application/sparql-query"})]
        for answer in filter(None, answers):
            assert answer.status_code == 400, (name, answer.status_code, answer.text[:200])
            message = answer.json()["message"]
            assert "this endpoint accepts" in message and ("nesting depth of at most 100" in message
                                                           or "at most 2,000" in message or "25,000 tokens" in message), message
    inside = "SELECT * WHERE { " + "FILTER EXISTS { " * 30 + "}" * 30 + " }"  # deep, but within the limits
    assert requests.post(endpoint, data={"query": inside}).status_code == 200
    after = requests.get(strict + "/healthz").json()["query_processes"]
    assert after["ended_unexpectedly"] == before["ended_unexpectedly"] and after["started"] == before["started"]


def test_the_query_processes_stack_holds_far_more_than_the_limits(built):
    """With the limits lifted, a query process answers a FILTER EXISTS nested 4 000 levels deep:
    four times what an 8 MiB stack holds (about 845 levels), forty times the nesting limit."""
    settings = Settings(release_dir=built.release, query_processes=1, max_query_nesting=100_000,
                        max_query_depth=100_000, answer_cache_bytes=0)
    with app_server(settings) as url:
        query = "SELECT * WHERE { " + "FILTER EXISTS { " * 4000 + "}" * 4000 + " }"
        answer = requests.post(url + "/sparql", data=query.encode(), timeout=60,
                               headers={"Content-Type": "application/sparql-query"})
        assert answer.status_code == 200, answer.text[:300]
        assert requests.get(url + "/healthz").json()["query_processes"]["ended_unexpectedly"] == 0


# ------------------------------------------------------------------ the outbound gate alone (issue 16)

GATED_CHILD = r'''
import os, socket, sys
from ssbonto_server.sparql import outbound_gate
sock = socket.socket(fileno=int(sys.argv[1]))
descriptor = outbound_gate.install()
socket.send_fds(sock, [b"G"], [descriptor])
os.close(descriptor)
import pyoxigraph as ox, urllib.request
for url in sys.argv[2:]:
    try:
        list(ox.Store().query("SELECT * WHERE { SERVICE <%s/sparql> { ?s ?p ?o } }" % url))
        print("service reached", url)
    except OSError as error:
        print("service refused", url, error)
    try:
        urllib.request.urlopen(url + "/graph.ttl", timeout=5).read()
        print("graph reached", url)
    except OSError as error:
        print("graph refused", url, error)
'''


def test_the_outbound_gate_refuses_what_the_text_guard_would_have_missed(outsider, partner):
    """No guard on the text at all: Oxigraph in a gated process is told to call both listeners;
    only the allow-listed one is reached, by Oxigraph's HTTP client and by Python's alike."""
    import subprocess
    import sys

    from ssbonto_server.sparql.outbound_gate import Gate

    gate = Gate([partner.url + "/"])
    ours, theirs = socket.socketpair()
    before_partner, before_outsider = partner.connections, outsider.connections
    child = subprocess.Popen([sys.executable, "-c", GATED_CHILD, str(theirs.fileno()), partner.url, outsider.url],
                             pass_fds=(theirs.fileno(),), stdout=subprocess.PIPE, text=True)
    theirs.close()
    _, descriptors, _, _ = socket.recv_fds(ours, 1, 1)
    gate.watch(descriptors[0], child.pid)
    output, _ = child.communicate(timeout=60)
    assert f"service reached {partner.url}" in output and f"graph reached {partner.url}" in output
    assert f"service refused {outsider.url}" in output and f"graph refused {outsider.url}" in output
    assert partner.connections - before_partner == 2
    assert outsider.connections == before_outsider == 0
    assert gate.status()["refused"] >= 2
