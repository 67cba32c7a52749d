"""Contributions: a lab's study description becomes curated rows (`ssbonto contribute`), and building
the patched tables gives back the same facts. End to end: the example goes through the /validate page
in Chromium and POST /api/validate over a real socket, through `ssbonto contribute --apply` on a copy
of the sources, into a build whose release holds its facts; the three other examples (written from
other passages of the review) go the same way into the same build. And what cannot become rows is
refused, with the reason."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from ssbonto.answers.contribute import Contributor, NotContributable, contribute
from ssbonto.answers.validation import DocumentValidator, format_of, parse_document, read_graph
from ssbonto.build import build
from ssbonto.namespaces import SSB
from ssbonto.store import EmbeddedStore

from conftest import REPO, VERSION
from test_ui_browser import WAIT, browser  # noqa: F401  (the module's headless Chromium)

EXAMPLES = REPO / "examples"
EXAMPLE = EXAMPLES / "high-pressure-na3sbs4-study.jsonld"
OTHERS = [EXAMPLES / "ga-al-llzo-line-narrowing-study.jsonld", EXAMPLES / "latp-t1rho-relaxometry-study.ttl",
          EXAMPLES / "li7p3s11-qens-study.ttl"]
ID = "https://w3id.org/ssbonto/id/"


def description(path: Path, validator: DocumentValidator) -> Graph:
    return read_graph(path, format_of(path, None), 10**7, validator.local_contexts)


def run_cli(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ssbonto.cli", *map(str, argv)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


def comparable(term):
    """Literals by value where their datatype is a number (the tables write 180 as 180.0)."""
    if isinstance(term, Literal) and term.datatype in (XSD.decimal, XSD.integer, XSD.double):
        return ("number", Decimal(str(term)))
    return term


def missing_facts(described: Graph, iris: dict[str, str], released: Graph) -> list[tuple]:
    """The description's statements (under ssbonto's IRIs) that the release does not hold, the
    labels of findings aside (the tables name a finding by its value and sentence)."""
    held = {tuple(comparable(t) for t in triple) for triple in released}
    findings = set(described.subjects(RDF.type, SSB.Finding))
    missing = []
    for s, p, o in described:
        if p == RDFS.label and s in findings:
            continue
        renamed = tuple(comparable(URIRef(iris.get(str(t), str(t))) if isinstance(t, URIRef) else t) for t in (s, p, o))
        if renamed not in held:
            missing.append(renamed)
    return missing


# -- end to end --------------------------------------------------------------------------------------

def test_a_study_goes_from_the_validate_page_to_a_release(browser, live_server, sources, tmp_path):  # noqa: F811
    # 1. the lab checks it on the page, in Chromium
    browser.get(live_server + "/validate")
    browser.find_element(By.ID, "file").send_keys(str(EXAMPLE))
    browser.find_element(By.ID, "validate").click()
    verdict = WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "verdict")))
    assert verdict.text == (f"The document conforms to the shapes of ssbonto {VERSION}: 0 violation(s), "
                            "0 warning(s) in 48 triples.")
    # 2. and its pipeline checks it with the API
    answer = requests.post(live_server + "/api/validate", data=EXAMPLE.read_bytes(),
                           headers={"Content-Type": "application/ld+json"}, timeout=120)
    assert answer.json() == {"conforms": True, "ssbonto": VERSION, "triples": 48, "results": []}
    # 3. the patch it would make applies as it is, and --apply writes the same rows
    patched = tmp_path / "patched"
    shutil.copytree(sources, patched)
    patch = run_cli("contribute", EXAMPLE, "--sources", patched)
    assert patch.returncode == 0, patch.stderr
    subprocess.run(["git", "apply", "--unsafe-paths", f"--directory={patched.relative_to(tmp_path)}", "-"],
                   input=patch.stdout, text=True, cwd=tmp_path, check=True, timeout=60)
    applied = run_cli("contribute", EXAMPLE, "--apply", "--sources", sources)
    assert applied.returncode == 0, applied.stderr
    assert "added 5 rows to ontology/review/materials.tsv, ontology/review/quantities.tsv, " \
           "ontology/review/passage-studies.tsv, ontology/review/passage-measurements.tsv" in applied.stderr
    for table in ("materials.tsv", "quantities.tsv", "passage-studies.tsv", "passage-measurements.tsv"):
        assert (patched / "ontology" / "review" / table).read_text() == \
            (sources / "ontology" / "review" / table).read_text(), table
    # the three other descriptions join the same tables (what the example mapped to, seen from the repository)
    validator = DocumentValidator(sources)
    results = {EXAMPLE.name: contribute({"x": description(EXAMPLE, DocumentValidator(REPO))}, REPO)}
    for other in OTHERS:
        results[other.name] = contribute({"x": description(other, validator)}, sources, validator)
        results[other.name].apply(sources)
        validator = DocumentValidator(sources)
    # 4. the build holds every fact of every description, under ssbonto's IRIs
    built = build(sources, tmp_path / "release")
    released = built.graphs.ontology + built.graphs.knowledge + built.graphs.inferred
    for path in [EXAMPLE, *OTHERS]:
        assert missing_facts(description(path, DocumentValidator(REPO)), results[path.name].iris, released) == [], \
            path.name
    store = EmbeddedStore(built.release)
    rows = store.query("""SELECT ?technique ?measurand WHERE {
        study:na3sbs4-under-pressure ssb:hasSubject material:na3sbs4-tetragonal .
        ?m ssb:partOfStudy study:na3sbs4-under-pressure ; a ?technique ; ssb:measures ?measurand .
        ?technique rdfs:subClassOf ssb:SupportingMethod }""").rows()
    assert rows == [{"technique": str(SSB.RamanSpectroscopy), "measurand": str(SSB.PhaseComposition)}]
    [material] = store.query("""SELECT ?formula (GROUP_CONCAT(?symbol; separator=" ") AS ?elements) WHERE {
        material:latp-x-0-35 ssb:formula ?formula ; ssb:hasElement/ssb:elementSymbol ?symbol ;
                             ssb:isVariantOf material:latp } GROUP BY ?formula""").rows()
    assert material["formula"] == "Li1.35Al0.35Ti1.65(PO4)3"
    assert sorted(material["elements"].split()) == ["Al", "Li", "O", "P", "Ti"]


def test_the_example_gives_these_rows():
    result = contribute({"x": description(EXAMPLE, DocumentValidator(REPO))}, REPO)
    assert result.rows["materials.tsv"] == [{
        "key": "na3sbs4-tetragonal", "label": "tetragonal Na3SbS4 superionic conductor", "formula_printed": "Na3SbS4",
        "formula": "Na3SbS4", "class": "OtherInorganicElectrolyte", "variant_of": "na3sbs4", "roles": "Electrolyte",
        "acronyms": "", "source": "Section: Synchrotron X-ray techniques / Structural investigations of solid-state "
                                  "electrolytes (SSEs)", "refs": "", "note": ""}]
    [adxrd, raman] = result.rows["passage-measurements.tsv"]
    assert (adxrd["technique"], adxrd["mode"], adxrd["stimulus"], adxrd["measurands"], adxrd["reports"]) == (
        "AngleDispersiveXRayDiffraction", "InSitu", "PressureStimulus",
        "LatticeParameters;PhaseComposition;StrainAndStress", "na3sbs4-under-pressure-pressure-range")
    assert (raman["technique"], raman["measurands"], raman["reports"]) == ("RamanSpectroscopy", "PhaseComposition", "")
    [finding] = result.rows["quantities.tsv"]
    assert (finding["subject"], finding["quantity"], finding["min"], finding["max"], finding["unit"],
            finding["approximate"], finding["printed"]) == (
        "na3sbs4-tetragonal", "Pressure", "0.2", "2.0", "GigaPA", "no", "0.2 to 2.0 GPa")
    assert result.not_kept == [
        'the label of the finding <https://example.org/pressure-lab/finding/pressure-range> ("0.2 to 2.0 GPa: '
        'pressure range of the in-situ study"): ssbonto labels a finding by its printed value and its sentence']


# -- what cannot become rows -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def contributor():
    return Contributor(REPO)


@pytest.fixture(scope="module")
def example_document() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def refusal(contributor, document: dict) -> list[str]:
    """The reasons the contributor refuses `document` (read as the validator reads it; not validated first)."""
    validator = DocumentValidator(REPO)
    data = parse_document(json.dumps(document).encode(), "jsonld", "file:///lab.jsonld", validator.local_contexts)
    with pytest.raises(NotContributable) as refused:
        contributor.contribute(data)
    return refused.value.problems


def edited(document: dict, change) -> dict:
    copy = json.loads(json.dumps(document))
    change({node["@id"].rsplit("/", 1)[-1]: node for node in copy["@graph"]})
    return copy


LAB = "https://example.org/pressure-lab/"


def test_a_table_row_an_interface_and_a_blank_node_are_refused(contributor, example_document):
    def table_row(nodes):
        nodes["na3sbs4-under-pressure"].update({"sourceTable": "ssbid:table/1", "sourceRow": 12})
        del nodes["na3sbs4-under-pressure"]["sourceSection"]

    assert refusal(contributor, edited(example_document, table_row)) == [
        f"the study <{LAB}study/na3sbs4-under-pressure> names a table row of the review; every printed row is "
        "curated already (studies.tsv): describe a study the review tells in a passage of its text, with "
        "ssb:sourceSection"]

    def interface(nodes):
        nodes["na3sbs4-tetragonal"]["type"] = "GrainBoundary"

    problems = refusal(contributor, edited(example_document, interface))
    assert f"<{LAB}material/na3sbs4-tetragonal> is a new interface; `ssbonto contribute` adds materials, studies, " \
           "measurements and findings — add the interface to interfaces.tsv by hand" in problems

    def blank(nodes):
        del nodes["pressure-range"]["@id"]  # the finding's quantity, and the finding, lose their IRI

    assert "a node without an IRI (a blank node) cannot become a curated row; give every study, measurement, " \
           "finding, quantity and material an IRI" in refusal(contributor, edited(example_document, blank))


def test_facts_no_cell_holds_are_refused_and_named(contributor, example_document):
    def extra(nodes):
        nodes["na3sbs4-tetragonal"]["ssb:density"] = "3.2"  # a property of no table (not even of ssbonto)
        nodes["raman-under-pressure"]["hasStimulus"] = ["ssb:PressureStimulus", "ssb:TemperatureStimulus"]

    problems = refusal(contributor, edited(example_document, extra))
    assert f"no table holds <{LAB}material/na3sbs4-tetragonal> ssb:density \"3.2\"" in problems
    assert f"<{LAB}measurement/raman-under-pressure> has 2 values of ssb:hasStimulus; the curated tables hold one " \
           "stimulus" in problems


def test_a_formula_that_disagrees_with_its_elements_and_a_kind_the_tables_would_not_give(contributor,
                                                                                          example_document):
    def wrong(nodes):
        nodes["na3sbs4-tetragonal"]["hasElement"] = ["ssbid:element/Na", "ssbid:element/Sb"]
        nodes["pressure-range"]["qudt:hasQuantityKind"] = {"@id": "quantitykind:Pressure"}

    problems = refusal(contributor, edited(example_document, wrong))
    assert f"the formula Na3SbS4 of <{LAB}material/na3sbs4-tetragonal> has the elements Na, S, Sb, but the " \
           "description names Na, Sb (ssb:hasElement)" in problems
    assert any(p.startswith(f"the quantity <{LAB}quantity/pressure-range> has the kind quantitykind:Pressure; "
                            "ssbonto gives a Pressure in unit:GigaPA the kind quantitykind:")
               for p in problems), problems


def test_changing_ssbontos_own_individuals_is_refused(contributor, example_document):
    document = json.loads(json.dumps(example_document))
    document["@graph"].append({"@id": "ssbid:material/llzo", "acronym": "LLZ"})
    document["@graph"].append({"@id": "ssbid:material/na3sbs4", "formula": "Na3SbS4"})  # already so: fine
    problems = refusal(contributor, document)
    assert problems == [f"the description says of ssbonto's own <{ID}material/llzo>: ssb:acronym \"LLZ\"; a "
                        "contribution adds new individuals and leaves ssbonto's as they are"]


def test_a_description_that_does_not_conform_is_not_contributed(tmp_path):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for node in document["@graph"]:
        node.pop("hasStimulus", None)
    path = tmp_path / "study.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = run_cli("contribute", path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines()[0] == f"cannot contribute {path}:"
    assert "ssb:hasStimulus: an ssb:InSitu measurement names its stimulus" in done.stderr
    unreadable = tmp_path / "broken.ttl"
    unreadable.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b", encoding="utf-8")
    done = run_cli("contribute", unreadable)
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"error: {unreadable}: line 2, column 10: Unexpected end")
