"""The researcher's flows in a real headless Chromium (Debian's chromium + chromedriver, no network),
with the pages' JavaScript running — and again with JavaScript off: the three questions of issue 10
answered from the landing page in at most three clicks, browsing (sort, filter, paginate), the technique
tree, the pictures and their links, query results linking labels to pages, and print.

Screenshots go to $SSBONTO_SCREENSHOTS/pages-browser/ (else a folder under pytest's temporary
directory, printed at the start of the run); each test names its files."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_ui_browser import WAIT, chromium

from conftest import REPO


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    root = Path(os.environ["SSBONTO_SCREENSHOTS"]) if os.environ.get("SSBONTO_SCREENSHOTS") else \
        tmp_path_factory.mktemp("screenshots")
    folder = root / "pages-browser"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


@pytest.fixture(scope="module")
def browser():
    driver = chromium(javascript=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def plain_browser():
    driver = chromium(javascript=False)
    yield driver
    driver.quit()


def snap(browser, shots: Path, name: str) -> None:
    """A screenshot of the whole page (the window grown to its height, up to 5000 px)."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, max(700, min(height, 5000)))
    browser.save_screenshot(str(shots / f"{name}.png"))
    browser.set_window_size(1280, 1000)


def wait_for_path(browser, path: str) -> None:
    WebDriverWait(browser, WAIT).until(lambda b: urlsplit(b.current_url).path == path)


def rows(browser, table_id: str) -> list[list[str]]:
    table = browser.find_element(By.ID, table_id)
    return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def choose(browser, form_id: str, name: str, text: str) -> None:
    """Picks a filter by its visible label; the page's script submits the form on change."""
    before = browser.current_url
    select = Select(browser.find_element(By.CSS_SELECTOR, f"#{form_id} select[name='{name}']"))
    option = next(o for o in select.options if o.text.startswith(text + " ("))
    select.select_by_visible_text(option.text)
    WebDriverWait(browser, WAIT).until(lambda b: b.current_url != before)


# -- the three questions of issue 10, from the landing page ---------------------------------------------

def test_q1_techniques_for_li_motion_at_an_interface_in_operando(browser, live_server, shots, store):
    """Landing → "ionic motion information" → Subject: interfaces → Mode: in situ (three clicks)."""
    browser.get(live_server + "/")
    snap(browser, shots, "q1-0-landing")
    browser.find_element(By.LINK_TEXT, "ionic motion information").click()  # click 1
    wait_for_path(browser, "/page/def/IonicMotionInformation")
    ranked = [row[0] for row in rows(browser, "techniques-table")]
    assert {"dynamic NMR technique", "magnetic resonance imaging", "inelastic neutron scattering",
            "quasielastic neutron scattering"} <= set(ranked)
    choose(browser, "uses-filters", "subject", "interfaces")  # click 2
    assert parse_qs(urlsplit(browser.current_url).query)["subject"] == ["interface"]
    at_interfaces = {(row[1].split(" (")[0], row[-1]) for row in rows(browser, "uses-table")}
    example = (REPO / "queries" / "examples" / "ionic-motion-at-interfaces.rq").read_text(encoding="utf-8")
    assert at_interfaces == {(r["techniqueLabel"], r["referenceLabel"]) for r in store.query(example).rows()}
    modes = [o.text for o in Select(browser.find_element(By.CSS_SELECTOR, "#uses-filters select[name='mode']")).options]
    assert not any(m.startswith("operando") for m in modes)  # none of these techniques was used operando
    snap(browser, shots, "q1-1-ionic-motion-at-interfaces")
    choose(browser, "uses-filters", "mode", "in situ")  # click 3
    [row] = rows(browser, "uses-table")
    assert row[1].startswith("one-dimensional magnetic resonance imaging") and row[-1] == "[94]"
    snap(browser, shots, "q1-2-in-situ")
    browser.find_element(By.CSS_SELECTOR, "#uses-table a.reference").click()
    wait_for_path(browser, "/page/id/reference/94")
    assert "R. Bhattacharyya et al., Nat. Mater. 9 (2010) 504." in browser.find_element(By.CLASS_NAME, "citation").text


def test_q1_also_answered_by_the_example_query_with_linked_results(browser, live_server, shots):
    browser.get(live_server + "/")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Which techniques tell me about Li+ motion at an interface").click()
    table = WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "results-table")))
    header = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert header == ["technique", "interface", "mode", "reference"]  # each ?x folded into its ?xLabel
    first = table.find_element(By.CSS_SELECTOR, "tbody tr td a")
    assert (first.text, first.get_attribute("href")) == (
        "one-dimensional magnetic resonance imaging", live_server + "/def/OneDimensionalMagneticResonanceImaging")
    reference = table.find_element(By.LINK_TEXT, "[94]")
    assert reference.get_attribute("href") == live_server + "/id/reference/94"
    snap(browser, shots, "q1-query-ionic-motion-at-interfaces")
    reference.click()
    wait_for_path(browser, "/page/id/reference/94")


def test_q2_what_ndp_measures_and_at_what_resolution(browser, live_server, shots):
    """Landing → "technique classes" → "neutron depth profiling" in the tree (two clicks)."""
    browser.get(live_server + "/")
    browser.find_element(By.LINK_TEXT, "technique classes").click()  # click 1
    wait_for_path(browser, "/def/")
    snap(browser, shots, "q2-1-technique-tree")
    browser.find_element(By.CSS_SELECTOR, "#techniques a[href='/def/NeutronDepthProfiling']").click()  # click 2
    wait_for_path(browser, "/page/def/NeutronDepthProfiling")
    assert browser.find_element(By.CSS_SELECTOR, "#resolution p.none").text == \
        "The review reports no resolution for neutron depth profiling."
    assert [row[0] for row in rows(browser, "measurands-table")] == ["element depth profile", "lithium distribution"]
    assert rows(browser, "information-table")[0][0] == "heterogeneity information"
    raw = browser.find_element(By.ID, "raw")
    assert raw.get_attribute("open") is None and not browser.find_element(By.ID, "types").is_displayed()
    snap(browser, shots, "q2-2-neutron-depth-profiling")
    raw.find_element(By.TAG_NAME, "summary").click()  # the raw statements unfold
    assert browser.find_element(By.ID, "types").is_displayed()


def test_q3_which_techniques_showed_the_lithium_distribution_in_a_sulfide_electrolyte(browser, live_server, shots):
    """Landing → "lithium distribution" → Material involved: sulfide electrolyte (two clicks)."""
    browser.get(live_server + "/")
    browser.find_element(By.LINK_TEXT, "lithium distribution").click()  # click 1
    wait_for_path(browser, "/page/def/LithiumDistribution")
    snap(browser, shots, "q3-1-lithium-distribution")
    choose(browser, "uses-filters", "class", "sulfide electrolyte")  # click 2
    [row] = rows(browser, "uses-table")
    assert row[1].startswith("three-dimensional magnetic resonance imaging") and row[-1] == "[74]"
    assert "sulfide electrolyte" in row[2] and "Li/LGPS" in row[2]
    snap(browser, shots, "q3-2-in-sulfide-electrolytes")


# -- browsing ----------------------------------------------------------------------------------------------

def test_an_index_sorts_filters_and_pages_in_the_browser(browser, live_server, shots):
    browser.get(live_server + "/id/material/")
    browser.find_element(By.LINK_TEXT, "Uses").click()
    WebDriverWait(browser, WAIT).until(lambda b: "sort=uses" in b.current_url)
    browser.find_element(By.PARTIAL_LINK_TEXT, "Uses").click()  # again: descending
    WebDriverWait(browser, WAIT).until(lambda b: "order=desc" in b.current_url)
    uses = [int(row[-1]) for row in rows(browser, "index-table")]
    assert uses == sorted(uses, reverse=True) and uses[0] > uses[-1]
    choose(browser, "index-filters", "element", "germanium")
    names = [row[0] for row in rows(browser, "index-table")]
    assert set(names) == {"germanium mullite", "Li1+xAlxGe2-x(PO4)3", "Li1.5Al0.5Ge1.5(PO4)3", "Li10GeP2S12",
                          "O-substituted Li10GeP2S12 (Li10GeP2S12-xOx)"}
    assert "order=desc" in browser.current_url  # the sort survives the filter
    snap(browser, shots, "browse-materials-with-germanium")
    browser.get(live_server + "/id/reference/")
    browser.find_element(By.CSS_SELECTOR, "nav.pages a[rel='next']").click()
    WebDriverWait(browser, WAIT).until(lambda b: "page=2" in b.current_url)
    assert browser.find_element(By.ID, "count").text == "51–100 of 134 references."
    box = browser.find_element(By.CSS_SELECTOR, "#index-filters input[name='q']")
    box.send_keys("Bhattacharyya")
    box.submit()
    WebDriverWait(browser, WAIT).until(lambda b: "q=Bhattacharyya" in b.current_url)
    assert [row[0] for row in rows(browser, "index-table")] == ["94"]
    snap(browser, shots, "browse-references-by-name")


def test_the_technique_tree_filters_collapses_and_expands(browser, live_server, shots):
    browser.get(live_server + "/def/")
    tools = browser.find_element(By.CSS_SELECTOR, "#techniques .tree-tools")
    box = tools.find_element(By.TAG_NAME, "input")
    box.send_keys("tomography")
    visible = {a.text for a in browser.find_elements(
        By.CSS_SELECTOR, "#techniques ul.tree li.match > a, #techniques ul.tree li.match > details > summary > a")
        if a.is_displayed()}
    assert visible == {"X-ray tomography", "transmission X-ray microscopy tomography"}
    assert not browser.find_element(By.CSS_SELECTOR, "#techniques a[href='/def/NeutronDepthProfiling']").is_displayed()
    snap(browser, shots, "tree-filtered-tomography")
    box.clear()
    box.send_keys(" ")  # an empty filter shows everything again
    tools.find_element(By.CLASS_NAME, "collapse-all").click()
    assert not browser.find_element(By.CSS_SELECTOR, "#techniques a[href='/def/NeutronDepthProfiling']").is_displayed()
    tools.find_element(By.CLASS_NAME, "expand-all").click()
    assert browser.find_element(By.CSS_SELECTOR, "#techniques a[href='/def/SpinLatticeRelaxationNMR']").is_displayed()
    snap(browser, shots, "tree-expanded")


# -- pictures ------------------------------------------------------------------------------------------------

def svg_link(browser, chart: str, title_start: str):
    return browser.find_element(By.XPATH, f"//*[local-name()='svg'][@id='{chart}']//*[local-name()='a']"
                                          f"[*[local-name()='title'][starts-with(., \"{title_start}\")]]"
                                          "/*[local-name()='circle' or local-name()='rect' or local-name()='path'][1]")


def test_each_picture_links_its_marks_to_their_evidence(browser, live_server, shots):
    browser.get(live_server + "/pictures/")
    snap(browser, shots, "pictures-gallery")
    browser.get(live_server + "/pictures/capabilities")
    snap(browser, shots, "picture-capabilities")
    svg_link(browser, "capabilities-chart", "neutron depth profiling: heterogeneity information").click()
    wait_for_path(browser, "/page/id/capability/table-9-row-10")
    browser.get(live_server + "/pictures/resolution")
    snap(browser, shots, "picture-resolution")
    svg_link(browser, "lengths-chart", "hard X-ray photoelectron spectroscopy: probing depth 2–50 nm").click()
    wait_for_path(browser, "/page/id/finding/hexps-probing-depth-range")
    browser.get(live_server + "/pictures/references-per-year")
    snap(browser, shots, "picture-references-per-year")
    svg_link(browser, "per-year-chart", "2018: 41 references (all references)").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.current_url.endswith("/id/reference/?year=2018"))
    assert browser.find_element(By.ID, "count").text.startswith("1–41 of 41 references")


def test_pictures_read_in_print(browser, live_server, shots):
    browser.get(live_server + "/pictures/resolution")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.TAG_NAME, "header").is_displayed()
        assert browser.find_element(By.ID, "lengths-chart").is_displayed()
        assert browser.find_element(By.ID, "data-table").is_displayed()
        snap(browser, shots, "print-resolution")
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
        assert len(pdf["data"]) > 10_000
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


# -- with JavaScript off ---------------------------------------------------------------------------------------

def test_pages_work_with_javascript_off(plain_browser, live_server, shots):
    browser = plain_browser
    browser.get(live_server + "/def/")
    assert not browser.find_elements(By.CLASS_NAME, "tree-tools")  # no script ran
    family = browser.find_element(By.XPATH, "//section[@id='techniques']/ul[@class='tree']/li[1]")
    assert family.find_element(By.XPATH, "details/ul/li/a[.='neutron depth profiling']").is_displayed()
    family.find_element(By.XPATH, "details/summary").click()  # <details> folds without JavaScript
    assert not family.find_element(By.XPATH, "details/ul/li/a[.='neutron depth profiling']").is_displayed()
    snap(browser, shots, "nojs-tree")
    browser.get(live_server + "/id/material/")
    Select(browser.find_element(By.CSS_SELECTOR, "#index-filters select[name='element']")).select_by_value("Ge")
    assert "element=" not in browser.current_url  # nothing submits on change without a script
    browser.find_element(By.CSS_SELECTOR, "#index-filters button[type='submit']").click()
    WebDriverWait(browser, WAIT).until(lambda b: "element=Ge" in b.current_url)
    assert len(rows(browser, "index-table")) == 5
    snap(browser, shots, "nojs-materials-with-germanium")
    browser.get(live_server + "/page/def/LithiumDistribution?class=SulfideElectrolyte")
    [row] = rows(browser, "uses-table")
    assert row[-1] == "[74]"
    browser.get(live_server + "/pictures/capabilities")
    assert browser.find_element(By.ID, "capabilities-chart").is_displayed()
    snap(browser, shots, "nojs-capabilities")


def test_concatenated_references_link_one_by_one_on_the_query_page(browser, live_server, shots):
    browser.get(live_server + "/query")
    browser.find_element(By.LINK_TEXT, "Which techniques give ionic-motion information (Table 9), with the papers "
                                       "that used them?").click()
    table = WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "results-table")))
    assert [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")] == ["technique", "references"]
    qens = table.find_element(By.XPATH, "//tbody/tr[td[1]/a[.='quasielastic neutron scattering']]")
    links = qens.find_elements(By.CSS_SELECTOR, "td:nth-child(2) a")
    assert [(a.text, a.get_attribute("href")) for a in links] == [
        (f"[{n}]", f"{live_server}/id/reference/{n}") for n in (125, 126, 127, 128, 130)]
    assert qens.find_element(By.CSS_SELECTOR, "td:nth-child(2)").text == "[125] [126] [127] [128] [130]"
    snap(browser, shots, "query-techniques-for-ionic-motion")
