"""A query process: holds its own copy of the store and answers one query at a time for the
web process (see query_runner), which kills it when a query passes the deadline.

It writes the answer itself (pyoxigraph results must be read where the query ran), capped in
size, under an address-space limit so that a query that would exhaust memory kills only this
process, and (when no remote endpoint is allow-listed) without any network at all.

Started as `python -m ssbonto_server.sparql.query_worker FD SETTINGS-JSON`, FD being its end of a
socket pair to the parent.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import re
import resource
import signal
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from .result_formats import GRAPH_TYPES, SOLUTION_TYPES, content_type, offered

MAX_REMOTE_GRAPH_BYTES = 16_000_000
REMOTE_GRAPH_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                      "application/rdf+xml": ox.RdfFormat.RDF_XML, "text/plain": ox.RdfFormat.N_TRIPLES}
ASK_ANSWERS = {
    "application/sparql-results+json": '{{"head":{{}},"boolean":{}}}\n',
    "application/json": '{{"head":{{}},"boolean":{}}}\n',
    "application/sparql-results+xml": '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                                      '<head></head><boolean>{}</boolean></sparql>\n',
    "text/csv": "{}\n",
    "text/tab-separated-values": "{}\n",
}
ASK_ANSWERS["application/xml"] = ASK_ANSWERS["application/sparql-results+xml"]


@dataclass(frozen=True)
class QueryJob:
    sparql: str
    solutions_type: str | None  # media type for SELECT/ASK answers; None: the client accepts none
    graph_type: str | None  # media type for CONSTRUCT/DESCRIBE answers
    default_graphs: tuple[str, ...] | None = None  # None: the query's FROM, else the union of all graphs
    named_graphs: tuple[str, ...] | None = None
    remote_graphs: tuple[str, ...] = ()  # allow-listed graphs to fetch before the query runs
    remote_timeout: float = 10.0


@dataclass
class QueryOutcome:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    message: str = ""
    kind: str | None = None
    seconds: float = 0.0  # time the worker spent on the query, answer included
    headers: dict[str, str] = field(default_factory=dict)


class AnswerTooLarge(Exception):
    pass


class _CappedBuffer(io.RawIOBase):
    """Collects the answer and refuses to grow past `limit` bytes."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise AnswerTooLarge()
        self.parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def execute(store, job: QueryJob, max_answer_bytes: int) -> QueryOutcome:
    """Run one query on an EmbeddedStore and write its answer (in the worker process)."""
    from ssbonto.store import DEFAULT_PREFIXES, QueryError
    from ssbonto.store.remote import RemoteStoreError

    started = time.perf_counter()
    loaded: list[ox.NamedNode] = []
    if job.remote_graphs and getattr(store, "remote", False):
        return QueryOutcome(501, message="graphs from other servers (FROM / default-graph-uri outside this "
                                         "release) are not fetched when the service runs on a remote store")
    if job.remote_graphs and getattr(store, "mode", None) == "disk":
        return QueryOutcome(501, message="graphs from other servers (FROM / default-graph-uri outside this "
                                         "release) are fetched only by the in-memory store; this service reads "
                                         "its release from the read-only on-disk store (--store-mode)")
    try:
        for iri in job.remote_graphs:
            loaded.append(_load_remote_graph(store.store, iri, job.remote_timeout))
        answer = store.query(job.sparql,
                             default_graphs=list(job.default_graphs) if job.default_graphs is not None else None,
                             named_graphs=list(job.named_graphs) if job.named_graphs is not None else None)
        media_type = job.graph_type if answer.kind == "graph" else job.solutions_type
        if media_type is None:
            family = "solutions" if answer.kind != "graph" else "graph"
            return QueryOutcome(406, message=f"a {answer.kind.upper()} answer cannot be written in any media type "
                                             f"this request accepts; available: {offered(family)}")
        output = _CappedBuffer(max_answer_bytes)
        if answer.kind == "ask":
            output.write(ASK_ANSWERS[media_type].format("true" if answer.result else "false").encode())
        elif answer.kind == "select":
            answer.result.serialize(output, format=SOLUTION_TYPES[media_type])
        else:
            ox.serialize(answer.result, output, format=GRAPH_TYPES[media_type], prefixes=DEFAULT_PREFIXES)
        return QueryOutcome(200, output.getvalue(), content_type(media_type), kind=answer.kind,
                            seconds=time.perf_counter() - started)
    except QueryError as error:
        return QueryOutcome(400, message=re.sub(r"error at (\d+):(\d+):", r"error at line \1, column \2:", str(error)))
    except AnswerTooLarge:
        return QueryOutcome(503, message=f"the answer is larger than the {max_answer_bytes:,} byte limit of this "
                                         "endpoint; narrow the query or add a LIMIT")
    except _RemoteGraphError as error:
        return QueryOutcome(502, message=str(error))
    except RemoteStoreError as error:
        return QueryOutcome(502, message=str(error))
    except ConnectionError as error:
        return QueryOutcome(502, message=f"a SERVICE endpoint failed: {error}")
    except MemoryError:
        return QueryOutcome(503, message="the query needed more memory than this endpoint grants one query")
    except (OSError, ValueError, TypeError, RuntimeError) as error:
        return QueryOutcome(400, message=f"the query could not be evaluated: {error}")
    finally:
        for graph in loaded:
            store.store.remove_graph(graph)


class _RemoteGraphError(Exception):
    pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise _RemoteGraphError(f"graph <{req.full_url}> redirects to <{newurl}>; only allow-listed IRIs are "
                                "fetched, so name the target itself")


def _load_remote_graph(store: ox.Store, iri: str, timeout: float) -> ox.NamedNode:
    """Fetch an allow-listed graph and add it to this worker's store for one query."""
    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(iri, headers={
        "Accept": "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8",
        "User-Agent": "ssbonto"})
    try:
        with opener.open(request, timeout=timeout) as response:
            data = response.read(MAX_REMOTE_GRAPH_BYTES + 1)
            media_type = response.headers.get_content_type()
    except _RemoteGraphError:
        raise
    except Exception as error:  # urllib raises many types; all mean the same here
        raise _RemoteGraphError(f"graph <{iri}> could not be fetched: {error}") from error
    if len(data) > MAX_REMOTE_GRAPH_BYTES:
        raise _RemoteGraphError(f"graph <{iri}> is larger than {MAX_REMOTE_GRAPH_BYTES:,} bytes")
    if media_type not in REMOTE_GRAPH_TYPES:
        raise _RemoteGraphError(f"graph <{iri}> came as {media_type}; readable: {', '.join(REMOTE_GRAPH_TYPES)}")
    graph = ox.NamedNode(iri)
    try:
        store.load(data, format=REMOTE_GRAPH_TYPES[media_type], base_iri=iri, to_graph=graph)
    except SyntaxError as error:
        store.remove_graph(graph)
        raise _RemoteGraphError(f"graph <{iri}> does not parse as {media_type}: {error}") from error
    return graph


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this worker when the thread that spawned it goes (see the supervisor)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:
        os._exit(0)


def _leave_network() -> bool:
    """Move this process into an empty network namespace (no route anywhere, not even loopback),
    so that no query can reach the network even if a check upstream were wrong."""
    libc = ctypes.CDLL(None, use_errno=True)
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    for flags in (clone_newnet, clone_newnet | clone_newuser):
        try:
            if libc.unshare(flags) == 0:
                return True
        except AttributeError:
            return False
    return False


def worker_main(connection, release_dir: str, parent_pid: int, max_answer_bytes: int, memory_bytes: int,
                isolate_network: bool, store: str = "", store_mode: str = "auto") -> None:
    """Load the store, report ready, then answer jobs until the parent closes the connection."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server is handled by the parent
    isolated = _leave_network() if isolate_network else False
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, resource.getrlimit(resource.RLIMIT_AS)[1]))
    try:
        from ssbonto.store import open_store

        location, store = store, open_store(Path(release_dir), store, store_mode)
        # proves the store answers; counting every triple would fill the on-disk store's read cache
        answers = bool(store.query("ASK { ?s ?p ?o }").result)
    except Exception as error:  # reported to the parent, which reports it to clients
        where = f"the store at {location}" if location else f"the release at {release_dir}"
        connection.send(("failed", f"cannot load {where}: {error}"))
        return
    connection.send(("ready", {"answers": answers, "network_isolated": isolated,
                               "store_mode": getattr(store, "mode", None)}))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(execute(store, job, max_answer_bytes))


def main(argv: list[str]) -> None:
    descriptor, options = int(argv[0]), json.loads(argv[1])
    worker_main(Connection(descriptor), **options)


if __name__ == "__main__":
    # through the package module, so that pickled jobs and outcomes name the same classes
    from ssbonto_server.sparql.query_worker import main as package_main

    package_main(sys.argv[1:])
