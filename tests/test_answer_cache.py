"""The answer cache in front of /sparql, over a real socket: a repeated query is answered from
the cache with the same bytes and headers, by GET, form POST and direct POST alike (one key: the
query text, the dataset, the format, Accept and Origin); errors and answers that reached another
server are never kept; identical requests in flight at once run the query once; old answers make
room."""

from __future__ import annotations

import threading

import pytest
import requests
from sparql_support import IONIC_ANSWER, IONIC_QUERY, app_server, json_column
from ssbonto_server.sparql.answer_cache import AnswerCache
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


def test_errors_are_never_kept(service):
    for _ in range(2):
        broken = get(service, "SELECT ?x WHERE { ?x ?y }")
        assert broken.status_code == 400 and "X-Answer-Cache" not in broken.headers
        posted = requests.post(service + "/sparql", data={"query": "SELECT ?x WHERE { ?x ?y }"}, timeout=30)
        assert posted.status_code == 400 and "X-Answer-Cache" not in posted.headers


def test_posts_are_kept_like_gets_under_one_key(service):
    query = IONIC_QUERY + " # posted"
    posted = requests.post(service + "/sparql", data={"query": query}, timeout=30)
    again = requests.post(service + "/sparql", data={"query": query}, timeout=30)
    direct = requests.post(service + "/sparql", data=query.encode(), timeout=30,
                           headers={"Content-Type": "application/sparql-query"})
    by_get = get(service, query)
    assert [a.headers["X-Answer-Cache"] for a in (posted, again, direct, by_get)] == ["miss", "hit", "hit", "hit"]
    assert json_column(direct, "technique") == IONIC_ANSWER
    assert len({a.content for a in (posted, again, direct, by_get)}) == 1
    as_csv = requests.post(service + "/sparql", data={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
    assert as_csv.headers["X-Answer-Cache"] == "miss" and as_csv.text.splitlines()[0] == "technique"


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
    """The cache alone: 1000-byte answers under keys a, b, c, ..."""
    cache = AnswerCache(max_bytes=4 * 1400 * 8)  # entries of at most max_bytes / 8 are kept

    def ask(name: str) -> str:
        if cache.get((name,)) is not None:
            return "hit"
        entry, release = cache.claim((name,))
        cache.put((name,), ("200 OK", [], b"x" * 1000), 1000)
        release()
        return "miss"

    for name in ("a", "b", "c", "d"):
        assert ask(name) == "miss"
    assert ask("a") == "hit"  # a is now the most recent
    for index in range(34):
        ask(f"later-{index}")
    status = cache.status()
    assert status["bytes"] <= status["max_bytes"]
    assert ask("b") == "miss"  # evicted
    assert ask("later-33") == "hit"
    too_big = AnswerCache(max_bytes=8 * 1000)  # 1000-byte bodies exceed max_bytes / 8 with overhead
    too_big.put(("x",), ("200 OK", [], b"x" * 1000), 1000)
    assert too_big.get(("x",)) is None and too_big.status()["entries"] == 0
