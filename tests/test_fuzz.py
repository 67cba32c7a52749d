"""A bounded fuzzing run of our own (issues 16 and 17): a few thousand bad-input requests over raw
sockets against `ssbonto serve` as shipped, with an endpoint allow-listed (so the query processes
have a network) and a listener that is not. Malformed SPARQL and parameters, updates, SERVICE /
FROM / default-graph-uri spellings aimed at the outsider, deep and long queries, odd methods,
headers and bodies (chunked, malformed, short), HTTP/2 prefaces, path attacks on every route
(this round's /api/... and pages included). Asserted over every answer: no 5xx but the deadline's
(and capacity) 503s, no traceback or filesystem path in any body, no hang, no connection to the
outsider, no query process crash, /healthz healthy throughout.

    SSBONTO_FUZZ_REQUESTS=10000 pytest -s tests/test_fuzz.py   # the closing figures (default 3000)
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from collections import Counter
from urllib.parse import quote

import requests
from sparql_support import IONIC_QUERY, REF31_QUERY, RUNAWAY_QUERY, Listener, serving
from test_sparql_safety import bypass_spellings, deep_queries

REQUESTS = int(os.environ.get("SSBONTO_FUZZ_REQUESTS", "3000"))
CLIENTS = 8
SEED = int(os.environ.get("SSBONTO_FUZZ_SEED", "20261207"))
LEAKS = (b"Traceback", b'File "', b"/work/", b"site-packages", b"/home/", b"/tmp/", b".py\"", b"Errno")
ROUTES = ["/sparql", "/", "/healthz", "/downloads", "/downloads/ssbonto.ttl", "/release/1.0.0/sparql", "/release/",
          "/data/", "/page/", "/id/reference/31", "/def/Study", "/def", "/api/search", "/api/suggest", "/api/advise",
          "/api/validate", "/search", "/validate", "/query", "/void", "/context.jsonld"]
PATH_ATTACKS = ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/..%2f..%2fetc%2fpasswd",
                "/%00", "/x%00.ttl", "/\\..\\..\\windows", "/" + "a" * 5000, "/%ff%fe", "/é", "/%C0%AE%C0%AE/",
                "/..;/", "/.git/config", "/~root", "/%25%32%65%25%32%65/", "/*", "?", "/;jsessionid=x"]
METHODS = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "FOO", "get", "PROPFIND"]
ACCEPTS = ["*/*", "text/html", "application/sparql-results+json", "text/csv;q=0", "x" * 8000, ";;;,,,q=",
           "application/rdf+xml, text/turtle;q=0.5", "\u00e9/\u00e9", "image/png", ""]


def sparql_inputs(outsider: str, partner: str) -> list[str]:
    valid = [IONIC_QUERY, REF31_QUERY, "ASK { ?s ?p ?o }", "DESCRIBE <https://w3id.org/ssbonto/id/reference/31>",
             "CONSTRUCT WHERE { ?s a ssb:Study } LIMIT 5", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]
    broken = [text[:cut] for text in valid for cut in (3, 10, len(text) // 2, len(text) - 1)]
    broken += ["SELECT", "}{", "SELECT * WHERE { ?s ?p }", "\x00", "SELECT \ud800", "'''", '"unterminated',
               "PREFIX : <x> SELECT", "SELECT * WHERE { <a\\u0000b> ?p ?o }", "BASE <rel> SELECT * {}", "#" * 1000]
    updates = ["INSERT DATA { <a> <b> <c> }", "DELETE WHERE { ?s ?p ?o }", f"LOAD <{outsider}/graph.ttl>",
               "CLEAR ALL", "DROP GRAPH <https://w3id.org/ssbonto/graph/kg>", "insertdata{<a><b><c>}",
               f"# c\nLOAD SILENT <{outsider}/graph.ttl> INTO GRAPH <g>"]
    outward = bypass_spellings(outsider) + [
        f"SELECT * FROM <{outsider}/graph.ttl> WHERE {{ ?s ?p ?o }}", "SELECT * WHERE { SERVICE <file:///etc/passwd> { } }",
        f"SELECT * WHERE {{ SERVICE <http://2130706433:{outsider.rsplit(':', 1)[1]}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT ?x WHERE {{ SERVICE <{partner}/sparql> {{ ?x ?y ?z }} }}",  # allow-listed: reached
        f"PREFIX : <{partner}/> SELECT ?x WHERE {{ SERVICE:sparql {{ ?x ?y ?z }} }}"]
    long = ["SELECT ?x WHERE { BIND(\"" + "a" * 99_000 + "\" AS ?x) }"]
    return valid + broken + updates + outward + list(deep_queries().values()) + long


def _complete(reply: bytes) -> bool:
    """Whether `reply` holds a whole HTTP/1.1 answer (the connection may stay open after it)."""
    head, found, body = reply.partition(b"\r\n\r\n")
    if not found:
        return False
    if head.split(b" ", 2)[1:2] in ([b"204"], [b"304"]):
        return True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value)
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            return body.endswith(b"0\r\n\r\n")
    return False


class Campaign:
    def __init__(self, url: str, outsider: str, partner: str):
        self.host, self.port = "127.0.0.1", int(url.rsplit(":", 1)[1])
        self.url, self.outsider, self.partner = url, outsider, partner
        self.queries = sparql_inputs(outsider, partner)
        self.statuses: Counter = Counter()
        self.problems: list[str] = []
        self.hangs = self.dropped = self.leaks = 0
        self.slowest: dict[str, float] = {}
        self.lock = threading.Lock()

    # -- one request, as raw bytes ------------------------------------------------------------------
    def make(self, rng: random.Random) -> tuple[str, bytes, bool]:
        kind = rng.random()
        accept = rng.choice(ACCEPTS)
        host = rng.choice(["x", "127.0.0.1", "", "a" * 300, "evil.example:80"])
        if kind < 0.45:
            query = rng.choice(self.queries)
            form = rng.random()
            if form < 0.35 and len(query) < 20_000:
                target = "/sparql?query=" + quote(query.encode("utf-8", "surrogatepass"), safe="")
                if rng.random() < 0.2:
                    target += rng.choice(["&query=x", "&callback=y", "&default-graph-uri=" + quote(self.outsider + "/g"),
                                          "&named-graph-uri=not%20an%20iri", "&format=zz", "&update=CLEAR%20ALL", "%ZZ"])
                return "sparql-get", self.request("GET", target, host, accept, b"", None), False
            if form < 0.7:
                body = ("query=" + quote(query.encode("utf-8", "surrogatepass"), safe="")).encode()
                content_type = rng.choice(["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
                                           "text/plain", None])
            else:
                body = query.encode("utf-8", "surrogatepass")
                content_type = rng.choice(["application/sparql-query", "application/sparql-update",
                                           "application/sparql-query; charset=utf-16", "multipart/form-data; boundary=x"])
            chunked = rng.random() < 0.25
            return "sparql-post", self.request("POST", "/sparql", host, accept, body, content_type, chunked), False
        if kind < 0.75:
            path = rng.choice(ROUTES) + (rng.choice(PATH_ATTACKS) if rng.random() < 0.6 else "")
            if rng.random() < 0.3:
                path += "?q=" + quote(rng.choice(["", "llzo", "<script>", "a" * 3000, "%", "\u2603", "'; DROP"]), safe="")
            method = rng.choice(METHODS)
            body = rng.choice([b"", b"{}", b'{"study": ', b"\xff\xfe" * 50, b"a=b&c", os.urandom(200)])
            return "route", self.request(method, path, host, accept, body if method not in ("GET", "HEAD") else b"",
                                         rng.choice(["application/json", "text/turtle", None])), False
        # the wire itself
        choice = rng.randrange(9)
        if choice == 0:
            return "h2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", False
        if choice == 1:
            return "h2-line", b"PRI * HTTP/2.0\r\nHost: x\r\n\r\n", False
        if choice == 2:
            return "malformed-chunked", (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                         b"Transfer-Encoding: chunked\r\n\r\n" + rng.choice([b"zz\r\nab\r\n", b"5\r\nab\r\n0\r\n\r\n",
                                                                                               b"-1\r\n", b"ffffffffffffffff\r\n"])), True
        if choice == 3:
            return "short-body", (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                  b"Content-Length: 900\r\n\r\nSELECT"), True
        if choice == 4:
            return "bad-length", (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                  rng.choice([b"-5", b"abc", b"99999999999999999999", b"1, 2"]) + b"\r\n\r\nx"), True
        if choice == 5:
            return "many-headers", b"GET /sparql HTTP/1.1\r\nHost: x\r\n" + b"".join(
                b"X-%d: %s\r\n" % (i, b"v" * rng.randrange(1, 2000)) for i in range(rng.randrange(50, 150))) + b"\r\n", False
        if choice == 6:
            return "http10", b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n\r\n", False
        if choice == 7:
            return "garbage", os.urandom(rng.randrange(1, 400)) + b"\r\n\r\n", True
        return "bad-line", rng.choice([b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n"
                                       b"Host: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                                       b"G\x00T / HTTP/1.1\r\n\r\n", b" / HTTP/1.1\r\nHost: x\r\n\r\n"]), True

    @staticmethod
    def request(method: str, target: str, host: str, accept: str, body: bytes, content_type: str | None,
                chunked: bool = False) -> bytes:
        lines = [f"{method} {target} HTTP/1.1".encode("utf-8", "surrogateescape"), b"Host: " + host.encode(),
                 b"Connection: close"]
        if accept:
            lines.append(b"Accept: " + accept.encode("utf-8"))
        if content_type:
            lines.append(b"Content-Type: " + content_type.encode())
        if chunked:
            lines.append(b"Transfer-Encoding: chunked")
            body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 700]), body[i:i + 700])
                            for i in range(0, len(body), 700)) + b"0\r\n\r\n"
        elif body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    # -- sending, and judging the answer ------------------------------------------------------------
    def send(self, kind: str, data: bytes, half_close: bool) -> None:
        began = time.monotonic()
        try:
            self._send(kind, data, half_close)
        finally:
            with self.lock:
                self.slowest[kind] = max(self.slowest.get(kind, 0.0), round(time.monotonic() - began, 2))

    def _send(self, kind: str, data: bytes, half_close: bool) -> None:
        reply = b""
        try:
            with socket.create_connection((self.host, self.port), timeout=20) as raw:
                try:
                    raw.sendall(data)
                    if half_close:
                        raw.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # the server may answer and close before the whole request is sent
                while True:
                    chunk = raw.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                    if kind == "h2-preface" and reply.startswith(b"\x00"):
                        break  # HTTP/2 frames: answered
                    if _complete(reply):
                        break
        except socket.timeout:
            with self.lock:
                self.hangs += 1
                self.problems.append(f"no answer within 20 s to {kind}: {data[:120]!r}")
            return
        except OSError as error:  # reset after an answer was sent counts by the answer
            if not reply:
                with self.lock:
                    self.dropped += 1
                    self.statuses[f"{kind}: {type(error).__name__}"] += 1
                return
        self.judge(kind, data, reply)

    def judge(self, kind: str, data: bytes, reply: bytes) -> None:
        with self.lock:
            if kind == "h2-preface":
                self.statuses["HTTP/2 frames" if reply.startswith(b"\x00") else f"h2-preface: {reply[:20]!r}"] += 1
                return
            if not reply:
                self.dropped += 1
                self.statuses[f"{kind}: closed without an answer"] += 1
                return
            line = reply.split(b"\r\n", 1)[0]
            parts = line.split(b" ")
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            self.statuses[status] += 1
            body = reply.partition(b"\r\n\r\n")[2]
            if status >= 400 and any(leak in body for leak in LEAKS):
                self.leaks += 1
                self.problems.append(f"a body leaks internals ({kind}): {body[:300]!r}")
            if status >= 500 and not (status == 503 and (b"deadline" in body or b"stayed busy" in body
                                                         or b"sending their bodies" in body)):
                self.problems.append(f"{status} to {kind}: {data[:150]!r} -> {body[:300]!r}")
            if status == 0:
                self.problems.append(f"not an HTTP answer to {kind}: {reply[:100]!r}")

    def run(self, count: int) -> None:
        rng = random.Random(SEED)
        batch = [self.make(rng) for _ in range(count)]
        batch[5:5] = [("sparql-runaway", self.request("POST", "/sparql", "x", "*/*", ("query=" + quote(RUNAWAY_QUERY)).encode(),
                                                      "application/x-www-form-urlencoded"), False)] * 2
        position = [0]

        def worker() -> None:
            while True:
                with self.lock:
                    if position[0] >= len(batch):
                        return
                    item = batch[position[0]]
                    position[0] += 1
                self.send(*item)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        health_failures = []
        self.degraded_probes = 0
        while any(thread.is_alive() for thread in threads):
            try:
                report = requests.get(self.url + "/healthz", timeout=10)
                if report.status_code != 200 or report.json()["status"] not in ("ok", "degraded"):
                    health_failures.append(report.text[:300])
                elif report.json()["status"] == "degraded":  # a process replaced after a deadline
                    self.degraded_probes += 1
            except requests.RequestException as error:
                health_failures.append(repr(error))
            time.sleep(0.5)
        for thread in threads:
            thread.join(60)
        self.health_failures = health_failures


def settled_health(url: str, seconds: float = 30) -> dict:
    """/healthz once every query process is ready again (the campaign's last runaways may have had
    theirs replaced a moment ago), or as it is after `seconds`."""
    due = time.monotonic() + seconds
    while True:
        report = requests.get(url + "/healthz", timeout=10).json()
        if report["status"] == "ok" or time.monotonic() > due:
            return report
        time.sleep(0.2)


def test_fuzzing_campaign(built, tmp_path):
    outsider, partner = Listener(), Listener()
    try:
        with serving(built.release, tmp_path / "serve.log", "--workers", "2", "--query-timeout", "5",
                     "--allow-service", partner.url + "/") as (url, server):
            campaign = Campaign(url, outsider.url, partner.url)
            began = time.monotonic()
            campaign.run(REQUESTS)
            seconds = time.monotonic() - began
            final = settled_health(url)
        processes = final["query_processes"]
        print(f"\nfuzz: {REQUESTS + 2} requests in {seconds:.1f} s; statuses {dict(campaign.statuses)}; "
              f"hangs {campaign.hangs}; dropped {campaign.dropped}; leaks {campaign.leaks}; outsider connections "
              f"{outsider.connections}; partner connections {partner.connections}; query-process crashes "
              f"{processes.get('ended_unexpectedly')}; stopped at the deadline {processes['stopped_at_deadline']}; "
              f"gate {processes.get('outbound_gate')}; unhealthy probes {len(campaign.health_failures)} (degraded while a process was replaced: {campaign.degraded_probes}); slowest answer "
              f"per kind (s) {campaign.slowest}")
        assert not campaign.problems, campaign.problems[:10]
        assert campaign.hangs == 0 and campaign.leaks == 0
        dropped = [kind for kind in campaign.statuses if isinstance(kind, str) and "without an answer" in kind]
        assert all(kind.startswith(("bad-line", "garbage")) for kind in dropped), dropped  # only what is not HTTP
        assert outsider.connections == 0 and partner.connections > 0
        assert processes.get("ended_unexpectedly") == 0  # no query crashed a query process
        assert (processes.get("outbound_gate") or {}).get("enabled") is True
        assert not campaign.health_failures, campaign.health_failures[:3]
        assert sum(campaign.statuses[code] for code in campaign.statuses if isinstance(code, int)) > REQUESTS * 0.9
    finally:
        outsider.close()
        partner.close()
