"""`ssbonto build`, `ssbonto export` and `ssbonto stats`: make the release and read it back."""

from __future__ import annotations

import sys
from pathlib import Path

from ..layout import is_release, read_manifest
from ..sources import default_release_dir

EXIT_OK = 0


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def release_of(args) -> Path:
    from ..build import build

    release = Path(args.release_dir) if args.release_dir else default_release_dir()
    if not is_release(release):
        stderr(f"no release at {release}; building it first")
        build(release_dir=release, log=stderr)
    return release


def cmd_build(args) -> int:
    from ..build import build

    sources = Path(args.sources) if args.sources else None
    release = Path(args.release_dir) if args.release_dir else None
    stderr("building ssbonto")
    result = build(sources, release, reasoner_timeout=args.reasoner_timeout, log=stderr)
    for warning in result.warnings:
        stderr(f"  {warning}")
    triples = len(result.graphs.ontology) + len(result.graphs.knowledge)
    print(f"built ssbonto {result.graphs.version}: {triples} asserted triples, "
          f"{len(result.graphs.inferred)} inferred, {len(result.warnings)} warning(s) -> {result.release}")
    return EXIT_OK


def cmd_export(args) -> int:
    from ..build.release import EXPORT_FORMATS

    release = release_of(args)
    sys.stdout.buffer.write((release / EXPORT_FORMATS[args.format]).read_bytes())
    return EXIT_OK


STATS_QUERY = """
SELECT ?class (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?s) AS ?count) WHERE {
  GRAPH ?g { ?s a ?class }
  FILTER(?g != <https://w3id.org/ssbonto/graph/inferred> && STRSTARTS(STR(?class), STR(ssb:)))
  OPTIONAL { ?class rdfs:label ?name }
} GROUP BY ?class ORDER BY DESC(?count) ?class
"""


def cmd_stats(args) -> int:
    from ..store import EmbeddedStore

    release = release_of(args)
    store = EmbeddedStore(release)
    manifest = read_manifest(release)
    print(f"ssbonto {manifest['version']}  ({release})")
    for name, count in manifest["triples"].items():
        print(f"  {name:<10} {count:>7} triples")
    print("\nindividuals per class (asserted):")
    for row in store.query(STATS_QUERY, union_default_graph=False).rows():
        print(f"  {int(row['count']):>6}  {row.get('label', '')}  <{row['class']}>")
    return EXIT_OK
