"""The technique advisor (issue 11): the review's own questions (tests/advisor_cases.tsv), the
four questions of the issue, the JSON field names, bad input, and the command line."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
import requests

from conftest import REPO
from ssbonto.answers.advise import Advisor, AdvisorModel, Question
from ssbonto.answers.search import SearchIndex

SSB = "https://w3id.org/ssbonto/def/"
CASES = [row for row in csv.DictReader(
    [line for line in (REPO / "tests" / "advisor_cases.tsv").read_text(encoding="utf-8").splitlines()
     if not line.startswith("#")], delimiter="\t")]
PARAMETERS = ("learn", "subject", "where", "mode", "stimulus", "facility", "resolution")


@pytest.fixture(scope="module")
def advisor(built, store):
    return Advisor(AdvisorModel.load(store), SearchIndex.of_release(built.release))


def ask(live_server, **params):
    return requests.get(live_server + "/api/advise", params=params, timeout=60)


def ranked(answer: dict) -> list[set[str]]:
    """Each listed technique with the subclasses it stands for."""
    return [{t["iri"], *t.get("includes", [])} for t in answer["techniques"]]


def test_the_cases_are_many_and_cite_the_review():
    assert len(CASES) >= 20
    for case in CASES:
        assert case["learn"] and case["expected"] and case["evidence"], case["case"]
        assert "Table" in case["evidence"] or "text" in case["evidence"]


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_each_expected_technique_is_in_the_top_three_with_cited_reasons(advisor, case):
    answer = advisor.advise(Question(**{name: case[name] or None for name in PARAMETERS}))
    top = ranked(answer)[:3]
    for expected in case["expected"].split(";"):
        assert any(SSB + expected in unit for unit in top), (
            f"{expected} not in the top 3 for {case['case']}: " + ", ".join(t["label"] for t in answer["techniques"][:5]))
    for technique in answer["techniques"]:
        assert any(reason["sources"] or reason["references"] for reason in technique["reasons"]), technique["label"]


def test_li_distribution_in_a_thin_film_battery_operando_is_ndp_with_104(live_server):
    answer = ask(live_server, learn="Li distribution", subject="thin-film battery", mode="operando").json()
    first = answer["techniques"][0]
    assert first["iri"] == SSB + "NeutronDepthProfiling" and first["acronyms"] == ["NDP"]
    assert any(104 in r["references"] and "Table 8, row 8" in r["sources"] for r in first["reasons"])
    assert "needs a neutron source" in first["limits"]
    assert answer["understood"]["learn"]["iri"] == SSB + "LithiumDistribution"
    assert answer["understood"]["mode"]["iri"] == SSB + "Operando"


def test_lithium_jump_rate_in_li7p3s11_is_qens_and_nmr_relaxometry_with_126(live_server):
    answer = ask(live_server, learn="lithium jump rate", subject="Li7P3S11").json()
    top = [t["iri"] for t in answer["techniques"][:2]]
    assert set(top) == {SSB + "QuasielasticNeutronScattering", SSB + "NMRRelaxometry"}
    qens = next(t for t in answer["techniques"] if t["iri"] == SSB + "QuasielasticNeutronScattering")
    assert any(126 in r["references"] for r in qens["reasons"])
    relaxometry = next(t for t in answer["techniques"] if t["iri"] == SSB + "NMRRelaxometry")
    assert SSB + "SpinLatticeRelaxationNMR" in relaxometry["includes"]


def test_interfacial_species_between_a_cathode_and_lgps_is_xps_and_xanes_with_21_and_9(live_server):
    answer = ask(live_server, learn="interfacial species", subject="LGPS", where="cathode-electrolyte-interface").json()
    top = {t["iri"]: t for t in answer["techniques"][:2]}
    assert set(top) == {SSB + "XRayPhotoelectronSpectroscopy", SSB + "XRayAbsorptionNearEdgeStructure"}
    cited = {n for t in top.values() for r in t["reasons"] for n in r["references"]}
    assert {21, 9} <= cited


def test_diffusion_coefficient_lab_only_leaves_out_large_facilities_and_says_why(live_server):
    answer = ask(live_server, learn="diffusion coefficient", facility="lab").json()
    assert answer["techniques"]
    for technique in answer["techniques"]:
        assert not any(limit.startswith("needs a") for limit in technique["limits"]), technique
    left = {entry["iri"]: entry["why"] for entry in answer["left_out"]}
    assert SSB + "QuasielasticNeutronScattering" in left
    assert "neutron source" in left[SSB + "QuasielasticNeutronScattering"] and "lab" in left[SSB + "QuasielasticNeutronScattering"]


def test_the_answer_has_the_field_names_other_tools_call(live_server):
    answer = ask(live_server, learn="oxidation state", subject="LiCoO2", limit=3).json()
    assert set(answer) >= {"understood", "techniques", "left_out"}
    assert set(answer["understood"]) >= {"learn", "subject", "where", "mode", "stimulus", "facility", "resolution"}
    assert set(answer["understood"]["learn"]) >= {"iri", "label"}
    assert len(answer["techniques"]) == 3
    for technique in answer["techniques"]:
        assert set(technique) >= {"iri", "label", "acronyms", "score", "reasons", "limits"}
        for reason in technique["reasons"]:
            assert set(reason) >= {"text", "references", "sources"}
            assert all(isinstance(n, int) for n in reason["references"])
    scores = [t["score"] for t in answer["techniques"]]
    assert scores == sorted(scores, reverse=True)
    assert ask(live_server, learn="oxidation state", subject="LiCoO2", limit=3).json() == answer  # deterministic


def test_a_required_resolution_leaves_out_coarser_techniques(live_server):
    answer = ask(live_server, learn="lithium distribution", resolution="10 um").json()
    left = {entry["iri"]: entry["why"] for entry in answer["left_out"]}
    assert SSB + "NeutronImaging" in left and "15 μm" in left[SSB + "NeutronImaging"]  # the SNS beamline expected
    assert SSB + "NeutronImaging" not in {t["iri"] for t in answer["techniques"]}
    assert answer["understood"]["resolution"]["metres"] == pytest.approx(1e-5)
    reaching = next(t for t in answer["techniques"] if t["iri"] == SSB + "XRayTomography")
    assert any("1.3 μm" in r["text"] or "tens nanometers" in r["text"] for r in reaching["reasons"])


def test_an_ambiguous_word_answers_with_the_interpretation_and_alternatives(live_server):
    answer = ask(live_server, learn="structure").json()
    assert answer["understood"]["learn"]["iri"]
    assert answer["understood"]["learn"]["alternatives"]


def test_words_naming_no_measurand_go_through_the_review_records(live_server):
    answer = ask(live_server, learn="SEI thickness").json()
    assert "records" in answer["understood"]["learn"]["matched"]
    assert SSB + "NeutronReflectometry" in {t["iri"] for t in answer["techniques"][:5]}


@pytest.mark.parametrize("params, parameter, expected", [
    ({"learn": "qqqqzz"}, "learn", "did_you_mean"),
    ({"learn": ""}, "learn", None),
    ({"subject": "LLZO"}, "learn", None),
    ({"learn": "jump rate", "subject": "qqqqzz"}, "subject", "did_you_mean"),
    ({"learn": "jump rate", "where": "mars"}, "where", "accepted"),
    ({"learn": "jump rate", "mode": "sideways"}, "mode", "accepted"),
    ({"learn": "jump rate", "stimulus": "music"}, "stimulus", "accepted"),
    ({"learn": "jump rate", "facility": "garage"}, "facility", "accepted"),
    ({"learn": "jump rate", "resolution": "fine"}, "resolution", "accepted"),
    ({"learn": "jump rate", "resolution": "5 kg"}, "resolution", "accepted"),
    ({"learn": "jump rate", "resolution": "100"}, "resolution", "accepted"),
    ({"learn": "jump rate", "resolution": "0 nm"}, "resolution", None),
    ({"learn": "jump rate", "limit": "many"}, "limit", None),
    ({"learn": "jump rate", "lean": "x"}, "lean", "accepted"),
    ({"learn": "https://w3id.org/ssbonto/id/material/llzo"}, "learn", None),
    ({"learn": "x" * 5000}, "learn", None),
])
def test_bad_input_is_a_400_naming_the_parameter(live_server, params, parameter, expected):
    response = ask(live_server, **params)
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert body["parameter"] == parameter and parameter in body["message"]
    if expected:
        assert body[expected], body


@pytest.mark.parametrize("params", [
    {"learn": "NEAR(\"", "subject": "*"}, {"learn": "AND", "where": "bulk"}, {"learn": "\x00"},
    {"learn": "morphology", "subject": "Li", "where": "grain-boundary", "mode": "ex-situ", "stimulus": "pressure",
     "facility": "synchrotron", "resolution": "1 nm"},
    {"learn": "crystal structure", "facility": "neutron", "where": "surface", "limit": "500"},
])
def test_no_combination_gives_a_500_or_an_empty_answer_without_a_reason(live_server, params):
    response = ask(live_server, **params)
    assert response.status_code in (200, 400), response.text[:300]
    body = response.json()
    if response.status_code == 200:
        assert body["techniques"] or body["left_out"] or body.get("note")
        if not body["techniques"]:
            assert body["note"]


def test_the_advise_page_renders_cards_and_a_permalink(live_server):
    import lxml.html

    response = requests.get(live_server + "/advise", params={"learn": "jump rate", "subject": "Li7P3S11"}, timeout=60)
    page = lxml.html.fromstring(response.text)
    cards = page.xpath("//li[contains(@class, 'technique-card')]")
    assert len(cards) >= 3 and cards[0].xpath("string(.//h3/a)")
    assert page.xpath("//a[@class='reference' and @href='/id/reference/126']")
    permalink = page.xpath("//a[@id='permalink']")[0].get("href")
    assert requests.get(live_server + permalink, timeout=60).text.count("technique-card") == len(cards)
    bad = requests.get(live_server + "/advise", params={"learn": "qqqqzz"}, timeout=60)
    assert bad.status_code == 400 and "did-you-mean" in bad.text


def test_the_command_line_prints_a_table_and_json(built):
    base = [sys.executable, "-m", "ssbonto.cli", "advise", "--release-dir", str(built.release)]
    table = subprocess.run(base + ["--learn", "Li distribution", "--subject", "thin-film battery", "--mode", "operando"],
                           capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].startswith("learn: lithium distribution")
    assert " 1. neutron depth profiling (NDP)" in table.stdout
    as_json = subprocess.run(base + ["--learn", "jump rate", "--format", "json", "--limit", "2"],
                             capture_output=True, text=True, timeout=120)
    assert len(json.loads(as_json.stdout)["techniques"]) == 2
    bad = subprocess.run(base + ["--learn", "jump rate", "--facility", "garage"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "--facility" in bad.stderr and "lab" in bad.stderr
