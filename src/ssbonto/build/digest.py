"""A digest of everything a build reads — the curated sources and the code that turns them into a
release — recorded in the release's manifest, so that a release whose sources have not changed
is not built again (`ssbonto build`, `ssbonto serve` and ./run.sh; --rebuild builds anyway)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import __version__
from ..layout import read_manifest

SOURCE_FOLDERS = ("ontology", "shapes")
FOUNDATION = ("errors.py", "prefixes.py", "namespaces.py", "layout.py")
MANIFEST_KEY = "sources_digest"


def _files(sources: Path) -> list[tuple[str, Path]]:
    found = [(f"{folder}/{path.relative_to(sources / folder).as_posix()}", path)
             for folder in SOURCE_FOLDERS if (sources / folder).is_dir()
             for path in (sources / folder).rglob("*") if path.is_file()]
    code = Path(__file__).parent
    found += [(f"code/build/{path.name}", path) for path in code.glob("*.py")]
    found += [(f"code/{name}", code.parent / name) for name in FOUNDATION]
    return sorted(found)


def sources_digest(sources: Path) -> str:
    digest = hashlib.sha256(f"ssbonto {__version__}\n".encode())
    for name, path in _files(sources):
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def built_from(release_dir: Path) -> str | None:
    """The digest the release records, or None when there is no readable release."""
    try:
        return read_manifest(release_dir).get(MANIFEST_KEY)
    except (OSError, ValueError):
        return None


def is_up_to_date(release_dir: Path, sources: Path) -> bool:
    recorded = built_from(release_dir)
    return recorded is not None and recorded == sources_digest(sources)
