"""Validate a study description (another lab's data) against ssbonto's shapes, as `ssbonto validate
FILE…` does.

The files are read together (Turtle, N-Triples, JSON-LD or RDF/XML, by extension or --format)
and validated with the ontology and ssbonto's knowledge graph beside them, so that class
membership follows subclassing and references to ssbonto's individuals (materials, elements,
references) resolve. Exit 0 when the data conforms, 1 when it violates a shape, 2 when a file
cannot be read (the message names the line and column of a syntax error).

Nothing is fetched: the JSON-LD context https://w3id.org/ssbonto/context/<version>.jsonld is
served from the ontology itself, any other remote context is refused, and RDF/XML that declares
an external entity or DTD is refused before it is parsed.
"""

from __future__ import annotations

import json
import re
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from ..build import validate
from ..build.curation import Curator, table_captions
from ..build.populate import Populator
from ..build.release import context_for
from ..build.tbox import load_tbox, ontology_version
from ..build.vocabulary import Vocabulary
from ..errors import BuildError
from ..namespaces import BASE, SH

FORMATS = ("ttl", "nt", "jsonld", "rdfxml")
EXTENSIONS = {".ttl": "ttl", ".turtle": "ttl", ".nt": "nt", ".ntriples": "nt", ".jsonld": "jsonld",
              ".json": "jsonld", ".rdf": "rdfxml", ".owl": "rdfxml", ".xml": "rdfxml"}
DEFAULT_MAX_MB = 25.0
CONTEXT_IRI = re.compile(re.escape(BASE) + r"context/(?P<version>[^/]+)\.jsonld")


class Unreadable(Exception):
    """A file that cannot be validated; the message says why (and where, for syntax errors)."""


def format_of(path: Path, forced: str | None) -> str:
    if forced:
        return forced
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise Unreadable(f"cannot tell the format of {path.name!r} from its extension; "
                         f"use --format {{{','.join(FORMATS)}}}")
    return fmt


def read_bytes(path: Path, max_bytes: int) -> bytes:
    if not path.exists():
        raise Unreadable("no such file")
    if not path.is_file():
        raise Unreadable("is not a regular file")
    size = path.stat().st_size  # checked before reading: a huge file is refused, not loaded
    if size > max_bytes:
        raise Unreadable(f"is {size / 1e6:.1f} MB, above the limit of {max_bytes / 1e6:g} MB "
                         "(raise it with --max-size MB)")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror or error}")
    if not data.strip():
        raise Unreadable("is empty")
    return data


def _position(line, column) -> str:
    return f"line {line}, column {column}: " if line else ""


def _ntriples_to_graph(quads) -> Graph:
    graph = Graph()
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                        format=ox.RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")  # fresh blank nodes for each file
    return graph


def parse_oxigraph(data: bytes, fmt: str, base: str) -> Graph:
    rdf_format = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}[fmt]
    try:
        quads = list(ox.parse(data, format=rdf_format, base_iri=base))
    except SyntaxError as error:
        message = re.sub(r"^Parser error (at|between) line \d+ column \d+( and line \d+ column \d+)?: ", "",
                         str(error))
        message = re.sub(r" \(line \d+\)$", "", message)
        raise Unreadable(f"{_position(error.lineno, error.offset)}{message}")
    return _ntriples_to_graph(quads)


def check_xml(data: bytes) -> None:
    """Well-formed XML, with no external entity or external DTD (never fetched, never expanded)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(what: str):
        raise Unreadable(f"{_position(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)}{what}; "
                         "external entities and DTDs are never fetched or expanded")

    def on_doctype(name, system_id, public_id, has_internal_subset):
        if system_id or public_id:
            refuse(f"the document type refers to an external DTD ({system_id or public_id})")

    def on_entity(name, is_parameter, value, base, system_id, public_id, notation):
        if system_id or public_id:
            refuse(f"entity {name!r} is external ({system_id or public_id})")

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_entity
    parser.ExternalEntityRefHandler = lambda *args: refuse("an external entity is referenced")
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise Unreadable(f"{_position(error.lineno, error.offset + 1)}XML: "
                         f"{xml.parsers.expat.ErrorString(error.code)}")


def parse_rdfxml(data: bytes, base: str) -> Graph:
    check_xml(data)
    graph = Graph()
    try:
        graph.parse(data=data, format="xml", publicID=base)
    except Exception as error:  # SAXParseException or rdflib's ParserError, both "<source>:line:column: ..."
        text = str(error)
        match = re.match(r"^[^:]*:(\d+):(\d+): (.*)$", text, re.S)
        if match:
            raise Unreadable(f"{_position(match.group(1), int(match.group(2)) + 1)}RDF/XML: {match.group(3)}")
        raise Unreadable(f"RDF/XML: {text}")
    return graph


def resolve_contexts(node, local_contexts: dict[str, dict]):
    """Replace ssbonto's published context IRI by the context itself; refuse any other remote one."""
    if isinstance(node, list):
        return [resolve_contexts(item, local_contexts) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key == "@context":
            result[key] = _context(value, local_contexts)
        else:
            result[key] = resolve_contexts(value, local_contexts)
    return result


def _context(value, local_contexts: dict[str, dict]):
    if isinstance(value, list):
        return [_context(item, local_contexts) for item in value]
    if isinstance(value, str):
        if value in local_contexts:
            return local_contexts[value]
        match = CONTEXT_IRI.fullmatch(value)
        if match:
            known = ", ".join(sorted(local_contexts))
            raise Unreadable(f"JSON-LD context <{value}> is ssbonto {match.group('version')}; "
                             f"this ssbonto serves {known}")
        raise Unreadable(f"JSON-LD context <{value}> is remote and is not fetched; "
                         f"use ssbonto's context ({', '.join(sorted(local_contexts))}) or put the context inline")
    if isinstance(value, dict):
        if "@import" in value:
            raise Unreadable(f"JSON-LD context imports <{value['@import']}>, which is not fetched")
        return {k: resolve_contexts(v, local_contexts) if k != "@context" else _context(v, local_contexts)
                for k, v in value.items()}
    return value


def parse_jsonld(data: bytes, base: str, local_contexts: dict[str, dict]) -> Graph:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise Unreadable(f"byte {error.start + 1} is not UTF-8")
    except json.JSONDecodeError as error:
        raise Unreadable(f"{_position(error.lineno, error.colno)}JSON: {error.msg}")
    if not isinstance(document, (dict, list)):
        raise Unreadable("JSON-LD must be an object or an array of objects")
    document = resolve_contexts(document, local_contexts)
    graph = Graph()
    try:
        graph.parse(data=json.dumps(document), format="json-ld", base=base)
    except Exception as error:
        raise Unreadable(f"JSON-LD: {error}")
    return graph


def read_graph(path: Path, fmt: str, max_bytes: int, local_contexts: dict[str, dict]) -> Graph:
    data = read_bytes(path, max_bytes)
    base = path.resolve().as_uri()
    if fmt in ("ttl", "nt"):
        graph = parse_oxigraph(data, fmt, base)
    elif fmt == "rdfxml":
        graph = parse_rdfxml(data, base)
    else:
        graph = parse_jsonld(data, base, local_contexts)
    if len(graph) == 0:
        raise Unreadable("holds no RDF statements")
    return graph


def knowledge_graph(sources: Path, tbox: Graph) -> Graph:
    """ssbonto's knowledge graph, generated from the curated tables without the reasoner (fast)."""
    vocabulary = Vocabulary.from_tbox(tbox)
    return Populator(Curator(sources, vocabulary).load(), vocabulary, tbox, table_captions(sources)).populate()




class SourcesUnusable(Exception):
    """ssbonto's own sources (ontology, tables, shapes) do not load; the message says why."""


@dataclass
class DocumentReport:
    """The outcome of validating documents: ssbonto's version, the documents' triple count and the
    SHACL report, with the document each focus node came from and only the documents' own warnings."""

    version: str
    triples: int
    report: validate.Report


class DocumentValidator:
    """ssbonto's ontology, knowledge graph and shapes, read once, to validate documents against."""

    def __init__(self, sources: Path):
        self.sources = sources
        try:
            self.tbox = load_tbox(sources)
            self.version = ontology_version(self.tbox)
        except BuildError as error:
            raise SourcesUnusable("; ".join(str(problem) for problem in error.problems)) from error
        context = context_for(self.tbox, self.version)
        self.local_contexts = {context["@id"]: context["@context"]}
        self._knowledge: Graph | None = None
        self._shapes = None

    def _load(self) -> None:
        if self._knowledge is None:
            try:
                self._shapes = validate.load_shapes(self.sources)
                self._knowledge = knowledge_graph(self.sources, self.tbox)
            except BuildError as error:
                raise SourcesUnusable("; ".join(str(problem) for problem in error.problems)) from error

    def check(self, graphs: dict[str, Graph]) -> DocumentReport:
        """Validate the graphs of the named documents together, with the ontology and the
        knowledge graph beside them."""
        self._load()
        data = Graph()
        files_of: dict[URIRef, str] = {}
        for name, graph in graphs.items():
            for subject in graph.subjects():
                files_of.setdefault(subject, name)
            data += graph
        triples = len(data)
        data += self._knowledge
        report = validate.validate(data, self.tbox, self._shapes)
        for item in report.violations + report.warnings:
            item.file = files_of.get(URIRef(item.focus), item.file)
        # ssbonto's own graph conforms (the build is gated on it), so every violation comes from the
        # documents; its warnings are known and shown only where they concern the documents' own nodes.
        report.warnings = [w for w in report.warnings if URIRef(w.focus) in files_of]
        for result in list(report.graph.subjects(SH.resultSeverity, None)):
            if report.graph.value(result, SH.resultSeverity) != SH.Violation \
                    and report.graph.value(result, SH.focusNode) not in files_of:
                report.graph.remove((None, SH.result, result))
                report.graph.remove((result, None, None))
        return DocumentReport(self.version, triples, report)
