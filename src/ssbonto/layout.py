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
QUERY_STORE_DIR = "store"  # the on-disk query store (not a download)
SEARCH_INDEX_FILE = "search/index.sqlite"  # the search index, in a folder like the store (not a download)


def read_manifest(release_dir: Path) -> dict:
    """The release's manifest.json; raises OSError or ValueError when it cannot be read."""
    return json.loads((Path(release_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))


def is_release(release_dir: Path) -> bool:
    return (Path(release_dir) / DATASET_DUMP).is_file()
