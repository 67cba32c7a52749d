"""The service in front of a remote store: a real Oxigraph server on a free loopback port, the
release loaded into it by `ssbonto push` (SPARQL 1.1 Graph Store Protocol), and `ssbonto serve
--store sparql+http://...` in front of it, checked end to end over real sockets."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic
from sparql_support import IONIC_ANSWER, IONIC_QUERY, REF31, json_column, wait_healthy
from test_competency_questions import CQ
from test_serve import free_port

from ssbonto.namespaces import INFERRED_GRAPH, KNOWLEDGE_GRAPH, ONTOLOGY_GRAPH

BIN = Path(sys.executable).parent
OXIGRAPH = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")


def start(command: list[str], log: Path, ready) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        ready()
    except BaseException:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def wait_listening(url: str, seconds: float = 30) -> None:
    due = time.monotonic() + seconds
    while time.monotonic() < due:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens at {url} after {seconds} s")


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    assert OXIGRAPH, "the oxigraph server binary is missing (pip install oxigraph: the test extra installs it)"
    folder = tmp_path_factory.mktemp("oxigraph")
    url = f"http://127.0.0.1:{free_port()}"
    process = start([OXIGRAPH, "serve", "--location", str(folder / "data"), "--bind", url[len("http://"):]],
                    folder / "oxigraph.log", lambda: wait_listening(url))
    yield url
    stop(process)


@pytest.fixture(scope="module")
def pushed(built, oxigraph):
    result = subprocess.run([str(BIN / "ssbonto"), "push", "--to", f"{oxigraph}/store",
                             "--release-dir", str(built.release)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def front(built, oxigraph, pushed, tmp_path_factory):
    url = f"http://127.0.0.1:{free_port()}"
    command = [str(BIN / "ssbonto"), "serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1],
               "--workers", "1", "--threads", "4", "--query-timeout", "20", "--release-dir", str(built.release),
               "--store", f"sparql+{oxigraph}/query"]
    process = start(command, tmp_path_factory.mktemp("front") / "serve.log", lambda: wait_healthy(url))
    yield url
    stop(process)


def test_push_puts_each_named_graph_and_replaces_it_when_pushed_again(built, oxigraph, pushed, store):
    counts = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    expected = {row["g"]: int(row["n"]) for row in store.query(counts, union_default_graph=False).rows()}
    assert set(expected) == {str(ONTOLOGY_GRAPH), str(KNOWLEDGE_GRAPH), str(INFERRED_GRAPH)}

    def remote_counts():
        response = requests.post(f"{oxigraph}/query", data={"query": counts},
                                 headers={"Accept": "application/sparql-results+json"})
        return {row["g"]["value"]: int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}

    assert remote_counts() == expected
    assert f"pushed {sum(expected.values())} triples in 3 graphs" in pushed.stdout
    again = subprocess.run([str(BIN / "ssbonto"), "push", "--to", f"{oxigraph}/store",
                            "--release-dir", str(built.release)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and remote_counts() == expected


def test_push_to_nothing_says_which_store_it_could_not_reach(built):
    nowhere = f"http://127.0.0.1:{free_port()}/store"
    result = subprocess.run([str(BIN / "ssbonto"), "push", "--to", nowhere, "--release-dir", str(built.release)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"error: cannot reach the store at {nowhere}" in result.stderr and "Traceback" not in result.stderr


def test_the_front_reports_the_remote_store_healthy(front):
    due = time.monotonic() + 20  # healthy means one query process is ready; the second follows
    while (health := requests.get(front + "/healthz").json())["query_processes"]["ready"] < 2 \
            and time.monotonic() < due:
        time.sleep(0.1)
    assert health["status"] == "ok" and health["query_processes"]["ready"] == 2
    assert health["query_processes"]["network_isolated"] is False  # the query processes must reach the store
    assert health["answer_cache"] is None  # a new push would change the answers behind the front's back
    assert health["store"]["mode"] is None and health["store"]["location"].startswith("sparql+http://")


def test_competency_question_answered_through_the_front(front):
    sparql = (CQ / "CQ01.rq").read_text(encoding="utf-8")  # uses the predeclared prefixes, undeclared
    response = requests.post(front + "/sparql", data={"query": sparql},
                             headers={"Accept": "application/sparql-results+json"})
    remote = {(r["answer"]["value"], r["reference"]["value"], r.get("mode", {}).get("value", ""))
              for r in response.json()["results"]["bindings"]}
    assert remote == {
        ("X-ray Laue microdiffraction", "[32]", ""),
        ("soft X-ray absorption spectroscopy", "[32]", ""),
        ("synchrotron X-ray diffraction", "[37]", ""),
        ("synchrotron X-ray diffraction", "[38]", "in situ"),
        ("synchrotron X-ray diffraction", "[39]", "in situ"),
    }
    assert json_column(requests.get(front + "/sparql", params={"query": IONIC_QUERY}), "technique") == IONIC_ANSWER


def test_answers_in_other_formats_are_written_by_the_front(front):
    csv = requests.get(front + "/sparql", params={"query": IONIC_QUERY}, headers={"Accept": "text/csv"})
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.text.splitlines() == ["technique", *IONIC_ANSWER]
    ask = requests.get(front + "/sparql", params={"query": f"ASK {{ <{REF31}> a ssb:Reference }}"},
                       headers={"Accept": "application/sparql-results+xml"})
    assert "<boolean>true</boolean>" in ask.text
    described = requests.get(front + "/sparql", params={"query": f"DESCRIBE <{REF31}>"},
                             headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=described.text, format="turtle")
    assert {str(o) for o in graph.objects(predicate=None)} >= {"Y. Sun", "J. Power Sources"}


def test_a_malformed_query_gets_the_same_400_as_the_embedded_store(front):
    response = requests.get(front + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert response.status_code == 400
    assert "malformed query: error at line 1, column" in response.text


def test_linked_data_page_and_document_come_from_the_remote_store(front, built):
    page = requests.get(front + "/id/reference/31", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.url.endswith("/page/id/reference/31")
    assert "Y. Sun" in page.text and "J. Power Sources" in page.text
    assert requests.get(front + "/id/reference/99999", headers={"Accept": "text/html"}).status_code == 404
    # the ontology document follows its class expressions (blank nodes, skolemized in the store)
    ontology = Graph().parse(data=requests.get(front + "/data/def.nt").text, format="nt")
    assert isomorphic(ontology, Graph().parse(built.release / "ontology.ttl", format="turtle"))


def test_dumps_are_the_release_files(front, built):
    dump = requests.get(front + "/downloads/ssbonto.nt")
    assert dump.status_code == 200 and dump.content == (built.release / "ssbonto.nt").read_bytes()


def test_updates_and_service_are_refused_before_reaching_the_store(front, oxigraph):
    before = requests.post(f"{oxigraph}/query", data={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
                           headers={"Accept": "text/csv"}).text
    update = requests.post(front + "/sparql", data={"update": "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> 1 } }"})
    assert update.status_code == 403 and "read-only" in update.text
    hidden = requests.post(front + "/sparql", data={"query": "INSERT DATA { <urn:a> <urn:b> 1 }"})
    assert hidden.status_code == 403
    service = requests.get(front + "/sparql", params={
        "query": f"SELECT * WHERE {{ SERVICE <{oxigraph}/query> {{ ?s ?p ?o }} }}"})
    assert service.status_code == 403 and f"SERVICE <{oxigraph}/query> is refused" in service.text
    after = requests.post(f"{oxigraph}/query", data={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
                          headers={"Accept": "text/csv"}).text
    assert after == before


def test_the_front_says_when_the_store_is_gone(built, tmp_path):
    nowhere = f"sparql+http://127.0.0.1:{free_port()}/query"
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen([str(BIN / "ssbonto"), "serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1],
                                "--workers", "1", "--release-dir", str(built.release), "--store", nowhere],
                               stdout=(tmp_path / "serve.log").open("w"), stderr=subprocess.STDOUT)
    try:
        wait_listening(url + "/healthz")
        due = time.monotonic() + 20
        while time.monotonic() < due:
            health = requests.get(url + "/healthz")
            if health.json()["query_processes"]["startup_error"]:
                break
            time.sleep(0.2)
        assert health.status_code == 503
        assert f"cannot load the store at {nowhere}" in health.json()["query_processes"]["startup_error"]
        answer = requests.get(url + "/sparql", params={"query": IONIC_QUERY})
        assert answer.status_code == 503 and "cannot reach the store" in answer.text
    finally:
        stop(process)


def test_a_store_location_that_is_not_sparql_http_is_refused_at_start(built):
    result = subprocess.run([str(BIN / "ssbonto"), "serve", "--release-dir", str(built.release), "--store",
                             "ftp://127.0.0.1/sparql"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: --store: store location 'ftp://127.0.0.1/sparql' is not "
                                     "sparql+http://HOST:PORT/PATH (or sparql+https://...)")


VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 30
"""


@pytest.fixture(scope="module")
def virtuoso_front(built, tmp_path_factory):
    """Virtuoso open source (a fresh database: its administrator is dba/dba) with the release
    pushed through its authenticated Graph Store Protocol endpoint, and the service in front."""
    assert VIRTUOSO, "virtuoso-t is missing (Debian: apt-get install virtuoso-opensource; ./run.sh test installs it)"
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(dir=folder, sql_port=free_port(), http_port=http_port))
    store = f"http://127.0.0.1:{http_port}"
    virtuoso = start([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")], folder / "out.log",
                     lambda: wait_listening(store + "/sparql", 60))
    try:
        pushed = subprocess.run([str(BIN / "ssbonto"), "push", "--to", f"http://dba:dba@127.0.0.1:{http_port}/"
                                 "sparql-graph-crud-auth", "--release-dir", str(built.release)],
                                capture_output=True, text=True, timeout=120)
        assert pushed.returncode == 0, pushed.stderr
        assert "dba:***@" in pushed.stdout  # the password is not echoed
        url = f"http://127.0.0.1:{free_port()}"
        front = start([str(BIN / "ssbonto"), "serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1],
                       "--workers", "1", "--threads", "4", "--release-dir", str(built.release),
                       "--store", f"sparql+{store}/sparql"], folder / "serve.log", lambda: wait_healthy(url))
        yield url
        stop(front)
    finally:
        stop(virtuoso)


def test_virtuoso_behind_the_front_answers_lookups_pages_and_refusals(virtuoso_front):
    front = virtuoso_front
    assert json_column(requests.get(front + "/sparql", params={"query": IONIC_QUERY}), "technique") == IONIC_ANSWER
    ask = requests.get(front + "/sparql", params={"query": f"ASK {{ <{REF31}> a ssb:Reference }}"})
    assert ask.json() == {"head": {}, "boolean": True}
    page = requests.get(front + "/id/reference/31", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Y. Sun" in page.text and "J. Power Sources" in page.text
    assert requests.post(front + "/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    service = requests.get(front + "/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"})
    assert service.status_code == 403
