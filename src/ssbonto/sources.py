"""Where ssbonto's curated sources and its release live: one place that every room asks.

The sources are the folders ontology/, shapes/ and queries/. A command finds them in the checkout
it runs in (the current folder or one above it); anywhere else it uses the sources its
installation carries: the copy a wheel ships as `ssbonto/_sources/`, or, for an editable install
(`pip install -e .`, what ./run.sh makes), the checkout it was installed from. The release is
written beside the sources of a checkout (`release/`), or under the user's data folder when the
sources are a wheel's copy; $SSBONTO_RELEASE_DIR overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import BuildError, Problem


def is_sources(folder: Path) -> bool:
    return (folder / "ontology" / "ssbonto.ttl").is_file() and (folder / "shapes").is_dir()


def packaged_sources() -> Path:
    """The copy of ontology/, shapes/ and queries/ a wheel ships inside the package."""
    return Path(__file__).parent / "_sources"


def installed_sources() -> Path:
    """The sources of this installation: the wheel's copy, else the checkout of an editable install."""
    packaged = packaged_sources()
    if is_sources(packaged):
        return packaged
    checkout = Path(__file__).resolve().parents[2]  # src/ssbonto/sources.py -> the checkout
    if is_sources(checkout):
        return checkout
    raise BuildError(Problem(str(packaged), None, None,
                             "this installation of ssbonto carries no sources (neither a wheel's _sources/ nor "
                             "the checkout of an editable install); run from a checkout or pass --sources"))


def checkout_sources(start: Path | None = None) -> Path | None:
    """The checkout holding `start` (default: the current folder), if any."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if is_sources(candidate):
            return candidate
    return None


def default_sources() -> Path:
    """The checkout's sources when run inside one, else the installation's."""
    return checkout_sources() or installed_sources()


def user_release_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "ssbonto" / "release"


def default_release_dir() -> Path:
    configured = os.environ.get("SSBONTO_RELEASE_DIR")
    if configured:
        return Path(configured)
    sources = default_sources()
    if sources == packaged_sources():
        return user_release_dir()
    return sources / "release"


def where_things_live() -> str:
    """One paragraph for `ssbonto --help`: where this installation reads sources and writes the release."""
    try:
        sources = str(default_sources())
        release = str(default_release_dir())
    except BuildError as error:
        return f"sources: {error.problems[0]}"
    return (f"Sources (ontology/, shapes/, queries/): {sources}. The release is written to and read from {release} "
            "(--release-dir or $SSBONTO_RELEASE_DIR change it; inside a checkout it is the checkout's release/).")
