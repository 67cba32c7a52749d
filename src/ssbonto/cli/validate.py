"""`ssbonto validate FILE…`: check study descriptions against ssbonto's shapes (ssbonto.answers.validation).

Exit 0 when the data conforms, 1 when it violates a shape, 2 when a file cannot be read (the message
names the line and column of a syntax error) or ssbonto's own sources do not load.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..answers.validation import (DEFAULT_MAX_MB, FORMATS, DocumentValidator, SourcesUnusable, Unreadable,
                                  format_of, read_graph)
from ..sources import default_sources

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="RDF files to validate together")
    parser.add_argument("--format", choices=FORMATS, help="the format of every FILE (default: from the extension: "
                        ".ttl, .nt, .jsonld/.json, .rdf/.owl/.xml)")
    parser.add_argument("--report", choices=("text", "ttl", "json"), default="text",
                        help="text (default), the SHACL validation report in Turtle, or JSON")
    parser.add_argument("--max-size", type=float, default=DEFAULT_MAX_MB, metavar="MB",
                        help=f"refuse files larger than this many megabytes (default {DEFAULT_MAX_MB:g})")
    parser.add_argument("--sources", help="folder holding ontology/ and shapes/ (default: this checkout)")


def read_documents(files: list[str], fmt: str | None, max_bytes: int, validator: DocumentValidator):
    """The graph of each file, or None when one cannot be read (each reason printed on stderr)."""
    graphs, unreadable = {}, []
    for name in files:
        path = Path(name)
        try:
            graphs[name] = read_graph(path, format_of(path, fmt), max_bytes, validator.local_contexts)
        except Unreadable as error:
            unreadable.append(f"error: {name}: {error}")
    if unreadable:
        print("\n".join(unreadable), file=sys.stderr)
        return None
    return graphs


def run(args) -> int:
    sources = Path(args.sources) if args.sources else default_sources()
    if args.max_size <= 0:
        print("error: --max-size must be a positive number of megabytes", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        validator = DocumentValidator(sources)
    except SourcesUnusable as error:
        print(f"error: ssbonto's own sources do not load: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    graphs = read_documents(args.files, args.format, int(args.max_size * 1e6), validator)
    if graphs is None:
        return EXIT_UNREADABLE
    try:
        outcome = validator.check(graphs)
    except SourcesUnusable as error:
        print(f"error: ssbonto's own sources do not load: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    report = outcome.report
    if args.report == "ttl":
        sys.stdout.buffer.write(report.graph.serialize(format="turtle", encoding="utf-8"))
    elif args.report == "json":
        print(json.dumps({"conforms": report.conforms, "files": args.files, "ssbonto": outcome.version,
                          "triples": outcome.triples,
                          "violations": [v.as_dict() for v in report.violations],
                          "warnings": [w.as_dict() for w in report.warnings]}, indent=1, ensure_ascii=False))
    else:
        print(f"validated {outcome.triples} triples from {', '.join(args.files)} against the ssbonto "
              f"{outcome.version} shapes (with the ontology and the knowledge graph)")
        for item in report.violations + report.warnings:
            detail = f" ({item.constraint}" + (f", value {item.value}" if item.value else "") + ")"
            print(f"  {item}{detail}")
        verdict = "conforms" if report.conforms else "does not conform"
        print(f"{verdict}: {len(report.violations)} violation(s), {len(report.warnings)} warning(s)")
    return EXIT_CONFORMS if report.conforms else EXIT_VIOLATIONS
