"""The release this process serves: its directory, manifest and embedded store, loaded once.

The release directory is a symbolic link that `ssbonto build` swaps; it is resolved when the
process first needs it, so pages, downloads and the store always come from one build.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from ssbonto.layout import CHECKSUM_FILE, MANIFEST_FILE, earlier_releases
from ssbonto.store import EmbeddedStore, open_store

EXTENSION_KEY = "ssbonto.served"
_creation_lock = threading.Lock()


@dataclass
class Artifact:
    name: str
    bytes: int
    sha256: str
    path: Path


@dataclass
class ServedRelease:
    directory: Path
    version: str
    triples: dict[str, int]
    artifacts: dict[str, Artifact]
    store_location: str = ""  # empty: the embedded store; else a remote endpoint (settings.store)
    store_mode: str = "auto"
    _store: EmbeddedStore | None = None
    _store_lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict = field(default_factory=dict)

    @classmethod
    def open(cls, release_dir: Path, store_location: str = "", store_mode: str = "auto") -> "ServedRelease":
        directory = Path(release_dir).resolve()
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        artifacts = {name: Artifact(name, entry["bytes"], entry["sha256"], directory / name)
                     for name, entry in manifest["files"].items()}
        # manifest.json is listed in SHA256SUMS; SHA256SUMS cannot list itself.
        for line in (directory / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            if name and name not in artifacts:
                artifacts[name] = Artifact(name, (directory / name).stat().st_size, digest, directory / name)
        checksums = (directory / CHECKSUM_FILE).read_bytes()
        artifacts[CHECKSUM_FILE] = Artifact(CHECKSUM_FILE, len(checksums), hashlib.sha256(checksums).hexdigest(),
                                            directory / CHECKSUM_FILE)
        return cls(directory, manifest["version"], manifest["triples"], dict(sorted(artifacts.items())),
                   store_location, store_mode)

    @property
    def store(self) -> EmbeddedStore:
        if self._store is None:
            with self._store_lock:
                if self._store is None:
                    self._store = open_store(self.directory, self.store_location, self.store_mode)
        return self._store

    def cached(self, key, compute):
        """A value computed once per process (pages of a release never change)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


def served_release(app: Flask | None = None) -> ServedRelease:
    app = app or current_app
    served = app.extensions.get(EXTENSION_KEY)
    if served is None:
        with _creation_lock:
            served = app.extensions.get(EXTENSION_KEY)
            if served is None:
                settings = app.config["SSBONTO"]
                served = ServedRelease.open(settings.release_dir, settings.store, settings.store_mode)
                app.extensions[EXTENSION_KEY] = served
    return served


def kept_release(version: str) -> ServedRelease | None:
    """An earlier release the build kept beside the served one (release/earlier/<version>/), or None."""
    served = served_release()
    path = served.cached("earlier-releases", lambda: earlier_releases(served.directory)).get(version)
    if path is None:
        return None
    return served.cached(("earlier", version), lambda: ServedRelease.open(path, store_mode="memory"))


def served_versions() -> list[str]:
    """Every release served here, oldest first: the earlier ones, then the current one."""
    served = served_release()
    return [*served.cached("earlier-releases", lambda: earlier_releases(served.directory)), served.version]
