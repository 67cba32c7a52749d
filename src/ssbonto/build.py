"""`ssbonto build`: TBox + curated tables -> ABox -> reason -> validate -> release, atomically.

The release directory is a symbolic link to the newest good build; a new build is written
beside it and the link is swapped only when every step succeeded, so a failed build leaves the
last good release in place.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL

from . import reason, validate
from .curation import Curator, Review
from .errors import BuildError, Problem
from .namespaces import ONTOLOGY_IRI, bind_prefixes
from .populate import Populator
from .release import ReleaseGraphs, write_release
from .store import QUERY_STORE_DIR, write_query_store
from .tables import read_table
from .vocabulary import Vocabulary

KEEP_BUILDS = 2


def packaged_sources() -> Path:
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


def load_tbox(sources: Path) -> Graph:
    path = sources / "ontology" / "ssbonto.ttl"
    graph = bind_prefixes(Graph())
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError:
        raise BuildError(Problem(str(path), None, None, "the ontology file is missing"))
    except Exception as error:  # rdflib raises several parser-specific types
        raise BuildError(Problem("ontology/ssbonto.ttl", getattr(error, "lines", None), None,
                                 f"Turtle does not parse: {error}"))
    return graph


def ontology_version(tbox: Graph) -> str:
    version = tbox.value(ONTOLOGY_IRI, OWL.versionInfo)
    if version is None:
        raise BuildError(Problem("ontology/ssbonto.ttl", None, None,
                                 f"<{ONTOLOGY_IRI}> has no owl:versionInfo"))
    return str(version)


def table_captions(sources: Path) -> dict[int, str]:
    rows = read_table(sources / "ontology" / "review" / "review-tables.tsv", ["number", "caption", "part"], sources)
    captions = {}
    for row in rows:
        number = row.integer("number", minimum=1)
        captions[number] = row.text("caption", required=True)
        if row.problems:
            raise BuildError(row.problems)
    return captions


@dataclass
class BuildResult:
    release: Path
    graphs: ReleaseGraphs
    review: Review
    warnings: list[str]
    timings: dict[str, float]


def generate(sources: Path, reasoner_timeout: float | None = None,
             log=lambda message: None) -> tuple[ReleaseGraphs, Review, list[str], dict[str, float]]:
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
    return graphs, review, [str(w) for w in report.warnings], timings


def build(sources: Path | None = None, release_dir: Path | None = None, reasoner_timeout: float | None = None,
          log=lambda message: None) -> BuildResult:
    sources = sources or default_sources()
    release_dir = release_dir or default_release_dir()
    graphs, review, warnings, timings = generate(sources, reasoner_timeout, log)
    started = time.perf_counter()
    builds = release_dir.parent / f".{release_dir.name}-builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{graphs.version}-", dir=builds))
    try:
        write_release(graphs, staging)
        write_query_store(staging / "ssbonto.nq", staging / QUERY_STORE_DIR)
        publish(staging, release_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune(builds, keep=staging)
    timings["write release"] = round(time.perf_counter() - started, 3)
    log(f"  write release: {timings['write release']:.2f} s")
    return BuildResult(release_dir, graphs, review, warnings, timings)


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
