"""Validation as a service over a real socket: POST /api/validate with plain HTTP clients and the
/validate page in headless Chromium. The example conforms in every format; a broken study gets each
result in battery terms with a fix; every bad input gets its status and a message (400 with line
and column, 406, 413, 415, 429 with Retry-After, 503 at the deadline with the service unaffected);
nothing is ever fetched."""

from __future__ import annotations

import json
import threading
import time

import lxml.html
import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from ssbonto.namespaces import SH

from conftest import REPO, VERSION
from sparql_support import app_server
from test_ui_browser import WAIT, browser  # noqa: F401  (the module's headless Chromium)
from test_validate_cli import recorder  # noqa: F401  (a loopback server that records every request)

EXAMPLE = REPO / "examples" / "high-pressure-na3sbs4-study.jsonld"
LAB = "https://example.org/pressure-lab/"
API = "/api/validate"
MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples", "rdfxml": "application/rdf+xml",
         "jsonld": "application/ld+json"}
QUOTE_END = '">'  # expat reports an entity declaration where it ends
RESULT_KEYS = {"severity", "focus", "focus_label", "path", "value", "message", "shape", "suggestion"}


def post(server, body: bytes, content_type: str | None = "application/ld+json", accept: str | None = None,
         **options) -> requests.Response:
    headers = {key: value for key, value in (("Content-Type", content_type), ("Accept", accept)) if value}
    return requests.post(server + API, data=body, headers=headers, timeout=120, **options)


def broken_study() -> bytes:
    """The example with five mistakes a lab makes."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    nodes = {node["@id"]: node for node in document["@graph"]}
    nodes[LAB + "measurement/raman-under-pressure"]["type"] = "XRayAbsorptionNearEdge"  # not a class of ssbonto
    del nodes[LAB + "measurement/adxrd-0-2-to-2-gpa"]["hasStimulus"]  # in situ, no stimulus
    nodes[LAB + "quantity/pressure-range"]["qudt:unit"] = {"@id": "unit:K"}  # a pressure in kelvin
    nodes[LAB + "study/na3sbs4-under-pressure"]["hasSubject"] = "ssbid:material/na3sb4"  # no such material
    nodes[LAB + "finding/pressure-range"]["measure"] = "ssb:Pressure"  # no such property
    return json.dumps(document).encode("utf-8")


BROKEN_RESULTS = [
    ("Violation", LAB + "finding/pressure-range", "ssb:measure", "ssb:Pressure", "ssbsh:VocabularyShape",
     "the finding “0.2 to 2.0 GPa: pressure range of the in-situ study” uses ssb:measure, which is not a property "
     "of ssbonto",
     "did you mean measures (ssb:measures)?"),
    ("Violation", LAB + "measurement/adxrd-0-2-to-2-gpa", "ssb:hasStimulus", None, "ssbsh:MeasurementShape",
     "the measurement “in-situ angle-dispersive XRD of Na3SbS4 from 0.2 to 2.0 GPa”: an ssb:InSitu measurement "
     "names its stimulus (temperature, pressure, electrochemical cycling, gas atmosphere)",
     "add ssb:hasStimulus with one of ssb:ElectrochemicalCycling, ssb:GasAtmosphere, ssb:PressureStimulus, "
     "ssb:TemperatureStimulus"),
    ("Violation", LAB + "measurement/raman-under-pressure", "rdf:type", "ssb:XRayAbsorptionNearEdge",
     "ssbsh:VocabularyShape",
     "the measurement “in-situ Raman spectroscopy of Na3SbS4 under pressure” names no technique class of ssbonto "
     "(ssb:XRayAbsorptionNearEdge is not one)",
     "did you mean X-ray absorption near-edge structure (ssb:XRayAbsorptionNearEdgeStructure)?"),
    ("Violation", LAB + "quantity/pressure-range", "qudt:unit", "unit:K", "ssbsh:QuantityShape",
     "the quantity “0.2 to 2.0 GPa”: unit unit:K does not measure quantitykind:ForcePerArea (units ssbonto "
     "accepts are listed in ontology/units.tsv)",
     "use a unit that measures quantitykind:ForcePerArea, as ssbonto's quantities do: unit:GigaPA, unit:PSI"),
    ("Violation", LAB + "study/na3sbs4-under-pressure", "ssb:hasSubject", "material:na3sb4", "ssbsh:StudyShape",
     "the study “Na3SbS4 under pressure by in-situ angle-dispersive XRD and Raman”: a study names its subject: at "
     "least one material, interface or cell (one per stack or entity its row names)",
     "describe material:na3sb4 in the document as a material, interface or cell (for a material: a material "
     "class such as ssb:OtherInorganicElectrolyte, a label, ssb:formula and ssb:hasRole), or name one of "
     "ssbonto's; did you mean material:na3sbs4 (Na3SbS4)?"),
]


# -- what a lab gets --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt,rdflib_format", [("jsonld", None), ("ttl", "turtle"), ("nt", "nt"),
                                               ("rdfxml", "xml")])
def test_the_example_conforms_in_every_format(live_server, fmt, rdflib_format):
    from ssbonto.answers.validation import DocumentValidator, read_graph

    body = EXAMPLE.read_bytes()
    if rdflib_format:
        graph = read_graph(EXAMPLE, "jsonld", 10**7, DocumentValidator(REPO).local_contexts)
        body = graph.serialize(format=rdflib_format, encoding="utf-8")
    response = post(live_server, body, MEDIA[fmt])
    assert (response.status_code, response.headers["Content-Type"]) == (200, "application/json")
    assert response.json() == {"conforms": True, "ssbonto": VERSION, "triples": 48, "results": []}


def test_a_broken_study_gets_each_result_in_battery_terms_with_a_fix(live_server):
    response = post(live_server, broken_study())
    assert response.status_code == 200
    answer = response.json()
    assert answer["conforms"] is False and answer["triples"] == 48
    assert [(r["severity"], r["focus"], r["path"], r["value"], r["shape"], r["message"], r["suggestion"])
            for r in answer["results"]] == BROKEN_RESULTS
    for result in answer["results"]:
        assert RESULT_KEYS <= set(result)
        assert result["focus_label"] and result["shape_description"]  # the shape in plain words
    [study] = [r for r in answer["results"] if r["shape"] == "ssbsh:StudyShape"]
    assert study["shape_description"].startswith("A study names its subjects")


def test_the_shacl_report_as_turtle_and_json_ld(live_server):
    turtle = post(live_server, broken_study(), accept="text/turtle")
    jsonld = post(live_server, broken_study(), accept="application/ld+json")
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    assert jsonld.headers["Content-Type"].startswith("application/ld+json")
    report = Graph().parse(data=turtle.text, format="turtle")
    assert isomorphic(report, Graph().parse(data=jsonld.text, format="json-ld"))
    assert [c.toPython() for c in report.objects(None, SH.conforms)] == [False]
    assert {str(report.value(r, SH.focusNode)) for r in report.subjects(SH.resultSeverity, SH.Violation)} == {
        focus for _, focus, *_ in BROKEN_RESULTS}
    conforming = Graph().parse(data=post(live_server, EXAMPLE.read_bytes(), accept="text/turtle").text,
                               format="turtle")
    assert [c.toPython() for c in conforming.objects(None, SH.conforms)] == [True]
    assert len(conforming) == 2  # the report node, typed, and sh:conforms: nothing of ssbonto's own warnings


def test_the_html_report_for_a_browser_groups_results_by_focus_node(live_server):
    response = post(live_server, broken_study(), accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.headers["Content-Type"].startswith("text/html")
    page = lxml.html.fromstring(response.text)
    assert page.xpath("string(//p[@id='verdict'])").split(":")[0] == (
        f"The document does not conform to the shapes of ssbonto {VERSION}")
    groups = page.xpath("//article[@class='focus']")
    assert [g.xpath("string(.//code[@class='iri'])") for g in groups] == [focus for _, focus, *_ in BROKEN_RESULTS]
    raman = groups[2]
    assert raman.xpath("string(.//span[@class='message'])") == BROKEN_RESULTS[2][5]
    assert raman.xpath("string(.//p[@class='suggestion'])") == "Fix: " + BROKEN_RESULTS[2][6]


def test_a_file_field_or_pasted_text_in_a_form(live_server):
    upload = requests.post(live_server + API, files={"file": ("study.jsonld", broken_study())}, timeout=120)
    assert (upload.status_code, len(upload.json()["results"])) == (200, 5)
    pasted = requests.post(live_server + API, data={"data": EXAMPLE.read_text(encoding="utf-8"), "format": "auto"},
                           timeout=120)
    assert pasted.json()["conforms"] is True
    typed = requests.post(live_server + API, files={"file": ("study.txt", EXAMPLE.read_bytes(), "application/ld+json")},
                          timeout=120)
    assert typed.json()["conforms"] is True  # the part's media type says what an extension does not


# -- bad input: its status and a message -------------------------------------------------------------

def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize("media_type,body,message,line,column", [
    ("text/turtle", b'@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n',
     "the document: line 3, column 11: Unexpected end of file", 3, 11),
    ("application/n-triples", b'<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n'
                              b'<http://example.org/a> <http://example.org/b> c .\n',
     "the document: line 2, column 47: The object of a triple must be an IRI, a blank node or a literal", 2, 47),
    ("application/ld+json", b'{\n  "@context": {},\n  "@id": "http://example.org/a",\n  "http://example.org/b": [1,\n}\n',
     "the document: line 5, column 1: JSON: Expecting value", 5, 1),
    ("application/rdf+xml", b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                            b'<rdf:Description rdf:about="http://example.org/a">\n<foo>\n</rdf:RDF>\n',
     "the document: line 5, column 3: XML: mismatched tag", 5, 3),
    ("text/turtle", b'@prefix ex: <http://example.org/> .\nex:a ex:b "caf\xe9" .\n',
     "the document: line 2, column 15: Invalid UTF-8: incomplete utf-8 byte sequence from index 3", 2, 15),
])
def test_a_syntax_error_gets_400_with_line_and_column(live_server, media_type, body, message, line, column):
    answer = problem(post(live_server, body, media_type), 400)
    assert (answer["message"], answer["line"], answer["column"]) == (message, line, column)


@pytest.mark.parametrize("media_type,body,message", [
    ("text/turtle", b"", "the document: is empty"),
    ("text/turtle", b"  \n\t", "the document: is empty"),
    ("text/turtle", b"@prefix ex: <http://example.org/> .\n", "the document: holds no RDF statements"),
    ("application/ld+json", b'"a string"', "the document: JSON-LD must be an object or an array of objects"),
    ("application/ld+json", b'{"@context": "https://w3id.org/ssbonto/context/0.9.0.jsonld", "@id": "http://e/a"}',
     "the document: JSON-LD context <https://w3id.org/ssbonto/context/0.9.0.jsonld> is ssbonto 0.9.0; this ssbonto "
     "serves "),
])
def test_a_document_with_nothing_to_validate_gets_400(live_server, media_type, body, message):
    assert problem(post(live_server, body, media_type), 400)["message"].startswith(message)


def test_nothing_is_fetched_and_the_answer_says_so(live_server, recorder):  # noqa: F811
    address, requests_seen = recorder
    entity = (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{address}/entity.txt"> ]>\n'
              '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
              '<rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p></rdf:Description>\n</rdf:RDF>\n')
    dtd = entity.replace(f'[ <!ENTITY x SYSTEM "{address}/entity.txt"> ]', f'SYSTEM "{address}/external.dtd"')
    cases = [
        ("application/ld+json", json.dumps({"@context": f"{address}/context.jsonld", "@id": "http://example.org/a",
                                            "http://example.org/p": "x"}),
         f"the document: JSON-LD context <{address}/context.jsonld> is remote and is not fetched"),
        ("application/ld+json", json.dumps({"@context": {"@version": 1.1, "@import": f"{address}/base.jsonld"},
                                            "@id": "http://example.org/a"}),
         f"the document: JSON-LD context imports <{address}/base.jsonld>, which is not fetched"),
        ("application/rdf+xml", entity, f"the document: line 2, column {entity.splitlines()[1].index(QUOTE_END) + 2}: "
                                        f"entity 'x' is external ({address}/entity.txt); external entities and DTDs "
                                        "are never fetched or expanded"),
        ("application/rdf+xml", dtd, "the document: line 2, column "),
        ("text/turtle", f"<http://example.org/study> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
                        f"  <http://www.w3.org/2002/07/owl#imports> <{address}/more.ttl> .\n",
         f"the document: imports <{address}/more.ttl> (owl:imports), which is not fetched"),
    ]
    for media_type, body, message in cases:
        answer = problem(post(live_server, body.encode("utf-8"), media_type), 400)
        assert answer["message"].startswith(message), answer["message"]
    assert "external DTD" in problem(post(live_server, dtd.encode(), "application/rdf+xml"), 400)["message"]
    assert requests_seen == []


def test_media_types_charsets_accept_and_forms_that_cannot_be_read(live_server):
    assert problem(post(live_server, b"a,b\n", "text/csv"), 415)["message"] == (
        "send the document as text/turtle, application/n-triples, application/ld+json, application/rdf+xml, or as a "
        "form with a 'file' field (multipart/form-data), not text/csv")
    assert problem(post(live_server, b"x", None), 415)["message"].endswith("not without a Content-Type")
    assert problem(post(live_server, b"<a> <b> <c> .", "text/turtle; charset=iso-8859-1"), 415)["message"] == (
        "send the document in UTF-8, not iso-8859-1")
    assert problem(post(live_server, EXAMPLE.read_bytes(), accept="application/pdf"), 406)["message"].startswith(
        "the validation answer comes as application/json, text/turtle, application/ld+json, text/html")
    empty_form = requests.post(live_server + API, data={"data": " "}, timeout=30)
    assert problem(empty_form, 400)["message"] == (
        "the form holds no document: choose a file ('file' field) or paste one ('data' field)")
    bad_format = requests.post(live_server + API, data={"data": "<a> <b> <c> .", "format": "csv"}, timeout=30)
    assert problem(bad_format, 400)["message"].startswith("format 'csv' is not one of auto, ttl, nt, jsonld, rdfxml")
    assert problem(requests.get(live_server + API, timeout=30), 405)["message"] == (
        "this address does not answer the GET method")


def test_a_document_above_the_size_cap_gets_413_before_it_is_read(live_server):
    cap = 5_000_000
    body = b"#" * (cap + 1)
    answer = problem(post(live_server, body, "text/turtle"), 413)
    assert answer["message"] == (f"the document is {cap + 1:,} bytes; this service validates documents of at most "
                                 f"{cap:,} bytes (5 MB); validate a larger one on your machine with "
                                 "`ssbonto validate FILE`")
    chunked = post(live_server, (body[i:i + 65536] for i in range(0, len(body), 65536)), "text/turtle")
    assert problem(chunked, 413)["message"].startswith("the document is larger than that; this service validates")
    upload = requests.post(live_server + API, files={"file": ("big.ttl", body)}, timeout=60)
    assert problem(upload, 413)["message"].startswith("the document is ")
    at_the_cap = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
    at_the_cap += b"#" * (cap - len(at_the_cap))
    assert post(live_server, at_the_cap, "text/turtle").status_code == 200  # exactly the cap is accepted


# -- the deadline and the cap on validations at once -----------------------------------------------

def heavy_study(megabytes: float) -> bytes:
    """The example's nodes repeated under fresh IRIs until the document has this size."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = json.dumps(document["@graph"])
    copies = []
    size, n = 0, 0
    while size < megabytes * 1e6:
        copy = text.replace(LAB, f"{LAB}{n}/")
        copies.append(copy[1:-1])
        size += len(copy)
        n += 1
    return ('{"@context": "%s", "@graph": [%s]}' % (document["@context"], ",".join(copies))).encode("utf-8")


@pytest.fixture(scope="module")
def strict_server(built):
    """A server with an 8 s validation deadline (the example takes about 1 s even on a busy machine, the
    10 MB study far longer), one validation at a time and a 12 MB body cap."""
    from ssbonto_server.settings import Settings

    with app_server(Settings(release_dir=built.release, validation_timeout=8.0, validation_workers=1,
                             validation_max_bytes=12_000_000)) as url:
        yield url


def test_the_deadline_gives_503_and_the_cap_429_while_the_service_goes_on(strict_server):
    warm = post(strict_server, EXAMPLE.read_bytes())
    assert warm.status_code == 200 and warm.json()["conforms"] is True, warm.text  # the process is up
    heavy = heavy_study(10)  # some 140 000 triples: well over 8 s of validation
    outcome: dict = {}

    def validate_heavy():
        started = time.monotonic()
        outcome["response"] = post(strict_server, heavy)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=validate_heavy)
    thread.start()
    time.sleep(1.0)  # the heavy document is being validated now
    busy = post(strict_server, EXAMPLE.read_bytes())
    answer = problem(busy, 429)
    assert busy.headers["Retry-After"] == "5"
    assert answer["message"] == "all 1 validations this service runs at once are under way; try again in 5 s"
    thread.join(120)
    stopped = problem(outcome["response"], 503)
    assert outcome["response"].headers["Retry-After"] == "5"
    assert stopped["message"].startswith("the validation ran longer than the 8 s deadline of this service and was "
                                         "stopped")
    assert outcome["seconds"] < 40
    # the service is unaffected: queries answer, and the next study is validated by a fresh process
    ask = requests.get(strict_server + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert ask.json()["boolean"] is True
    assert post(strict_server, EXAMPLE.read_bytes()).json()["conforms"] is True


# -- the page, in Chromium ---------------------------------------------------------------------------

def test_the_page_validates_a_pasted_study_and_explains_each_result(browser, live_server, tmp_path):  # noqa: F811
    browser.get(live_server + "/validate")
    browser.find_element(By.ID, "data").send_keys(broken_study().decode("utf-8"))
    browser.find_element(By.ID, "validate").click()
    verdict = WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "verdict")))
    assert verdict.text.startswith(f"The document does not conform to the shapes of ssbonto {VERSION}: "
                                   "5 violation(s), 0 warning(s) in 48 triples")
    messages = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "article.focus .message")]
    assert messages == [message for *_, message, _ in BROKEN_RESULTS]
    fixes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "article.focus .suggestion")]
    assert fixes == ["Fix: " + fix for *_, fix in BROKEN_RESULTS]
    browser.find_element(By.CSS_SELECTOR, "article.focus details summary").click()
    assert browser.find_element(By.CSS_SELECTOR, "article.focus .shape-description").text.startswith(
        "Every class and property of the ssb: namespace")
    browser.save_screenshot(str(tmp_path / "validate-report.png"))


def test_the_page_takes_a_file_and_refuses_one_above_the_cap_before_sending_it(browser, live_server, tmp_path):  # noqa: F811
    browser.get(live_server + "/validate")
    study = tmp_path / "study.jsonld"
    study.write_bytes(EXAMPLE.read_bytes())
    browser.find_element(By.ID, "file").send_keys(str(study))
    assert browser.find_element(By.ID, "file-status").text == f"study.jsonld, {len(EXAMPLE.read_bytes()):,} bytes"
    browser.find_element(By.ID, "validate").click()
    verdict = WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "verdict")))
    assert verdict.text.startswith(f"The document conforms to the shapes of ssbonto {VERSION}: 0 violation(s)")
    big = tmp_path / "big.ttl"
    big.write_bytes(b"#" * 5_000_001)
    browser.get(live_server + "/validate")
    browser.find_element(By.ID, "file").send_keys(str(big))
    status = browser.find_element(By.ID, "file-status")
    assert status.text == ("big.ttl is 5,000,001 bytes; this service validates documents of at most 5,000,000 bytes "
                           "(validate it with ssbonto validate FILE)")
    browser.find_element(By.ID, "validate").click()  # the script keeps the form from sending it
    assert browser.find_elements(By.ID, "verdict") == []


def test_the_page_shows_a_syntax_error_with_its_line_and_column(live_server):
    response = requests.post(live_server + "/validate", data={"data": "@prefix ex: <http://example.org/> .\nex:a ex:b",
                                                              "format": "ttl"}, timeout=60)
    assert response.status_code == 400
    page = lxml.html.fromstring(response.text)
    assert page.xpath("string(//p[@id='error'])").startswith("the pasted document: line 2, column ")
    assert page.xpath("string(//textarea[@id='data'])").startswith("@prefix ex:")  # what was pasted stays
