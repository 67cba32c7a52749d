"""HermiT (through owlready2): is the ontology plus knowledge graph consistent, and what does it infer?

Inferred class memberships and subclass links come back as triples for their own named graph.
owlready2 cannot read Turtle, so the graph is handed over as N-Triples; annotation triples are
left out (the reasoner does not need them, and HermiT rejects some of their datatypes).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ..errors import BuildError, Problem, ReasoningError

INFERENCE_ONTOLOGY = "http://inferrences/"  # owlready2's name for the ontology holding inferences
BUILTIN_ANNOTATION_PROPERTIES = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy,
                                 OWL.versionInfo, OWL.deprecated}


@dataclass
class ReasoningResult:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    inferred: Graph = field(default_factory=Graph)
    culprits: list[str] = field(default_factory=list)


def java_available() -> bool:
    return shutil.which("java") is not None


def logical_triples(graph: Graph) -> Graph:
    """The graph without annotation assertions (declarations are kept)."""
    annotation_properties = set(graph.subjects(RDF.type, OWL.AnnotationProperty)) | BUILTIN_ANNOTATION_PROPERTIES
    logical = Graph()
    for s, p, o in graph:
        if p in annotation_properties and not isinstance(s, BNode):
            continue
        logical.add((s, p, o))
    return logical


@contextmanager
def hermit(graph: Graph, timeout: float | None, ignore_unsupported_datatypes: bool = False):
    """Run HermiT on the logical part of `graph`; yields (outcome, owlready2 world) where outcome
    is "consistent", "inconsistent" or "timeout". The world is only valid inside the block."""
    import owlready2
    from owlready2 import reasoning

    if not java_available():
        raise BuildError(Problem("reasoner", None, None,
                                 "java is not on PATH; HermiT needs a Java runtime "
                                 "(apt-get install -y default-jre-headless)"))
    with tempfile.TemporaryDirectory(prefix="ssbonto-reason-") as tmp:
        path = Path(tmp) / "input.nt"
        logical_triples(graph).serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(path.as_uri()).load()
        # owlready2 passes these keyword arguments to subprocess.check_output: the only way to
        # bound HermiT's run time without re-implementing its command line.
        previous = dict(reasoning._subprocess_kargs)
        if timeout:
            reasoning._subprocess_kargs["timeout"] = timeout
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                           ignore_unsupported_datatypes=ignore_unsupported_datatypes)
            outcome = "consistent"
        except owlready2.OwlReadyInconsistentOntologyError:
            outcome = "inconsistent"
        except subprocess.TimeoutExpired:
            outcome = "timeout"
        finally:
            reasoning._subprocess_kargs.clear()
            reasoning._subprocess_kargs.update(previous)
        yield outcome, world


def unsatisfiable_classes(world) -> list[str]:
    """Named classes equivalent to owl:Nothing (owlready2 lists owl:Nothing itself among them)."""
    return sorted(c.iri for c in world.inconsistent_classes() if hasattr(c, "iri") and c.iri != str(OWL.Nothing))


def _run_hermit(graph: Graph, timeout: float | None):
    """Returns (consistent, unsatisfiable class IRIs, inferred Graph)."""
    with hermit(graph, timeout) as (outcome, world):
        if outcome == "timeout":
            raise BuildError(Problem("reasoner", None, None, f"HermiT ran out of its time limit ({timeout:g} s)"))
        if outcome == "inconsistent":
            return False, [], Graph()
        return True, unsatisfiable_classes(world), _inferred_triples(world)


def _inferred_triples(world) -> Graph:
    inferred = Graph()
    rows = world.graph.execute("SELECT c FROM ontologies WHERE iri = ?", (INFERENCE_ONTOLOGY,)).fetchall()
    if not rows:
        return inferred
    context = rows[0][0]
    for s, p, o in world.graph.execute("SELECT s, p, o FROM objs WHERE c = ?", (context,)).fetchall():
        if s < 0 or o < 0:  # anonymous class expressions are not worth publishing
            continue
        subject, predicate, obj = (URIRef(world._unabbreviate(x)) for x in (s, p, o))
        if str(subject).rstrip("/") == INFERENCE_ONTOLOGY.rstrip("/"):
            continue
        if predicate in (RDF.type, RDFS.subClassOf, OWL.equivalentClass) and obj != OWL.Thing:
            inferred.add((subject, predicate, obj))
    return inferred


def reason(graph: Graph, timeout: float | None = None, explain: bool = True) -> ReasoningResult:
    consistent, unsatisfiable, inferred = _run_hermit(graph, timeout)
    result = ReasoningResult(consistent, unsatisfiable, inferred)
    if not consistent and explain:
        result.culprits = find_culprits(graph, timeout)
    return result


def check(graph: Graph, timeout: float | None = None) -> ReasoningResult:
    """Reason and raise ReasoningError naming unsatisfiable classes or the individuals involved."""
    result = reason(graph, timeout)
    if not result.consistent:
        who = ", ".join(result.culprits) if result.culprits else "could not be narrowed down"
        raise ReasoningError(Problem("reasoner", None, None,
                                     f"the ontology and knowledge graph are inconsistent; individuals involved: {who}"))
    if result.unsatisfiable:
        raise ReasoningError(Problem("reasoner", None, None,
                                     "unsatisfiable classes: " + ", ".join(result.unsatisfiable)))
    return result


# -- narrowing an inconsistency down to individuals ------------------------------------------------

def _individual_blocks(graph: Graph) -> tuple[Graph, dict[URIRef, Graph]]:
    """Split into a core (everything that is not about a named individual) and one block per
    named individual (its triples plus the blank nodes they reach)."""
    individuals = sorted(set(graph.subjects(RDF.type, OWL.NamedIndividual)))
    blocks: dict[URIRef, Graph] = {}
    claimed: set = set()
    for individual in individuals:
        block = Graph()
        frontier = [individual]
        while frontier:
            node = frontier.pop()
            for s, p, o in graph.triples((node, None, None)):
                block.add((s, p, o))
                if isinstance(o, BNode) and o not in claimed:
                    claimed.add(o)
                    frontier.append(o)
        blocks[individual] = block
    core = Graph()
    for s, p, o in graph:
        if s in blocks or (isinstance(s, BNode) and s in claimed):
            continue
        core.add((s, p, o))
    return core, blocks


def find_culprits(graph: Graph, timeout: float | None = None, max_runs: int = 24) -> list[str]:
    """Individuals whose assertions, with the ontology, are inconsistent: bisect the ABox."""
    core, blocks = _individual_blocks(graph)
    runs = 0

    def consistent_with(names: list[URIRef]) -> bool:
        nonlocal runs
        runs += 1
        test = Graph()
        test += core
        for name in names:
            test += blocks[name]
        return _run_hermit(test, timeout)[0]

    suspects = sorted(blocks)
    if not consistent_with([]):
        return ["(the ontology itself, without any individual)"]
    while len(suspects) > 1 and runs < max_runs:
        half = len(suspects) // 2
        first, second = suspects[:half], suspects[half:]
        if not consistent_with(first):
            suspects = first
        elif not consistent_with(second):
            suspects = second
        else:
            break  # the clash needs individuals from both halves
    return [str(s) for s in suspects[:20]]
