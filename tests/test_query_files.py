"""The query files shipped in queries/ are published for other labs to reuse: each declares every
prefix it uses and runs unchanged in another SPARQL server — Oxigraph's own (the `oxigraph` package's
binary, the release loaded into it, the union of its graphs as default graph) — with the answer our
store gives. The example queries select the IRI beside each label (`?x` and `?xLabel`), so the query
page can link it, and those that concatenate references list them by number."""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pyoxigraph as ox
import pytest
import requests
from test_remote_store import OXIGRAPH, start, stop, wait_listening
from test_serve import free_port

from conftest import REPO

QUERY_FILES = sorted((REPO / "queries").glob("*/*.rq"))
EXAMPLES = sorted((REPO / "queries" / "examples").glob("*.rq"))
RESULTS = "application/sparql-results+json"


def rows_of(bindings: list[dict], names: list[str]) -> Counter:
    return Counter(tuple((b.get(n, {}).get("type"), b.get(n, {}).get("value")) for n in names) for b in bindings)


def answer(store, text: str) -> dict:
    import json

    from ssbonto.store import serialize
    return json.loads(serialize(store.query(text), "json"))


@pytest.fixture(scope="module")
def oxigraph_server(built, tmp_path_factory):
    assert OXIGRAPH, "the oxigraph server binary is missing (pip install oxigraph: the test extra installs it)"
    folder = tmp_path_factory.mktemp("oxigraph-queries")
    loaded = subprocess.run([OXIGRAPH, "load", "--location", str(folder / "data"), "--file",
                             str(built.release / "ssbonto.nq")], capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    url = f"http://127.0.0.1:{free_port()}"
    process = start([OXIGRAPH, "serve", "--location", str(folder / "data"), "--bind", url[len("http://"):],
                     "--union-default-graph"], folder / "oxigraph.log", lambda: wait_listening(url))
    yield url
    stop(process)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_query_file_declares_its_prefixes(path):
    text = path.read_text(encoding="utf-8")
    try:
        ox.Store().query(text)  # no predeclared prefixes here
    except SyntaxError as error:
        pytest.fail(f"{path.relative_to(REPO)} does not parse on its own: {error}")
    assert text.startswith("#"), "the first lines say what the query answers"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_query_file_runs_unchanged_in_oxigraphs_server(oxigraph_server, store, path):
    text = path.read_text(encoding="utf-8")
    response = requests.post(oxigraph_server + "/query", data=text.encode("utf-8"), timeout=120,
                             headers={"Content-Type": "application/sparql-query", "Accept": RESULTS})
    assert response.status_code == 200, response.text
    theirs = response.json()
    ours = answer(store, text)
    names = ours["head"]["vars"]
    assert theirs["head"]["vars"] == names
    assert rows_of(theirs["results"]["bindings"], names) == rows_of(ours["results"]["bindings"], names)
    if path.parent.name != "quality":
        assert ours["results"]["bindings"], "a shipped example or competency query answers something"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_queries_select_the_iri_beside_each_label(store, path):
    result = answer(store, path.read_text(encoding="utf-8"))
    names = result["head"]["vars"]
    pairs = [(name[:-len("Label")], name) for name in names if name.endswith("Label")]
    assert pairs, f"{path.name} selects no ?xLabel beside an ?x"
    assert all(iri in names for iri, _ in pairs), [label for iri, label in pairs if iri not in names]
    labels = {row["x"]: row["l"] for row in store.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l }").rows()}
    numbers = {row["r"]: row["n"] for row in store.query("SELECT ?r ?n WHERE { ?r ssb:referenceNumber ?n }").rows()}
    checked = 0
    for binding in result["results"]["bindings"]:
        for iri_name, label_name in pairs:
            iri, label = binding.get(iri_name), binding.get(label_name)
            if not iri:
                continue
            iris = [iri["value"]] if iri["type"] == "uri" else iri["value"].split()
            shown = label["value"].split(" ") if len(iris) > 1 else [label["value"]]
            assert len(shown) == len(iris), (path.name, iri_name, binding)
            for one, text in zip(iris, shown):  # the label is the IRI's, or a reference's number
                assert text in (labels.get(one), f"[{numbers.get(one)}]"), (path.name, one, text)
                checked += 1
    assert checked


def test_concatenated_references_are_in_the_order_of_their_numbers(store):
    concatenating = [p for p in QUERY_FILES if "GROUP_CONCAT" in p.read_text(encoding="utf-8")
                     and "reference" in p.read_text(encoding="utf-8").lower()]
    assert {p.name for p in concatenating} >= {"techniques-for-ionic-motion.rq", "CQ17.rq"}
    for path in concatenating:
        for row in store.query(path.read_text(encoding="utf-8")).rows():
            for name, value in row.items():
                markers = re.findall(r"\[(\d+)\]", value) if name.startswith("reference") else []
                assert markers == sorted(markers, key=int), (path.name, name, value)
    qens = next(row for row in store.query((REPO / "queries" / "examples" / "techniques-for-ionic-motion.rq")
                                           .read_text(encoding="utf-8")).rows()
                if row["techniqueLabel"] == "quasielastic neutron scattering")
    assert qens["referencesLabel"] == "[125] [126] [127] [128] [130]"
    assert qens["references"].split() == [f"https://w3id.org/ssbonto/id/reference/{n}" for n in (125, 126, 127, 128, 130)]

