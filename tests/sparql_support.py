"""Helpers shared by the SPARQL endpoint tests: known answers from the review, an app server
with custom settings on a real loopback socket, and a listener that records every connection."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

SSB = "https://w3id.org/ssbonto/def/"
ID = "https://w3id.org/ssbonto/id/"
GRAPH = "https://w3id.org/ssbonto/graph/"

# Table 9 of the review: the techniques that give ionic-motion information (stated in OWL)
IONIC_QUERY = ("SELECT ?technique WHERE { ?technique rdfs:subClassOf ssb:TechniqueGivingIonicMotionInformation } "
               "ORDER BY ?technique")
IONIC_ANSWER = [SSB + name for name in ("DynamicNMRTechnique", "InelasticNeutronScattering",
                                        "MagneticResonanceImaging", "QuasielasticNeutronScattering")]
# Reference [31] of the review: Y. Sun et al., J. Power Sources 324 (2016) 798
REF31 = ID + "reference/31"
REF31_QUERY = (f"SELECT ?author ?year ?journal WHERE {{ <{REF31}> ssb:firstAuthor ?author ; "
               "ssb:publicationYear ?year ; ssb:containerTitle ?journal }")
REF31_ROW = {"author": "Y. Sun", "year": "2016", "journal": "J. Power Sources"}
# A query that never ends on this graph: COUNT over a three-way cross product (~10^12 rows)
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def json_column(response: requests.Response, name: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [row[name]["value"] for row in response.json()["results"]["bindings"]]


def wait_healthy(url: str, seconds: float = 60, processes: int | None = None) -> dict:
    """/healthz once it answers 200 (and, if given, once that many query processes are ready:
    they start one after another, and a loaded machine can take seconds per process)."""
    due = time.monotonic() + seconds
    while True:
        try:
            response = requests.get(url + "/healthz", timeout=5)
            if response.status_code == 200 and (
                    processes is None or response.json()["query_processes"]["ready"] >= processes):
                return response.json()
        except requests.ConnectionError:
            pass
        if time.monotonic() > due:
            raise AssertionError(f"{url} did not become healthy within {seconds} s")
        time.sleep(0.2)


@contextmanager
def app_server(settings):
    """The real Flask application with `settings`, on a free loopback port (werkzeug, threaded)."""
    from werkzeug.serving import make_server

    from ssbonto_server.app import create_app
    from ssbonto_server.sparql.query_runner import query_runner

    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        wait_healthy(url)
        yield url
    finally:
        server.shutdown()
        query_runner(app).close()
        close_processes(app)


def close_processes(app) -> None:
    """The validator processes and the query processes of earlier releases, when they were started."""
    from ssbonto_server.pages.history import PINNED_RUNNERS
    from ssbonto_server.validation.pool import POOL_KEY

    for runner in app.extensions.get(PINNED_RUNNERS, {}).values():
        runner.close()
    if POOL_KEY in app.extensions:
        app.extensions[POOL_KEY].close()


PARTNER_ANSWER = ('{"head":{"vars":["x"]},"results":{"bindings":'
                  '[{"x":{"type":"literal","value":"answered by the partner endpoint"}}]}}')
PARTNER_GRAPH = '<http://example.org/remote-thing> <http://www.w3.org/2000/01/rdf-schema#label> "a remote graph" .\n'


class Listener:
    """A loopback HTTP server that records every connection and request. It answers as a small
    SPARQL endpoint at /sparql and serves a Turtle graph at /graph.ttl."""

    def __init__(self):
        self.connections = 0
        self.requests: list[tuple[str, str, bytes]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, body: bytes):
                length = int(self.headers.get("Content-Length") or 0)
                listener.requests.append((self.command, self.path, self.rfile.read(length) if length else b""))
                if self.path.startswith("/sparql"):
                    self._send(200, "application/sparql-results+json", PARTNER_ANSWER.encode())
                elif self.path.startswith("/graph.ttl"):
                    self._send(200, "text/turtle", PARTNER_GRAPH.encode())
                else:
                    self._send(404, "text/plain", b"not here\n")

            def _send(self, status, media_type, body):
                self.send_response(status)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._answer(b"")

            def do_POST(self):
                self._answer(b"")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address):
                listener.connections += 1
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving(release, log_path, *flags: str, environment: dict | None = None, processes: int = 2):
    """`ssbonto serve` for real (granian unless a flag says otherwise) on a free loopback port:
    yields (url, process) once every query process is ready; stopped with SIGTERM afterwards."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "w+")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("ssbonto")), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--release-dir", str(release), "--log-level", "warning", *flags],
        env={**os.environ, **(environment or {})}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, seconds=120, processes=processes)
        yield url, server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def descendants(root: int, marker: bytes) -> list[int]:
    """Live processes below `root` whose command line contains `marker`."""
    import os

    parents, commands = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    fields = stat.read().rsplit(")", 1)[1].split()
                    if fields[0] == "Z":
                        continue
                    parents[int(entry)] = int(fields[1])
                    commands[int(entry)] = cmdline.read()
            except (OSError, IndexError, ValueError):
                continue
    found = []
    for pid, command in commands.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root and marker in command:
            found.append(pid)
    return found
