"""The search box, the search page and the advisor in a real headless Chromium with their
JavaScript running (and once with JavaScript off), with screenshots of each step written to the
folder $SSBONTO_SCREENSHOTS names (default: a pytest temporary folder `screenshots-search`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_ui_browser import WAIT, chromium


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("SSBONTO_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots-search"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


def suggestions(browser, field_id: str) -> list:
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, f"#{field_id}-suggestions li"))
    return browser.find_elements(By.CSS_SELECTOR, f"#{field_id}-suggestions li")


def type_and_choose(browser, field_id: str, text: str, choice: str) -> None:
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)
    item = next(li for li in suggestions(browser, field_id) if li.find_element(By.CLASS_NAME, "suggestion-label").text == choice)
    item.click()


def cards(browser) -> list[str]:
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, ".technique-card")))
    return [card.find_element(By.CSS_SELECTOR, "h3 a").text for card in browser.find_elements(By.CSS_SELECTOR, ".technique-card")]


def test_the_header_box_suggests_as_you_type_and_opens_the_chosen_page(browser, live_server, shots):
    browser.get(live_server + "/")
    box = browser.find_element(By.ID, "site-search")
    box.send_keys("LLZ")
    items = suggestions(browser, "site-search")
    labels = [li.find_element(By.CLASS_NAME, "suggestion-label").text for li in items]
    assert labels[0] == "Li7La3Zr2O12 (LLZO)"
    assert items[0].find_element(By.CLASS_NAME, "kind").text == "material"
    browser.save_screenshot(str(shots / "01-header-autocomplete-LLZ.png"))
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    WebDriverWait(browser, WAIT).until(ready.url_contains("/page/id/material/llzo"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Li7La3Zr2O12"


def test_the_search_page_ranks_a_typo_and_filters_by_kind(browser, live_server, shots):
    browser.get(live_server + "/")
    box = browser.find_element(By.ID, "site-search")
    box.send_keys("tomografy", Keys.ENTER)
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, ".search-results li")))
    assert browser.current_url.endswith("/search?q=tomografy")
    first = browser.find_element(By.CSS_SELECTOR, ".search-results li .hit-label")
    assert first.text == "X-ray tomography"
    browser.find_element(By.CSS_SELECTOR, "aside.facets a[data-kind='technique']").click()
    WebDriverWait(browser, WAIT).until(ready.url_contains("type=technique"))
    kinds = {li.get_attribute("data-type") for li in browser.find_elements(By.CSS_SELECTOR, ".search-results li")}
    assert kinds == {"technique"}
    browser.save_screenshot(str(shots / "02-search-tomografy-techniques.png"))


def test_an_unknown_iri_links_to_the_nearest_entity(browser, live_server, shots):
    browser.get(live_server + "/id/material/LLZO")
    link = browser.find_element(By.CSS_SELECTOR, ".did-you-mean a")
    assert link.text == "Li7La3Zr2O12 (LLZO)"
    browser.save_screenshot(str(shots / "03-404-did-you-mean-LLZO.png"))
    link.click()
    WebDriverWait(browser, WAIT).until(ready.url_contains("/page/id/material/llzo"))


def test_the_advisor_form_with_autocomplete_answers_li_distribution_operando(browser, live_server, shots):
    browser.get(live_server + "/")
    browser.find_element(By.LINK_TEXT, "Advisor").click()
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "learn")))
    type_and_choose(browser, "learn", "Li distr", "lithium distribution")
    type_and_choose(browser, "subject", "thin-film", "thin-film battery")
    Select(browser.find_element(By.ID, "mode")).select_by_value("operando")
    assert browser.find_element(By.ID, "learn").get_attribute("value") == "lithium distribution"
    browser.find_element(By.ID, "advise").click()
    ranked = cards(browser)
    assert ranked[0] == "neutron depth profiling"
    first = browser.find_elements(By.CSS_SELECTOR, ".technique-card")[0]
    assert first.find_element(By.CSS_SELECTOR, "a.reference[href='/id/reference/104']").text == "[104]"
    assert "needs a neutron source" in first.find_element(By.CSS_SELECTOR, ".limits").text
    browser.save_screenshot(str(shots / "04-advise-li-distribution-thin-film-operando.png"))
    browser.find_element(By.ID, "permalink").click()
    assert cards(browser)[0] == "neutron depth profiling"
    assert "mode=operando" in browser.current_url


@pytest.mark.parametrize("name, query, top", [
    ("05-advise-jump-rate-li7p3s11", "learn=lithium+jump+rate&subject=Li7P3S11",
     {"quasielastic neutron scattering", "NMR relaxometry"}),
    ("06-advise-interfacial-species-cathode-lgps",
     "learn=interfacial+species&subject=LGPS&where=cathode-electrolyte-interface",
     {"X-ray photoelectron spectroscopy", "X-ray absorption near-edge structure"}),
])
def test_the_advisor_answers_the_issues_questions_as_cards(browser, live_server, shots, name, query, top):
    browser.get(f"{live_server}/advise?{query}")
    assert set(cards(browser)[:2]) == top
    browser.save_screenshot(str(shots / f"{name}.png"))


def test_the_advisor_says_what_it_left_out_for_lab_only(browser, live_server, shots):
    browser.get(f"{live_server}/advise?learn=diffusion+coefficient&facility=lab")
    cards(browser)
    left = browser.find_element(By.ID, "left-out").text
    assert "quasielastic neutron scattering: needs a neutron source" in left
    browser.execute_script("document.getElementById('left-out').scrollIntoView()")
    browser.save_screenshot(str(shots / "07-advise-diffusion-coefficient-lab.png"))


def test_a_bad_word_offers_what_it_may_have_meant(browser, live_server, shots):
    browser.get(f"{live_server}/advise?learn=jmup+rate")
    assert cards(browser)[0]  # one typo: still understood
    browser.get(f"{live_server}/advise?learn=qqqqzz")
    error = browser.find_element(By.ID, "advice-error")
    assert "learn" in error.text and error.find_elements(By.CSS_SELECTOR, ".did-you-mean a")
    browser.save_screenshot(str(shots / "08-advise-unknown-word.png"))


def test_with_javascript_off_the_search_box_is_a_plain_form(live_server, shots):
    driver = chromium(javascript=False)
    try:
        driver.get(live_server + "/")
        box = driver.find_element(By.ID, "site-search")
        box.send_keys("neutron depth", Keys.ENTER)
        WebDriverWait(driver, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, ".search-results li")))
        assert driver.find_element(By.CSS_SELECTOR, ".search-results li .hit-label").text == "neutron depth profiling"
        assert not driver.find_elements(By.CSS_SELECTOR, ".suggestions")  # no script ran
        driver.save_screenshot(str(shots / "09-search-without-javascript.png"))
        driver.get(live_server + "/advise")
        driver.find_element(By.ID, "learn").send_keys("jump rate")
        driver.find_element(By.ID, "advise").click()
        WebDriverWait(driver, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, ".technique-card")))
    finally:
        driver.quit()
