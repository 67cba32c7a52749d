"""`ssbonto query 'SPARQL'`: answer a query from the built store, as a table or in a SPARQL format."""

from __future__ import annotations

import sys
from pathlib import Path

from .release import release_of, stderr

EXIT_OK, EXIT_USAGE = 0, 2


def cmd_query(args) -> int:
    from ..store import EmbeddedStore, QueryError, serialize, text_table

    sparql = sys.stdin.read() if args.sparql == "-" else args.sparql
    if args.file:
        sparql = Path(args.file).read_text(encoding="utf-8")
    if not sparql or not sparql.strip():
        stderr("error: empty query (pass SPARQL as an argument, '-' for stdin, or --file)")
        return EXIT_USAGE
    store = EmbeddedStore(release_of(args))
    try:
        answer = store.query(sparql)
    except QueryError as error:
        stderr(f"error: {error}")
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
        stderr(f"error: --format {args.format} does not fit a {answer.kind.upper()} answer; "
                f"use one of {', '.join(allowed)}")
        return EXIT_USAGE
    sys.stdout.buffer.write(serialize(answer, args.format))
    return EXIT_OK
