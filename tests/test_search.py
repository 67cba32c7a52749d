"""Search (issue 10 §1): the index the build writes, the ranked service, its HTTP answers and
the "did you mean" of unknown IRIs, over the session's real build and a real socket."""

from __future__ import annotations

import csv
import sqlite3
from urllib.parse import quote

import lxml.html
import pytest
import requests

from conftest import REPO
from ssbonto.answers.search import MAX_LIMIT, SearchError, SearchIndex
from ssbonto.build.search_index import key
from ssbonto.layout import SEARCH_INDEX_FILE

ID = "https://w3id.org/ssbonto/id/"
DEF = "https://w3id.org/ssbonto/def/"
NAME_PREDICATES = ["rdfs:label", "ssb:acronym", "skos:altLabel", "ssb:formula", "ssb:printedFormula",
                   "ssb:printedAs", "ssb:elementSymbol"]


@pytest.fixture(scope="module")
def index(built):
    return SearchIndex.of_release(built.release)


def table(name: str) -> list[dict[str, str]]:
    lines = [line for line in (REPO / "ontology" / "review" / name).read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.fixture(scope="module")
def holders(store):
    """normal form -> the entities that carry it as a name, read from the graph (not the index)."""
    found: dict[str, set[str]] = {}
    values = " ".join(NAME_PREDICATES)
    for row in store.query(f"SELECT ?s ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o FILTER(isIRI(?s)) }}").rows():
        found.setdefault(key(row["o"]), set()).add(row["s"])
    used = {row["u"] for row in store.query("SELECT DISTINCT ?u WHERE { ?q qudt:unit ?u }").rows()}
    for row in csv.DictReader((REPO / "ontology" / "units.tsv").read_text(encoding="utf-8").splitlines(), delimiter="\t"):
        iri = "http://qudt.org/vocab/unit/" + row["unit"]
        if iri in used:  # the units the index names (ontology/units.tsv gives their labels and symbols)
            for text in (row["label"], row["symbol"], row["unit"]):
                found.setdefault(key(text), set()).add(iri)
    return found


def curated_forms() -> list[tuple[str, str]]:
    """(text, IRI) for every acronym, formula and printed form the curated tables keep."""
    forms = []
    for row in table("materials.tsv"):
        iri = ID + "material/" + row["key"]
        for column in ("formula_printed", "formula", "acronyms"):  # formula_printed lists every printed form
            forms += [(value.strip(), iri) for value in row[column].split(";") if value.strip()]
    for row in table("cells.tsv"):
        forms.append((row["printed"], ID + "cell/" + row["key"]))
    for row in table("neutron-scattering-lengths.tsv"):
        forms.append((row["printed"], ID + "neutron-data/" + row["nuclide"]))
    return forms


def test_the_build_writes_the_index_beside_the_query_store(built):
    path = built.release / SEARCH_INDEX_FILE
    assert path.is_file() and (built.release / "store").is_dir()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        kinds = dict(db.execute("SELECT kind, COUNT(*) FROM entity GROUP BY kind"))
    assert kinds["reference"] == len(table("references.tsv")) == 134
    assert kinds["material"] == len(table("materials.tsv"))
    assert kinds["study"] == len(table("studies.tsv"))
    assert {"technique", "measurand", "information-kind", "interface", "cell", "finding", "unit", "nuclide",
            "element"} <= set(kinds)


@pytest.mark.parametrize("text, iri", curated_forms())
def test_every_curated_acronym_formula_and_printed_form_finds_its_entity(index, holders, text, iri):
    """First hit, or among the first three (as many as share the form) where several entities
    carry the same form (ND, the formula Li7La3Zr2O12 of LLZO's variants, 6Li)."""
    ranked = [hit.iri for hit in index.search(text, limit=MAX_LIMIT).results]
    sharing = holders.get(key(text), set())
    assert iri in sharing, f"{text!r} is not a name of <{iri}> in the graph"
    if len(sharing) == 1:
        assert ranked[0] == iri, f"{text!r}: first hit {ranked[:3]}"
    else:
        assert iri in ranked[:max(3, len(sharing))], f"{text!r} (shared by {len(sharing)}): {ranked[:5]}"


def technique_acronyms(store) -> list[tuple[str, str]]:
    rows = store.query("SELECT ?t ?a WHERE { ?t rdfs:subClassOf+ ssb:CharacterizationTechnique ; skos:altLabel ?a }").rows()
    from ssbonto.build.search_index import is_acronym

    return sorted((row["a"], row["t"]) for row in rows if is_acronym(row["a"]))


def test_every_technique_acronym_finds_its_technique(index, store, holders):
    pairs = technique_acronyms(store)
    assert len(pairs) > 40
    for acronym, iri in pairs:
        ranked = [hit.iri for hit in index.search(acronym, limit=10).results]
        sharing = holders.get(key(acronym), set())
        assert iri in ranked[:1 if len(sharing) == 1 else max(3, len(sharing))], (acronym, ranked[:5])


@pytest.mark.parametrize("text, iri, field", [
    ("LLZO", ID + "material/llzo", "acronym"),
    ("Li7La3Zr2O12", ID + "material/llzo", "label"),
    ("li7la3zr2o12", ID + "material/llzo", "label"),
    ("Li₇La₃Zr₂O₁₂", ID + "material/llzo", "label"),  # subscripts
    ("Li7-xAlx/3La3Zr2O12", ID + "material/li7-xalx-3la3zr2o12", "formula"),
    ("Na3Sb4", ID + "material/na3sbs4", "printed formula"),  # the review's typo, kept as printed
    ("7Li", ID + "nuclide/7Li", "acronym"),
    ("Bhattacharyya 2010", ID + "reference/94", "label"),
    ("tomografy", DEF + "XRayTomography", "synonym"),  # one typo (ph read as f)
    ("tomograhpy", DEF + "XRayTomography", "synonym"),  # two letters swapped (X-tomography)
    ("x ray tomography", DEF + "XRayTomography", "label"),  # hyphen
    ("XRAY-TOMOGRAPHY", DEF + "XRayTomography", "label"),  # case and hyphen
    ("résidence time", DEF + "ResidenceTime", "label"),  # diacritics
    ("neutron depth", DEF + "NeutronDepthProfiling", "label"),  # prefix
    ("micrometre", "http://qudt.org/vocab/unit/MicroM", "label"),
])
def test_normal_forms_and_typos(index, text, iri, field):
    first = index.search(text, limit=5).results[0]
    assert first.iri == iri, (text, [(h.iri, h.matched) for h in index.search(text, limit=5).results])
    assert first.matched.startswith(field + ":")


def test_ranking_tiers_exact_then_synonym_then_prefix_then_words_then_definition(index):
    def score(q, iri):
        return next(hit.score for hit in index.search(q, limit=MAX_LIMIT).results if hit.iri == iri)

    xps = DEF + "XRayPhotoelectronSpectroscopy"
    assert score("XPS", xps) >= 1000  # acronym
    assert 900 <= score("synchrotron-based XPS", xps) < 1000  # synonym
    assert 700 <= score("X-ray photoelectron spectro", xps) < 900  # prefix
    assert 500 <= score("photoelectron X-ray", xps) < 700  # words of the label
    assert 300 <= score("versatile surface-sensitive", xps) < 500  # words of the definition
    hits = index.search("lithium", limit=MAX_LIMIT).results
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_type_facets_and_filter(index):
    everything = index.search("LLZO", limit=MAX_LIMIT)
    materials = index.search("LLZO", "material", MAX_LIMIT)
    assert everything.facets["material"] == materials.total
    assert {hit.type for hit in materials.results} == {"material"}
    with pytest.raises(SearchError) as error:
        index.search("LLZO", "planet")
    assert error.value.parameter == "type" and "technique" in str(error.value)


def test_suggest_completes_a_prefix(index):
    labels = [hit.display for hit in index.suggest("neutron dep")]
    assert labels[0] == "neutron depth profiling (NDP)"
    assert [h.type for h in index.suggest("Li7La3", kinds={"material"})] == ["material"] * len(index.suggest("Li7La3", kinds={"material"}))


# -- over HTTP -----------------------------------------------------------------------------------

def test_api_search_answers_the_documented_fields(live_server):
    body = requests.get(live_server + "/api/search", params={"q": "LLZO", "limit": 3}, timeout=30).json()
    assert body["q"] == "LLZO" and body["total"] >= 1 and len(body["results"]) == 3
    first = body["results"][0]
    assert set(first) >= {"iri", "label", "type", "acronyms", "matched", "score"}
    assert (first["iri"], first["label"], first["type"], first["acronyms"]) == (
        ID + "material/llzo", "Li7La3Zr2O12", "material", ["LLZO"])
    assert first["matched"] == "acronym: LLZO"


def test_api_suggest_answers_label_type_iri(live_server):
    body = requests.get(live_server + "/api/suggest", params={"q": "tomo"}, timeout=30).json()
    assert body and all({"label", "type", "iri"} <= set(item) for item in body)
    assert DEF + "XRayTomography" in [item["iri"] for item in body[:3]]
    assert all("tomo" in item["display"].casefold() for item in body)
    materials = requests.get(live_server + "/api/suggest", params={"q": "Li7", "type": "material"}, timeout=30).json()
    assert materials and {item["type"] for item in materials} == {"material"}


BAD_INPUTS = ["", " ", "x" * 10_000, '"', "*", "NEAR(", "NEAR(a b", "AND", "a AND", "OR NOT", '"unbalanced', "'",
              "\x00", "LLZO\x00", "^", "col:term", "{}", "%", "\\", "()", "🔋", "Li' OR '1'='1", "a" * 201]


@pytest.mark.parametrize("path", ["/api/search", "/api/suggest", "/search"])
@pytest.mark.parametrize("q", BAD_INPUTS)
def test_any_query_text_gets_results_or_a_400_never_an_engine_error(live_server, path, q):
    response = requests.get(live_server + path, params={"q": q}, timeout=30)
    assert response.status_code in (200, 400), response.text[:300]
    lowered = response.text.lower()
    assert "fts5" not in lowered and "sqlite" not in lowered and "syntax error" not in lowered
    if response.status_code == 400:
        message = response.json()["message"] if path.startswith("/api") else response.text
        assert "q " in message or "q is" in message


@pytest.mark.parametrize("raw", ["%ff", "%c3%28", "%00", "q=%e2%82"])
def test_invalid_utf8_percent_encoding_is_a_400(live_server, raw):
    response = requests.get(f"{live_server}/api/search?q={raw}", timeout=30)
    if raw == "%00":
        assert response.status_code == 200
    else:
        assert response.status_code == 400 and "UTF-8" in response.json()["message"]


def test_limit_is_capped_and_checked(live_server):
    capped = requests.get(live_server + "/api/search", params={"q": "li", "limit": 100000}, timeout=30).json()
    assert capped["limit"] == MAX_LIMIT and len(capped["results"]) <= MAX_LIMIT
    for bad in ("0", "-3", "ten", "1e3"):
        response = requests.get(live_server + "/api/search", params={"q": "li", "limit": bad}, timeout=30)
        assert response.status_code == 400 and "limit" in response.json()["message"]


def test_the_search_page_lists_hits_with_type_facets(live_server):
    page = lxml.html.fromstring(requests.get(live_server + "/search", params={"q": "neutron"}, timeout=30).text)
    hits = page.xpath("//ol[@class='search-results']/li")
    assert hits and hits[0].xpath("string(.//a[@class='hit-label'])")
    facets = {a.text: a.get("href") for a in page.xpath("//aside[@class='facets']//a[@data-kind]")}
    assert "technique" in facets
    filtered = lxml.html.fromstring(requests.get(live_server + facets["technique"], timeout=30).text)
    assert {li.get("data-type") for li in filtered.xpath("//ol[@class='search-results']/li")} == {"technique"}


def test_every_page_has_the_search_box_as_a_plain_form(live_server):
    for path in ("/", "/query", "/downloads", "/search", "/advise"):
        page = lxml.html.fromstring(requests.get(live_server + path, timeout=30).text)
        form = page.xpath("//header//form[@role='search']")[0]
        assert form.get("action") == "/search" and form.get("method") == "get"
        assert form.xpath(".//input[@name='q']")[0].get("data-suggest") == "/api/suggest"
    assert requests.get(live_server + "/static/suggest.js", timeout=30).status_code == 200


def test_an_unknown_iri_offers_the_nearest_matches(live_server):
    response = requests.get(live_server + "/id/material/LLZO", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 404
    page = lxml.html.fromstring(response.text)
    link = page.xpath("//p[@class='did-you-mean']/a")[0]
    assert link.text == "Li7La3Zr2O12 (LLZO)" and link.get("href") == "/id/material/llzo"
    as_json = requests.get(live_server + "/id/material/LLZO", headers={"Accept": "application/json"}, timeout=30)
    assert as_json.status_code == 404
    assert as_json.json()["did_you_mean"][0]["iri"] == ID + "material/llzo"
    assert "Did you mean Li7La3Zr2O12 (LLZO)?" in page.xpath("string(//p[@class='did-you-mean'])")
    nothing = requests.get(live_server + "/id/material/" + quote("qqqqqq"), headers={"Accept": "application/json"},
                           timeout=30)
    assert nothing.status_code == 404 and "did_you_mean" not in nothing.json()
