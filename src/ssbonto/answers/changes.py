"""What changed between two releases, for people and programs: `ssbonto diff OLD NEW` as Markdown
(the draft of a CHANGELOG.md entry) or JSON, and the reading of CHANGELOG.md's entries, so that a
test can hold each entry to the diff it was made from.

A release is named by a folder (a built release, or an earlier one kept in it) or by a version:
a release archived in the sources (as published), an earlier release kept beside the current one,
or the current release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..build.archive import archives, graphs_from_nquads
from ..build.diff import Change, Diff, compare, short
from ..build.release import ReleaseGraphs
from ..errors import BuildError, Problem
from ..layout import DATASET_DUMP, earlier_releases, is_release, read_manifest

HEADINGS = {"added": "Added", "deprecated": "Deprecated", "removed": "Removed", "changed": "Changed"}
KINDS = {"ontology": "the ontology", "term": "term", "individual": "individual", "external": "term of another vocabulary"}


def load_release(name: str, sources: Path, release_dir: Path) -> ReleaseGraphs:
    """The graphs of the release `name` (a folder or a version)."""
    folder = Path(name)
    if is_release(folder):
        return graphs_from_nquads((folder / DATASET_DUMP).read_bytes(), read_manifest(folder)["version"])
    # a version names the release as published (its archive) before any build that carries it
    known: dict[str, object] = dict(archives(sources))
    if is_release(release_dir):
        for version, path in earlier_releases(release_dir).items():
            known.setdefault(version, path)
        known.setdefault(read_manifest(release_dir)["version"], release_dir)
    found = known.get(name)
    if found is None:
        listed = ", ".join(known) or "none"
        raise BuildError(Problem(name, None, None, f"is neither a release folder nor a known version "
                                                   f"(known: {listed})"))
    if isinstance(found, Path):
        return graphs_from_nquads((found / DATASET_DUMP).read_bytes(), name)
    return found.graphs()


def diff_releases(old: str, new: str, sources: Path, release_dir: Path) -> Diff:
    return compare(load_release(old, sources, release_dir), load_release(new, sources, release_dir))


def _quoted(values: list[str]) -> str:
    return " / ".join(f'"{value}"' for value in values) or "none"


def _item(change: Change) -> list[str]:
    head = f"- `{short(change.iri)}`"
    if change.label:
        head += f' "{change.label}"'
    if change.kind != "individual":
        head += f" ({KINDS[change.kind]})"
    lines = [head]
    if change.replaced_by:
        lines[0] += f" — replaced by `{short(change.replaced_by)}`"
    if change.note and not change.replaced_by:
        lines[0] += f" — {change.note}"
    if change.labels:
        lines.append(f"  - label: {_quoted(change.labels[0])} → {_quoted(change.labels[1])}")
    if change.definitions:
        lines.append(f"  - definition: {_quoted(change.definitions[0])} → {_quoted(change.definitions[1])}")
    removed = {statement.split(" ", 1)[0]: statement for statement in change.removed}
    added = {statement.split(" ", 1)[0]: statement for statement in change.added}
    paired = {p for p in removed if p in added and sum(s.startswith(p + " ") for s in change.removed) == 1
              and sum(s.startswith(p + " ") for s in change.added) == 1}
    for predicate in sorted(paired):
        lines.append(f"  - {predicate}: {removed[predicate].split(' ', 1)[1]} → {added[predicate].split(' ', 1)[1]}")
    lines += [f"  - removed: {s}" for s in change.removed if s.split(" ", 1)[0] not in paired]
    lines += [f"  - added: {s}" for s in change.added if s.split(" ", 1)[0] not in paired]
    return lines


def markdown(diff: Diff) -> str:
    """The diff as a CHANGELOG.md entry: a heading, a summary line, and a list per kind of change."""
    counts = {name: len(changes) for name, changes in diff.sections().items()}
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    lines = [f"## [{diff.new}] - {diff.date or 'unreleased'}", "",
             f"Compared with {diff.old}: {summary}."]
    if diff.provenance_moved:
        lines[-1] += (f" The curation file or line of {diff.provenance_moved} more IRIs moved, with no other "
                      "change (not listed).")
    for name, changes in diff.sections().items():
        if changes:
            lines += ["", f"### {HEADINGS[name]}", ""]
            for change in changes:
                lines += _item(change)
    return "\n".join(lines) + "\n"


@dataclass
class Entry:
    """One release's entry of CHANGELOG.md: the IRIs its lists name, per kind of change."""

    version: str
    date: str
    items: dict[str, set[str]] = field(default_factory=dict)  # "added" -> {"material:x", …}
    previous: str | None = None  # "Compared with X" names it


ENTRY = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\S+)", re.M)
ITEM = re.compile(r"^- `(?P<curie>[^`]+)`", re.M)
COMPARED = re.compile(r"^Compared with (?P<version>\d+\.\d+\.\d+)", re.M)


def changelog_entries(text: str) -> dict[str, Entry]:
    """The entries of a CHANGELOG.md, by version (newest first, as written)."""
    entries: dict[str, Entry] = {}
    matches = list(ENTRY.finditer(text))
    for index, match in enumerate(matches):
        body = text[match.end():matches[index + 1].start() if index + 1 < len(matches) else len(text)]
        entry = Entry(match.group("version"), match.group("date"))
        compared = COMPARED.search(body)
        entry.previous = compared.group("version") if compared else None
        sections = re.split(r"^### ", body, flags=re.M)[1:]
        for section in sections:
            heading, _, rest = section.partition("\n")
            name = next((key for key, title in HEADINGS.items() if title == heading.strip()), None)
            if name is not None:
                entry.items[name] = {m.group("curie") for m in ITEM.finditer(rest)}
        entries[entry.version] = entry
    return entries


def listed(diff: Diff) -> dict[str, set[str]]:
    """What a CHANGELOG entry made from `diff` must list, per kind of change."""
    return {name: {short(change.iri) for change in changes} for name, changes in diff.sections().items() if changes}
