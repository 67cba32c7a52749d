"""Dereferencing over a real socket: 303 to a document per representation (W3C "Cool URIs"),
HTML pages with provenance, RDF an RDF client reads, the ontology and its versionIRI, 404s."""

from __future__ import annotations

import http.client
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import REPO, VERSION, select

BASE = "https://w3id.org/ssbonto/"
SSB = BASE + "def/"
LLZO = BASE + "id/material/llzo"
RDF_DOCUMENTS = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt",
                 "application/rdf+xml": "rdf"}
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}


def get(live_server, path, accept=None, **kwargs):
    headers = {"Accept": accept} if accept else {}
    return requests.get(live_server + path, headers=headers, allow_redirects=False, timeout=30, **kwargs)


def page(live_server, path):
    response = requests.get(live_server + path, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return lxml.html.fromstring(response.text)


def curated_row(table: str, key: str) -> tuple[int, dict[str, str]]:
    """(line number, row) of a curated table, read here independently of the build."""
    path = REPO / "ontology" / "review" / table
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if number > 1 and cells[0] == key:
            return number, dict(zip(header, cells))
    raise AssertionError(f"{key} not in {table}")


# -- 303 See Other to a document per representation ------------------------------------------------

@pytest.mark.parametrize("path", ["id/material/llzo", "def/Study", "def", f"release/{VERSION}/def",
                                  "id/reference/31", "id/element/Li"])
@pytest.mark.parametrize("accept, document", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/page/{}"),
    (None, "/page/{}"),
    ("text/turtle", "/data/{}.ttl"),
    ("application/ld+json", "/data/{}.jsonld"),
    ("application/n-triples", "/data/{}.nt"),
    ("application/rdf+xml", "/data/{}.rdf"),
    ("text/turtle;q=0.5, application/rdf+xml", "/data/{}.rdf"),
])
def test_slash_iris_answer_303_to_the_document_for_the_requested_representation(live_server, path, accept,
                                                                                 document):
    response = get(live_server, "/" + path, accept)
    assert response.status_code == 303
    assert response.headers["Location"] == document.format(path)
    assert response.headers["Vary"] == "Accept"


def test_the_format_parameter_overrides_accept_for_browsers(live_server):
    response = get(live_server, "/id/material/llzo?format=jsonld", "text/html")
    assert (response.status_code, response.headers["Location"]) == (303, "/data/id/material/llzo.jsonld")


def test_head_answers_like_get_without_a_body(live_server):
    response = requests.head(live_server + "/def/Study", headers={"Accept": "text/turtle"}, timeout=30)
    assert (response.status_code, response.headers["Location"], response.content) == (303, "/data/def/Study.ttl", b"")


def test_a_representation_nobody_offers_gets_406_naming_the_iri(live_server):
    response = get(live_server, "/id/material/llzo", "image/png")
    assert response.status_code == 406
    assert response.json()["message"].startswith(f"<{LLZO}>: none of the requested media types can be produced; available: "
                                     "text/html, application/xhtml+xml, text/turtle")


@pytest.mark.parametrize("path", ["/id/material/unobtainium", "/def/NoSuchClass", "/page/id/material/unobtainium",
                                  "/data/id/material/unobtainium.ttl", "/id/", "/id/material/%ff%fe",
                                  "/id/material/a%20b", "/id/material/" + "x" * 5000])
def test_unknown_iris_get_404_with_the_iri_named(live_server, path):
    response = get(live_server, path, "text/turtle")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["message"].endswith(f"> is not an IRI of ssbonto release {VERSION}")


def test_other_versions_of_the_ontology_are_not_served_and_the_answer_says_which_is(live_server):
    response = get(live_server, "/release/0.9.0/def", "text/turtle")
    assert response.status_code == 404
    assert response.json()["message"] == (f"<{BASE}release/0.9.0/def> is not a version of the ontology served here; "
                                          f"this server serves release {VERSION} (<{BASE}release/{VERSION}/def>)")


def test_data_documents_have_one_of_four_extensions(live_server):
    response = get(live_server, "/data/id/material/llzo.exe")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found", "message": "no document /data/id/material/llzo.exe: "
                               "RDF documents end in .ttl, .jsonld, .nt, .rdf"}


def test_html_in_an_unknown_iri_is_escaped_on_the_error_page(live_server):
    response = get(live_server, "/id/material/<script>alert(1)</script>", "text/html")
    assert response.status_code == 404
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


# -- RDF for RDF clients ---------------------------------------------------------------------------

def test_rdflib_follows_the_303_and_reads_what_the_store_says_about_the_iri(live_server, store):
    graph = Graph()
    graph.parse(live_server + "/id/material/llzo")  # rdflib negotiates RDF and follows the redirect
    llzo = URIRef(LLZO)
    assert (llzo, RDFS.label, Literal("Li7La3Zr2O12", lang="en")) in graph
    assert (llzo, RDF.type, URIRef(SSB + "GarnetElectrolyte")) in graph
    # every statement about llzo in the store (named values), and every statement naming it
    outgoing = {(row["p"], row["o"]) for row in select(store, f"SELECT ?p ?o WHERE {{ <{LLZO}> ?p ?o FILTER(!isBlank(?o)) }}")}
    assert {(str(p), str(o)) for p, o in graph.predicate_objects(llzo)
            if isinstance(o, (URIRef, Literal))} == outgoing
    incoming = {(row["s"], row["p"]) for row in select(store, f"SELECT ?s ?p WHERE {{ ?s ?p <{LLZO}> FILTER(isIRI(?s)) }}")}
    assert {(str(s), str(p)) for s, p in graph.subject_predicates(llzo)} == incoming
    # the closed element set `hasElement only {La, Li, O, Zr}` travels with its blank nodes
    restriction = next(o for o in graph.objects(llzo, RDF.type) if (o, OWL.onProperty, URIRef(SSB + "hasElement")) in graph)
    one_of = graph.value(graph.value(restriction, OWL.allValuesFrom), OWL.oneOf)
    assert sorted(str(m).rsplit("/", 1)[1] for m in graph.items(one_of)) == ["La", "Li", "O", "Zr"]


def test_the_four_rdf_documents_hold_the_same_graph(live_server):
    graphs = {}
    for media_type, extension in RDF_DOCUMENTS.items():
        response = get(live_server, f"/data/id/material/llzo.{extension}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == media_type
        graphs[extension] = Graph().parse(data=response.content, format=RDFLIB_FORMATS[extension])
    assert len(graphs["ttl"]) > 50
    for extension in ("jsonld", "nt", "rdf"):
        assert isomorphic(graphs["ttl"], graphs[extension]), extension


def test_the_ontology_iri_and_its_version_iri_serve_the_ontology_graph(live_server, built):
    released = Graph().parse(built.release / "ontology.ttl", format="turtle")
    for path in ("/data/def.ttl", f"/data/release/{VERSION}/def.ttl", "/data/def.rdf"):
        served = Graph().parse(data=get(live_server, path).content, format="xml" if path.endswith(".rdf") else "turtle")
        assert isomorphic(served, released), path


# -- HTML for people -------------------------------------------------------------------------------

def test_a_material_page_shows_label_types_links_and_provenance_back_to_the_review(live_server, store):
    html = page(live_server, "/page/id/material/llzo")
    line, row = curated_row("materials.tsv", "llzo")
    assert html.findtext(".//h1") == "Li7La3Zr2O12"
    assert html.xpath("string(//p[@class='alt-labels'])") == "Also: LLZO"
    types = {a.get("href"): a.text for a in html.xpath("//section[@id='types']/ul/li/a")}
    assert types[f"/def/{row['class']}"] == "garnet-type electrolyte"
    inferred = {li.xpath("string(a/@href)") for li in html.xpath("//section[@id='types']/ul/li[span[@class='inferred']]")}
    expected_inferred = {"/" + r["t"][len(BASE):] for r in select(
        store, f"SELECT ?t WHERE {{ GRAPH <{BASE}graph/inferred> {{ <{LLZO}> a ?t }} }}")}
    assert inferred == expected_inferred and expected_inferred
    provenance = html.xpath("//section[@id='provenance']")[0]
    assert provenance.xpath("string(.//dd/code)") == f"ontology/review/materials.tsv, line {line}"
    assert provenance.xpath("string(.//dt[.='Review section']/following-sibling::dd[1])") == "Introduction"
    cited = [a.get("href") for a in provenance.xpath(".//ul[@class='references']/li/a")]
    assert cited == [f"/id/reference/{n}" for n in sorted(int(n) for n in row["refs"].split(";"))]
    first = provenance.xpath(".//ul[@class='references']/li[1]")[0]
    assert first.text_content() == "[4] Y. Shen et al., Joule 2 (9) (2018) 1674."  # from the fields, no Markdown
    assert first.xpath("string(i)") == "Joule"
    incoming = {a.get("href") for a in html.xpath("//section[@id='incoming']//a")}
    assert {"/id/study/table-1-row-5", "/id/material/al-doped-llzo", "/def/hasSubject"} <= incoming
    statements = {tr.xpath("string(th)"): [li.text_content() for li in tr.xpath("td/ul/li")]
                  for tr in html.xpath("//section[@id='outgoing']//tr")}
    assert statements["formula"] == [row["formula"]]
    assert statements["has element"] == ["lanthanum", "lithium", "oxygen", "zirconium"]
    alternates = {link.get("type"): link.get("href") for link in html.xpath("//link[@rel='alternate']")}
    assert alternates == {media_type: f"/data/id/material/llzo.{ext}" for media_type, ext in RDF_DOCUMENTS.items()}


def test_a_study_page_names_its_table_row_and_reference(live_server):
    html = page(live_server, "/page/id/study/table-1-row-5")
    review_table = html.xpath("//section[@id='provenance']//dt[.='Review table']/following-sibling::dd[1]")[0]
    assert review_table.text_content() == "Table 1, row 5"
    assert review_table.xpath("string(a/@href)") == "/id/table/1"
    assert [a.get("href") for a in html.xpath("//section[@id='provenance']//ul[@class='references']/li/a")] == ["/id/reference/32"]
    lines = (REPO / "ontology" / "review" / "studies.tsv").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("1\t5\t"))
    assert html.xpath("string(//section[@id='provenance']//dd/code)") == f"ontology/review/studies.tsv, line {line}"


def test_query_this_opens_the_query_page_with_a_query_about_the_iri(live_server, store):
    html = page(live_server, "/page/id/material/llzo")
    link = html.xpath("string(//a[@class='query-this']/@href)")
    parts = urlsplit(link)
    query = parse_qs(parts.query)["query"][0]
    assert parts.path == "/query"
    assert query == f"SELECT ?property ?value WHERE {{\n  <{LLZO}> ?property ?value .\n}}\nORDER BY ?property ?value"
    query_page = page(live_server, link)
    assert query_page.xpath("string(//textarea[@id='query'])") == query
    assert len(select(store, query)) == len({(r["property"], r["value"]) for r in select(store, query)}) > 20


def test_a_class_page_lists_its_instances_and_bounds_the_list(live_server, store):
    html = page(live_server, "/page/def/Study")
    assert html.xpath("string(//p[@class='definition'])").startswith("One printed row of Tables 1–5 or 8 of the review")
    studies = select(store, f"SELECT ?s WHERE {{ ?s a <{SSB}Study> }}")
    instances = html.xpath("//section[@id='incoming']//tr[th[starts-with(., 'rdf:type')]]/td/ul/li/a/@href")
    assert sorted(instances) == sorted("/" + r["s"][len(BASE):] for r in studies)
    assert instances[:2] == ["/id/study/table-1-row-1", "/id/study/table-1-row-2"]  # natural order: 2 before 10


def test_the_ontology_documentation_covers_every_term_of_the_turtle(live_server):
    tbox = Graph().parse(REPO / "ontology" / "ssbonto.ttl", format="turtle")
    html = page(live_server, "/page/def")
    assert html.findtext(".//h1") == str(tbox.value(URIRef(BASE + "def"), URIRef("http://purl.org/dc/terms/title")))
    for section, kind in (("classes", OWL.Class), ("object-properties", OWL.ObjectProperty),
                          ("datatype-properties", OWL.DatatypeProperty)):
        terms = {str(t)[len(SSB):] for t in tbox.subjects(RDF.type, kind) if str(t).startswith(SSB)}
        assert set(html.xpath(f"//section[@id='{section}']/div[@class='term']/@id")) == terms, section
    study = html.xpath("//div[@id='Study']")[0]
    assert study.xpath("string(.//p[@class='definition'])") == str(tbox.value(URIRef(SSB + "Study"), SKOS.definition))
    oxide = html.xpath("//div[@id='OxideElectrolyte']//tr[th='Equivalent to']/td")[0]
    assert oxide.text_content() == ("(inorganic solid electrolyte and (has element value oxygen) and "
                                    "not (has element value sulfur))")
    metadata = {tr.xpath("string(th)"): tr.xpath("string(td)") for tr in html.xpath("//table[@class='metadata']/tr")}
    assert metadata["Version IRI"] == BASE + f"release/{VERSION}/def"
    assert metadata["Licence"] == "https://creativecommons.org/licenses/by/4.0/"
    versioned = page(live_server, f"/page/release/{VERSION}/def")
    assert versioned.findtext(".//h1") == html.findtext(".//h1")


def test_text_from_the_graph_is_escaped_on_pages(live_server):
    raw = http.client.HTTPConnection(urlsplit(live_server).netloc, timeout=30)
    raw.request("GET", "/page/id/study/table-2-row-3", headers={"Accept": "text/html"})
    body = raw.getresponse().read().decode("utf-8")
    raw.close()
    assert "glasses (50 &lt; x &lt; 80) by XANES + XPS</h1>" in body
    assert lxml.html.fromstring(body).findtext(".//h1") == "Table 2, row 3: (Li2S)x(P2S5)100–x glasses (50 < x < 80) by XANES + XPS"
