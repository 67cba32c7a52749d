"""Load a built release (`ssbonto push --to URL`) into a SPARQL 1.1 store through the Graph Store
Protocol, one HTTP PUT per named graph (ontology, knowledge graph, inferred), so that a push
replaces what an earlier push left and a store can serve the release under `--store`.

Blank nodes become skolem IRIs (see store.remote) so that the pages can still follow them.
URL is the store's Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph)
or http://dba:PASSWORD@127.0.0.1:8890/sparql-graph-crud-auth (Virtuoso).
"""

from __future__ import annotations

import mmap
import tempfile
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from ..layout import DATASET_DUMP
from .remote import RELEASE_GRAPHS, SCHEME_PREFIX, Http, skolem

def graph_url(store: str, graph: str) -> str:
    separator = "&" if "?" in store else "?"
    return f"{store}{separator}{urllib.parse.urlencode({'graph': graph})}"


def without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@", 1)))


def push(release_dir: Path, to: str, timeout: float = 600.0, log=lambda message: None) -> dict[str, int]:
    """PUT each named graph of the release to the store; returns triples sent per graph."""
    url = to[len(SCHEME_PREFIX):] if to.startswith(SCHEME_PREFIX) else to
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"--to {to!r} is not an http(s) URL of a Graph Store Protocol endpoint")
    dump = Path(release_dir) / DATASET_DUMP
    if not dump.is_file():
        raise FileNotFoundError(f"no built release at {release_dir} (no {DATASET_DUMP}); run `ssbonto build` first")
    http = Http(url, timeout)
    with tempfile.TemporaryDirectory(prefix="ssbonto-push-") as scratch:
        files = {graph: open(Path(scratch) / f"{index}.nt", "w+b") for index, graph in enumerate(RELEASE_GRAPHS)}
        counts = dict.fromkeys(RELEASE_GRAPHS, 0)
        try:
            for quad in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS):
                graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
                if graph not in files:
                    raise ValueError(f"{dump} holds a triple outside the release's graphs: {quad}")
                files[graph].write(f"{skolem(quad.subject)} {quad.predicate} {skolem(quad.object)} .\n".encode())
                counts[graph] += 1
            for graph, file in files.items():
                size = file.tell()
                file.flush()
                # N-Triples is Turtle, and text/turtle is what every store's Graph Store Protocol reads;
                # a memory map is sent from the file, and sent again whole when the store asks for credentials
                body = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
                try:
                    http.send("PUT", graph_url(http.url, graph), body, {
                        "Content-Type": "text/turtle", "Content-Length": str(size)})
                finally:
                    if size:
                        body.close()
                log(f"pushed <{graph}>: {counts[graph]} triples")
        finally:
            for file in files.values():
                file.close()
    return counts


