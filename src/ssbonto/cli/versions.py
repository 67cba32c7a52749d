"""`ssbonto release bump|archive` and `ssbonto diff OLD NEW`: versions, the archive of published
releases, and what changed between two of them (build.versioning, build.archive, answers.changes)."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from ..sources import default_release_dir, default_sources

EXIT_OK = 0


def add_release_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    bump = actions.add_parser("bump", help="give the sources their next version, in every file that carries it",
                              description="give the sources their next version (major, minor or patch) in every "
                                          "file that carries it; the version being left must be archived")
    bump.add_argument("part", choices=("major", "minor", "patch"))
    bump.add_argument("--date", type=datetime.date.fromisoformat, help="the release date (default: today), "
                                                                        "written as dcterms:modified")
    bump.add_argument("--sources", help="the checkout to bump (default: this checkout)")
    archive = actions.add_parser("archive", help="add the built release to ontology/releases/ (when publishing it)",
                                 description="add the built release to the published releases kept in "
                                             "ontology/releases/ (its N-Quads, IRIs and manifest)")
    archive.add_argument("--sources", help="the checkout to archive into (default: this checkout)")
    for sub in (bump, archive):  # also after the action; SUPPRESS keeps a value given before it
        sub.add_argument("--release-dir", default=argparse.SUPPRESS,
                         help="where the release lives (default: ./release in a checkout)")


def run_release(args) -> int:
    sources = Path(args.sources) if args.sources else default_sources()
    if args.action == "bump":
        from ..build.versioning import bump

        old, new, files = bump(sources, args.part, args.date)
        print(f"ssbonto {old} -> {new}: changed {', '.join(files)}")
        print(f"next: ssbonto build, then `ssbonto diff {old} {new}` for the CHANGELOG.md entry, and "
              "`ssbonto release archive` once it is published")
        return EXIT_OK
    from ..build.archive import archive_release
    from ..build.digest import is_up_to_date
    from ..errors import BuildError, Problem

    release = Path(args.release_dir) if args.release_dir else default_release_dir()
    if not is_up_to_date(release, sources):
        raise BuildError(Problem(str(release), None, None, "is not a build of these sources; run `ssbonto build` "
                                                           "first, then archive what it built"))
    archive, new = archive_release(release, sources)
    verb = "archived" if new else "was archived already, with the same content:"
    shapes = f", {archive.shapes_file.name}" if archive.shapes_file.exists() else ""
    print(f"release {archive.version} {verb} {archive.dump}, {archive.iris_file.name}, "
          f"{archive.manifest_file.name}{shapes}")
    return EXIT_OK


def add_diff_arguments(parser) -> None:
    parser.add_argument("old", metavar="OLD", help="a release folder or a version (current, kept or archived)")
    parser.add_argument("new", metavar="NEW", help="a release folder or a version")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown",
                        help="markdown (default: the draft of a CHANGELOG.md entry) or json")
    parser.add_argument("--sources", help="folder holding ontology/releases/ (default: this checkout)")


def run_diff(args) -> int:
    from ..answers.changes import diff_releases, markdown

    sources = Path(args.sources) if args.sources else default_sources()
    release = Path(args.release_dir) if args.release_dir else default_release_dir()
    diff = diff_releases(args.old, args.new, sources, release)
    if args.format == "json":
        json.dump(diff.as_dict(), sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        sys.stdout.write(markdown(diff))
    return EXIT_OK
