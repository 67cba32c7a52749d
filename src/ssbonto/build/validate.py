"""SHACL validation against the shapes in `shapes/`, with a report a curator can act on:
the focus node by label, the path, the message, and the curated file and row it came from.

The data is validated together with the ontology (so class membership follows subclassing).
pyshacl-turbo runs the shapes by default: on this graph it gave the same results as pySHACL
hundreds of times faster (bench/validate.py); pySHACL stays available as `engine="pyshacl"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import RDFS

from ..errors import BuildError, Problem
from ..namespaces import PREFIXES, SH, SSB, bind_prefixes
from .tbox import ONTOLOGY_FILE

ENGINES = ("turbo", "pyshacl")
DEFAULT_ENGINE = "turbo"
SHAPES_PREFIXES = {**{prefix: str(ns) for prefix, ns in PREFIXES.items()}, "ssbsh": "https://w3id.org/ssbonto/shapes/"}


@dataclass
class Violation:
    severity: str
    focus: str
    label: str | None
    path: str | None
    message: str
    constraint: str
    value: str | None
    file: str | None
    line: int | None
    shape: str | None = None

    def __str__(self) -> str:
        who = f"{self.label} <{self.focus}>" if self.label else f"<{self.focus}>"
        where = f" [{self.file}:{self.line}]" if self.file and self.line else f" [{self.file}]" if self.file else ""
        path = f" {self.path}:" if self.path else ""
        return f"{self.severity}: {who}{path} {self.message}{where}"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "focus": self.focus, "label": self.label, "path": self.path,
                "message": self.message, "constraint": self.constraint, "value": self.value,
                "shape": self.shape, "file": self.file, "line": self.line}


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    graph: Graph | None = None


class ShapesGraph(Graph):
    """The shapes, remembering the sources folder they were read from (to point at TBox lines)."""

    sources: Path | None = None
    turbo_program = None


def load_shapes(sources: Path) -> ShapesGraph:
    shapes = ShapesGraph()
    bind_prefixes(shapes)
    shapes.sources = sources
    files = sorted((sources / "shapes").glob("*.ttl"))
    if not files:
        raise BuildError(Problem("shapes", None, None, "no SHACL shapes (*.ttl) found"))
    for path in files:
        try:
            shapes.parse(path, format="turtle")
        except Exception as error:
            raise BuildError(Problem(f"shapes/{path.name}", getattr(error, "lines", None), None,
                                     f"Turtle does not parse: {error}"))
    return shapes


def run_engine(data: Graph, shapes: Graph, engine: str = DEFAULT_ENGINE) -> Graph:
    """The SHACL validation report graph (warnings and infos included)."""
    if engine == "turbo" and isinstance(shapes, ShapesGraph):
        # shapes read from files do not change: compile them once
        if shapes.turbo_program is None:
            from pyshacl_turbo import compile_shapes

            shapes.turbo_program = compile_shapes(shapes, advanced=True)
        _, results, text = shapes.turbo_program.validate(data, inference="none", allow_warnings=True, allow_infos=True)
        return results
    if engine == "turbo":
        from pyshacl_turbo import validate as shacl_validate
    elif engine == "pyshacl":
        from pyshacl import validate as shacl_validate
    else:
        raise ValueError(f"unknown SHACL engine {engine!r}; use one of {', '.join(ENGINES)}")
    _, results, text = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                      allow_warnings=True, allow_infos=True)
    if not isinstance(results, Graph):  # pySHACL returns a failure object when the shapes are unusable
        raise BuildError(Problem("shapes", None, None, f"SHACL validation failed: {text}"))
    return results


def _short(node) -> str | None:
    if node is None:
        return None
    text = str(node)
    if isinstance(node, URIRef):
        for prefix, namespace in SHAPES_PREFIXES.items():
            if text.startswith(namespace) and re.fullmatch(r"[\w.-]*", text[len(namespace):]):
                return f"{prefix}:{text[len(namespace):]}"
    return text


def path_text(graph: Graph, path) -> str | None:
    """A SHACL property path in SPARQL property-path syntax (ssb:measures|^ssb:reportedBy/ssb:quantifies)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _short(path)
    if (path, None, None) not in graph:
        return str(path)
    first = graph.value(path, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first"))
    if first is not None:  # a sequence
        return "/".join(_grouped(graph, step) for step in Collection(graph, path))
    for predicate, render in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
                              (SH.zeroOrOnePath, "{}?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return render.format(_grouped(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_grouped(graph, step) for step in Collection(graph, alternatives))
    return str(path)


def _grouped(graph: Graph, path) -> str:
    text = path_text(graph, path) or ""
    return f"({text})" if isinstance(path, BNode) and ("/" in text or "|" in text) else text


def _readable(message: str) -> str:
    """Messages name IRIs in full (the engines substitute them); shorten the ones with a prefix."""
    return re.sub(r"\bhttps?://[^\s\"'<>(){},;]+(?<![.:])", lambda m: _short(URIRef(m.group(0))) or m.group(0),
                  message)


def _tbox_lines(sources: Path | None) -> dict[str, int]:
    """Line of each term's definition in the hand-written TBox ('ssb:Name a ...' at a line start)."""
    if sources is None or not (sources / ONTOLOGY_FILE).is_file():
        return {}
    lines: dict[str, int] = {}
    text = (sources / ONTOLOGY_FILE).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"(ssb:[\w.-]+|<[^>]+>)\s+a\s", line)
        if match:
            name = match.group(1)
            iri = str(SSB) + name[4:] if name.startswith("ssb:") else name[1:-1]
            lines.setdefault(iri, number)
    return lines


def _node_shape(shapes: Graph, shape) -> str | None:
    """The named node shape a result came from (property shapes are blank nodes inside it)."""
    for _ in range(4):
        if shape is None or not isinstance(shape, BNode):
            break
        shape = shapes.value(None, SH.property, shape)
    return _short(shape) if isinstance(shape, URIRef) else None


def validate(data: Graph, ontology: Graph, shapes: Graph, engine: str = DEFAULT_ENGINE,
             beside: list[Graph] = ()) -> Report:
    """Validate `data` together with `ontology` (and the graphs `beside` them) against `shapes`."""
    if engine == "turbo":  # reads the graphs in place; rdflib's own merge costs more than validating
        merged = ReadOnlyGraphAggregate([data, ontology, *beside])
    else:
        merged = Graph()
        for graph in (data, ontology, *beside):
            merged += graph
    results = run_engine(merged, shapes, engine)
    report = Report(conforms=True, graph=bind_prefixes(results))
    tbox_lines: dict[str, int] | None = None
    for result in set(results.subjects(SH.resultSeverity, None)):
        severity = results.value(result, SH.resultSeverity)
        focus = results.value(result, SH.focusNode)
        label = merged.value(focus, RDFS.label)
        file = merged.value(focus, SSB.curationFile)
        line = merged.value(focus, SSB.curationLine)
        if file is None and isinstance(focus, URIRef) and (focus, None, None) in ontology:
            if tbox_lines is None:
                tbox_lines = _tbox_lines(getattr(shapes, "sources", None))
            file, line = ONTOLOGY_FILE, tbox_lines.get(str(focus))
        message = results.value(result, SH.resultMessage)
        shape = results.value(result, SH.sourceShape)
        violation = Violation(
            severity=str(severity).rsplit("#", 1)[-1],
            focus=str(focus),
            label=str(label) if label is not None else None,
            path=path_text(results, results.value(result, SH.resultPath)),
            message=_readable(str(message)) if message is not None else "constraint not met",
            constraint=_short(results.value(result, SH.sourceConstraintComponent)) or "",
            value=_short(results.value(result, SH.value)),
            file=str(file) if file is not None else None,
            line=int(line) if line is not None else None,
            shape=_node_shape(shapes, shape),
        )
        (report.violations if severity == SH.Violation else report.warnings).append(violation)

    def order(v: Violation):
        return (v.file or "~", v.line or 0, v.focus, v.path or "", v.constraint, v.value or "", v.message)

    report.violations.sort(key=order)
    report.warnings.sort(key=order)
    # Warnings and infos alone do not make the data non-conforming.
    report.conforms = not report.violations
    return report
