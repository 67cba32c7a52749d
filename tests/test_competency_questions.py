"""Each competency question is answered by queries/cq/CQnn.rq — its header comment carries the
question, its rows the answer — and the answer is what the review says. The questions were first
listed in ../shared/competency-questions.md; when that file is beside the clone, the queries are
checked to ask exactly its questions."""

from __future__ import annotations

import re

import pytest

from conftest import COMPETENCY_QUESTIONS, REPO

CQ = REPO / "queries" / "cq"
QUESTION = re.compile(r"^# (CQ\d\d) \(([a-z-]+)\): (.+)$")


def answer(store, name: str) -> list[dict[str, str]]:
    return store.query((CQ / f"{name}.rq").read_text(encoding="utf-8")).rows()


def answers(store, name: str) -> list[str]:
    return [row["answer"] for row in answer(store, name)]


def question(path) -> tuple[str, str, str]:
    """(name, kind, question) from the query's header comment: the question wraps over lines and ends
    at its question mark; notes may follow it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    match = QUESTION.match(lines[0])
    assert match, f"{path.name} does not start with '# CQnn (kind): question'"
    text = match.group(3)
    for line in lines[1:]:
        if not line.startswith("# ") or QUESTION.match(line):
            break
        text += " " + line[2:].strip()
    return match.group(1), match.group(2), text[:text.index("?") + 1] if "?" in text else text


def test_every_query_states_its_question():
    shipped = sorted(CQ.glob("CQ*.rq"))
    assert len(shipped) == 19
    for path in shipped:
        name, kind, text = question(path)
        assert name == path.stem and kind, path.name
        assert text.endswith("?") and len(text) > 30, path.name


@pytest.mark.skipif(not COMPETENCY_QUESTIONS.is_file(),
                    reason=f"the first list of the questions ({COMPETENCY_QUESTIONS}) is not beside this clone")
def test_the_queries_ask_the_listed_questions():
    listed = dict(re.findall(r"\*\*(CQ\d\d)\*\* \([a-z-]+\): (.+)", COMPETENCY_QUESTIONS.read_text(encoding="utf-8")))
    asked = {path.stem: question(path)[2] for path in CQ.glob("CQ*.rq")}
    assert listed and set(listed) <= set(asked)
    for name, text in listed.items():
        assert " ".join(asked[name].split()) == " ".join(text.split()), name


def test_cq01_synchrotron_techniques_for_llzo_in_table1(store):
    rows = {(r["answer"], r["reference"], r.get("mode", "")) for r in answer(store, "CQ01")}
    assert rows == {
        ("X-ray Laue microdiffraction", "[32]", ""),
        ("soft X-ray absorption spectroscopy", "[32]", ""),
        ("synchrotron X-ray diffraction", "[37]", ""),
        ("synchrotron X-ray diffraction", "[38]", "in situ"),
        ("synchrotron X-ray diffraction", "[39]", "in situ"),
    }


def test_cq02_techniques_on_lgps_itself(store):
    rows = {(r["answer"], r["reference"]) for r in answer(store, "CQ02")}
    assert rows == {
        ("X-ray absorption near-edge structure", "[21]"), ("X-ray photoelectron spectroscopy", "[21]"),
        ("X-ray absorption near-edge structure", "[9]"), ("transmission electron microscopy", "[9]"),
        ("spin-lattice relaxation NMR", "[67]"), ("spin-spin relaxation NMR", "[67]"),
        ("NMR line width analysis", "[67]"), ("pulsed-field gradient NMR", "[67]"),
        ("spin-alignment echo NMR", "[90]"), ("three-dimensional magnetic resonance imaging", "[74]"),
    }
    assert not any(r["reference"] == "[31]" for r in answer(store, "CQ02"))  # that is Li10GeP2S12-xOx


def test_cq03_table3_reference_23(store):
    [row] = answer(store, "CQ03")
    assert (row["technique"], row["resolution"], row["structure"]) == \
        ("In-situ X-ray tomography (Resolution 1.3 μm)", "1.3 μm", "Li/β-Li3PS4/Li")


def test_cq04_what_qens_measures(store):
    [row] = answer(store, "CQ04")
    assert row["answer"] == "Diffusive dynamics (diffusion coefficient and jump length)"
    assert set(row["measurands"].split(", ")) == {"diffusion coefficient", "jump length"}


def test_cq06_neutron_reflectometry_systems(store):
    assert [(r["answer"], r["reference"]) for r in answer(store, "CQ06")] == [
        ("crystalline silicon (c-Si)", "[119]"), ("amorphous silicon (a-Si)", "[120]")]


def test_cq09_operando_systems_in_tables_2_and_3(store):
    systems = {(r["answer"], r["reference"]) for r in answer(store, "CQ09")}
    assert systems == {
        ("LiCoO2/Li10GeP2S12", "[21]"),
        ("NMC811/Li10GeP2S12 (bare NMC811)", "[9]"),
        ("Li-In/LSPS/Li2S all-solid-state Li-S battery", "[59]"),
    }


def test_cq11_three_anode_interface_types(store):
    assert [(r["answer"], r["example"]) for r in answer(store, "CQ11")] == [
        ("continuously reactive interface", "Li/LGPS (Li metal | Li10GeP2S12)"),
        ("kinetically stable interface", "Li/LLZO (Li metal | Li7La3Zr2O12)"),
        ("self-limiting reactive interface", "Li/Li3ClO (Li metal | Li3ClO)"),
    ]


def test_cq12_nmr_on_the_continuously_reactive_interface(store):
    assert [(r["answer"], r["reference"]) for r in answer(store, "CQ12")] == [
        ("three-dimensional magnetic resonance imaging", "[74]")]


def test_cq14_references_in_synchrotron_and_nmr_tables(store):
    assert answers(store, "CQ14") == ["[44]"]


def test_cq17_table4_sodium_references(store):
    [row] = answer(store, "CQ17")
    assert row["answer"] == "5"
    assert sorted(row["references"].split(), key=lambda r: int(r.strip("[]"))) == \
        ["[65]", "[86]", "[89]", "[91]", "[93]"]


def test_cq20_nuclei_of_table4(store):
    assert sorted(answers(store, "CQ20")) == sorted(["6Li", "7Li", "23Na", "27Al", "31P", "45Sc", "71Ga"])


def test_cq22_ionic_motion_in_table9(store):
    assert answers(store, "CQ22") == ["Dynamic NMR", "MRI", "INS", "QENS"]


def test_cq23_electronic_structure_in_table9(store):
    assert answers(store, "CQ23") == ["XPS", "XAS", "MAS NMR"]


def test_cq27_negative_coherent_scattering_lengths(store):
    assert {(r["answer"], r["length"]) for r in answer(store, "CQ27")} == {
        ("H", "-3.739"), ("Li", "-1.9"), ("7Li", "-2.22"), ("Ti", "-3.438"), ("V", "-0.3824"), ("Mn", "-3.73")}


def test_cq28_largest_absorption_cross_section(store):
    [row] = answer(store, "CQ28")
    assert (row["answer"], row["value"], row["unit"]) == ("6Li (7.5%)", "940", "barn")


def test_cq30_activation_energies_in_li6ps5x(store):
    rows = {(r["answer"], r["where"], r["reference"]) for r in answer(store, "CQ30")}
    assert rows == {("0.27 eV", "grain boundaries in Li6PS5X (X = Cl, Br)", "[71]"),
                    ("~ 0.20 eV", "Li6PS5X (X = Cl, Br)", "[71]")}


def test_cq31_three_dimensional_transport_in_lgps(store):
    [row] = answer(store, "CQ31")
    assert "257 K" in row["answer"] and row["reference"] == "[90]"


def test_cq35_jump_length_in_li7p3s11(store):
    [row] = answer(store, "CQ35")
    assert (row["answer"], row["technique"]) == ("[126]", "quasielastic neutron scattering")


def test_cq39_materials_in_nmr_and_neutron_tables(store):
    assert answers(store, "CQ39") == ["Li2S", "Li7La3Zr2O12"]


@pytest.mark.parametrize("path", sorted([*CQ.glob("*.rq"), *(REPO / "queries" / "examples").glob("*.rq")]),
                         ids=lambda p: p.name)
def test_every_shipped_query_runs_and_answers(store, path):
    result = store.query(path.read_text(encoding="utf-8"))
    assert result.kind != "select" or len(result.rows()) > 0
