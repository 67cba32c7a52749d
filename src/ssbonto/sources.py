"""Where ssbonto's curated sources and its release live: one place that every room asks."""

from __future__ import annotations

import os
from pathlib import Path


def packaged_sources() -> Path:
    """The copy of ontology/, shapes/ and queries/ shipped inside the wheel."""
    return Path(__file__).parent / "_sources"


def default_sources() -> Path:
    """The checkout's sources when run from it, else the copy shipped inside the package."""
    here = Path.cwd()
    for candidate in (here, *here.parents):
        if (candidate / "ontology" / "ssbonto.ttl").is_file() and (candidate / "shapes").is_dir():
            return candidate
    return packaged_sources()


def default_release_dir() -> Path:
    configured = os.environ.get("SSBONTO_RELEASE_DIR")
    if configured:
        return Path(configured)
    sources = default_sources()
    if sources == packaged_sources():
        return Path.home() / ".local" / "share" / "ssbonto" / "release"
    return sources / "release"
