"""`ssbonto validate FILE…`: check a study description (another lab's data) against ssbonto's shapes.

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
import sys
import xml.parsers.expat
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .errors import BuildError
from .namespaces import BASE, SH

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2
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
    from .build import table_captions
    from .curation import Curator
    from .populate import Populator
    from .vocabulary import Vocabulary

    vocabulary = Vocabulary.from_tbox(tbox)
    return Populator(Curator(sources, vocabulary).load(), vocabulary, tbox, table_captions(sources)).populate()


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="RDF files to validate together")
    parser.add_argument("--format", choices=FORMATS, help="the format of every FILE (default: from the extension: "
                        ".ttl, .nt, .jsonld/.json, .rdf/.owl/.xml)")
    parser.add_argument("--report", choices=("text", "ttl", "json"), default="text",
                        help="text (default), the SHACL validation report in Turtle, or JSON")
    parser.add_argument("--max-size", type=float, default=DEFAULT_MAX_MB, metavar="MB",
                        help=f"refuse files larger than this many megabytes (default {DEFAULT_MAX_MB:g})")
    parser.add_argument("--sources", help="folder holding ontology/ and shapes/ (default: this checkout)")


def run(args) -> int:
    from . import validate
    from .build import default_sources, load_tbox, ontology_version
    from .release import context_for

    sources = Path(args.sources) if args.sources else default_sources()
    if args.max_size <= 0:
        print("error: --max-size must be a positive number of megabytes", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        tbox = load_tbox(sources)
        version = ontology_version(tbox)
    except BuildError as error:
        for problem in error.problems:
            print(f"error: ssbonto's own sources do not load: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    context = context_for(tbox, version)
    local_contexts = {context["@id"]: context["@context"]}

    data = Graph()
    files_of: dict[URIRef, str] = {}
    unreadable = []
    for name in args.files:
        path = Path(name)
        try:
            graph = read_graph(path, format_of(path, args.format), int(args.max_size * 1e6), local_contexts)
        except Unreadable as error:
            unreadable.append(f"error: {name}: {error}")
            continue
        for subject in graph.subjects():
            files_of.setdefault(subject, name)
        data += graph
    if unreadable:
        print("\n".join(unreadable), file=sys.stderr)
        return EXIT_UNREADABLE

    try:
        knowledge = knowledge_graph(sources, tbox)
        shapes = validate.load_shapes(sources)
    except BuildError as error:
        for problem in error.problems:
            print(f"error: ssbonto's own sources do not load: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    triples = len(data)
    data += knowledge
    report = validate.validate(data, tbox, shapes)
    for item in report.violations + report.warnings:
        item.file = files_of.get(URIRef(item.focus), item.file)
    # ssbonto's own graph conforms (the build is gated on it), so every violation comes from the
    # files; its warnings are known and shown only where they concern the files' own nodes.
    report.warnings = [w for w in report.warnings if URIRef(w.focus) in files_of]
    for result in list(report.graph.subjects(SH.resultSeverity, None)):
        if report.graph.value(result, SH.resultSeverity) != SH.Violation \
                and report.graph.value(result, SH.focusNode) not in files_of:
            report.graph.remove((None, SH.result, result))
            report.graph.remove((result, None, None))

    if args.report == "ttl":
        sys.stdout.buffer.write(report.graph.serialize(format="turtle", encoding="utf-8"))
    elif args.report == "json":
        print(json.dumps({"conforms": report.conforms, "files": args.files, "ssbonto": version,
                          "triples": triples,
                          "violations": [v.as_dict() for v in report.violations],
                          "warnings": [w.as_dict() for w in report.warnings]}, indent=1, ensure_ascii=False))
    else:
        print(f"validated {triples} triples from {', '.join(args.files)} against the ssbonto {version} shapes "
              "(with the ontology and the knowledge graph)")
        for item in report.violations + report.warnings:
            detail = f" ({item.constraint}" + (f", value {item.value}" if item.value else "") + ")"
            print(f"  {item}{detail}")
        verdict = "conforms" if report.conforms else "does not conform"
        print(f"{verdict}: {len(report.violations)} violation(s), {len(report.warnings)} warning(s)")
    return EXIT_CONFORMS if report.conforms else EXIT_VIOLATIONS
