"""The store room: one interface (`query(sparql, …) -> Answer`) with two implementations, the
embedded Oxigraph store of a release (default) and a remote SPARQL 1.1 endpoint loaded by
`ssbonto push`; `query_text` reads a query's shape (form, SERVICE, FROM) before it runs."""

from __future__ import annotations

from pathlib import Path

from .answer import DEFAULT_PREFIXES, GRAPH_FORMATS, SELECT_FORMATS, Answer, QueryError, serialize, text_table
from .embedded import (MEMORY_MODE_MAX_TRIPLES, QUERY_STORE_DIR, STORE_MODES, EmbeddedStore, choose_mode,
                       release_triples, write_query_store)

__all__ = ["DEFAULT_PREFIXES", "GRAPH_FORMATS", "MEMORY_MODE_MAX_TRIPLES", "QUERY_STORE_DIR", "SELECT_FORMATS",
           "STORE_MODES", "Answer", "EmbeddedStore", "QueryError", "choose_mode", "open_store", "release_triples",
           "serialize", "text_table", "write_query_store"]


def open_store(release_dir: Path, location: str = "", mode: str = "auto"):
    """The store the configuration names: the embedded store of `release_dir` by default (held
    as `mode` says), or the remote SPARQL 1.1 endpoint at `location`
    (sparql+http://HOST:PORT/PATH) holding a release pushed there with `ssbonto push`."""
    if not location:
        return EmbeddedStore(release_dir, mode)
    from .remote import RemoteStore

    return RemoteStore(location)
