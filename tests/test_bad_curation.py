"""A bad curated row stops the build with file, row, column and reason; the last release stays."""

from __future__ import annotations

import shutil

import pytest

from ssbonto.build import build, load_tbox
from ssbonto.build.curation import Curator
from ssbonto.errors import BuildError, ReasoningError
from ssbonto.build.vocabulary import Vocabulary


def edit_row(path, line_number: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    cells = lines[line_number - 1].split("\t")
    cells[header.index(column)] = value
    lines[line_number - 1] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


def find_line(path, startswith: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith(startswith):
            return number
    raise AssertionError(f"no line starting with {startswith!r} in {path}")


def problems_of(sources) -> list[str]:
    with pytest.raises(BuildError) as error:
        Curator(sources, Vocabulary.from_tbox(load_tbox(sources))).load()
    return [str(p) for p in error.value.problems]


def test_unknown_technique(sources):
    studies = sources / "ontology/review/studies.tsv"
    edit_row(studies, 2, "techniques", "SynchrotronXRayDifraction")
    assert problems_of(sources) == [
        "ontology/review/studies.tsv:2: column 'techniques': unknown technique class "
        "'SynchrotronXRayDifraction' (did you mean SynchrotronXRayDiffraction, SynchrotronXRayTechnique, "
        "NeutronDiffraction?)"]


def test_unknown_material_key(sources):
    studies = sources / "ontology/review/studies.tsv"
    edit_row(studies, 3, "subject", "no-such-material")
    assert problems_of(sources) == [
        "ontology/review/studies.tsv:3: column 'subject': unknown material, interface or cell key "
        "'no-such-material'"]


def test_unparseable_formula(sources):
    materials = sources / "ontology/review/materials.tsv"
    line = find_line(materials, "llzo\t")
    edit_row(materials, line, "formula", "Li7La3Zr2Q12")
    assert problems_of(sources) == [
        f"ontology/review/materials.tsv:{line}: column 'formula': cannot parse formula 'Li7La3Zr2Q12' "
        "at character 10: 'Q' is not an element symbol"]


def test_unit_not_in_qudt(sources):
    quantities = sources / "ontology/review/quantities.tsv"
    edit_row(quantities, 2, "unit", "FURLONG-PER-FORTNIGHT")
    assert problems_of(sources) == [
        "ontology/review/quantities.tsv:2: column 'unit': unit 'FURLONG-PER-FORTNIGHT' is not a QUDT unit "
        "listed in ontology/units.tsv"]


def test_unit_of_the_wrong_kind(sources):
    quantities = sources / "ontology/review/quantities.tsv"
    line = find_line(quantities, "li6ps5x-bulk-activation-energy\t")
    edit_row(quantities, line, "unit", "K")
    [problem] = problems_of(sources)
    assert problem.startswith(f"ontology/review/quantities.tsv:{line}: column 'unit': unit 'K' measures ")
    assert problem.endswith("not Energy or MolarEnergy as ActivationEnergy requires")


def test_incomplete_row(sources):
    references = sources / "ontology/review/references.tsv"
    text = references.read_text(encoding="utf-8").split("\n")
    text[4] = "\t".join(text[4].split("\t")[:5])
    references.write_text("\n".join(text), encoding="utf-8")
    assert problems_of(sources) == ["ontology/review/references.tsv:5: has 5 cells but the header has 12"]


def test_bad_reference_number_and_missing_required_cell(sources):
    studies = sources / "ontology/review/studies.tsv"
    edit_row(studies, 2, "refs", "31;135")
    edit_row(studies, 4, "finding", "")
    assert problems_of(sources) == [
        "ontology/review/studies.tsv:2: column 'refs': reference '135' is not a number in 1–134",
        "ontology/review/studies.tsv:4: column 'finding': is empty but required"]


def test_every_bad_row_is_reported_at_once(sources):
    studies = sources / "ontology/review/studies.tsv"
    edit_row(studies, 2, "mode", "Sideways")
    edit_row(studies, 5, "stimulus", "Moonlight")
    assert problems_of(sources) == [
        "ontology/review/studies.tsv:2: column 'mode': unknown measurement mode 'Sideways'",
        "ontology/review/studies.tsv:5: column 'stimulus': unknown stimulus 'Moonlight'"]


def test_failed_build_leaves_the_last_good_release(built, sources, tmp_path):
    release = tmp_path / "release"
    good = tmp_path / ".release-builds" / "good"
    shutil.copytree(built.release.resolve(), good)
    release.symlink_to(good)
    checksums = (release / "SHA256SUMS").read_bytes()
    edit_row(sources / "ontology/review/studies.tsv", 2, "techniques", "NotATechnique")
    with pytest.raises(BuildError):
        build(sources, release)
    assert release.resolve() == good.resolve()
    assert (release / "SHA256SUMS").read_bytes() == checksums


def test_inconsistency_names_the_individuals(sources, tmp_path):
    # Interface types of the review are pairwise disjoint: one interface cannot be two of them.
    interfaces = sources / "ontology/review/interfaces.tsv"
    with interfaces.open("a", encoding="utf-8") as out:
        out.write("\nli--lgps-bis\tclash\tKineticallyStableInterface\tli\tlgps\t\tSection: Introduction\t4\t\n")
    tbox = sources / "ontology/ssbonto.ttl"
    tbox.write_text(tbox.read_text(encoding="utf-8") + """
<https://w3id.org/ssbonto/id/interface/li--lgps-bis> a <https://w3id.org/ssbonto/def/ContinuouslyReactiveInterface> .
""", encoding="utf-8")
    with pytest.raises(ReasoningError) as error:
        build(sources, tmp_path / "release")
    message = str(error.value)
    assert "inconsistent" in message
    assert "individuals involved: https://w3id.org/ssbonto/id/interface/li--lgps-bis" in message


def test_unsatisfiable_class_is_named(sources, tmp_path):
    # The technique families are pairwise disjoint: a class under two of them can have no member.
    tbox = sources / "ontology/ssbonto.ttl"
    tbox.write_text(tbox.read_text(encoding="utf-8") + """
<https://w3id.org/ssbonto/def/ImpossibleTechnique> a <http://www.w3.org/2002/07/owl#Class> ;
    <http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://w3id.org/ssbonto/def/SynchrotronXRayTechnique>,
        <https://w3id.org/ssbonto/def/NeutronScatteringTechnique> .
""", encoding="utf-8")
    with pytest.raises(ReasoningError) as error:
        build(sources, tmp_path / "release")
    assert str(error.value) == "reasoner: unsatisfiable classes: https://w3id.org/ssbonto/def/ImpossibleTechnique"
    assert not (tmp_path / "release").exists()


@pytest.mark.parametrize("table, row_start, column, value, reason", [
    ("studies.tsv", "2\t2\t", "subject_printed", "LiCoO2/80Li2S·20P2S5;LiCoO2/Li3PO4/80Li2S·20P2S5;LiCoO2",
     "gives 3 printed forms for 2 subjects: one per printed subject, in the order of 'subject'"),
    ("studies.tsv", "1\t1\t", "subject", "li10gep2s12-xox;li10gep2s12-xox", "names a subject twice"),
    ("materials.tsv", "80li2s-20p2s5\t", "components", "li2s",
     "only a composite electrolyte (CompositeElectrolyte) has components, not a ThiophosphateElectrolyte"),
    ("materials.tsv", "llzo-peo\t", "components", "llzo;no-such-polymer", "unknown material key 'no-such-polymer'"),
    ("quantities.tsv", "lagp-crystallization-onset-temperature\t", "events", "CrystallisationOnset",
     "unknown process event 'CrystallisationOnset' (did you mean CrystallizationOnset?)"),
    ("references.tsv", "1\t", "printed", "P. Albertus et al., *Nat. Energy* 3 (1) (2018) 16.",
     "holds Markdown ('*'): write the reference line as plain text; pages set the journal in italics from 'container'"),
], ids=["printed-forms-beyond-subjects", "subject-twice", "components-of-a-glass", "unknown-component",
        "unknown-event", "markdown-in-a-reference"])
def test_a_bad_cell_of_the_new_columns(sources, table, row_start, column, value, reason):
    path = sources / "ontology/review" / table
    line = find_line(path, row_start)
    edit_row(path, line, column, value)
    assert problems_of(sources) == [f"ontology/review/{table}:{line}: column '{column}': {reason}"]
