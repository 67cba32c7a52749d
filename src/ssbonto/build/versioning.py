"""The version of ssbonto and every place that carries it, changed by one command
(`ssbonto release bump major|minor|patch`): the ontology's owl:versionInfo, owl:versionIRI, citation
and modification date, the shapes' version, the alignment module, its catalog and SSSOM metadata,
the package version, and the JSON-LD context the examples name. A test keeps this list complete:
no other file of the checkout may carry the current version."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError, Problem
from ..prefixes import BASE
from .archive import ARCHIVE_DIR, archives
from .tbox import ONTOLOGY_FILE, load_tbox, ontology_version

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
PARTS = ("major", "minor", "patch")
V = r"(?P<version>\d+\.\d+\.\d+)"


@dataclass(frozen=True)
class Carrier:
    """A file and a pattern whose `version` group is the version it carries."""

    path: str  # relative to the checkout; a glob for the examples
    pattern: str
    what: str


CARRIERS = [
    Carrier(ONTOLOGY_FILE, rf"owl:versionIRI <{re.escape(BASE)}release/{V}/def>", "owl:versionIRI"),
    Carrier(ONTOLOGY_FILE, rf'owl:versionInfo "{V}"', "owl:versionInfo"),
    Carrier(ONTOLOGY_FILE, rf"version {V} \(\d{{4}}\)\. {re.escape(BASE)}release/(?P=version)/def",
            "dcterms:bibliographicCitation"),
    Carrier("shapes/prefixes.ttl", rf'owl:versionInfo "{V}"', "the shapes' owl:versionInfo"),
    Carrier("ontology/alignments/ssbonto-alignments.ttl",
            rf"owl:versionIRI <{re.escape(BASE)}release/{V}/alignments>", "the alignment module's owl:versionIRI"),
    Carrier("ontology/alignments/ssbonto-alignments.ttl", rf'owl:versionInfo "{V}"',
            "the alignment module's owl:versionInfo"),
    Carrier("ontology/alignments/catalog-v001.xml", rf'name="{re.escape(BASE)}release/{V}/def"',
            "the catalog's ontology version IRI"),
    Carrier("ontology/alignments/catalog-v001.xml", rf'name="{re.escape(BASE)}release/{V}/alignments"',
            "the catalog's alignment version IRI"),
    Carrier("ontology/alignments/ssbonto.sssom.yml", rf"(?m)^mapping_set_version: {V}$", "mapping_set_version"),
    Carrier("ontology/alignments/ssbonto.sssom.yml", rf"(?m)^subject_source_version: {V}$",
            "subject_source_version"),
    Carrier("pyproject.toml", rf'(?m)^version = "{V}"$', "the package version"),
    Carrier("src/ssbonto/__init__.py", rf'(?m)^__version__ = "{V}"$', "ssbonto.__version__"),
    Carrier("examples/*.jsonld", rf'"{re.escape(BASE)}context/{V}\.jsonld"', "the examples' JSON-LD context"),
]
MODIFIED = re.compile(r'dcterms:modified "(?P<date>\d{4}-\d{2}-\d{2})"\^\^xsd:date')
CITATION_YEAR = re.compile(rf"version {V} \((?P<year>\d{{4}})\)\.")


def next_version(version: str, part: str) -> str:
    match = SEMVER.match(version)
    if not match:
        raise BuildError(Problem(ONTOLOGY_FILE, None, None, f"the version {version!r} is not a semantic version"))
    major, minor, patch = (int(n) for n in match.groups())
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise BuildError(Problem("release bump", None, None, f"{part!r} is not one of {', '.join(PARTS)}"))


def carrier_files(checkout: Path, carrier: Carrier) -> list[Path]:
    return sorted(checkout.glob(carrier.path)) if "*" in carrier.path else [checkout / carrier.path]


def bump(checkout: Path, part: str, today: datetime.date | None = None) -> tuple[str, str, list[str]]:
    """Give the checkout its next version; returns (old, new, files changed). Nothing is written
    unless every carrier holds the current version."""
    old = ontology_version(load_tbox(checkout))
    new = next_version(old, part)
    if old not in archives(checkout):
        raise BuildError(Problem(f"{ARCHIVE_DIR}/{old}.nq.gz", None, None,
                                 f"release {old} is not archived, so its files and IRIs would not stay served; "
                                 f"archive the published {old} first (ssbonto release archive)"))
    if new in archives(checkout):
        raise BuildError(Problem(f"{ARCHIVE_DIR}/{new}.nq.gz", None, None, f"release {new} is archived already"))
    today = today or datetime.date.today()
    texts: dict[Path, str] = {}
    problems: list[Problem] = []
    for carrier in CARRIERS:
        for path in carrier_files(checkout, carrier):
            relative = path.relative_to(checkout).as_posix()
            if not path.is_file():
                problems.append(Problem(relative, None, None, f"is missing; it carries {carrier.what}"))
                continue
            text = texts.get(path, path.read_text(encoding="utf-8"))
            found = list(re.finditer(carrier.pattern, text))
            if not found or any(match.group("version") != old for match in found):
                seen = ", ".join(sorted({match.group("version") for match in found})) or "nothing"
                problems.append(Problem(relative, None, None, f"{carrier.what} should be {old} but is {seen}"))
                continue
            texts[path] = re.sub(carrier.pattern, lambda match: _replace(match, new), text)
    if problems:
        raise BuildError(problems)
    ontology = checkout / ONTOLOGY_FILE
    texts[ontology] = MODIFIED.sub(f'dcterms:modified "{today.isoformat()}"^^xsd:date', texts[ontology])
    texts[ontology] = CITATION_YEAR.sub(f"version {new} ({today.year}).", texts[ontology])
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    return old, new, sorted(path.relative_to(checkout).as_posix() for path in texts)


def _replace(match: re.Match, new: str) -> str:
    # every occurrence of the old version inside the match (the citation names it twice)
    return match.group(0).replace(match.group("version"), new)
