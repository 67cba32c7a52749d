"""What the readable pages read with: SPARQL over the served release's store (embedded or remote),
with labels and links from the Describer. Every term put into a query is serialized by pyoxigraph
(an IRI it accepted, a literal it escaped), never pasted from the request."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from markupsafe import Markup

from ssbonto.prefixes import INFERRED_GRAPH_IRI, KNOWLEDGE_GRAPH_IRI, ONTOLOGY_GRAPH_IRI, PREFIX_IRIS

from .resource_view import Describer

SSB = PREFIX_IRIS["ssb"]
KG = f"<{KNOWLEDGE_GRAPH_IRI}>"
ONTOLOGY = f"<{ONTOLOGY_GRAPH_IRI}>"
INFERRED = f"<{INFERRED_GRAPH_IRI}>"


def iri_term(iri: str) -> str:
    return str(ox.NamedNode(iri))


def is_iri(text: str) -> bool:
    """True for an absolute IRI (a remote store's blank node comes back as a bare identifier)."""
    try:
        ox.NamedNode(text)
        return True
    except ValueError:
        return False


def literal_term(text: str) -> str:
    return str(ox.Literal(text))


def values(variable: str, iris: Iterable[str]) -> str:
    """`VALUES ?variable { <a> <b> }`: for a variable the pattern starts from. (Oxigraph joins a VALUES
    list before the patterns that would bind the variable: for a variable bound by them, use one_of.)
    An empty list matches nothing."""
    return f"VALUES ?{variable} {{ {' '.join(iri_term(iri) for iri in iris)} }}"


def one_of(variable: str, iris: Iterable[str]) -> str:
    """`FILTER(?variable IN (<a>, <b>))`: for a variable other patterns bind."""
    return f"FILTER(?{variable} IN ({', '.join(iri_term(iri) for iri in iris)}))"


class Reader:
    def __init__(self, store, describer: Describer, hierarchy=None):
        self.store = store
        self.describer = describer
        self.hierarchy = hierarchy
        self.base_iri = describer.base_iri

    def rows(self, sparql: str) -> list[dict[str, str]]:
        if self.hierarchy is not None:
            sparql = self.hierarchy.expand(sparql)
        return self.store.query(sparql).rows()

    def count(self, sparql: str) -> int:
        rows = self.rows(sparql)
        return int(rows[0]["n"]) if rows and "n" in rows[0] else 0

    def label(self, iri: str) -> str:
        return self.describer.label(iri)

    def link(self, iri: str) -> Markup:
        return self.describer.link(iri)

    def href(self, iri: str) -> str:
        return self.describer.href(iri)

    def kind_of(self, iri: str) -> str:
        """The kind of an individual of ours from its IRI (`…/id/material/llzo` -> "material")."""
        prefix = self.base_iri + "id/"
        return iri[len(prefix):].split("/", 1)[0] if iri.startswith(prefix) else ""
