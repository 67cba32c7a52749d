"""Pages for researchers over a real socket: the indexes of every kind (sort, filter, paginate, bad
input), the terms index, the pages that answer (technique, material, measurand, information kind,
reference, study, finding) checked against the store and the curated tables, and the pictures with
their data. The browser flows are in test_pages_browser.py."""

from __future__ import annotations

import csv
import importlib.util
import io
import math
import re
import threading
from collections import Counter

import lxml.html
import pytest
import requests

import ssbonto
from conftest import REPO, select

BASE = "https://w3id.org/ssbonto/"
SSB = BASE + "def/"
KG = f"<{BASE}graph/kg>"
INFERRED = f"<{BASE}graph/inferred>"


def get(live_server, path, accept="text/html", **kwargs):
    return requests.get(live_server + path, headers={"Accept": accept}, timeout=60, allow_redirects=False, **kwargs)


def page(live_server, path, follow=False):
    response = requests.get(live_server + path, headers={"Accept": "text/html"}, timeout=60, allow_redirects=follow)
    assert response.status_code == 200, (path, response.text[:500])
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return lxml.html.fromstring(response.text)


def curated(table: str) -> list[dict[str, str]]:
    lines = [line for line in (REPO / "ontology" / "review" / table).read_text(encoding="utf-8").splitlines() if line]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]]


def table_rows(html, table_id: str) -> list[list[str]]:
    return [[" ".join(td.text_content().split()) for td in tr.xpath("td")]
            for tr in html.xpath(f"//table[@id='{table_id}']/tbody/tr")]


def column(html, table_id: str, heading: str) -> list[str]:
    headings = [" ".join(th.text_content().split()).rstrip(" ▲▼") for th in html.xpath(f"//table[@id='{table_id}']/thead/tr/th")]
    index = headings.index(heading)
    return [row[index] for row in table_rows(html, table_id)]


# -- browse: the kinds and their indexes -------------------------------------------------------------

def test_the_kinds_page_lists_every_kind_with_its_count(live_server):
    html = page(live_server, "/id/")
    counts = {tr.xpath("string(td[1]/a/@href)"): int(tr.xpath("string(td[2])")) for tr in html.xpath("//table[@class='kinds']/tbody/tr")}
    assert counts["/id/material/"] == len(curated("materials.tsv")) == 80
    assert counts["/id/reference/"] == len(curated("references.tsv"))
    assert counts["/id/study/"] == len(curated("studies.tsv"))
    assert counts["/id/interface/"] == len(curated("interfaces.tsv"))
    assert counts["/id/finding/"] == len(curated("quantities.tsv"))
    assert counts["/id/capability/"] == len(curated("capabilities.tsv"))


def test_the_landing_page_counts_link_to_their_indexes(live_server):
    html = page(live_server, "/")
    links = {tr.xpath("string(th/a)"): tr.xpath("string(th/a/@href)") for tr in html.xpath("//table[@class='counts']/tr")}
    assert links["materials"] == "/id/material/" and links["references"] == "/id/reference/"
    assert links["studies (table rows)"] == "/id/study/" and links["interfaces"] == "/id/interface/"
    assert links["quantified findings"] == "/id/finding/" and links["technique classes"] == "/def/#techniques"
    for href in links.values():
        assert get(live_server, href.split("#")[0]).status_code == 200, href


def test_an_index_is_paginated_and_every_member_is_on_exactly_one_page(live_server):
    first = page(live_server, "/id/material/")
    assert first.xpath("string(//p[@id='count'])").strip() == "1–50 of 80 materials."
    second = page(live_server, "/id/material/?page=2")
    names = column(first, "index-table", "Material") + column(second, "index-table", "Material")
    assert len(names) == 80 and len(set(names)) == 80
    assert names == sorted(names, key=str.lower)  # sorted by name by default
    assert second.xpath("//nav[@class='pages']/a[@rel='prev']/@href") == ["?"]
    assert set(names) == {r["label"] for r in curated("materials.tsv")}


def test_an_index_sorts_by_any_column_both_ways(live_server, store):
    html = page(live_server, "/id/reference/?sort=year&order=desc&per=200")
    years = [int(y) for y in column(html, "index-table", "Year")]
    assert years == sorted(years, reverse=True) and len(years) == 134
    assert html.xpath("string(//th[@aria-sort]/@aria-sort)") == "descending"
    ascending = page(live_server, "/id/reference/?sort=number&per=200")
    assert [int(n) for n in column(ascending, "index-table", "No.")] == list(range(1, 135))
    by_use = page(live_server, "/id/material/?sort=uses&order=desc&per=200")
    uses = [int(n) for n in column(by_use, "index-table", "Uses")]
    counted = select(store, f"""SELECT ?m (COUNT(DISTINCT ?u) AS ?n) WHERE {{ ?m a/rdfs:subClassOf* <{SSB}Material> .
        ?u <{SSB}hasSubject> ?s . ?s (<{SSB}firstSide>|<{SSB}secondSide>|<{SSB}hasSide>|<{SSB}hasComponent>|<{SSB}hasCoating>)? ?m
        FILTER(STRSTARTS(STR(?m), "{BASE}id/material/")) }} GROUP BY ?m""")  # its own uses and its interfaces' and cells'
    assert uses == sorted((int(r["n"]) for r in counted), reverse=True) + [0] * (80 - len(counted))


def test_index_filters_match_the_store(live_server, store):
    html = page(live_server, "/id/material/?class=SulfideElectrolyte&element=Ge")
    expected = {row["l"] for row in select(store, f"""SELECT ?l WHERE {{ ?m a <{SSB}SulfideElectrolyte> ;
        <{SSB}hasElement> <{BASE}id/element/Ge> ; rdfs:label ?l }}""")}
    assert set(column(html, "index-table", "Material")) == expected == {"Li10GeP2S12"}  # the O-substituted one is an oxysulfide
    years = Counter(r["year"] for r in curated("references.tsv"))
    assert page(live_server, "/id/reference/?year=2018").xpath("string(//p[@id='count'])").strip() == \
        f"1–{years['2018']} of {years['2018']} references matching the filters (134 in all)."
    operando = page(live_server, "/id/study/?mode=Operando&family=NeutronScatteringTechnique&per=200")
    expected = {row["s"] for row in select(store, f"""SELECT DISTINCT ?s WHERE {{ ?u <{SSB}partOfStudy> ?s ;
        <{SSB}hasMeasurementMode> <{SSB}Operando> . GRAPH {KG} {{ ?u a ?c }} ?c rdfs:subClassOf* <{SSB}NeutronScatteringTechnique> }}""")}
    links = {BASE + href[1:] for href in operando.xpath("//table[@id='index-table']/tbody/tr/td[1]/a/@href")}
    assert links == expected and len(links) == 7
    named = page(live_server, "/id/material/?q=llzo")
    assert "Li7La3Zr2O12" in column(named, "index-table", "Material")  # by its acronym


@pytest.mark.parametrize("query, message", [
    ("sort=bogus", "sort='bogus': the columns to sort by are label, formula, acronym, class, role, uses"),
    ("order=up", "order='up': choose asc or desc"),
    ("page=0", "page='0': give a whole number at least 1"),
    ("page=3", "page=3: 80 materials make 2 pages of 50"),
    ("per=1000", "per='1000': give a whole number from 1 to 200"),
    ("per=-1", "per='-1': give a whole number from 1 to 200"),
    ("page=%EF%BC%91", "page='１': give a whole number at least 1"),
    ("class=Nope", "class='Nope' is not one of the choices: "),
    ("colour=red", "this index has no parameter colour; it takes q, sort, order, page, per, class, role, element"),
    ("q=" + "x" * 201, "q: the filter text is 201 characters; give at most 200"),
    ("q=a%00b", "q: the filter text holds control characters"),
])
def test_bad_index_parameters_get_400_with_what_was_wrong(live_server, query, message):
    response = get(live_server, "/id/material/?" + query)
    assert response.status_code == 400
    shown = lxml.html.fromstring(response.text).xpath("string(//p[@class='problem'])")
    assert shown.startswith("/id/material/: " + message), shown


@pytest.mark.parametrize("text", ['") } DROP ALL', "\\", "'''", "* NEAR( AND", "%ff%fe"])
def test_filter_text_of_any_kind_is_matched_as_text(live_server, text):
    response = get(live_server, "/id/material/?q=" + text)
    assert response.status_code == 200
    assert "None of the 80 materials matching the filters" in lxml.html.fromstring(response.text).xpath(
        "string(//p[@id='count'])")


def test_index_addresses_are_pages_and_programs_get_what_they_got_before(live_server):
    for path in ("/id/", "/id/material/"):
        rdf = get(live_server, path, "text/turtle")
        assert rdf.status_code == 404
        assert rdf.json()["message"] == f"<{BASE}{path[1:]}> is not an IRI of ssbonto release {ssbonto.__version__}"
        assert get(live_server, path, "*/*").status_code == 200
    namespace = get(live_server, "/def/", "text/turtle")
    assert (namespace.status_code, namespace.headers["Location"], namespace.headers["Vary"]) == (303, "/def", "Accept")
    assert get(live_server, "/def/", "text/html").status_code == 200
    assert get(live_server, "/id/unobtainium/").status_code == 404


def test_every_index_and_one_page_of_each_kind_renders(live_server):
    kinds = page(live_server, "/id/")
    for href in kinds.xpath("//table[@class='kinds']/tbody/tr/td[1]/a/@href"):
        html = page(live_server, href)
        first = html.xpath("//table[@id='index-table']/tbody/tr[1]/td//a/@href")[0]
        member = page(live_server, first, follow=True)  # the IRI answers 303 to its page
        assert member.xpath("//details[@id='raw']"), first


# -- the terms index: the technique tree by family ----------------------------------------------------

def test_the_technique_tree_has_the_four_families_and_every_technique(live_server, store):
    html = page(live_server, "/def/")
    tree = html.xpath("//section[@id='techniques']/ul[@class='tree']")[0]
    families = [li.xpath("string(details/summary/a)") for li in tree.xpath("li")]
    assert families == ["neutron scattering technique", "solid-state NMR technique", "supporting method",
                        "synchrotron X-ray technique"]
    techniques = {row["c"] for row in select(store, f"""SELECT ?c WHERE {{ GRAPH <{BASE}graph/ontology> {{
        ?c rdfs:subClassOf+ <{SSB}CharacterizationTechnique> }} FILTER(isIRI(?c)) }}""")}
    in_tree = {BASE + href[1:] for href in tree.xpath(".//a/@href")}
    assert in_tree == techniques
    ndp = tree.xpath(".//li[a='neutron depth profiling']")[0]
    assert ndp.xpath("string(span[@class='count'])") == "1 use"
    assert ndp.xpath("ancestor::li[1]/details/summary/a/text()") == ["neutron scattering technique"]
    # a technique with two parents sits under both
    assert len(tree.xpath(".//li[.//a[normalize-space()='transmission X-ray microscopy tomography']]"
                          "[not(.//li)]")) == 2


# -- pages that answer ----------------------------------------------------------------------------------

def test_the_ndp_page_says_what_it_measures_and_that_the_review_reports_no_resolution(live_server):
    html = page(live_server, "/page/def/NeutronDepthProfiling")
    assert html.xpath("string(//section[@id='resolution']/p[@class='none'])") == \
        "The review reports no resolution for neutron depth profiling."
    assert html.xpath("string(//section[@id='probing-depth']/p[@class='none'])") == \
        "The review reports no probing depth for neutron depth profiling."
    assert column(html, "measurands-table", "Measurand") == ["element depth profile", "lithium distribution"]
    assert html.xpath("//table[@id='measurands-table']//a[.='Table 7, row 5: Neutron depth profiling (NDP)']/@href") == \
        ["/id/technique-summary/table-7-row-5"]
    information = table_rows(html, "information-table")
    assert information[0][0] == "heterogeneity information"
    assert "Table 9, row 10: Neutron NDP/SANS/NI" in information[0][1] and "inferred" in information[0][1]
    [use] = table_rows(html, "uses-table")
    assert use[0] == "Table 8, row 8" and use[-1] == "[104]" and "operando" in use[3]
    assert html.xpath("//table[@id='uses-table']//a[.='[104]']/@href") == ["/id/reference/104"]
    assert html.xpath("string(//section[@id='facility']//dd[1])") == "neutron source (as a neutron scattering technique)"
    assert html.xpath("//nav[@class='lineage']//a/text()") == ["Techniques", "neutron scattering technique"]
    assert html.xpath("//details[@id='raw'][not(@open)]//section[@id='types']")  # raw statements folded below


def test_a_technique_page_gives_the_resolutions_the_review_reports(live_server):
    html = page(live_server, "/page/def/XRayTomography")
    values = column(html, "resolution-table", "Value")
    table3 = {f"/id/study/table-3-row-{r['row']}" for r in curated("studies.tsv")
              if r["table"] == "3" and r["techniques"] == "XRayTomography" and r["resolution"]}
    assert table3 and table3 <= set(html.xpath("//table[@id='resolution-table']/tbody/tr/td[1]/a/@href"))
    assert {"2.5 μm", "1.3 μm", "500.0 μm"} <= set(values)
    assert "tens nanometers to millimeters" in values  # stated for synchrotron X-ray imaging in general
    broader = html.xpath("//table[@id='resolution-table']/tbody/tr[@class='broader']/td[3]")[0]
    assert broader.text_content().startswith("synchrotron X-ray imaging technique (broader)")
    for href in html.xpath("//table[@id='resolution-table']/tbody/tr/td[1]/a/@href"):
        assert href.startswith(("/id/finding/", "/id/study/"))


def test_a_material_page_shows_formula_elements_classes_and_its_studies(live_server, store):
    html = page(live_server, "/page/id/material/lgps")
    facts = {dt.text_content(): " ".join(dd.text_content().split())
             for dt, dd in zip(html.xpath("//section[@id='facts']/dl/dt"), html.xpath("//section[@id='facts']/dl/dd"))}
    assert facts["Formula"] == "Li10GeP2S12" and facts["Acronym"] == "LGPS"
    assert facts["Elements"] == "germanium, lithium, phosphorus, sulfur"
    inferred = {li.xpath("string(a)") for li in html.xpath("//ul[@class='classes']/li[span[@class='inferred']]")}
    expected = {row["l"] for row in select(store, f"SELECT ?l WHERE {{ GRAPH {INFERRED} {{ <{BASE}id/material/lgps> a ?c }} ?c rdfs:label ?l }}")}
    assert inferred == expected == {"sulfide electrolyte", "lithium-ion conductor"}
    uses = select(store, f"""SELECT DISTINCT ?u WHERE {{ ?u <{SSB}hasSubject> ?s .
        ?s (<{SSB}firstSide>|<{SSB}secondSide>|<{SSB}hasSide>|<{SSB}hasComponent>|<{SSB}hasCoating>)? <{BASE}id/material/lgps> }}""")
    assert len(table_rows(html, "uses-table")) == len(uses) > 5
    assert any(s.startswith("Li/LGPS (Li metal | Li10GeP2S12)") for s in column(html, "uses-table", "Subject"))
    assert any("1.2 × 10^-2 S cm^-1" in v for v in column(html, "findings-table", "Value"))


def test_the_lithium_distribution_page_ranks_techniques_and_crosses_with_sulfide_electrolytes(live_server, store):
    html = page(live_server, "/page/def/LithiumDistribution")
    ranking = [(row[0], int(row[1])) for row in table_rows(html, "techniques-table")]
    expected = select(store, f"""SELECT ?l (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?u <{SSB}measures> <{SSB}LithiumDistribution> ;
        <{SSB}partOfStudy> ?s . GRAPH {KG} {{ ?u a ?t }} ?t rdfs:label ?l }} GROUP BY ?l""")
    assert sorted(ranking) == sorted((r["l"], int(r["n"])) for r in expected)
    assert [n for _, n in ranking] == sorted((n for _, n in ranking), reverse=True)
    sulfide = page(live_server, "/page/def/LithiumDistribution?class=SulfideElectrolyte")
    [row] = table_rows(sulfide, "uses-table")
    assert row[1].startswith("three-dimensional magnetic resonance imaging") and row[-1] == "[74]"
    assert "Li10GeP2S12: LGPS-type electrolyte" in row[2] and "sulfide electrolyte inferred" in row[2]
    bad = get(live_server, "/page/def/LithiumDistribution?class=Nope", "application/json")
    assert bad.status_code == 400 and bad.json()["message"].startswith(
        f"<{SSB}LithiumDistribution>: class='Nope' is not one of the choices here: ")


def test_the_ionic_motion_page_answers_which_techniques_were_used_at_interfaces(live_server, store):
    html = page(live_server, "/page/def/IonicMotionInformation")
    techniques = column(html, "techniques-table", "Technique")
    assert {"dynamic NMR technique", "magnetic resonance imaging", "inelastic neutron scattering",
            "quasielastic neutron scattering"} <= set(techniques)
    at_interfaces = page(live_server, "/page/def/IonicMotionInformation?subject=interface")
    shown = {(row[1].split(" (")[0], row[-1]) for row in table_rows(at_interfaces, "uses-table")}  # no nuclei
    example = (REPO / "queries" / "examples" / "ionic-motion-at-interfaces.rq").read_text(encoding="utf-8")
    expected = {(r["techniqueLabel"], r["referenceLabel"]) for r in store.query(example).rows()}
    assert shown == expected and {"[94]", "[74]"} <= {reference for _, reference in shown}
    modes = at_interfaces.xpath("//form[@id='uses-filters']//select[@name='mode']/option/@value")
    assert "Operando" not in modes  # no technique giving ionic-motion information was used operando
    in_situ = page(live_server, "/page/def/IonicMotionInformation?subject=interface&mode=InSitu")
    assert [(row[1].split(" (")[0], row[-1]) for row in table_rows(in_situ, "uses-table")] == [
        ("one-dimensional magnetic resonance imaging", "[94]")]
    refused = get(live_server, "/page/def/IonicMotionInformation?mode=Operando")
    assert refused.status_code == 400
    assert "mode='Operando' is not one of the choices here: " in lxml.html.fromstring(refused.text).xpath(
        "string(//p[@class='problem'])")


def test_a_reference_page_renders_the_citation_from_its_fields_and_lists_what_cites_it(live_server):
    html = page(live_server, "/page/id/reference/94")
    citation = html.xpath("//p[@class='citation']")[0]
    assert " ".join(citation.text_content().split()) == "[94] R. Bhattacharyya et al., Nat. Mater. 9 (2010) 504."
    assert citation.xpath("string(i)") == "Nat. Mater."
    rows = [r["row"] for r in curated("studies.tsv") if "94" in r["refs"].split(";")]
    assert len(table_rows(html, "studies-table")) == len(rows) > 0


def test_no_page_prints_markdown_asterisks_in_a_citation(live_server):
    for number in range(1, 135):
        body = get(live_server, f"/page/id/reference/{number}").text
        html = lxml.html.fromstring(body)
        for node in html.xpath("//p[@class='citation'] | //ul[@class='references']/li"):
            assert "*" not in node.text_content(), (number, node.text_content())


def test_citations_read_from_the_fields_say_what_the_review_prints(store):
    from ssbonto_server.pages.citations import read_citations
    from ssbonto_server.pages.reading import Reader
    from ssbonto_server.pages.resource_view import Describer

    reader = Reader(store, Describer(store.store, BASE))
    printed = {r["r"]: r["c"] for r in select(store, "SELECT ?r ?c WHERE { ?r a ssb:Reference ; dcterms:bibliographicCitation ?c }")}
    citations = read_citations(reader, printed)
    assert len(citations) == 134
    for iri, text in printed.items():  # the printed form, with or without the Markdown the data once had
        assert citations[iri].html().striptags() == text.replace("*", ""), iri
    assert str(citations[BASE + "id/reference/62"].html()) == ("P. Heitjans, J. Kärger, <i>Diffusion in Condensed "
                                                              "Matter: Methods, Materials, Models</i>, Springer Science "
                                                              "&amp; Business Media, 2006.")


def test_study_and_finding_pages_read_as_records(live_server):
    study = page(live_server, "/page/id/study/table-3-row-3")
    assert study.xpath("string(//section[@id='facts']/h2)") == "Table 3, row 3"
    assert "1.3 μm" in study.xpath("string(//section[@id='facts'])")
    finding = page(live_server, "/page/id/finding/hexps-probing-depth-range")
    assert "2–50 nm" in finding.xpath("string(//section[@id='facts']//dd[1])")
    assert finding.xpath("//section[@id='facts']//ul[@class='references']/li/a[1]/@href") == \
        ["/id/reference/12", "/id/reference/51"]


def test_pages_without_a_readable_part_show_their_statements_open(live_server):
    html = page(live_server, "/page/id/element/Li")
    assert html.xpath("//details[@id='raw'][@open]//section[@id='outgoing']")


# -- pictures ---------------------------------------------------------------------------------------------

def test_the_capability_matrix_is_table_9(live_server):
    html = page(live_server, "/pictures/capabilities")
    marks = {(a.getparent().get("href") if a.tag != "a" else a.get("href")) for a in html.xpath("//svg//a[circle]")}
    rows = curated("capabilities.tsv")
    expected = sum(len(r["techniques"].split(";")) * sum(1 for k in ("crystal_structure", "electronic_structure",
                   "interfacial_reaction", "heterogeneity", "ionic_motion") if r[k] == "yes") for r in rows)
    assert len(html.xpath("//svg//a[circle]")) == expected
    assert marks == {f"/id/capability/table-9-row-{r['row']}" for r in rows}
    data = list(csv.DictReader(io.StringIO(get(live_server, "/pictures/capabilities.csv").text)))
    assert len(data) == expected
    assert {(d["technique_iri"].rsplit("/", 1)[1], d["table_9_row"].split(",")[1].split(":")[0].strip()) for d in data} >= \
        {("NeutronDepthProfiling", "row 10"), ("QuasielasticNeutronScattering", "row 12")}


def test_the_resolution_chart_draws_every_length_on_a_log_scale(live_server, store):
    html = page(live_server, "/pictures/resolution")
    data = list(csv.DictReader(io.StringIO(get(live_server, "/pictures/resolution.csv").text)))
    table3 = [r for r in curated("studies.tsv") if r["resolution"]]
    assert {d["evidence_iri"] for d in data} >= {f"{BASE}id/study/table-3-row-{r['row']}" for r in table3}
    assert {d["quantity"] for d in data} == {"spatial resolution", "probing depth", "length scale"}
    drawn = [d for d in data if d["lowest_m"] or d["highest_m"]]
    assert len(html.xpath("//svg[@id='lengths-chart']//a[.//*[contains(@class, 'mark')]]")) == len(drawn) == len(data)
    hexps = next(d for d in data if d["technique"] == "hard X-ray photoelectron spectroscopy")
    assert (hexps["printed"], float(hexps["lowest_m"]), float(hexps["highest_m"])) == ("2–50 nm", 2e-9, 5e-8)
    ticks = html.xpath("//svg[@id='lengths-chart']/text[@text-anchor='middle']/text()")
    assert {"1 nm", "10 nm", "1 μm", "1 mm"} <= set(ticks)
    assert len(table_rows(html, "data-table")) == len(data)


def test_references_per_year_add_up_to_the_reference_list(live_server):
    data = list(csv.DictReader(io.StringIO(get(live_server, "/pictures/references-per-year.csv").text)))
    years = Counter(r["year"] for r in curated("references.tsv") if r["year"])
    assert {d["year"]: int(d["all_references"]) for d in data if d["all_references"] != "0"} == \
        {y: n for y, n in years.items()}
    html = page(live_server, "/pictures/references-per-year")
    bar = html.xpath("//svg[@id='per-year-chart']//a[title[starts-with(., '2018: 41 references (all')]]/@href")
    assert bar == ["/id/reference/?year=2018"]


def test_pictures_need_no_network_and_carry_no_script(live_server):
    for path in ("/pictures/", "/pictures/capabilities", "/pictures/resolution", "/pictures/references-per-year",
                 "/", "/def/", "/id/material/", "/page/def/NeutronDepthProfiling", "/query"):
        html = page(live_server, path)
        assert all(src.startswith("/static/") for src in html.xpath("//script/@src")), path
        assert all(href.startswith("/static/") for href in html.xpath("//link[@rel='stylesheet']/@href")), path
        assert not html.xpath("//script[not(@src)]"), path
        assert not [s for s in html.xpath("//svg//@href") if s.startswith(("http:", "https:"))], path
    assert get(live_server, "/pictures/nothing").status_code == 404


# -- the synthetic release of bench/scale.py: pages read a page of rows, never everything -------------------

@pytest.fixture(scope="module")
def scaled_server(built, tmp_path_factory):
    """A release about six times the real one (bench/scale.py), served by the real app with a store
    that counts every row the pages read."""
    from werkzeug.serving import make_server

    from ssbonto_server.app import create_app
    from ssbonto_server.served import EXTENSION_KEY, ServedRelease
    from ssbonto_server.settings import Settings
    from ssbonto.store import EmbeddedStore

    spec = importlib.util.spec_from_file_location("scale", REPO / "bench" / "scale.py")
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    out = tmp_path_factory.mktemp("scaled") / "release"
    made = scale.generate(built.release, out, 60_000)

    class Counting:
        """The embedded store, counting the rows each SELECT hands to a page."""

        def __init__(self, inner):
            self.inner, self.store, self.largest = inner, inner.store, 0

        def query(self, sparql, **options):
            found = self.inner.query(sparql, **options).rows()  # read on this thread, as pyoxigraph requires
            self.largest = max(self.largest, len(found))
            return Rows(found)

    class Rows:
        def __init__(self, found):
            self.found = found

        def rows(self):
            return self.found

    settings = Settings(release_dir=out, store_mode="disk", answer_cache_bytes=0)
    app = create_app(settings)
    served = ServedRelease.open(out, "", "disk")
    counting = Counting(EmbeddedStore(out, "disk"))
    served._store = counting
    app.extensions[EXTENSION_KEY] = served
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", made, counting
    server.shutdown()


def test_index_pages_of_a_scaled_release_read_one_page(scaled_server):
    url, made, counting = scaled_server
    copies = made["copies"]
    assert copies >= 5 and made["triples"] > 55_000
    html = page(url, "/id/material/?page=3")
    assert html.xpath("string(//p[@id='count'])").strip() == f"101–150 of {80 * copies} materials."
    assert len(table_rows(html, "index-table")) == 50
    last = math.ceil(80 * copies / 50)
    assert html.xpath("//nav[@class='pages']/a[last()-1]/text()") == [str(last)]
    counting.largest = 0
    for path in ("/id/material/?page=4", "/id/study/?family=NeutronScatteringTechnique&page=2",
                 "/id/reference/?sort=cited&order=desc", "/id/measurement/?technique=SynchrotronXRayDiffraction"):
        assert len(table_rows(page(url, path), "index-table")) == 50, path
    # each query answered at most a page of rows (times the values of a row's cells), never a whole kind
    assert counting.largest < 80 * copies, counting.largest


def test_readable_pages_of_a_scaled_release_cap_their_tables(scaled_server):
    url, made, counting = scaled_server
    html = page(url, "/page/def/SynchrotronXRayDiffraction")
    uses = table_rows(html, "uses-table")
    assert len(uses) == 100
    note = html.xpath("string(//section[@id='used-on']/p[@class='count'])")
    assert re.match(r"\d+ uses; the first 100 are shown \(all of them\)\.", note), note
    assert html.xpath("//section[@id='used-on']/p[@class='count']/a/@href") == \
        ["/id/measurement/?technique=SynchrotronXRayDiffraction"]
    measurands = table_rows(html, "measurands-table")
    assert all(len(re.findall(r"\[\d+\]", row[2])) <= 12 for row in measurands)
    assert page(url, "/pictures/resolution").xpath("//svg[@id='lengths-chart']")


def test_every_facet_of_every_index_narrows_alone_and_together(live_server):
    """Each facet's first choice alone gives as many rows as the choice says; all together still answer."""
    kinds = page(live_server, "/id/")
    for href in kinds.xpath("//table[@class='kinds']/tbody/tr/td[1]/a/@href"):
        html = page(live_server, href)
        chosen = {}
        for select_ in html.xpath("//form[@id='index-filters']//select"):
            name = select_.get("name")
            option = select_.xpath("option[@value!='']")[0]
            count = int(re.search(r"\((\d+)\)$", option.text_content()).group(1))
            narrowed = page(live_server, f"{href}?{name}={requests.utils.quote(option.get('value'))}&per=200")
            assert len(table_rows(narrowed, "index-table")) == min(count, 200), (href, name)
            chosen[name] = option.get("value")
        if chosen:
            query = "&".join(f"{n}={requests.utils.quote(v)}" for n, v in chosen.items())
            assert get(live_server, f"{href}?{query}").status_code == 200, (href, query)
