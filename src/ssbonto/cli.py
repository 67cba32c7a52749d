"""The `ssbonto` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import BuildError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _release(args) -> Path:
    from .build import build, default_release_dir

    release = Path(args.release_dir) if args.release_dir else default_release_dir()
    if not (release / "ssbonto.nq").is_file():
        _stderr(f"no release at {release}; building it first")
        build(release_dir=release, log=_stderr)
    return release


def cmd_build(args) -> int:
    from .build import build

    sources = Path(args.sources) if args.sources else None
    release = Path(args.release_dir) if args.release_dir else None
    _stderr("building ssbonto")
    result = build(sources, release, reasoner_timeout=args.reasoner_timeout, log=_stderr)
    for warning in result.warnings:
        _stderr(f"  {warning}")
    triples = len(result.graphs.ontology) + len(result.graphs.knowledge)
    print(f"built ssbonto {result.graphs.version}: {triples} asserted triples, "
          f"{len(result.graphs.inferred)} inferred, {len(result.warnings)} warning(s) -> {result.release}")
    return EXIT_OK


def cmd_export(args) -> int:
    from .release import EXPORT_FORMATS

    release = _release(args)
    sys.stdout.buffer.write((release / EXPORT_FORMATS[args.format]).read_bytes())
    return EXIT_OK


def cmd_query(args) -> int:
    from .store import EmbeddedStore, QueryError, serialize, text_table

    sparql = sys.stdin.read() if args.sparql == "-" else args.sparql
    if args.file:
        sparql = Path(args.file).read_text(encoding="utf-8")
    if not sparql or not sparql.strip():
        _stderr("error: empty query (pass SPARQL as an argument, '-' for stdin, or --file)")
        return EXIT_USAGE
    store = EmbeddedStore(_release(args))
    try:
        answer = store.query(sparql)
    except QueryError as error:
        _stderr(f"error: {error}")
        return EXIT_USAGE
    if args.format == "table":
        if answer.kind == "select":
            sys.stdout.write(text_table(answer))
        elif answer.kind == "ask":
            print("true" if answer.result else "false")
        else:
            sys.stdout.buffer.write(serialize(answer, "ttl"))
        return EXIT_OK
    graph_answer = answer.kind == "graph"
    allowed = ("ttl", "nt", "rdfxml", "nq", "trig") if graph_answer else ("json", "xml", "csv", "tsv")
    if args.format not in allowed:
        _stderr(f"error: --format {args.format} does not fit a {answer.kind.upper()} answer; "
                f"use one of {', '.join(allowed)}")
        return EXIT_USAGE
    sys.stdout.buffer.write(serialize(answer, args.format))
    return EXIT_OK


STATS_QUERY = """
SELECT ?class (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?s) AS ?count) WHERE {
  GRAPH ?g { ?s a ?class }
  FILTER(?g != <https://w3id.org/ssbonto/graph/inferred> && STRSTARTS(STR(?class), STR(ssb:)))
  OPTIONAL { ?class rdfs:label ?name }
} GROUP BY ?class ORDER BY DESC(?count) ?class
"""


def cmd_stats(args) -> int:
    import json

    from .store import EmbeddedStore

    release = _release(args)
    store = EmbeddedStore(release)
    manifest = json.loads((release / "manifest.json").read_text())
    print(f"ssbonto {manifest['version']}  ({release})")
    for name, count in manifest["triples"].items():
        print(f"  {name:<10} {count:>7} triples")
    print("\nindividuals per class (asserted):")
    for row in store.query(STATS_QUERY, union_default_graph=False).rows():
        print(f"  {int(row['count']):>6}  {row.get('label', '')}  <{row['class']}>")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="ssbonto", description=__doc__)
    main.add_argument("--version", action="version", version=f"ssbonto {__version__}")
    sub = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, handler, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--release-dir", help="where the release lives (default: ./release in a checkout, "
                                             "or $SSBONTO_RELEASE_DIR)")
        p.set_defaults(handler=handler)
        return p

    p = command("build", cmd_build, "build the knowledge graph, reason, validate and write the release")
    p.add_argument("--sources", help="folder holding ontology/, shapes/ (default: this checkout)")
    p.add_argument("--reasoner-timeout", type=float, default=600, help="seconds HermiT may run (default 600)")

    p = command("export", cmd_export, "write the built graph to standard output")
    p.add_argument("--format", choices=["ttl", "nt", "jsonld", "rdfxml", "nq", "trig"], default="ttl")

    p = command("query", cmd_query, "answer a SPARQL query from the built store")
    p.add_argument("sparql", nargs="?", default="", help="the query text, or '-' to read standard input")
    p.add_argument("--file", help="read the query from this file")
    p.add_argument("--format", default="table",
                   choices=["table", "json", "xml", "csv", "tsv", "ttl", "nt", "rdfxml", "nq", "trig"])

    command("stats", cmd_stats, "print triple counts and individuals per class")

    from . import merge, quality
    merge.add_arguments(command("merge", merge.run, "merge ssbonto and its alignments with other ontologies "
                                                    "(imports resolved locally) and reason over the result"))
    quality.add_arguments(command("check", quality.run, "run the ontology quality checks (OOPS!, FOOPS!, "
                                                        "ROBOT report, OWL 2 DL profile)"))

    from . import validate_cli
    validate_cli.add_arguments(command("validate", validate_cli.run, "validate RDF files (another lab's study "
                                                                     "description) against ssbonto's SHACL shapes"))

    from . import push
    push.add_arguments(command("push", push.run, "load the release into a SPARQL 1.1 store through the Graph "
                                                 "Store Protocol, for `ssbonto serve --store`"))

    from . import serve
    serve.add_arguments(command("serve", serve.run, "serve the SPARQL endpoint, linked-data pages and downloads "
                                                    "over HTTP (gunicorn); builds the release first if there is none"))
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except BuildError as error:
        from .build import print_problems

        print_problems(error)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
