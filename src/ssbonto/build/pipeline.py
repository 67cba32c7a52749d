"""`ssbonto build`: TBox + curated tables -> ABox -> reason -> validate -> release, atomically.

The release directory is a symbolic link to the newest good build; a new build is written
beside it and the link is swapped only when every step succeeded, so a failed build leaves the
last good release in place. The earlier releases archived in the sources are written into the
same build (earlier/<version>/, build.history), so one swap publishes them all, and no IRI of
theirs may be missing from the new one (build.retired).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from ..errors import BuildError, Problem
from ..layout import DATASET_DUMP, QUERY_STORE_DIR, SEARCH_INDEX_FILE, SHAPES_FILE, TERM_HISTORY_FILE, read_manifest
from ..namespaces import bind_prefixes
from ..sources import default_release_dir, default_sources
from ..store.embedded import write_query_store
from . import reason, validate
from .curation import Curator, Review, table_captions
from .archive import archives
from .digest import sources_digest
from .history import write_history
from .populate import Populator
from .release import ReleaseGraphs, canonical, write_release
from .retired import keep_earlier_iris
from .search_index import unit_names, write_search_index
from .tbox import load_tbox, ontology_version
from .vocabulary import Vocabulary

KEEP_BUILDS = 2


@dataclass
class BuildResult:
    release: Path
    graphs: ReleaseGraphs
    review: Review
    warnings: list[str]
    timings: dict[str, float]
    warning_counts: dict[str, int] = field(default_factory=dict)  # message -> how many warnings say it
    notices: list[str] = field(default_factory=list)  # about the release history (unreleased changes, …)

    def warning_summary(self) -> str:
        """'21 warnings: 12 × the review states this without citing a reference, 9 × …'."""
        if not self.warnings:
            return "no warnings"
        kinds = sorted(self.warning_counts.items(), key=lambda item: (-item[1], item[0]))
        return f"{len(self.warnings)} warning(s): " + "; ".join(f"{n} × {message}" for message, n in kinds)


def generate(sources: Path, reasoner_timeout: float | None = None,
             log=lambda message: None) -> tuple[ReleaseGraphs, Review, list[validate.Violation], dict[str, float]]:
    """Everything up to the release: returns the graphs, or raises BuildError."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str):
        nonlocal started
        now = time.perf_counter()
        timings[name] = round(now - started, 3)
        started = now
        log(f"  {name}: {timings[name]:.2f} s")

    tbox = load_tbox(sources)
    vocabulary = Vocabulary.from_tbox(tbox)
    step("load ontology")
    review = Curator(sources, vocabulary).load()
    step("read curated tables")
    knowledge = Populator(review, vocabulary, tbox, table_captions(sources)).populate()
    for triple in tbox:  # what the ontology states already (elements its classes name) is not repeated
        knowledge.remove(triple)
    keep_earlier_iris(sources, tbox, knowledge)
    step("generate knowledge graph")
    combined = Graph()
    combined += tbox
    combined += knowledge
    inferred = reason.check(combined, timeout=reasoner_timeout).inferred
    step("reason (HermiT)")
    report = validate.validate(knowledge + inferred, tbox, validate.load_shapes(sources))
    step("validate (SHACL)")
    if not report.conforms:
        raise BuildError([Problem(v.file or "knowledge graph", v.line, None, str(v)) for v in report.violations])
    graphs = ReleaseGraphs(tbox, knowledge, bind_prefixes(inferred), ontology_version(tbox))
    return graphs, review, report.warnings, timings


def build(sources: Path | None = None, release_dir: Path | None = None, reasoner_timeout: float | None = None,
          log=lambda message: None) -> BuildResult:
    sources = sources or default_sources()
    release_dir = release_dir or default_release_dir()
    digest = sources_digest(sources)
    graphs, review, warnings, timings = generate(sources, reasoner_timeout, log)
    started = time.perf_counter()
    builds = release_dir.parent / f".{release_dir.name}-builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{graphs.version}-", dir=builds))
    published = release_dir.resolve() if release_dir.is_symlink() else None
    try:
        earlier, history, notices = write_history(sources, staging, graphs, published)
        write_release(graphs, staging, {TERM_HISTORY_FILE: history, SHAPES_FILE: shapes_document(sources)},
                      sources_digest=digest, warnings=[str(w) for w in warnings], earlier=earlier)
        write_query_store(staging / DATASET_DUMP, staging / QUERY_STORE_DIR)
        write_search_index(staging / QUERY_STORE_DIR, staging / SEARCH_INDEX_FILE, unit_names(review.units))
        notices += unreleased_changes(sources, staging)
        publish(staging, release_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune(builds, keep=staging)
    timings["write release"] = round(time.perf_counter() - started, 3)
    log(f"  write release: {timings['write release']:.2f} s")
    return BuildResult(release_dir, graphs, review, [str(w) for w in warnings], timings,
                       dict(Counter(w.message for w in warnings)), notices)


def shapes_document(sources: Path) -> bytes:
    """The shapes as one Turtle document, blank nodes labelled from their content (reproducible)."""
    shapes = canonical(validate.load_shapes(sources), "s")
    shapes.bind("ssbsh", validate.SHAPES_PREFIXES["ssbsh"])
    return shapes.serialize(format="turtle", encoding="utf-8")


def unreleased_changes(sources: Path, release: Path) -> list[str]:
    """A warning when the release calls itself a version that was archived with other content."""
    version = read_manifest(release)["version"]
    archive = archives(sources).get(version)
    if archive is None or archive.nquads() == (release / DATASET_DUMP).read_bytes():
        return []
    return [f"the sources changed since release {version} was archived ({archive.dump.name}): "
            "give the next release its version (ssbonto release bump patch|minor|major) before publishing it"]


def publish(staging: Path, release_dir: Path) -> None:
    """Point release_dir at staging in one atomic rename of a symbolic link."""
    if release_dir.exists() and not release_dir.is_symlink():
        raise BuildError(Problem(str(release_dir), None, None,
                                 "exists and is not a release link made by ssbonto build; move it away"))
    link = release_dir.parent / f".{release_dir.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(os.path.relpath(staging, release_dir.parent))
    os.replace(link, release_dir)


def prune(builds: Path, keep: Path) -> None:
    """Remove old builds, keeping the newest KEEP_BUILDS (the published one among them)."""
    entries = sorted((p for p in builds.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def print_problems(error: BuildError, stream=sys.stderr) -> None:
    print(f"build failed: {len(error.problems)} problem(s)", file=stream)
    for problem in error.problems:
        print(f"  {problem}", file=stream)
