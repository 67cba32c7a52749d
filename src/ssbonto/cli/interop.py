"""`ssbonto merge` and `ssbonto check`: the commands for people who merge ssbonto with other
ontologies (ssbonto.interop.merge) and check its quality (ssbonto.interop.quality)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from ..errors import BuildError
from ..interop.merge import CLASSIFY, EXIT_UNUSABLE, SATISFIABILITY, MergeInputError, merge
from ..interop.quality import check, load, print_report
from ..sources import default_sources


def add_merge_arguments(parser) -> None:
    parser.add_argument("--with", dest="with_files", nargs="+", required=True, metavar="FILE",
                        help="ontology files to merge with ssbonto (Turtle, RDF/XML, N-Triples)")
    parser.add_argument("--catalog", action="append", default=[], metavar="XML",
                        help="OASIS XML catalog mapping import IRIs to local files (repeatable); "
                             "a catalog-v001.xml beside a --with file is read too")
    parser.add_argument("--search", action="append", default=[], metavar="DIR",
                        help="folder whose RDF files may satisfy owl:imports, by ontology or version IRI (repeatable)")
    parser.add_argument("--reasoning", choices=(SATISFIABILITY, CLASSIFY), default=SATISFIABILITY,
                        help="satisfiability (default): HermiT decides consistency and the satisfiability of each "
                             "ssbonto class, placements are the asserted ones; classify: HermiT classifies every "
                             "class of every ontology (much slower): all unsatisfiable classes, inferred placements")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds HermiT may run (default 600)")
    parser.add_argument("--output", default="ssbonto-merged.owl",
                        help="where to write the merged ontology (.owl/.rdf RDF/XML, .ttl, .nt; default "
                             "ssbonto-merged.owl); '-' writes none")
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    parser.add_argument("--allow-missing-imports", action="store_true",
                        help="merge even when some owl:imports resolve to no local file")
    parser.add_argument("--sources", help="folder holding ontology/ (default: this checkout)")


def run_merge(args) -> int:
    """Exit 0 consistent with no unsatisfiable ssbonto class, 1 otherwise, 2 unusable input,
    3 when HermiT ran out of its time limit before deciding."""
    # rdflib logs a traceback for each literal it cannot convert; HermiT names such a literal itself
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)

    def stderr(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    sources = Path(args.sources) if args.sources else default_sources()
    output = None if args.output == "-" else Path(args.output)
    try:
        report = merge([Path(p) for p in args.with_files], sources, [Path(c) for c in args.catalog],
                       [Path(s) for s in args.search], args.time_limit, output, args.allow_missing_imports,
                       log=stderr, reasoning=args.reasoning)
    except MergeInputError as error:
        for problem in error.problems:
            stderr(f"error: {problem}")
        return EXIT_UNUSABLE
    sys.stdout.write(report.text())
    if args.json:
        Path(args.json).write_text(report.to_json(), encoding="utf-8")
    return report.exit_code


def add_check_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="ontology files to check (default: ontology/ssbonto.ttl of this checkout)")
    parser.add_argument("--no-dl-profile", action="store_true", help="skip the OWL 2 DL profile check (OWL API)")
    parser.add_argument("--sources", help="folder holding ontology/ and queries/quality/ (default: this checkout)")


def run_check(args) -> int:
    """Exit 0 when every check passes, 1 when one fails, 2 when a file cannot be read."""
    sources = Path(args.sources) if args.sources else default_sources()
    files = [Path(f) for f in args.files] or [sources / "ontology" / "ssbonto.ttl"]
    try:
        graph = load(files)
        report = check(graph, sources, dl_profile=not args.no_dl_profile)
    except BuildError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    print_report(report)
    return 0 if report.passed else 1


def add_imports_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    refresh = actions.add_parser("refresh", help="extract the import modules of ontology/imports/ again from the "
                                                 "reference ontologies (ontology/imports/imports.tsv lists them)")
    refresh.add_argument("--from", dest="reference_dir", required=True, metavar="DIR",
                         help="folder holding the reference ontologies at the paths imports.tsv names "
                              "(e.g. ../shared/ref-ontologies)")
    refresh.add_argument("--only", action="append", metavar="MODULE", help="refresh only this module (repeatable)")
    refresh.add_argument("--output", metavar="DIR", help="write the modules here instead of ontology/imports/")
    refresh.add_argument("--sources", help="folder holding ontology/ (default: this checkout)")


def run_imports(args) -> int:
    from ..interop.imports import refresh

    sources = Path(args.sources) if args.sources else default_sources()
    reference_dir = Path(args.reference_dir)
    if not reference_dir.is_dir():
        print(f"error: --from {reference_dir}: no such folder", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        written = refresh(sources, reference_dir, args.only, Path(args.output) if args.output else None,
                          log=lambda message: print(message, file=sys.stderr, flush=True))
    except BuildError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"refreshed {len(written)} import module(s)")
    return 0
