"""`ssbonto check`: the ontology quality checks the field runs, on ontology/ssbonto.ttl or given files.

Each check is a SPARQL query in queries/quality/ (OOPS! pitfalls, FOOPS! metadata, ROBOT report
ERROR-level checks) answered by Oxigraph; a row it returns is a violation (?entity, ?message).
OWL 2 DL profile conformance is decided by the OWL API's own OWL2DLProfile, from the OWL API that
owlready2 ships inside HermiT.jar, called in-process through JPype (no JDK, no download).
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from ..errors import BuildError, Problem
from . import owlapi

QUERY_DIR = Path("queries") / "quality"
DL_PROFILE = "owl2-dl-profile"


@dataclass(frozen=True)
class Violation:
    check: str
    entity: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: <{self.entity}> {self.message}"


@dataclass
class CheckReport:
    checks: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.violations

    def failed_checks(self) -> set[str]:
        return {v.check for v in self.violations}


def quality_queries(sources: Path) -> dict[str, str]:
    folder = sources / QUERY_DIR
    queries = {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.rq"))}
    if not queries:
        raise BuildError(Problem(str(folder), None, None, "holds no quality queries (*.rq)"))
    return queries


def run_queries(graph: Graph, queries: dict[str, str]) -> list[Violation]:
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    violations = []
    for name, sparql in queries.items():
        for solution in store.query(sparql):
            entity, message = solution["entity"], solution["message"]
            violations.append(Violation(name, entity.value if entity is not None else "",
                                        message.value if message is not None else "violation"))
    return violations


def _owlapi():
    """OWLManager, OWL2DLProfile and java.io.File from the OWL API inside owlready2's HermiT.jar."""
    owlapi.start(DL_PROFILE)
    from java.io import File
    from org.semanticweb.owlapi.apibinding import OWLManager
    from org.semanticweb.owlapi.profiles import OWL2DLProfile
    return OWLManager, OWL2DLProfile, File


def dl_profile_violations(graph: Graph) -> list[Violation]:
    """Violations of the OWL 2 DL profile, as the OWL API reports them (imports are not followed)."""
    manager_class, profile_class, java_file = _owlapi()
    with tempfile.TemporaryDirectory(prefix="ssbonto-check-") as tmp:
        path = Path(tmp) / "ontology.owl"
        without_imports = Graph()
        for triple in graph:
            if str(triple[1]) != "http://www.w3.org/2002/07/owl#imports":
                without_imports.add(triple)
        without_imports.serialize(path, format="xml", encoding="utf-8")
        manager = manager_class.createOWLOntologyManager()
        ontology = manager.loadOntologyFromOntologyDocument(java_file(str(path)))
        report = profile_class().checkOntology(ontology)
        violations = [Violation(DL_PROFILE, _entity_of(v), str(v.toString())) for v in report.getViolations()]
        manager.removeOntology(ontology)
    return sorted(violations, key=lambda v: (v.entity, v.message))


def _entity_of(violation) -> str:
    axiom = violation.getAxiom()
    if axiom is None:
        return ""
    entities = sorted(str(e.getIRI().toString()) for e in axiom.getSignature())
    own = [e for e in entities if not e.startswith("http://www.w3.org/")]
    return (own or entities or [""])[0]


def check(graph: Graph, sources: Path, dl_profile: bool = True) -> CheckReport:
    queries = quality_queries(sources)
    report = CheckReport(checks=sorted(queries) + ([DL_PROFILE] if dl_profile else []))
    report.violations = run_queries(graph, queries)
    if dl_profile:
        report.violations += dl_profile_violations(graph)
    return report


def load(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        fmt = {".ttl": "turtle", ".nt": "nt", ".owl": "xml", ".rdf": "xml", ".jsonld": "json-ld"}.get(path.suffix.lower())
        if fmt is None:
            raise BuildError(Problem(str(path), None, None, "unknown RDF file type (use .ttl, .nt, .owl, .rdf or .jsonld)"))
        try:
            graph.parse(path, format=fmt)
        except FileNotFoundError:
            raise BuildError(Problem(str(path), None, None, "no such file"))
        except Exception as error:  # rdflib's parsers raise many types
            raise BuildError(Problem(str(path), None, None, f"does not parse as {fmt}: {error}"))
    return graph


def print_report(report: CheckReport, stream=sys.stdout) -> None:
    failed = report.failed_checks()
    for name in report.checks:
        count = sum(1 for v in report.violations if v.check == name)
        print(f"{'FAIL' if name in failed else 'ok  '}  {name}" + (f"  ({count})" if count else ""), file=stream)
    for violation in report.violations:
        print(f"  {violation}", file=stream)
    print(f"{len(report.checks) - len(failed)} of {len(report.checks)} checks passed", file=stream)
