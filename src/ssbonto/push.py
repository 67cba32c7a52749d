"""`ssbonto push --to URL`: load a built release into a SPARQL 1.1 store through the Graph Store
Protocol, one HTTP PUT per named graph (ontology, knowledge graph, inferred), so that a push
replaces what an earlier push left and a store can serve the release under `--store`.

Blank nodes become skolem IRIs (see remote_store) so that the pages can still follow them.
URL is the store's Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph)
or http://dba:PASSWORD@127.0.0.1:8890/sparql-graph-crud-auth (Virtuoso).
"""

from __future__ import annotations

import argparse
import mmap
import sys
import tempfile
import urllib.error
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from .remote_store import RELEASE_GRAPHS, SCHEME_PREFIX, Http, RemoteStoreError, skolem

EXIT_OK, EXIT_FAILED = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--to", required=True, metavar="URL",
                        help="the store's SPARQL 1.1 Graph Store Protocol endpoint (http://HOST:PORT/PATH; "
                             "user:password@ in it for stores that ask for credentials)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one graph upload may take")
    return parser


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
    dump = Path(release_dir) / "ssbonto.nq"
    if not dump.is_file():
        raise FileNotFoundError(f"no built release at {release_dir} (no ssbonto.nq); run `ssbonto build` first")
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


def run(args) -> int:
    from .build import default_release_dir

    release = Path(args.release_dir) if getattr(args, "release_dir", None) else default_release_dir()
    try:
        counts = push(release, args.to, args.timeout, log=lambda message: print(message, file=sys.stderr))
    except (ValueError, FileNotFoundError, RemoteStoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except urllib.error.HTTPError as error:
        detail = error.read(2000).decode("utf-8", "replace").strip()
        print(f"error: the store refused the upload to {error.url}: {error.code} {error.reason}"
              + (f": {detail}" if detail else ""), file=sys.stderr)
        return EXIT_FAILED
    print(f"pushed {sum(counts.values())} triples in {len(counts)} graphs to {without_password(args.to)}")
    return EXIT_OK
