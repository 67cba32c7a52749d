"""The embedded store held in memory or read from the release's on-disk store: the same answers
to every competency question, the size rule of `auto`, clear refusals, and the on-disk store kept
out of the published files."""

from __future__ import annotations

import json
import shutil

import pytest
import requests
from sparql_support import Listener, app_server, json_column

from conftest import REPO
from ssbonto.errors import BuildError
from ssbonto.store import MEMORY_MODE_MAX_TRIPLES, QUERY_STORE_DIR, EmbeddedStore, choose_mode
from ssbonto_server.settings import Settings

CQ_QUERIES = sorted((REPO / "queries" / "cq").glob("*.rq"))


@pytest.fixture(scope="module")
def on_disk(built):
    return EmbeddedStore(built.release, "disk")


def test_the_release_carries_an_on_disk_store_outside_its_published_files(built):
    assert (built.release / QUERY_STORE_DIR).is_dir()
    manifest = json.loads((built.release / "manifest.json").read_text())
    checksums = (built.release / "SHA256SUMS").read_text()
    assert not any(name.startswith(QUERY_STORE_DIR) for name in manifest["files"])
    assert f"  {QUERY_STORE_DIR}/" not in checksums


def answers(store, query: str) -> list:
    """Rows as sorted lists; values as sorted words (GROUP_CONCAT's order is not defined)."""
    return sorted(sorted((name, sorted(value.split())) for name, value in row.items())
                  for row in store.query(query).rows())


@pytest.mark.parametrize("path", CQ_QUERIES, ids=[p.stem for p in CQ_QUERIES])
def test_disk_and_memory_give_the_same_answers(store, on_disk, path):
    query = path.read_text(encoding="utf-8")
    assert (store.mode, on_disk.mode) == ("memory", "disk")
    in_memory = answers(store, query)
    assert answers(on_disk, query) == in_memory and in_memory


def test_auto_holds_small_releases_in_memory_and_reads_large_ones_from_disk(built, tmp_path):
    assert choose_mode(built.release) == "memory"
    large = tmp_path / "large"
    shutil.copytree(built.release, large)
    manifest = json.loads((large / "manifest.json").read_text())
    manifest["triples"]["kg"] = MEMORY_MODE_MAX_TRIPLES + 1
    (large / "manifest.json").write_text(json.dumps(manifest))
    assert choose_mode(large) == "disk"
    shutil.rmtree(large / QUERY_STORE_DIR)  # a release from before the on-disk store
    assert choose_mode(large) == "memory"
    with pytest.raises(BuildError) as refused:
        EmbeddedStore(large, "disk")
    assert f"has no on-disk query store ({QUERY_STORE_DIR}/); rebuild it with `ssbonto build`" in str(refused.value)
    with pytest.raises(BuildError) as unknown:
        EmbeddedStore(large, "mmap")
    assert "'mmap' is not one of auto, memory, disk" in str(unknown.value)


def test_the_on_disk_store_serves_queries_and_refuses_to_fetch_remote_graphs(built):
    partner = Listener()
    try:
        settings = Settings(release_dir=built.release, store_mode="disk", service_allow_list=[partner.url + "/"])
        with app_server(settings) as url:
            health = requests.get(url + "/healthz", timeout=30).json()
            assert health["store"]["mode"] == "disk"
            answer = requests.get(url + "/sparql", params={"query": "SELECT ?s WHERE { ?s ssb:formula \"Li7La3Zr2O12\" }"},
                                  timeout=30)
            assert "https://w3id.org/ssbonto/id/material/llzo" in json_column(answer, "s")
            page = requests.get(url + "/id/material/llzo", headers={"Accept": "text/turtle"}, timeout=30)
            assert page.status_code == 200 and "Li7La3Zr2O12" in page.text
            remote = requests.get(url + "/sparql", params={
                "query": f"SELECT ?label FROM <{partner.url}/graph.ttl> WHERE {{ ?s rdfs:label ?label }}"}, timeout=30)
            assert remote.status_code == 501
            assert "fetched only by the in-memory store" in remote.json()["message"]
        assert partner.connections == 0
    finally:
        partner.close()
