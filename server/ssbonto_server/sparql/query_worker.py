"""A query process: holds its own copy of the store and answers one query at a time for the
web process (see query_runner), which kills it when a query passes the deadline.

It decides everything about the query text itself, before Oxigraph sees it: size and depth
limits, updates, SERVICE and FROM against the allow-list (ssbonto.store.query_text). It writes
the answer itself (pyoxigraph results must be read where the query ran), capped in size, under an
address-space limit so that a query that would exhaust memory kills only this process; with no
endpoint allow-listed it has no network at all, and with one, each of its connect() calls is
decided by its web worker (outbound_gate).

Started as `python -m ssbonto_server.sparql.query_worker FD SETTINGS-JSON`, FD being its end of a
socket pair to the parent. Messages both ways are a 4-byte length and a pickled tuple.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import pickle
import re
import resource
import signal
import socket
import struct
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from ssbonto.prefixes import INFERRED_GRAPH_IRI, KNOWLEDGE_GRAPH_IRI, ONTOLOGY_GRAPH_IRI
from ssbonto.store import DEFAULT_PREFIXES, QueryError
from ssbonto.store.query_text import complexity_problem, inspect_query
from ssbonto.store.remote import RemoteStoreError

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
READ_ONLY = ("SPARQL Update is not accepted: this endpoint is read-only (the knowledge graph changes only "
             "through a new release)")
GATE_MARK = b"G"  # the one byte that carries the outbound gate's descriptor to the parent
_HEADER = struct.Struct("!I")

# A job: (sparql, solutions media type or None, graph media type or None, default graphs or None,
# named graphs or None). None for a graph list: the query's FROM, else the union of all graphs.
# An outcome: (status, content type, body, message, kind, seconds, headers, cacheable).
OUTCOME_FIELDS = ("status", "content_type", "body", "message", "kind", "seconds", "headers", "cacheable")


def outcome(status: int, body: bytes = b"", media_type: str = "text/plain; charset=utf-8", message: str = "",
            kind: str | None = None, seconds: float = 0.0, headers: dict | None = None, cacheable: bool = False):
    return status, media_type, body, message, kind, seconds, headers or {}, cacheable


def send(sock: socket.socket, message) -> None:
    data = pickle.dumps(message, protocol=5)
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket):
    """The next message (raises EOFError when the other side is gone)."""
    header = _exactly(sock, 4)
    return pickle.loads(_exactly(sock, _HEADER.unpack(header)[0]))


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunk = sock.recv(size)
    if len(chunk) == size:
        return chunk
    if not chunk:
        raise EOFError("the other end closed the connection")
    parts, got = [chunk], len(chunk)
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            raise EOFError("the other end closed the connection")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


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


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def allowed(iri: str, allow_list: list[str]) -> bool:
    """An entry allows itself, and everything below it when it ends with '/'."""
    return any(iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allow_list)


def check_query(shape, protocol_graphs: list[str], options: dict) -> list[str]:
    """Refuse (Refused) what is too big or deep, an update, or what would reach another server
    without being allow-listed; returns the allow-listed remote graphs the query needs fetched."""
    problem = complexity_problem(shape, options["max_query_tokens"], options["max_query_nesting"],
                                 options["max_query_depth"])
    if problem:
        raise Refused(400, problem)
    if shape.is_update:
        raise Refused(403, READ_ONLY)
    allow_list = options["allow_list"]
    for item in shape.unresolved:
        raise Refused(403, f"{item}: the target of SERVICE and FROM must be an IRI written in the query, so that it "
                           "can be checked against the allow-list of this endpoint")
    for iri in shape.services:
        if not allowed(iri, allow_list):
            raise Refused(403, f"SERVICE <{iri}> is refused: this endpoint calls no other endpoint unless it is on its "
                               "allow-list (SSBONTO_SERVICE_ALLOW_LIST)")
    local = (ONTOLOGY_GRAPH_IRI, KNOWLEDGE_GRAPH_IRI, INFERRED_GRAPH_IRI)
    remote: list[str] = []
    for iri in [*shape.from_graphs, *shape.from_named_graphs, *protocol_graphs]:
        if iri in local or iri in remote:
            continue
        if not allowed(iri, allow_list):
            raise Refused(403, f"graph <{iri}> is not held here (the graphs are {', '.join(local)}), and other "
                               "graphs are fetched only from the allow-list (SSBONTO_SERVICE_ALLOW_LIST)")
        remote.append(iri)
    return remote


def execute(store, job: tuple, options: dict, streamed: bool = True):
    """Check one query and run it on the store, answer written: `streamed` through a buffer that
    stops at the answer's size limit (in a query process), or written by Oxigraph in one piece
    without holding the GIL, then measured (in a web worker, for answers bounded by their shape:
    worker_lane)."""
    sparql, solutions_type, graph_type, default_graphs, named_graphs = job
    started = time.perf_counter()
    max_answer_bytes = options["max_answer_bytes"]
    shape = inspect_query(sparql, DEFAULT_PREFIXES)
    try:
        remote = check_query(shape, [*(default_graphs or ()), *(named_graphs or ())], options)
    except Refused as refusal:
        return outcome(refusal.status, message=str(refusal))
    loaded: list[ox.NamedNode] = []
    if remote and getattr(store, "remote", False):
        return outcome(501, message="graphs from other servers (FROM / default-graph-uri outside this "
                                    "release) are not fetched when the service runs on a remote store")
    if remote and getattr(store, "mode", None) == "disk":
        return outcome(501, message="graphs from other servers (FROM / default-graph-uri outside this "
                                    "release) are fetched only by the in-memory store; this service reads "
                                    "its release from the read-only on-disk store (--store-mode)")
    try:
        for iri in remote:
            loaded.append(_load_remote_graph(store.store, iri, options["remote_timeout"]))
        answer = store.query(sparql, default_graphs=list(default_graphs) if default_graphs is not None else None,
                             named_graphs=list(named_graphs) if named_graphs is not None else None)
        media_type = graph_type if answer.kind == "graph" else solutions_type
        if media_type is None:
            family = "solutions" if answer.kind != "graph" else "graph"
            return outcome(406, message=f"a {answer.kind.upper()} answer cannot be written in any media type "
                                        f"this request accepts; available: {offered(family)}")
        if answer.kind == "ask":
            body = ASK_ANSWERS[media_type].format("true" if answer.result else "false").encode()
        else:
            output = _CappedBuffer(max_answer_bytes) if streamed else None  # None: Oxigraph returns the bytes
            if answer.kind == "select":
                body = answer.result.serialize(output, format=SOLUTION_TYPES[media_type])
            else:
                body = ox.serialize(answer.result, output, format=GRAPH_TYPES[media_type], prefixes=DEFAULT_PREFIXES)
            body = output.getvalue() if streamed else body
        if len(body) > max_answer_bytes:
            raise AnswerTooLarge()
        return outcome(200, body, content_type(media_type), kind=answer.kind,
                       seconds=time.perf_counter() - started, cacheable=not remote and not shape.services)
    except QueryError as error:
        if _gate_refused(str(error)):
            return outcome(403, message=GATE_REFUSED)
        return outcome(400, message=re.sub(r"error at (\d+):(\d+):", r"error at line \1, column \2:", str(error)))
    except AnswerTooLarge:
        return outcome(503, message=f"the answer is larger than the {max_answer_bytes:,} byte limit of this "
                                    "endpoint; narrow the query or add a LIMIT")
    except _RemoteGraphError as error:
        return outcome(502, message=str(error))
    except RemoteStoreError as error:
        return outcome(502, message=str(error))
    except ConnectionError as error:
        return outcome(502, message=f"a SERVICE endpoint failed: {error}")
    except MemoryError:
        return outcome(503, message="the query needed more memory than this endpoint grants one query")
    except (OSError, ValueError, TypeError, RuntimeError) as error:
        if _gate_refused(str(error)):
            return outcome(403, message=GATE_REFUSED)
        return outcome(400, message=f"the query could not be evaluated: {error}")
    finally:
        for graph in loaded:
            store.store.remove_graph(graph)


GATE_REFUSED = ("the query tried to open a connection to a host that is not on this endpoint's allow-list "
                "(SSBONTO_SERVICE_ALLOW_LIST), and it was refused")


def _gate_refused(text: str) -> bool:
    return "os error 13" in text or "Permission denied" in text  # EACCES: the outbound gate said no


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


THREAD_STACK_BYTES = 8 * 2**20


def _ordinary_thread_stacks() -> None:
    """The main thread may grow a large stack (query_runner starts this process with a large
    RLIMIT_STACK, which glibc would also give every new thread, RocksDB's included, and the
    address-space limit would then refuse them): new threads get the usual 8 MiB."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        attributes = ctypes.create_string_buffer(256)  # pthread_attr_t is 56 bytes on x86_64 and aarch64
        if libc.pthread_attr_init(attributes) == 0:
            libc.pthread_attr_setstacksize(attributes, ctypes.c_size_t(THREAD_STACK_BYTES))
            libc.pthread_setattr_default_np(attributes)
            libc.pthread_attr_destroy(attributes)
    except (OSError, AttributeError):
        pass


def worker_main(sock: socket.socket, release_dir: str, parent_pid: int, options: dict, store: str = "",
                store_mode: str = "auto") -> None:
    """Load the store, report ready, then answer jobs until the parent closes the connection."""
    _die_with_parent(parent_pid)
    _ordinary_thread_stacks()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server is handled by the parent
    isolated = gated = False
    gate_problem = None
    if options["network"] == "gated":
        from .outbound_gate import GateUnavailable, install

        try:
            descriptor = install()
            socket.send_fds(sock, [GATE_MARK], [descriptor])
            os.close(descriptor)
            gated = True
        except (GateUnavailable, OSError) as error:  # no gate: no network either (allow-listed calls fail)
            gate_problem = str(error)
            isolated = _leave_network()
            socket.send_fds(sock, [GATE_MARK], [])
    elif options["network"] == "isolated":
        isolated = _leave_network()
    sys.setrecursionlimit(20_000)  # the query text's reading recurses little; the stack is large (query_runner)
    memory_bytes = options["memory_bytes"]
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, resource.getrlimit(resource.RLIMIT_AS)[1]))
    try:
        from ssbonto.store import open_store

        location, store = store, open_store(Path(release_dir), store, store_mode)
        # proves the store answers; counting every triple would fill the on-disk store's read cache
        answers = bool(store.query("ASK { ?s ?p ?o }").result)
    except Exception as error:  # reported to the parent, which reports it to clients
        where = f"the store at {location}" if location else f"the release at {release_dir}"
        send(sock, ("failed", f"cannot load {where}: {error}"))
        return
    send(sock, ("ready", {"answers": answers, "network_isolated": isolated, "outbound_gate": gated,
                          "gate_problem": gate_problem, "store_mode": getattr(store, "mode", None)}))
    while True:
        try:
            job = receive(sock)
        except (EOFError, OSError):
            return
        send(sock, execute(store, job, options))


def main(argv: list[str]) -> None:
    descriptor, settings = int(argv[0]), json.loads(argv[1])
    worker_main(socket.socket(fileno=descriptor), **settings)


if __name__ == "__main__":
    main(sys.argv[1:])
