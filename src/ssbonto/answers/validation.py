"""Validate a study description (another lab's data) against ssbonto's shapes: one implementation
for `ssbonto validate FILE…` (with the checkout's sources) and for `POST /api/validate` (with the
served release, DocumentValidator.from_release).

Documents (Turtle, N-Triples, JSON-LD or RDF/XML) are validated together, with the ontology and
ssbonto's knowledge graph beside them, so that class membership follows subclassing and references
to ssbonto's individuals (materials, elements, references) resolve. An unreadable document raises
Unreadable, whose message names the line and column of a syntax error.

Nothing is fetched: the JSON-LD context https://w3id.org/ssbonto/context/<version>.jsonld of this
release or of an earlier one is served from ssbonto itself, any other remote context is refused,
RDF/XML that declares an external entity or DTD is refused before it is parsed, and a document
that imports another (owl:imports) is refused rather than validated without what it imports.
"""

from __future__ import annotations

import json
import re
import xml.parsers.expat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, XSD

from ..build import validate
from ..build.archive import archives, graphs_from_nquads
from ..build.curation import Curator, table_captions
from ..build.populate import Populator
from ..build.release import context_for
from ..build.tbox import load_tbox, ontology_version
from ..build.vocabulary import Vocabulary
from ..errors import BuildError
from ..layout import CONTEXT_FILE, DATASET_DUMP, SHAPES_FILE, earlier_releases, read_manifest
from ..namespaces import BASE, SH, SSB

FORMATS = ("ttl", "nt", "jsonld", "rdfxml")
EXTENSIONS = {".ttl": "ttl", ".turtle": "ttl", ".nt": "nt", ".ntriples": "nt", ".jsonld": "jsonld",
              ".json": "jsonld", ".rdf": "rdfxml", ".owl": "rdfxml", ".xml": "rdfxml"}
DEFAULT_MAX_MB = 25.0
CONTEXT_IRI = re.compile(re.escape(BASE) + r"context/(?P<version>[^/]+)\.jsonld")


# the media types a document may be sent as, and the format each stands for
MEDIA_TYPES = {"text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld",
               "application/rdf+xml": "rdfxml"}


class Unreadable(Exception):
    """A document that cannot be validated; the message says why (and where, for syntax errors:
    `line` and `column`, counted from 1)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column


def _unreadable(message: str, line=None, column=None) -> Unreadable:
    line, column = (int(line), int(column)) if line else (None, None)
    return Unreadable(f"{_position(line, column)}{message}", line, column)


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


def _rdflib_graph(quads) -> Graph:
    """Oxigraph's quads as an rdflib graph, with fresh blank nodes for each document."""
    blank: dict[str, BNode] = {}

    def term(node):
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            return blank.setdefault(node.value, BNode())
        if node.language:
            return Literal(node.value, lang=node.language)
        if node.datatype.value == str(XSD.string):
            return Literal(node.value)
        return Literal(node.value, datatype=URIRef(node.datatype.value))

    graph = Graph()
    graph.addN((term(q.subject), term(q.predicate), term(q.object), graph) for q in quads)
    return graph


OXIGRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}


def parse_oxigraph(data: bytes, fmt: str, base: str) -> Graph:
    try:
        quads = list(ox.parse(data, format=OXIGRAPH_FORMATS[fmt], base_iri=base))
    except SyntaxError as error:
        message = re.sub(r"^Parser error (at|between) line \d+ (column \d+|between columns \d+ and \d+)"
                         r"( and line \d+ column \d+)?: ", "", str(error))
        message = re.sub(r" \(line \d+\)$", "", message)
        if fmt == "jsonld":
            raise _unreadable(f"JSON-LD: {message}")
        raise _unreadable(message, error.lineno, error.offset)
    return _rdflib_graph(quads)


def check_xml(data: bytes) -> None:
    """Well-formed XML, with no external entity or external DTD (never fetched, never expanded)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(what: str):
        raise _unreadable(f"{what}; external entities and DTDs are never fetched or expanded",
                          parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

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
        raise _unreadable(f"XML: {xml.parsers.expat.ErrorString(error.code)}", error.lineno, error.offset + 1)


def parse_rdfxml(data: bytes, base: str) -> Graph:
    check_xml(data)
    graph = Graph()
    try:
        graph.parse(data=data, format="xml", publicID=base)
    except Exception as error:  # SAXParseException or rdflib's ParserError, both "<source>:line:column: ..."
        text = str(error)
        match = re.match(r"^[^:]*:(\d+):(\d+): (.*)$", text, re.S)
        if match:
            raise _unreadable(f"RDF/XML: {match.group(3)}", match.group(1), int(match.group(2)) + 1)
        raise Unreadable(f"RDF/XML: {text}")
    return graph


def resolve_contexts(node, local_contexts: Mapping[str, dict]):
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


def _context(value, local_contexts: Mapping[str, dict]):
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


def parse_jsonld(data: bytes, base: str, local_contexts: Mapping[str, dict]) -> Graph:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise Unreadable(f"byte {error.start + 1} is not UTF-8")
    except json.JSONDecodeError as error:
        raise _unreadable(f"JSON: {error.msg}", error.lineno, error.colno)
    if not isinstance(document, (dict, list)):
        raise Unreadable("JSON-LD must be an object or an array of objects")
    document = resolve_contexts(document, local_contexts)
    return parse_oxigraph(json.dumps(document).encode("utf-8"), "jsonld", base)


def parse_document(data: bytes, fmt: str, base: str, local_contexts: Mapping[str, dict]) -> Graph:
    """The graph of one document, or Unreadable saying why there is none."""
    if not data.strip():
        raise Unreadable("is empty")
    if fmt in ("ttl", "nt"):
        graph = parse_oxigraph(data, fmt, base)
    elif fmt == "rdfxml":
        graph = parse_rdfxml(data, base)
    else:
        graph = parse_jsonld(data, base, local_contexts)
    if len(graph) == 0:
        raise Unreadable("holds no RDF statements")
    imported = sorted(str(o) for o in graph.objects(None, OWL.imports))
    if imported:
        raise Unreadable(f"imports {', '.join(f'<{iri}>' for iri in imported)} (owl:imports), which is not fetched; "
                         "put the statements the document needs into it (ssbonto's own ontology is always beside it)")
    return graph


def read_graph(path: Path, fmt: str, max_bytes: int, local_contexts: Mapping[str, dict]) -> Graph:
    return parse_document(read_bytes(path, max_bytes), fmt, path.resolve().as_uri(), local_contexts)


def knowledge_graph(sources: Path, tbox: Graph) -> Graph:
    """ssbonto's knowledge graph, generated from the curated tables without the reasoner (fast)."""
    vocabulary = Vocabulary.from_tbox(tbox)
    return Populator(Curator(sources, vocabulary).load(), vocabulary, tbox, table_captions(sources)).populate()


class SourcesUnusable(Exception):
    """ssbonto's own sources (ontology, tables, shapes) or release do not load; the message says why."""


class Contexts(Mapping):
    """The JSON-LD contexts ssbonto serves offline, by IRI (this release's and every earlier one's);
    each is read when a document first names it, with ssb: as its vocabulary (see __getitem__)."""

    def __init__(self, loaders: dict[str, Callable[[], dict]]):
        self._loaders = loaders
        self._loaded: dict[str, dict] = {}

    def __getitem__(self, iri: str) -> dict:
        if iri not in self._loaded:
            # A JSON-LD processor drops a key or type the context does not define, silently; read
            # them as ssb: terms instead, so that the shapes report them (VocabularyShape).
            self._loaded[iri] = {**self._loaders[iri](), "@vocab": str(SSB)}
        return self._loaded[iri]

    def __iter__(self):
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)


def context_iri(version: str) -> str:
    return f"{BASE}context/{version}.jsonld"


@dataclass
class DocumentReport:
    """The outcome of validating documents: ssbonto's version, the documents' triple count and the
    SHACL report, with the document each focus node came from and only the documents' own warnings."""

    version: str
    triples: int
    report: validate.Report
    data: Graph  # the documents' own statements, for reading labels and types of their nodes


class DocumentValidator:
    """ssbonto's ontology, knowledge graph and shapes, read once, to validate documents against:
    from a checkout's sources (`ssbonto validate`) or from a built release (the web service)."""

    def __init__(self, sources: Path):
        self.sources = sources
        try:
            self.tbox = load_tbox(sources)
            self.version = ontology_version(self.tbox)
        except BuildError as error:
            raise SourcesUnusable("; ".join(str(problem) for problem in error.problems)) from error
        current = context_for(self.tbox, self.version)["@context"]
        loaders: dict[str, Callable[[], dict]] = {
            context_iri(version): (lambda archive=archive: context_for(archive.graphs().ontology,
                                                                       archive.version)["@context"])
            for version, archive in archives(sources).items()}
        loaders[context_iri(self.version)] = lambda: current
        self.local_contexts = Contexts(loaders)
        self._knowledge: Graph | None = None
        self._shapes = None

    @classmethod
    def from_release(cls, release_dir: Path) -> "DocumentValidator":
        """The validator of a built release: its ontology, knowledge graph and shapes.ttl, and the
        JSON-LD contexts of it and of the earlier releases kept beside it."""
        release_dir = Path(release_dir)
        validator = cls.__new__(cls)
        validator.sources = None
        try:
            validator.version = read_manifest(release_dir)["version"]
            graphs = graphs_from_nquads((release_dir / DATASET_DUMP).read_bytes(), validator.version)
            shapes = validate.ShapesGraph()
            shapes.parse(release_dir / SHAPES_FILE, format="turtle")
        except (OSError, ValueError, KeyError) as error:
            raise SourcesUnusable(f"the release at {release_dir} cannot be read: {error}") from error
        validator.tbox, validator._knowledge, validator._shapes = graphs.ontology, graphs.knowledge, shapes
        folders = {validator.version: release_dir, **earlier_releases(release_dir)}
        validator.local_contexts = Contexts({
            context_iri(version): (lambda folder=folder: json.loads(
                (folder / CONTEXT_FILE).read_text(encoding="utf-8"))["@context"])
            for version, folder in folders.items()})
        return validator

    @property
    def shapes(self) -> Graph:
        self._load()
        return self._shapes

    @property
    def knowledge(self) -> Graph:
        self._load()
        return self._knowledge

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
        files_of: dict[URIRef, str] = {}
        for name, graph in graphs.items():
            for subject in graph.subjects():
                files_of.setdefault(subject, name)
        if len(graphs) == 1:
            [data] = graphs.values()
        else:
            data = Graph()
            for graph in graphs.values():
                data += graph
        triples = len(data)
        report = validate.validate(data, self.tbox, self._shapes, beside=[self._knowledge])
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
        report.graph = _reachable(report.graph)
        return DocumentReport(self.version, triples, report, data)


def _reachable(graph: Graph) -> Graph:
    """The report without what only the results left out referred to (their shapes' triples), and
    sh:conforms as SHACL defines it for the results that remain (true when there are none)."""
    kept = Graph(namespace_manager=graph.namespace_manager)
    roots = list(graph.subjects(SH.conforms, None))
    for root in roots:
        graph.set((root, SH.conforms, Literal(not any(graph.objects(root, SH.result)))))
    todo, seen = roots, set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for predicate, value in graph.predicate_objects(node):
            kept.add((node, predicate, value))
            if isinstance(value, BNode):
                todo.append(value)
    return kept
