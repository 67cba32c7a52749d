"""The SSSOM mapping table in ontology/alignments/ and the OWL alignment module derived from it.

The table is the curated source; the module (`ssbonto-alignments.ttl`) is generated from it by
`python -m ssbonto.interop.alignments` and never edited by hand. Only rows that say the target is the same
as or broader than our class (skos:exactMatch, skos:broadMatch) between two classes become
rdfs:subClassOf axioms: never owl:equivalentClass (the targets sit on other foundational
ontologies, BFO and EMMO), never axioms about the targets' own terms (no namespace hijacking).
Every other row is kept as a SKOS annotation on our term; negated rows (predicate_modifier Not)
and "no match" rows (sssom:NoTermFound) stay in the table only.

sssom-py validates the table in the tests; it is far too heavy to be a runtime dependency, so this
module reads the TSV with the standard library.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..errors import BuildError, Problem
from ..namespaces import BASE, ONTOLOGY_IRI, bind_prefixes
from ..prefixes import ALIGNED_PREFIXES

TABLE = Path("ontology") / "alignments" / "ssbonto.sssom.tsv"
METADATA = Path("ontology") / "alignments" / "ssbonto.sssom.yml"
MODULE = Path("ontology") / "alignments" / "ssbonto-alignments.ttl"
CATALOG = Path("ontology") / "alignments" / "catalog-v001.xml"

MODULE_IRI = URIRef(BASE + "alignments")
NO_TERM_FOUND = "sssom:NoTermFound"
COLUMNS = ["subject_id", "subject_label", "subject_type", "predicate_id", "predicate_modifier", "object_id",
           "object_label", "object_type", "mapping_justification", "object_source", "object_source_version",
           "comment"]
PREDICATES = {"skos:exactMatch": SKOS.exactMatch, "skos:closeMatch": SKOS.closeMatch,
              "skos:broadMatch": SKOS.broadMatch, "skos:narrowMatch": SKOS.narrowMatch}
# The target is the same as, or broader than, our class: our class may be asserted its subclass.
SUBCLASS_PREDICATES = {"skos:exactMatch", "skos:broadMatch"}
ENTITY_TYPES = {"owl class", "owl named individual", ""}


@dataclass(frozen=True)
class Mapping:
    line: int
    subject: URIRef
    subject_label: str
    subject_type: str
    predicate: str
    negated: bool
    object_id: str
    object: URIRef | None  # None for "no match" rows
    object_label: str
    object_type: str
    source: str
    source_version: str
    comment: str

    @property
    def no_match(self) -> bool:
        return self.object is None

    @property
    def gives_subclass_axiom(self) -> bool:
        return (not self.negated and not self.no_match and self.predicate in SUBCLASS_PREDICATES
                and self.subject_type == "owl class" and self.object_type == "owl class")


def read_prefixes(metadata: Path) -> dict[str, str]:
    """The curie_map of the SSSOM metadata file (a flat YAML block; read without a YAML library)."""
    prefixes: dict[str, str] = {}
    inside = False
    for raw in metadata.read_text(encoding="utf-8").splitlines():
        if raw.startswith("curie_map:"):
            inside = True
            continue
        if inside:
            if not raw.startswith("  ") or not raw.strip():
                break
            name, _, value = raw.strip().partition(":")
            prefixes[name.strip()] = value.strip()
    if not prefixes:
        raise BuildError(Problem(str(metadata), None, None, "has no curie_map"))
    return prefixes


def expand(curie: str, prefixes: dict[str, str], where: str, line: int) -> URIRef:
    prefix, colon, local = curie.partition(":")
    if not colon or prefix not in prefixes:
        raise BuildError(Problem(where, line, None, f"'{curie}' is not a CURIE with a prefix of the curie_map"))
    return URIRef(prefixes[prefix] + local)


def load_mappings(sources: Path) -> list[Mapping]:
    """Rows of the SSSOM table as Mapping records; a bad row stops with file, line and reason."""
    table, metadata = sources / TABLE, sources / METADATA
    prefixes = read_prefixes(metadata)
    where = str(TABLE)
    problems: list[Problem] = []
    mappings: list[Mapping] = []
    with table.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header != COLUMNS:
        raise BuildError(Problem(where, 1, None, f"header must be {' '.join(COLUMNS)}"))
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(COLUMNS):
            problems.append(Problem(where, line, None, f"has {len(cells)} cells, expected {len(COLUMNS)}"))
            continue
        row = dict(zip(COLUMNS, cells))
        try:
            mappings.append(_mapping(row, line, prefixes, where))
        except BuildError as error:
            problems.extend(error.problems)
    if problems:
        raise BuildError(problems)
    return mappings


def _mapping(row: dict[str, str], line: int, prefixes: dict[str, str], where: str) -> Mapping:
    def fail(column: str, reason: str):
        raise BuildError(Problem(where, line, column, reason))

    if row["predicate_id"] not in PREDICATES:
        fail("predicate_id", f"'{row['predicate_id']}' is not one of {', '.join(PREDICATES)}")
    if row["predicate_modifier"] not in ("", "Not"):
        fail("predicate_modifier", "must be empty or Not")
    for column in ("subject_type", "object_type"):
        if row[column] not in ENTITY_TYPES:
            fail(column, f"'{row[column]}' is not one of {', '.join(sorted(t for t in ENTITY_TYPES if t))}")
    no_match = row["object_id"] == NO_TERM_FOUND
    if no_match and (row["predicate_modifier"] or row["object_label"]):
        fail("object_id", "a sssom:NoTermFound row has no object label and no modifier")
    if (no_match or row["predicate_modifier"]) and not row["comment"].strip():
        fail("comment", "a no-match or negated row must say why in its comment")
    if not no_match and not (row["object_label"] and row["object_source"] and row["object_source_version"]):
        fail("object_label", "a mapping needs the target's label, source and version")
    subject = expand(row["subject_id"], prefixes, where, line)
    if not str(subject).startswith(str(ONTOLOGY_IRI) + "/"):
        fail("subject_id", "subjects are ssbonto terms (ssb:)")
    return Mapping(line, subject, row["subject_label"], row["subject_type"], row["predicate_id"],
                   row["predicate_modifier"] == "Not", row["object_id"],
                   None if no_match else expand(row["object_id"], prefixes, where, line),
                   row["object_label"], row["object_type"], row["object_source"], row["object_source_version"],
                   row["comment"])


def alignment_module(mappings: list[Mapping], version: str) -> Graph:
    """The OWL module a user imports next to ssbonto and the target ontologies to merge them."""
    graph = bind_prefixes(Graph())
    for prefix, namespace in ALIGNED_PREFIXES.items():
        if prefix != "CHMO":  # CHMO_ is not a namespace of its own in Turtle
            graph.bind(prefix, namespace)
    graph.add((MODULE_IRI, RDF.type, OWL.Ontology))
    graph.add((MODULE_IRI, OWL.versionIRI, URIRef(f"{BASE}release/{version}/alignments")))
    graph.add((MODULE_IRI, OWL.versionInfo, Literal(version)))
    graph.add((MODULE_IRI, OWL.imports, ONTOLOGY_IRI))
    graph.add((MODULE_IRI, RDFS.label, Literal("ssbonto alignments", lang="en")))
    graph.add((MODULE_IRI, DCTERMS.title, Literal("ssbonto alignment module", lang="en")))
    graph.add((MODULE_IRI, DCTERMS.description, Literal(
        "Generated from ontology/alignments/ssbonto.sssom.tsv: rdfs:subClassOf axioms from ssbonto classes to "
        "the same or broader classes of CHMO, PaNET and the EMMO domain ontologies, and every other mapping as "
        "a SKOS annotation. Import it together with ssbonto and the target ontologies to merge them.",
        lang="en")))
    graph.add((MODULE_IRI, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    graph.add((MODULE_IRI, DCTERMS.source, URIRef(BASE + "alignments/ssbonto.sssom.tsv")))
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.source, *PREDICATES.values()):
        graph.add((prop, RDF.type, OWL.AnnotationProperty))
    for mapping in mappings:
        if mapping.negated or mapping.no_match:
            continue
        graph.add((mapping.subject, PREDICATES[mapping.predicate], mapping.object))
        if mapping.gives_subclass_axiom:
            graph.add((mapping.object, RDF.type, OWL.Class))
            graph.add((mapping.subject, RDFS.subClassOf, mapping.object))
    return graph


def module_turtle(sources: Path, version: str) -> bytes:
    header = (b"# GENERATED by `python -m ssbonto.interop.alignments` from ssbonto.sssom.tsv: edit the table, "
              b"not this file.\n")
    return header + alignment_module(load_mappings(sources), version).serialize(format="turtle", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from ..build.tbox import load_tbox, ontology_version
    from ..sources import default_sources

    sources = Path(argv[0]) if argv else default_sources()
    try:
        data = module_turtle(sources, ontology_version(load_tbox(sources)))
    except BuildError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    (sources / MODULE).write_bytes(data)
    print(f"wrote {sources / MODULE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
