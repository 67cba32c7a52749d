"""The hand-written TBox (ontology/ssbonto.ttl): the first thing every stage reads."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL

from ..errors import BuildError, Problem
from ..namespaces import ONTOLOGY_IRI, bind_prefixes

ONTOLOGY_FILE = "ontology/ssbonto.ttl"


def load_tbox(sources: Path) -> Graph:
    path = sources / ONTOLOGY_FILE
    graph = bind_prefixes(Graph())
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError:
        raise BuildError(Problem(str(path), None, None, "the ontology file is missing"))
    except Exception as error:  # rdflib raises several parser-specific types
        raise BuildError(Problem(ONTOLOGY_FILE, getattr(error, "lines", None), None,
                                 f"Turtle does not parse: {error}"))
    return graph


def ontology_version(tbox: Graph) -> str:
    version = tbox.value(ONTOLOGY_IRI, OWL.versionInfo)
    if version is None:
        raise BuildError(Problem(ONTOLOGY_FILE, None, None, f"<{ONTOLOGY_IRI}> has no owl:versionInfo"))
    return str(version)
