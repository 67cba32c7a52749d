"""What every store answers: the predeclared prefixes, query errors, an answer and its serializations."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..prefixes import PREFIX_IRIS

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
DEFAULT_PREFIXES = dict(PREFIX_IRIS)


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
