"""Is an ontology consistent, and which of its classes under one IRI prefix are unsatisfiable?

Decided by HermiT through its own OWL API interface (both inside owlready2's HermiT.jar, driven
through JPype) without classifying every class of every merged ontology: one consistency test, one
joint test that all the classes asked about can have members at once, and only when that fails one
satisfiability test per class. A JVM started in-process cannot be stopped, so this runs in a child
process (`python -m ssbonto.interop.satisfiability`) that is killed at the time limit. The child writes one
JSON line per finding as it goes, so a killed run still tells what it had decided.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from ..errors import BuildError, Problem
from ..build.reason import java_available

JVM_MAX_HEAP = "-Xmx8g"  # the full materials merge needs ~2 GB; the JVM only takes what it uses
WITNESS = "urn:ssbonto:satisfiability-witness:"


@dataclass
class SatisfiabilityResult:
    consistent: bool | None = None  # None: undecided (time limit hit first)
    timed_out: bool = False
    checked: list[str] = field(default_factory=list)  # classes whose satisfiability was decided
    unsatisfiable: list[str] = field(default_factory=list)
    classes: int = 0  # classes under the prefix, as the OWL API reads the ontology
    joint: bool | None = None  # all of them decided satisfiable by one joint test
    seconds: dict[str, float] = field(default_factory=dict)


def check(graph: Graph, prefix: str, time_limit: float | None) -> SatisfiabilityResult:
    """Consistency of `graph` and satisfiability of each named class whose IRI starts with `prefix`."""
    if not java_available():
        raise BuildError(Problem("reasoner", None, None, "java is not on PATH; HermiT needs a Java runtime "
                                                         "(apt-get install -y default-jre-headless)"))
    with tempfile.TemporaryDirectory(prefix="ssbonto-satisfiability-") as tmp:
        ontology, findings, errors = Path(tmp) / "input.nt", Path(tmp) / "findings.jsonl", Path(tmp) / "stderr"
        started = time.perf_counter()
        graph.serialize(ontology, format="nt", encoding="utf-8")
        written = time.perf_counter()
        with open(findings, "wb") as out, open(errors, "wb") as err:
            child = subprocess.Popen([sys.executable, "-m", "ssbonto.interop.satisfiability", str(ontology), prefix],
                                     stdout=out, stderr=err)
            try:
                child.wait(timeout=time_limit)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()
        result = read_findings(findings.read_text(encoding="utf-8"))
        result.seconds = {"write N-Triples": round(written - started, 2), **result.seconds,
                          "child process in all": round(time.perf_counter() - written, 2)}
        if timed_out:
            result.timed_out = True  # what was decided before the kill stays in the result
            return result
        if child.returncode != 0 or result.consistent is None:
            message = errors.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
            raise BuildError(Problem("reasoner", None, None, f"HermiT failed (exit code {child.returncode}): "
                                     + (" / ".join(message) or "no message")))
        return result


def read_findings(text: str) -> SatisfiabilityResult:
    result = SatisfiabilityResult()
    for line in text.splitlines():
        try:
            finding = json.loads(line)
        except ValueError:  # the line a killed child was writing
            continue
        if "classes" in finding:
            result.classes = finding["classes"]
        if "consistent" in finding:
            result.consistent = finding["consistent"]
        if "joint" in finding:
            result.joint = finding["joint"]
        if "class" in finding:
            result.checked.append(finding["class"])
            if not finding["satisfiable"]:
                result.unsatisfiable.append(finding["class"])
        if "seconds" in finding:
            result.seconds[finding["step"]] = finding["seconds"]
    result.unsatisfiable.sort()
    return result


# -- the child process ---------------------------------------------------------------------------

def _emit(**finding) -> None:
    print(json.dumps(finding), flush=True)


def _main(ontology_file: str, prefix: str) -> int:
    try:
        _decide(ontology_file, prefix)
    except Exception as error:  # Java exceptions arrive through JPype; the parent shows this line
        message = str(error)  # a Java exception's text already starts with its class name
        print(message if type(error).__name__ in message else f"{type(error).__name__}: {message}",
              file=sys.stderr, flush=True)
        return 2
    return 0


def _decide(ontology_file: str, prefix: str) -> None:
    import jpype
    import jpype.imports  # noqa: F401  (enables `from org... import`)
    import owlready2

    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        _emit(step=name, seconds=round(now - started, 2))
        started = now

    jpype.startJVM(JVM_MAX_HEAP, classpath=[str(Path(owlready2.__file__).parent / "hermit" / "HermiT.jar")],
                   convertStrings=True)
    from java.io import File
    from org.semanticweb.HermiT import Configuration, Reasoner
    from org.semanticweb.owlapi.apibinding import OWLManager
    from org.semanticweb.owlapi.model import IRI
    step("JVM start")

    manager = OWLManager.createOWLOntologyManager()
    ontology = manager.loadOntologyFromOntologyDocument(File(ontology_file))
    classes = sorted(str(c.getIRI().toString()) for c in ontology.getClassesInSignature())
    ours = [iri for iri in classes if iri.startswith(prefix)]
    _emit(classes=len(ours))
    step("OWL API load")

    configuration = Configuration()
    configuration.ignoreUnsupportedDatatypes = True  # EMMO declares a datatype of its own
    reasoner = Reasoner(configuration, ontology)
    step("HermiT preprocessing")
    consistent = bool(reasoner.isConsistent())
    _emit(consistent=consistent)
    step("consistency test")
    if not consistent:
        return
    factory = manager.getOWLDataFactory()
    # One test for all: the ontology plus a fresh individual in each class. A model of that is a model
    # in which every one of the classes has a member, so if it is consistent they are all satisfiable.
    # (The converse can fail, e.g. through nominals, so "inconsistent" only sends us to one test per class.)
    witnessed = manager.createOntology(ontology.getAxioms())
    for number, iri in enumerate(ours):
        manager.addAxiom(witnessed, factory.getOWLClassAssertionAxiom(
            factory.getOWLClass(IRI.create(iri)), factory.getOWLNamedIndividual(IRI.create(f"{WITNESS}{number}"))))
    joint = bool(Reasoner(configuration, witnessed).isConsistent())
    _emit(joint=joint)
    step("joint satisfiability test")
    for iri in ours:
        satisfiable = joint or bool(reasoner.isSatisfiable(factory.getOWLClass(IRI.create(iri))))
        _emit(**{"class": iri, "satisfiable": satisfiable})
    if not joint:
        step("satisfiability tests, one per class")


if __name__ == "__main__":
    sys.exit(_main(*sys.argv[1:]))
