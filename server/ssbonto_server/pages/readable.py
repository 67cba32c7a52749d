"""Which readable page an IRI gets, above its raw statements: a technique class, a studied entity
(material, interface, cell), a measurand, an information kind, a reference, a study or a finding;
anything else shows only its statements."""

from __future__ import annotations

from dataclasses import dataclass

from .concept_page import read_information_kind, read_measurand
from .entity_page import read_entity
from .reading import SSB, Reader, iri_term
from .record_pages import read_finding, read_reference, read_study
from .technique_page import read_technique


@dataclass
class Readable:
    template: str  # under templates/readable/
    page: object


def readable(reader: Reader, iri: str, arguments: dict[str, str]) -> Readable | None:
    if reader.hierarchy.is_technique(iri):
        return Readable("technique.html", read_technique(reader, iri, arguments))
    kind = reader.kind_of(iri)
    if kind in ("material", "interface", "cell"):
        return Readable("entity.html", read_entity(reader, iri, kind, arguments))
    if kind == "reference":
        return Readable("reference.html", read_reference(reader, iri, arguments))
    if kind == "study":
        return Readable("study.html", read_study(reader, iri, arguments))
    if kind == "finding":
        return Readable("finding.html", read_finding(reader, iri))
    types = {row["t"] for row in reader.rows(f"SELECT ?t WHERE {{ {iri_term(iri)} a ?t }}")}
    if SSB + "Measurand" in types:
        return Readable("concept.html", read_measurand(reader, iri, arguments))
    if SSB + "InformationKind" in types:
        return Readable("concept.html", read_information_kind(reader, iri, arguments))
    return None
