"""The `ssbonto` command line."""

from __future__ import annotations

import argparse

from .. import __version__
from ..errors import BuildError
from . import query, release

EXIT_OK, EXIT_FAILED = 0, 1


def parser() -> argparse.ArgumentParser:
    from ..sources import where_things_live

    main = argparse.ArgumentParser(prog="ssbonto", description=__doc__, epilog=where_things_live())
    main.add_argument("--version", action="version", version=f"ssbonto {__version__}")
    sub = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, handler, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--release-dir", help="where the release lives (default: the checkout's release/, "
                                             "$SSBONTO_RELEASE_DIR, or ~/.local/share/ssbonto/release for a "
                                             "wheel; `ssbonto --help` names it)")
        p.set_defaults(handler=handler)
        return p

    p = command("build", release.cmd_build, "build the knowledge graph, reason, validate and write the release")
    p.add_argument("--sources", help="folder holding ontology/, shapes/ (default: this checkout)")
    p.add_argument("--reasoner-timeout", type=float, default=600, help="seconds HermiT may run (default 600)")
    p.add_argument("--rebuild", action="store_true",
                   help="build even when the release is up to date with its sources (it is skipped otherwise)")
    p.add_argument("--warnings", action="store_true",
                   help="list every warning of the shapes instead of a one-line summary (from the release "
                        "itself when it is up to date)")

    p = command("export", release.cmd_export, "write the built graph to standard output")
    p.add_argument("--format", choices=["ttl", "nt", "jsonld", "rdfxml", "nq", "trig"], default="ttl")

    p = command("query", query.cmd_query, "answer a SPARQL query from the built store")
    p.add_argument("sparql", nargs="?", default="", help="the query text, or '-' to read standard input")
    p.add_argument("--file", help="read the query from this file")
    p.add_argument("--format", default="table",
                   choices=["table", "json", "xml", "csv", "tsv", "ttl", "nt", "rdfxml", "nq", "trig"])

    command("stats", release.cmd_stats, "print triple counts and individuals per class")

    from . import interop
    interop.add_merge_arguments(command("merge", interop.run_merge, "merge ssbonto and its alignments with other "
                                        "ontologies (imports resolved locally) and reason over the result"))
    interop.add_check_arguments(command("check", interop.run_check, "run the ontology quality checks (OOPS!, "
                                        "FOOPS!, ROBOT report, OWL 2 DL profile)"))
    interop.add_imports_arguments(command("imports", interop.run_imports, "the import modules of the reference "
                                          "ontologies in ontology/imports/ (refresh them from new releases)"))

    from . import validate
    validate.add_arguments(command("validate", validate.run, "validate RDF files (another lab's study "
                                                             "description) against ssbonto's SHACL shapes"))

    from . import contribute
    contribute.add_arguments(command("contribute", contribute.run, "turn a conforming study description into the "
                                                                   "curated rows that would add it (a patch, or "
                                                                   "--apply)"))

    from . import versions
    versions.add_release_arguments(command("release", versions.run_release, "release management: `bump` the "
                                           "version everywhere it is written, `archive` the published release"))
    versions.add_diff_arguments(command("diff", versions.run_diff, "what changed between two releases (folders "
                                        "or versions), as Markdown for CHANGELOG.md or as JSON"))

    from . import push
    push.add_arguments(command("push", push.run, "load the release into a SPARQL 1.1 store through the Graph "
                                                 "Store Protocol, for `ssbonto serve --store`"))

    from . import advise
    advise.add_arguments(command("advise", advise.run, "which techniques tell you what you want to know, "
                                                       "ranked with the review's evidence (docs/advisor.md)"))

    from . import serve
    serve.add_arguments(command("serve", serve.run, "serve the SPARQL endpoint, linked-data pages and downloads "
                                                    "over HTTP (gunicorn); builds the release first if there is none"))
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except BuildError as error:
        from ..build import print_problems

        print_problems(error)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130

