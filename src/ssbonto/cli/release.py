"""`ssbonto build`, `ssbonto export` and `ssbonto stats`: make the release and read it back."""

from __future__ import annotations

import sys
from pathlib import Path

from ..layout import is_release, read_manifest
from ..sources import default_release_dir, default_sources

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


def build_if_needed(sources: Path | None, release: Path | None, rebuild: bool = False,
                    reasoner_timeout: float | None = 600, list_warnings: bool = False,
                    keep_undigested: bool = False) -> Path:
    """Build the release unless it is up to date with its sources; say which, and return it.
    `keep_undigested`: a release that records no digest (a synthetic one of bench/scale.py, or one
    an older ssbonto built) is used as it is instead of being built again (what `serve` wants)."""
    from ..build import build
    from ..build.digest import built_from, is_up_to_date

    sources = sources or default_sources()
    release = release or default_release_dir()
    if not rebuild and is_up_to_date(release, sources):
        manifest = read_manifest(release)
        stderr(f"release {manifest['version']} at {release} is up to date with its sources; not building it again "
               "(--rebuild builds anyway)")
        if list_warnings:
            for warning in manifest.get("warnings", []):
                stderr(f"  {warning}")
        return release
    if not rebuild and keep_undigested and is_release(release) and built_from(release) is None:
        stderr(f"the release at {release} records no digest of its sources: used as it is (--rebuild builds it "
               "from the sources)")
        return release
    why = ("--rebuild asked for it" if rebuild else "there is no release yet" if not is_release(release)
           else "the release records no digest of its sources" if built_from(release) is None
           else "its sources changed since it was built")
    stderr(f"building ssbonto ({why})")
    result = build(sources, release, reasoner_timeout=reasoner_timeout, log=stderr)
    if list_warnings:
        for warning in result.warnings:
            stderr(f"  {warning}")
    elif result.warnings:
        stderr(f"  {result.warning_summary()}; `ssbonto build --warnings` lists them")
    for notice in result.notices:
        stderr(f"  note: {notice}")
    triples = result.graphs.triple_counts()
    print(f"built ssbonto {result.graphs.version}: {triples['asserted']} asserted triples, "
          f"{triples['inferred']} inferred, {len(result.warnings)} warning(s) -> {result.release}", flush=True)
    return result.release


def cmd_build(args) -> int:
    build_if_needed(Path(args.sources) if args.sources else None,
                    Path(args.release_dir) if args.release_dir else None,
                    rebuild=args.rebuild, reasoner_timeout=args.reasoner_timeout,
                    list_warnings=args.warnings)
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
