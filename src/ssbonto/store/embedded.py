"""The embedded store: the built release in Oxigraph, queried with SPARQL 1.1.

By default the query's default graph is the union of the release's named graphs (ontology,
knowledge graph, inferred), so a plain query sees asserted and inferred facts together.

Two ways to hold a release, measured in bench/README.md: in memory (loaded from `ssbonto.nq` by
each process: fastest joins, but every process holds a copy and loading takes seconds per
million triples) or on disk (the `store/` folder `ssbonto build` writes, opened read-only and
shared by every process: opens at once, a fraction of the memory, joins several times slower).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from ..errors import BuildError, Problem
from ..layout import DATASET_DUMP, QUERY_STORE_DIR, read_manifest
from .answer import DEFAULT_PREFIXES, Answer, QueryError
from .query_text import inspect_query
from .syntax import explain

STORE_MODES = ("auto", "memory", "disk")
# auto: a release of at most this many triples is held in memory, a larger one read from disk.
# At 1 M triples one in-memory copy took 620 MB and 3 s to load per process (bench/README.md).
MEMORY_MODE_MAX_TRIPLES = 250_000


def write_query_store(dump: Path, directory: Path) -> None:
    """Bulk-load an N-Quads dump into a new on-disk Oxigraph store at `directory`, compacted
    for reading."""
    if directory.exists():
        shutil.rmtree(directory)
    store = ox.Store(str(directory))
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    store.flush()
    del store  # closes the database: readers may open it now


def release_triples(release_dir: Path) -> int | None:
    try:
        manifest = read_manifest(release_dir)
        return sum(manifest["triples"][graph] for graph in ("ontology", "kg", "inferred"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def choose_mode(release_dir: Path, mode: str = "auto") -> str:
    """'memory' or 'disk' for this release; `auto` decides by the release's size."""
    if mode not in STORE_MODES:
        raise BuildError(Problem("store mode", None, None, f"{mode!r} is not one of {', '.join(STORE_MODES)}"))
    on_disk = (release_dir / QUERY_STORE_DIR).is_dir()
    if mode == "disk" and not on_disk:
        raise BuildError(Problem(str(release_dir), None, None,
                                 f"has no on-disk query store ({QUERY_STORE_DIR}/); rebuild it with `ssbonto build` "
                                 "or use the memory store mode"))
    if mode != "auto":
        return mode
    triples = release_triples(release_dir)
    if on_disk and (triples is None or triples > MEMORY_MODE_MAX_TRIPLES):
        return "disk"
    return "memory"


class EmbeddedStore:
    """One release in Oxigraph: in memory (loaded from its N-Quads dump) or the release's
    on-disk store opened read-only (see choose_mode)."""

    def __init__(self, release_dir: Path, mode: str = "auto"):
        dump = release_dir / DATASET_DUMP
        if not dump.is_file():
            raise BuildError(Problem(str(release_dir), None, None,
                                     "no built release here; run `ssbonto build` first"))
        self.mode = choose_mode(release_dir, mode)
        if self.mode == "disk":
            try:
                self.store = ox.Store.read_only(str(release_dir / QUERY_STORE_DIR))
            except OSError as error:
                raise BuildError(Problem(str(release_dir / QUERY_STORE_DIR), None, None,
                                         f"the on-disk query store cannot be opened: {error}"))
        else:
            self.store = ox.Store()
            self.store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)

    def __len__(self) -> int:
        return len(self.store)

    def query(self, sparql: str, union_default_graph: bool = True, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None) -> Answer:
        """`default_graphs` / `named_graphs` (graph IRIs) replace the query's own dataset, as the
        SPARQL protocol's default-graph-uri / named-graph-uri do. The union default graph applies
        only when neither they nor FROM / FROM NAMED choose the graphs (Oxigraph's union would
        override FROM)."""
        dataset = {}
        if default_graphs is not None:
            dataset["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
        if named_graphs is not None:
            dataset["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        union = (union_default_graph and default_graphs is None
                 and not inspect_query(sparql, DEFAULT_PREFIXES).has_dataset_clause)
        try:
            result = self.store.query(sparql, prefixes=DEFAULT_PREFIXES, use_default_graph_as_union=union,
                                      **dataset)
        except SyntaxError as error:
            raise QueryError(f"malformed query: {explain(sparql, str(error), DEFAULT_PREFIXES)}") from error
        except (OSError, ValueError) as error:
            raise QueryError(str(error)) from error
        if isinstance(result, ox.QueryBoolean):
            return Answer("ask", bool(result))
        if isinstance(result, ox.QuerySolutions):
            return Answer("select", result)
        return Answer("graph", result)
