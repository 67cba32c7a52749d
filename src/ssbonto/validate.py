"""SHACL validation (pySHACL) against the shapes in `shapes/`, with a report a curator can act on:
the focus node by label, the path, the message, and the curated file and row it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from .errors import BuildError, Problem
from .namespaces import SH, SSB, bind_prefixes


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

    def __str__(self) -> str:
        who = f"{self.label} <{self.focus}>" if self.label else f"<{self.focus}>"
        where = f" [{self.file}:{self.line}]" if self.file else ""
        path = f" {self.path}:" if self.path else ""
        return f"{self.severity}: {who}{path} {self.message}{where}"


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    graph: Graph | None = None


def load_shapes(sources: Path) -> Graph:
    shapes = bind_prefixes(Graph())
    files = sorted((sources / "shapes").glob("*.ttl"))
    if not files:
        raise BuildError(Problem("shapes", None, None, "no SHACL shapes (*.ttl) found"))
    for path in files:
        try:
            shapes.parse(path, format="turtle")
        except Exception as error:
            raise BuildError(Problem(f"shapes/{path.name}", None, None, f"Turtle does not parse: {error}"))
    return shapes


def _short(graph: Graph, node) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:
            return str(node)
    return str(node)


def validate(data: Graph, ontology: Graph, shapes: Graph) -> Report:
    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True,
        allow_warnings=True, allow_infos=True)
    names = bind_prefixes(Graph())
    report = Report(conforms=bool(conforms), graph=results)
    lookup = data + ontology
    for result in results.subjects(SH.resultSeverity, None):
        severity = results.value(result, SH.resultSeverity)
        focus = results.value(result, SH.focusNode)
        label = lookup.value(focus, RDFS.label)
        file = lookup.value(focus, SSB.curationFile)
        line = lookup.value(focus, SSB.curationLine)
        message = results.value(result, SH.resultMessage)
        violation = Violation(
            severity=_short(names, severity).split(":")[-1],
            focus=str(focus),
            label=str(label) if label is not None else None,
            path=_short(names, results.value(result, SH.resultPath)),
            message=str(message) if message is not None else "constraint not met",
            constraint=_short(names, results.value(result, SH.sourceConstraintComponent)) or "",
            value=_short(names, results.value(result, SH.value)),
            file=str(file) if file is not None else None,
            line=int(line) if line is not None else None,
        )
        (report.violations if severity == SH.Violation else report.warnings).append(violation)
    report.violations.sort(key=lambda v: (v.file or "", v.line or 0, v.focus, v.path or ""))
    report.warnings.sort(key=lambda v: (v.file or "", v.line or 0, v.focus, v.path or ""))
    # Warnings and infos alone do not make the data non-conforming.
    report.conforms = not report.violations
    return report
