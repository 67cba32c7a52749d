"""The files of a release folder, named once for the build that writes them and for the store,
the command line and the server that read them."""

from __future__ import annotations

import json
from pathlib import Path

DATASET_DUMP = "ssbonto.nq"  # every named graph; what the embedded store loads
MANIFEST_FILE = "manifest.json"
CHECKSUM_FILE = "SHA256SUMS"
CONTEXT_FILE = "context.jsonld"
VOID_FILE = "void.ttl"
SHAPES_FILE = "shapes.ttl"  # the SHACL shapes the release conforms to (what POST /api/validate validates with)
QUERY_STORE_DIR = "store"  # the on-disk query store (not a download)
EARLIER_RELEASES_DIR = "earlier"  # earlier/<version>/: each kept earlier release, regenerated from its archive
TERM_HISTORY_FILE = "history.json"  # in which release each IRI appeared and what changed since
SEARCH_INDEX_FILE = "search/index.sqlite"  # the search index, in a folder like the store (not a download)


def read_manifest(release_dir: Path) -> dict:
    """The release's manifest.json; raises OSError or ValueError when it cannot be read."""
    return json.loads((Path(release_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))


def is_release(release_dir: Path) -> bool:
    return (Path(release_dir) / DATASET_DUMP).is_file()


def earlier_releases(release_dir: Path) -> dict[str, Path]:
    """The earlier releases a built release keeps beside it, by version (oldest first)."""
    folder = Path(release_dir) / EARLIER_RELEASES_DIR
    if not folder.is_dir():
        return {}
    found = {path.name: path for path in folder.iterdir() if is_release(path)}
    return {version: found[version] for version in sorted(found, key=version_key)}


def version_key(version: str) -> tuple:
    """Semantic versions in release order ('1.10.0' after '1.9.0')."""
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))
