"""Release history in the release folder: every earlier archived release regenerated beside the
current one (earlier/<version>/, its files as published, so the server serves and queries them),
and history.json, which says per IRI in which release it appeared and what changed since,
from the diffs between consecutive releases.

An earlier release's files are regenerated from its archived N-Quads and checked against the
checksums its archived manifest records; when they match, the published manifest is kept
verbatim. A build reuses the folder of the release it replaces when that one matched already.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from ..layout import CHECKSUM_FILE, EARLIER_RELEASES_DIR, MANIFEST_FILE, SHAPES_FILE, TERM_HISTORY_FILE
from .archive import Archive, archives
from .diff import compare, describe
from .release import ReleaseGraphs, checksums, write_release


def earlier_archives(sources: Path, current_version: str) -> list[Archive]:
    """The archived releases kept beside the current one: all but the current version's own."""
    return [archive for version, archive in archives(sources).items() if version != current_version]


def write_earlier_release(archive: Archive, directory: Path, graphs: ReleaseGraphs, earlier: list[str],
                          history: dict, previous: Path | None = None) -> list[str]:
    """The release `archive` holds (`graphs`, with the `earlier` releases and the `history` it had
    when published), written into `directory`; returns warnings (files that no longer regenerate
    byte for byte)."""
    published = archive.manifest_file.read_bytes()
    if previous is not None and (previous / MANIFEST_FILE).is_file() \
            and (previous / MANIFEST_FILE).read_bytes() == published:
        _link_tree(previous, directory)
        return []
    directory.mkdir(parents=True)
    extras = {TERM_HISTORY_FILE: history_bytes(history)}
    shapes = archive.shapes()
    if shapes is not None:
        extras[SHAPES_FILE] = shapes
    write_release(graphs, directory, extras, earlier=earlier)
    recorded = archive.manifest()["files"]
    contents = {path.name: path.read_bytes() for path in directory.iterdir()
                if path.name not in (MANIFEST_FILE, CHECKSUM_FILE)}
    differing = sorted({name for name, data in contents.items()
                        if name not in recorded or recorded[name]["sha256"] != _sha256(data)}
                       | (set(recorded) - set(contents) - {MANIFEST_FILE, CHECKSUM_FILE}))
    if differing:
        return [f"earlier release {archive.version}: {', '.join(differing)} regenerated from "
                f"{archive.dump.name} differ from the published files; they are served as regenerated"]
    (directory / MANIFEST_FILE).write_bytes(published)
    contents[MANIFEST_FILE] = published
    (directory / CHECKSUM_FILE).write_bytes(checksums(contents))
    return []


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _link_tree(source: Path, target: Path) -> None:
    """Hard links where the file system allows them (builds sit side by side), copies elsewhere."""
    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


def write_history(sources: Path, staging: Path, current: ReleaseGraphs,
                  published: Path | None = None) -> tuple[list[str], bytes, list[str]]:
    """Every earlier release into staging/earlier/ and the history of all of them and the current
    one; returns (earlier versions, history.json, warnings). `published` is the release being
    replaced, whose earlier releases are reused when they are still the published ones."""
    kept = earlier_archives(sources, current.version)
    graphs = {archive.version: archive.graphs() for archive in kept}
    history = term_history([graphs[archive.version] for archive in kept] + [current])
    versions = [archive.version for archive in kept]
    warnings: list[str] = []
    for index, archive in enumerate(kept):
        previous = published / EARLIER_RELEASES_DIR / archive.version if published else None
        warnings += write_earlier_release(archive, staging / EARLIER_RELEASES_DIR / archive.version,
                                          graphs[archive.version], versions[:index],
                                          history_until(history, archive.version),
                                          previous if previous is not None and previous.is_dir() else None)
    return versions, history_bytes(history), warnings


def term_history(releases: list[ReleaseGraphs]) -> dict:
    """history.json: for the releases in order, the release each IRI appeared in (when not the
    first) and each release that changed it, with what changed."""
    versions = [release.version for release in releases]
    terms: dict[str, dict] = {}
    previous = None
    for index, release in enumerate(releases):
        current = describe(release)
        if previous is None:
            previous = current
            continue
        diff = compare(releases[index - 1], release, previous, current)
        for change in diff.added:
            terms.setdefault(change.iri, {})["appeared"] = release.version
        for section, changes in (("deprecated", diff.deprecated), ("changed", diff.changed),
                                 ("removed", diff.removed)):
            for change in changes:
                entry = {"release": release.version, "change": section, "what": change.summary()}
                if section == "deprecated":
                    entry.update({"replaced_by": change.replaced_by, "note": change.note})
                terms.setdefault(change.iri, {}).setdefault("changes", []).append(entry)
        previous = current
    return {"releases": versions, "terms": dict(sorted(terms.items()))}


def history_until(history: dict, version: str) -> dict:
    """The history as it stood when `version` was the current release."""
    releases = history["releases"][:history["releases"].index(version) + 1]
    terms = {}
    for iri, entry in history["terms"].items():
        if entry.get("appeared", releases[0]) not in releases:
            continue
        kept = {key: value for key, value in entry.items() if key != "changes"}
        changes = [change for change in entry.get("changes", []) if change["release"] in releases]
        if changes:
            kept["changes"] = changes
        if kept:
            terms[iri] = kept
    return {"releases": releases, "terms": terms}


def history_bytes(history: dict) -> bytes:
    return (json.dumps(history, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_term_history(release_dir: Path) -> dict:
    """history.json of a built release ({"releases": [], "terms": {}} when it has none)."""
    try:
        return json.loads((Path(release_dir) / TERM_HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"releases": [], "terms": {}}
