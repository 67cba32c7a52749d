"""The answer cache in front of /sparql, over a real socket: a repeated GET query is answered from
the cache with the same bytes and headers; anything the answer depends on (Accept, format, the
dataset, Origin) is part of the key; errors, POSTs and answers that reached another server are
never kept; identical requests in flight at once run the query once; old answers make room."""

from __future__ import annotations

import threading

import pytest
import requests
from sparql_support import IONIC_ANSWER, IONIC_QUERY, app_server, json_column
from werkzeug.test import Client
from werkzeug.wrappers import Response

from ssbonto_server.sparql.answer_cache import CACHEABLE, AnswerCache
from ssbonto_server.settings import Settings

# about a second on the real graph: long enough for concurrent requests to meet in flight
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?t . ?b a ?u FILTER(STRLEN(STR(?a)) < STRLEN(STR(?b))) }"


@pytest.fixture(scope="module")
def service(built, partner):
    settings = Settings(release_dir=built.release, service_allow_list=[partner.url + "/"])
    with app_server(settings) as url:
        yield url


def get(url: str, query: str, headers: dict | None = None, **parameters) -> requests.Response:
    return requests.get(url + "/sparql", params={"query": query, **parameters}, headers=headers or {}, timeout=60)


def cache_status(url: str) -> dict:
    return requests.get(url + "/healthz", timeout=30).json()["answer_cache"]


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_bytes(service):
    first = get(service, IONIC_QUERY + " # repeated")
    second = get(service, IONIC_QUERY + " # repeated")
    assert first.headers["X-Answer-Cache"] == "miss"
    assert second.headers["X-Answer-Cache"] == "hit"
    assert json_column(second, "technique") == IONIC_ANSWER
    assert second.content == first.content
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["Content-Length"] == str(len(first.content))


def test_what_the_answer_depends_on_is_part_of_the_key(service):
    query = IONIC_QUERY + " # keyed"
    json_answer = get(service, query)
    xml_answer = get(service, query, {"Accept": "application/sparql-results+xml"})
    csv_answer = get(service, query, format="csv")
    assert [a.headers["X-Answer-Cache"] for a in (json_answer, xml_answer, csv_answer)] == ["miss"] * 3
    assert xml_answer.headers["Content-Type"].startswith("application/sparql-results+xml")
    assert csv_answer.text.splitlines()[0] == "technique"
    only_kg = get(service, query, **{"default-graph-uri": "https://w3id.org/ssbonto/graph/kg"})
    assert only_kg.headers["X-Answer-Cache"] == "miss" and json_column(only_kg, "technique") == []
    from_browser = get(service, query, {"Origin": "https://yasgui.example"})
    again = get(service, query, {"Origin": "https://yasgui.example"})
    assert (from_browser.headers["X-Answer-Cache"], again.headers["X-Answer-Cache"]) == ("miss", "hit")
    assert again.headers["Access-Control-Allow-Origin"] == from_browser.headers["Access-Control-Allow-Origin"]


def test_errors_and_posts_are_never_kept(service):
    for _ in range(2):
        broken = get(service, "SELECT ?x WHERE { ?x ?y }")
        assert broken.status_code == 400 and "X-Answer-Cache" not in broken.headers
    for _ in range(2):
        posted = requests.post(service + "/sparql", data={"query": IONIC_QUERY}, timeout=30)
        assert posted.status_code == 200 and "X-Answer-Cache" not in posted.headers


def test_answers_that_reached_another_server_are_asked_again(service, partner):
    before = len(partner.requests)
    for _ in range(2):
        called = get(service, f"SELECT ?x WHERE {{ SERVICE <{partner.url}/sparql> {{ ?x ?y ?z }} }}")
        assert json_column(called, "x") == ["answered by the partner endpoint"]
        assert "X-Answer-Cache" not in called.headers
        fetched = get(service, f"SELECT ?label FROM <{partner.url}/graph.ttl> WHERE {{ ?s rdfs:label ?label }}")
        assert json_column(fetched, "label") == ["a remote graph"]
        assert "X-Answer-Cache" not in fetched.headers
    assert len(partner.requests) - before == 4


def test_identical_requests_in_flight_run_the_query_once(service):
    before = cache_status(service)
    barrier = threading.Barrier(6)
    answers: list[requests.Response] = []

    def ask():
        barrier.wait()
        answers.append(get(service, SLOW_QUERY))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    after = cache_status(service)
    assert sorted(a.headers["X-Answer-Cache"] for a in answers) == ["hit"] * 5 + ["miss"]
    assert len({a.content for a in answers}) == 1
    assert after["misses"] - before["misses"] == 1
    assert after["hits"] - before["hits"] == 5


def test_without_a_cache_every_query_runs(built):
    with app_server(Settings(release_dir=built.release, answer_cache_bytes=0)) as url:
        for _ in range(2):
            answer = get(url, IONIC_QUERY)
            assert json_column(answer, "technique") == IONIC_ANSWER
            assert "X-Answer-Cache" not in answer.headers
        assert requests.get(url + "/healthz", timeout=30).json()["answer_cache"] is None


def test_least_recently_used_answers_make_room():
    """The cache alone in front of a WSGI app that answers with the query string, 1000 bytes each."""
    def app(environ, start_response):
        environ[CACHEABLE] = True
        return Response(environ["QUERY_STRING"].encode().ljust(1000), content_type="text/plain")(
            environ, start_response)

    cache = AnswerCache(app, max_bytes=4 * 1400 * 8)  # entries of at most max_bytes / 8 are kept
    client = Client(cache)
    for name in ("a", "b", "c", "d"):
        assert client.get("/sparql?query=" + name).headers["X-Answer-Cache"] == "miss"
    assert client.get("/sparql?query=a").headers["X-Answer-Cache"] == "hit"  # a is now the most recent
    for name in ("e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w",
                 "x", "y", "z", "aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak", "al"):
        client.get("/sparql?query=" + name)
    status = cache.status()
    assert status["bytes"] <= status["max_bytes"]
    assert client.get("/sparql?query=b").headers["X-Answer-Cache"] == "miss"  # evicted
    assert client.get("/sparql?query=al").headers["X-Answer-Cache"] == "hit"
    too_big = AnswerCache(app, max_bytes=8 * 1000)  # 1000-byte bodies exceed max_bytes / 8 with overhead
    Client(too_big).get("/sparql?query=x")
    assert Client(too_big).get("/sparql?query=x").headers["X-Answer-Cache"] == "miss"
    assert too_big.status()["entries"] == 0
