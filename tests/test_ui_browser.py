"""Pages for people: the landing page over HTTP, and the query page in a real headless Chromium
(Debian's chromium + chromedriver; nothing is downloaded) running queries against /sparql."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000"]
WAIT = 30  # seconds, the bound of every wait for the page


def curated_rows(table: str) -> list[dict[str, str]]:
    lines = [line for line in (REPO / "ontology" / "review" / table).read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]]


def chromium(javascript: bool = True, downloads: Path | None = None) -> webdriver.Chrome:
    """Debian's headless Chromium; `downloads`: where it saves downloads without asking."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    prefs = {} if javascript else {"profile.managed_default_content_settings.javascript": 2}
    if downloads:
        prefs |= {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    if prefs:
        options.add_experimental_option("prefs", prefs)
    # An explicit driver path keeps Selenium Manager from looking for (or fetching) a driver.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    driver = chromium(downloads=downloads)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def run_query(browser, live_server, query: str):
    browser.get(live_server + "/query")
    editor = browser.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys(query)
    browser.find_element(By.ID, "run").click()


def wait_for_table(browser) -> tuple[list[str], list[list[str]]]:
    table = WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "results-table")))
    header = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    return header, rows


# -- the landing page --------------------------------------------------------------------------------

def test_the_landing_page_says_what_this_is_with_counts_and_links(live_server):
    html = lxml.html.fromstring(requests.get(live_server + "/", timeout=30).text)
    assert html.findtext(".//h1") == "ssbonto"
    assert "characterization techniques in solid-state battery" in html.xpath("string(//p[@class='lead'])")
    counts = {tr.xpath("string(th)"): int(tr.xpath("string(td)")) for tr in html.xpath("//table[@class='counts']/tr")}
    assert counts["references"] == len(curated_rows("references.tsv")) == 134
    assert counts["studies (table rows)"] == len(curated_rows("studies.tsv"))
    assert counts["materials"] == len(curated_rows("materials.tsv"))
    assert counts["interfaces"] == len(curated_rows("interfaces.tsv"))
    assert counts["quantified findings"] == len(curated_rows("quantities.tsv"))
    links = set(html.xpath("//a/@href"))
    assert {"/def", "/query", "/downloads", "/.well-known/void", "/id/material/llzo"} <= links
    named = sorted(path.stem for group in ("examples", "cq") for path in (REPO / "queries" / group).glob("*.rq"))
    examples = sorted(href.rsplit("/", 1)[-1] for href in links if href.startswith("/query?example="))
    assert examples == named
    for href in ("/def", "/query", "/downloads"):
        assert requests.get(live_server + href, timeout=30).status_code == 200, href


def test_named_queries_are_served_as_text(live_server):
    listed = requests.get(live_server + "/queries", timeout=30).json()
    cq20 = next(q for q in listed if q["name"] == "CQ20")
    assert cq20["title"] == "CQ20 (aggregate): Which NMR nuclei appear in the methods column of Table 4?"
    assert cq20["question"] == "Which NMR nuclei appear in the methods column of Table 4?"
    served = requests.get(live_server + cq20["url"], timeout=30)
    assert served.headers["Content-Type"] == "application/sparql-query"
    assert served.text == (REPO / "queries" / "cq" / "CQ20.rq").read_text(encoding="utf-8")
    assert requests.get(live_server + "/queries/cq/CQ99.rq", timeout=30).status_code == 404
    missing = requests.get(live_server + "/query?example=cq/../../etc/passwd", timeout=30)
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("no named query 'cq/../../etc/passwd'; named queries are: examples/")
    invalid = requests.get(live_server + "/query?query=SELECT%20%ff%fe", timeout=30)
    assert (invalid.status_code, invalid.json()["message"]) == (
        400, "the address's query string is not valid UTF-8 ('utf-8' codec can't decode byte 0xff in position 7: "
             "invalid start byte)")


# -- the query page in Chromium ------------------------------------------------------------------------

def test_a_written_query_runs_and_its_answer_is_read_from_the_table(browser, live_server):
    run_query(browser, live_server, "SELECT ?number ?author WHERE {\n"
                                    "  ?r a ssb:Reference ; ssb:referenceNumber ?number ; ssb:firstAuthor ?author\n"
                                    "} ORDER BY ?number LIMIT 4")
    header, rows = wait_for_table(browser)
    references = curated_rows("references.tsv")[:4]
    assert header == ["number", "author"]
    assert rows == [[r["number"], r["first_author"]] for r in references]
    assert re.fullmatch(r"4 rows in \d+ ms", browser.find_element(By.ID, "status").text)


def test_a_competency_question_is_one_click_away(browser, live_server):
    browser.get(live_server + "/query")
    # the side bar names each query by its question, its file name beside it
    link = browser.find_element(By.LINK_TEXT, "Which NMR nuclei appear in the methods column of Table 4?")
    assert link.find_element(By.XPATH, "following-sibling::span[@class='query-name']").text == "CQ20"
    link.click()
    header, rows = wait_for_table(browser)
    nuclei = {n for row in curated_rows("studies.tsv") if row["table"] == "4" for n in row["nuclei"].split(";") if n}
    assert header == ["answer", "nucleus"]
    assert [row[0] for row in rows] == ["6Li", "7Li", "23Na", "27Al", "31P", "45Sc", "71Ga"]
    assert {row[0] for row in rows} == nuclei
    assert rows[1] == ["7Li", "lithium-7"]
    assert browser.find_element(By.ID, "query").get_attribute("value") == \
        (REPO / "queries" / "cq" / "CQ20.rq").read_text(encoding="utf-8")
    assert browser.current_url == live_server + "/query?example=cq/CQ20"


def test_iris_in_the_table_link_to_their_pages(browser, live_server):
    run_query(browser, live_server, "SELECT ?material WHERE { BIND(ssbid:material\\/llzo AS ?material) }")
    wait_for_table(browser)
    link = browser.find_element(By.CSS_SELECTOR, "#results-table td a")
    assert (link.text, link.get_attribute("title")) == ("https://w3id.org/ssbonto/id/material/llzo",) * 2
    link.click()
    WebDriverWait(browser, WAIT).until(ready.url_to_be(live_server + "/page/id/material/llzo"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Li7La3Zr2O12"


def test_the_answer_downloads_as_csv(browser, live_server):
    query = ("SELECT ?number ?author WHERE { ?r ssb:referenceNumber ?number ; ssb:firstAuthor ?author "
             "FILTER(?number <= 3) } ORDER BY ?number")
    run_query(browser, live_server, query)
    wait_for_table(browser)
    browser.find_element(By.CSS_SELECTOR, "button.download[data-format='csv']").click()
    saved = Path(browser.downloads) / "results.csv"
    deadline = time.monotonic() + WAIT
    while not saved.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows == [["number", "author"]] + [[r["number"], r["first_author"]] for r in curated_rows("references.tsv")[:3]]


def test_a_malformed_query_shows_the_endpoints_message(browser, live_server):
    run_query(browser, live_server, "SELECT ?x WHERE { ?x ?y }")
    problem = WebDriverWait(browser, WAIT).until(ready.visibility_of_element_located((By.ID, "error")))
    assert problem.text.startswith("400 ")
    assert "malformed query: error at line 1" in problem.text
    assert browser.find_element(By.ID, "results").text == ""


def test_markup_in_answers_and_in_the_address_is_shown_as_text(browser, live_server):
    literal = "<b>bold</b><img src=x onerror=document.title=1>"
    run_query(browser, live_server, f'SELECT ?x WHERE {{ BIND("{literal}" AS ?x) }}')
    _, rows = wait_for_table(browser)
    assert rows == [[literal]]
    assert browser.find_elements(By.CSS_SELECTOR, "#results-table b, #results-table img") == []

    attack = "</textarea><script>document.title='pwned'</script>"
    browser.get(live_server + "/query?query=" + quote(attack))
    WebDriverWait(browser, WAIT).until(ready.visibility_of_element_located((By.ID, "error")))
    assert browser.find_element(By.ID, "query").get_attribute("value") == attack
    assert browser.title == "Query · ssbonto"
