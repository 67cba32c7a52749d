"""IRIs are never lost: every IRI an earlier release described (ontology/releases/<version>.iris)
is still described by the sources, deprecated in the TBox (owl:deprecated), or retired in
ontology/deprecated.tsv with its replacement or the reason it has none. A retired IRI is kept in
the release as `owl:deprecated true`, `dcterms:isReplacedBy` its replacement, its last label and a
history note; the server answers it with 301 to the replacement or 410 with the reason.
Anything else fails the build, naming the IRI and the release that had it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS, XSD

from ..errors import BuildError, Problem
from ..prefixes import BASE
from .archive import ARCHIVE_DIR, Archive, archives
from .tables import read_table

RETIRED_FILE = "ontology/deprecated.tsv"
COLUMNS = ["iri", "replaced_by", "reason"]


@dataclass(frozen=True)
class Retirement:
    line: int
    iri: str
    replaced_by: str | None
    reason: str


def _iri(cell: str) -> str:
    """Cells name IRIs by their path under the base IRI (`id/material/x`, `def/OldTerm`)."""
    return cell if cell.startswith(BASE) else BASE + cell


def load_retirements(sources: Path) -> list[Retirement]:
    path = sources / RETIRED_FILE
    if not path.exists():
        return []
    rows = read_table(path, COLUMNS, sources)
    problems: list[Problem] = []
    retirements: list[Retirement] = []
    seen: set[str] = set()
    for row in rows:
        iri = _iri(row.text("iri", required=True))
        replaced = row.text("replaced_by")
        reason = row.text("reason")
        if not (iri.startswith(BASE + "def/") or iri.startswith(BASE + "id/")):
            row.problem("iri", f"{row.cells['iri']!r} is not a term (def/…) or an individual (id/…) of ssbonto")
        if not replaced and not reason:
            row.problem("reason", "a retired IRI needs its replacement (replaced_by) or the reason it has none")
        if iri in seen:
            row.problem("iri", f"<{iri}> is retired twice")
        seen.add(iri)
        problems.extend(row.problems)
        retirements.append(Retirement(row.line, iri, _iri(replaced) if replaced else None, reason))
    if problems:
        raise BuildError(problems)
    return retirements


def described(graphs: list[Graph]) -> set[str]:
    return {str(s) for graph in graphs for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(BASE)}


def keep_earlier_iris(sources: Path, ontology: Graph, knowledge: Graph) -> list[Retirement]:
    """Add the retired IRIs to the graphs (terms to the ontology, individuals to the knowledge
    graph) and check that no IRI of an archived release is lost; raises BuildError."""
    retirements = load_retirements(sources)
    kept = archives(sources)
    current = described([ontology, knowledge])
    problems: list[Problem] = []
    last_seen: dict[str, str] = {}  # IRI -> the latest archived release that described it
    released: dict[str, tuple[Archive, int]] = {}
    for archive in kept.values():
        for number, iri in enumerate(archive.iris(), start=1):
            last_seen[iri] = archive.version
            released[iri] = (archive, number)
    for retirement in retirements:
        def bad(column: str, reason: str):
            problems.append(Problem(RETIRED_FILE, retirement.line, column, reason))

        if retirement.iri in current:
            bad("iri", f"<{retirement.iri}> is still described by the sources; retire an IRI only once "
                       "nothing describes it")
        elif retirement.iri not in last_seen:
            bad("iri", f"<{retirement.iri}> is in no archived release ({ARCHIVE_DIR}/); an IRI never released "
                       "needs no retirement")
        if retirement.replaced_by and retirement.replaced_by not in current:
            bad("replaced_by", f"<{retirement.replaced_by}> is not described by the sources, so it cannot "
                               "replace anything")
    retired = {r.iri for r in retirements}
    for iri, (archive, number) in sorted(released.items()):
        if iri not in current and iri not in retired:
            problems.append(Problem(f"{ARCHIVE_DIR}/{archive.iris_file.name}", number, None,
                                    f"<{iri}> of release {archive.version} is gone from the sources: keep it, "
                                    f"deprecate it in the ontology, or retire it in {RETIRED_FILE} with its "
                                    "replacement or a reason (IRIs are never lost)"))
    if problems:
        raise BuildError(problems)
    labels = _last_labels(kept, {r.iri: last_seen[r.iri] for r in retirements})
    for retirement in retirements:
        target = ontology if retirement.iri.startswith(BASE + "def/") else knowledge
        add_retirement(target, retirement, last_seen[retirement.iri], labels.get(retirement.iri))
    return retirements


def add_retirement(graph: Graph, retirement: Retirement, last_release: str, label: Literal | None) -> None:
    iri = URIRef(retirement.iri)
    graph.add((iri, OWL.deprecated, Literal(True, datatype=XSD.boolean)))
    if label is not None:
        graph.add((iri, RDFS.label, label))
    if retirement.replaced_by:
        graph.add((iri, DCTERMS.isReplacedBy, URIRef(retirement.replaced_by)))
    why = f"replaced by <{retirement.replaced_by}>" if retirement.replaced_by else ""
    if retirement.reason:
        why = f"{why}: {retirement.reason}" if why else retirement.reason
    graph.add((iri, SKOS.historyNote, Literal(f"Described until release {last_release}; {why}", lang="en")))


def _last_labels(kept: dict[str, Archive], wanted: dict[str, str]) -> dict[str, Literal]:
    """The English label each retired IRI had in the last release that described it."""
    labels: dict[str, Literal] = {}
    for version in sorted(set(wanted.values())):
        graphs = kept[version].graphs()
        for iri, last in wanted.items():
            if last != version:
                continue
            for graph in (graphs.ontology, graphs.knowledge):
                for label in graph.objects(URIRef(iri), RDFS.label):
                    if isinstance(label, Literal) and label.language == "en":
                        labels[iri] = label
    return labels
