"""`ssbonto contribute FILE…`: a lab's study description as the curated rows that would add it
(ssbonto.answers.contribute), printed as a patch of ontology/review/*.tsv or written with --apply.

Exit 0 with the rows, 1 when the description does not conform or cannot become rows (each reason
on standard error), 2 when a file cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..answers.contribute import NotContributable, contribute
from ..answers.validation import DEFAULT_MAX_MB, FORMATS, DocumentValidator, SourcesUnusable
from ..sources import default_sources
from .validate import read_documents

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="the study description (RDF files read together)")
    parser.add_argument("--apply", action="store_true", help="write the rows into the tables instead of printing "
                                                             "them as a patch")
    parser.add_argument("--format", choices=FORMATS, help="the format of every FILE (default: from the extension)")
    parser.add_argument("--sources", help="the checkout whose tables receive the rows (default: this checkout)")


def run(args) -> int:
    sources = Path(args.sources) if args.sources else default_sources()
    try:
        validator = DocumentValidator(sources)
    except SourcesUnusable as error:
        print(f"error: ssbonto's own sources do not load: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    graphs = read_documents(args.files, args.format, int(DEFAULT_MAX_MB * 1e6), validator)
    if graphs is None:
        return EXIT_UNREADABLE
    try:
        result = contribute(graphs, sources, validator)
    except NotContributable as error:
        print(f"cannot contribute {', '.join(args.files)}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_REFUSED
    for theirs, ours in result.iris.items():
        print(f"  <{theirs}> becomes <{ours}>", file=sys.stderr)
    for lost in result.not_kept:
        print(f"  not kept: {lost}", file=sys.stderr)
    if args.apply:
        written = result.apply(sources)
        print(f"added {sum(len(rows) for rows in result.rows.values())} rows to {', '.join(written)}; "
              "run `ssbonto build`, then review the change like any other (docs/contributing.md)", file=sys.stderr)
    else:
        sys.stdout.write(result.patch(sources))
    return EXIT_OK
