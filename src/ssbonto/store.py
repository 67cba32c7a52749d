"""The query store: the built release loaded into Oxigraph, queried with SPARQL 1.1.

By default the query's default graph is the union of the release's named graphs (ontology,
knowledge graph, inferred), so a plain query sees asserted and inferred facts together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import BuildError, Problem
from .namespaces import PREFIXES
from .query_text import inspect_query

SELECT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
DEFAULT_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


class QueryError(ValueError):
    """The query does not parse or cannot be evaluated; the message says why and where."""


@dataclass
class Answer:
    kind: str  # "select", "ask" or "graph"
    result: object

    def rows(self) -> list[dict[str, str]]:
        """SELECT answers as plain dicts of variable name -> lexical value."""
        if self.kind != "select":
            raise TypeError("only SELECT answers have rows")
        names = [v.value for v in self.result.variables]
        return [{name: solution[name].value for name in names if solution[name] is not None}
                for solution in self.result]


class EmbeddedStore:
    """An in-memory Oxigraph store holding one release (loaded from its N-Quads dump)."""

    def __init__(self, release_dir: Path):
        dump = release_dir / "ssbonto.nq"
        if not dump.is_file():
            raise BuildError(Problem(str(release_dir), None, None,
                                     "no built release here; run `ssbonto build` first"))
        self.store = ox.Store()
        self.store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)

    def __len__(self) -> int:
        return len(self.store)

    def query(self, sparql: str, union_default_graph: bool = True, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None) -> Answer:
        """`default_graphs` / `named_graphs` (graph IRIs) replace the query's own dataset, as the
        SPARQL protocol's default-graph-uri / named-graph-uri do. The union default graph applies
        only when neither they nor FROM / FROM NAMED choose the graphs (Oxigraph's union would
        override FROM)."""
        dataset = {}
        if default_graphs is not None:
            dataset["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
        if named_graphs is not None:
            dataset["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        union = (union_default_graph and default_graphs is None
                 and not inspect_query(sparql, DEFAULT_PREFIXES).has_dataset_clause)
        try:
            result = self.store.query(sparql, prefixes=DEFAULT_PREFIXES, use_default_graph_as_union=union,
                                      **dataset)
        except SyntaxError as error:
            raise QueryError(f"malformed query: {error}") from error
        except (OSError, ValueError) as error:
            raise QueryError(str(error)) from error
        if isinstance(result, ox.QueryBoolean):
            return Answer("ask", bool(result))
        if isinstance(result, ox.QuerySolutions):
            return Answer("select", result)
        return Answer("graph", result)


def serialize(answer: Answer, format: str) -> bytes:
    if answer.kind == "ask":
        value = "true" if answer.result else "false"
        if format == "json":
            return ('{"head":{},"boolean":%s}\n' % value).encode()
        return (value + "\n").encode()
    if answer.kind == "select":
        return answer.result.serialize(format=SELECT_FORMATS[format])
    return answer.result.serialize(format=GRAPH_FORMATS[format])


def text_table(answer: Answer) -> str:
    """A readable table of a SELECT answer for the terminal."""
    names = [v.value for v in answer.result.variables]
    rows = [[_readable(solution[name]) for name in names] for solution in answer.result]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(names)]
    lines = ["  ".join(name.ljust(w) for name, w in zip(names, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _readable(term) -> str:
    if term is None:
        return ""
    return term.value


def open_store(release_dir: Path, location: str = ""):
    """The store the configuration names: the embedded store of `release_dir` by default, or
    the remote SPARQL 1.1 endpoint at `location` (sparql+http://HOST:PORT/PATH) holding a
    release pushed there with `ssbonto push`."""
    if not location:
        return EmbeddedStore(release_dir)
    from .remote_store import RemoteStore

    return RemoteStore(location)
