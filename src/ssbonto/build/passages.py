"""Studies the review tells in a passage of its text rather than in a table row, with each use of a
technique in them: `ontology/review/passage-studies.tsv` (one line per study) and
`ontology/review/passage-measurements.tsv` (one line per technique used in a study). This is where
`ssbonto contribute` writes another lab's study description (docs/contributing.md).

A study is `id/study/<key>`; its measurements `id/measurement/<key>-<technique>`, each with its own
mode, stimulus, nuclei and measurands, and linked from the findings (quantities.tsv keys) it reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Literal
from rdflib.namespace import SKOS

from ..errors import Problem
from ..namespaces import ID, SSB

STUDIES_FILE = "passage-studies.tsv"
MEASUREMENTS_FILE = "passage-measurements.tsv"
COLUMNS = {
    STUDIES_FILE: ["key", "label", "subject", "statement", "source", "refs", "note"],
    MEASUREMENTS_FILE: ["study", "technique", "label", "subject", "mode", "stimulus", "nuclei", "measurands",
                        "reports", "refs", "note"],
}
RESERVED_KEY = re.compile(r"^(table-\d+-row-\d+|finding-.*)$")  # the IRIs of table rows and finding measurements


@dataclass
class PassageMeasurement:
    origin: object
    study: str
    technique: str
    label: str
    subject: str
    mode: str
    stimulus: str
    nuclei: list[str]
    measurands: list[str]
    reports: list[str]
    refs: list[int]
    note: str


@dataclass
class PassageStudy:
    origin: object
    key: str
    label: str
    subject: str
    statement: str
    source: str
    refs: list[int]
    note: str
    measurements: list[PassageMeasurement]


def load(curator, origin, refs, source, nuclei) -> list[PassageStudy]:
    """Both tables as studies with their measurements (`curator` reads and remembers the rows; the
    other arguments are curation's cell readers)."""
    vocabulary = curator.vocabulary
    studies: list[PassageStudy] = []
    for row in curator.table(STUDIES_FILE):
        key = row.slug("key")
        if key and RESERVED_KEY.match(key):
            row.problem("key", f"{key!r} has the form of a table row's or a finding's IRI; choose another key")
        source_text = source(row)
        if source_text and not source_text.startswith("Section: "):
            row.problem("source", "a passage study comes from a section of the review ('Section: <part> / "
                                  "<heading>'); a printed table row belongs in studies.tsv")
        studies.append(PassageStudy(origin(row), key, row.text("label", True), row.slug("subject"),
                                    row.text("statement", True), source_text, refs(row), row.text("note"), []))
    by_key = {study.key: study for study in studies}
    for row in curator.table(MEASUREMENTS_FILE):
        study = by_key.get(row.slug("study"))
        if study is None:
            row.problem("study", f"unknown passage study {row.cells['study']!r} (passage-studies.tsv)")
        measurement = PassageMeasurement(
            origin(row), row.cells["study"], row.choice("technique", vocabulary.techniques, "technique class",
                                                        required=True),
            row.text("label"), row.slug("subject", required=False),
            row.choice("mode", vocabulary.modes, "measurement mode"),
            row.choice("stimulus", vocabulary.stimuli, "stimulus"), nuclei(row),
            row.choices("measurands", vocabulary.observables, "measurand"),
            [item for item in row.values("reports")], refs(row, required=False), row.text("note"))
        if study is not None:
            if any(m.technique == measurement.technique for m in study.measurements):
                row.problem("technique", f"study {study.key!r} uses {measurement.technique} twice; one line per "
                                         "technique")
            study.measurements.append(measurement)
    return studies


def cross_check(studies: list[PassageStudy], subjects: set[str], findings: set[str], table_keys: set[str],
                check_refs) -> list[Problem]:
    problems: list[Problem] = []

    def bad(origin, column: str, reason: str):
        problems.append(Problem(origin.file, origin.line, column, reason))

    seen: dict[str, object] = {}
    reported: dict[str, object] = {}
    for study in studies:
        if study.key in seen:
            bad(study.origin, "key", f"passage study key {study.key!r} already used at "
                                     f"{seen[study.key].file}:{seen[study.key].line}")
        seen.setdefault(study.key, study.origin)
        if study.subject not in subjects:
            bad(study.origin, "subject", f"unknown material, interface or cell key {study.subject!r}")
        if not study.measurements:
            bad(study.origin, "key", f"study {study.key!r} has no line in passage-measurements.tsv; a study uses "
                                     "at least one technique")
        check_refs(study)
        for measurement in study.measurements:
            if measurement.subject and measurement.subject not in subjects:
                bad(measurement.origin, "subject", f"unknown material, interface or cell key {measurement.subject!r}")
            for key in measurement.reports:
                if key not in findings:
                    bad(measurement.origin, "reports", f"unknown finding {key!r} (a key of quantities.tsv)")
                elif key in reported:
                    bad(measurement.origin, "reports", f"finding {key!r} is reported by another measurement "
                                                       f"already ({reported[key].file}:{reported[key].line})")
                reported.setdefault(key, measurement.origin)
            if measurement.refs:
                check_refs(measurement)
    for key in sorted(set(seen) & table_keys):
        bad(seen[key], "key", f"{key!r} is also a table row's study key")
    return problems


def populate(populator, studies: list[PassageStudy], kebab) -> None:
    """The passage studies, their measurements, and the findings they report, into the graph
    (`kebab` names a technique in a measurement's IRI, as for table rows)."""
    for study in studies:
        iri = populator.individual(ID[f"study/{study.key}"], SSB.Study, study.label)
        subject = populator.subject_iris[study.subject]
        populator.add(iri, SSB.hasSubject, subject)
        populator.add(iri, SSB.statement, Literal(study.statement))
        populator.from_source(iri, study.source)
        populator.cites(iri, study.refs)
        populator.note(iri, study.note)
        populator.curated(iri, study.origin)
        for m in study.measurements:
            technique = populator.vocabulary.techniques[m.technique]
            measurement = populator.individual(ID[f"measurement/{study.key}-{kebab(m.technique)}"], technique,
                                               m.label or f"{populator.term_label(technique)} ({study.label})")
            populator.add(measurement, SSB.hasSubject, populator.subject_iris[m.subject or study.subject])
            populator.add(measurement, SSB.partOfStudy, iri)
            populator.cites(measurement, m.refs or study.refs)
            if m.mode:
                populator.add(measurement, SSB.hasMeasurementMode, populator.vocabulary.modes[m.mode])
            if m.stimulus:
                populator.add(measurement, SSB.hasStimulus, populator.vocabulary.stimuli[m.stimulus])
            for nuclide in m.nuclei:
                populator.add(measurement, SSB.probesNucleus, ID[f"nuclide/{nuclide}"])
            for measurand in m.measurands:
                populator.add(measurement, SSB.measures, populator.vocabulary.observables[measurand])
            for key in m.reports:
                populator.add(ID[f"finding/{key}"], SSB.reportedBy, measurement)
            populator.from_source(measurement, study.source)
            if m.note:
                populator.add(measurement, SKOS.editorialNote, Literal(m.note, lang="en"))
            populator.curated(measurement, m.origin)


def nuclei_used(studies: list[PassageStudy]) -> set[str]:
    return {nuclide for study in studies for m in study.measurements for nuclide in m.nuclei}

