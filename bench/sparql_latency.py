"""Latency and throughput of the SPARQL endpoint under `ssbonto serve`, on loopback, without
its answer cache (every request here reaches a query process; bench/compare.py measures the cache).

    python bench/sparql_latency.py [--requests 200] [--seconds 10] [--release-dir release]

Starts `ssbonto serve` on a free loopback port with its production defaults (but
--answer-cache-bytes 0) and measures:
- single-client latency (median, p95) of a lookup, a join (CQ09) and an aggregate, each beside
  its peers in the same run: the same query in-process on the embedded store (the engine alone)
  and GET /healthz (HTTP and Flask alone), reported as ratios;
- requests per second sustained by 16 concurrent clients (4 client processes x 4 threads, on
  the same machine, so the clients compete with the server for the cores);
- lookup latency while a runaway query is being stopped at the deadline, as a ratio to idle;
- lookup p50/p99 (one client) beside --runaways runaway queries and --slow-clients clients sending
  their POST bodies one byte a second (issue 16's target: p99 under 2x idle; the runaways hold
  query processes until the deadline, so give the service more query processes than runaways:
  --query-processes 3 with 2 web workers leaves two free beside four runaways).
Every loop is bounded in count and time. Results: bench/results/sparql_latency.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

import loopback  # bench/loopback.py, beside this file
from http_load import free_port, percentile, run_clients, wait_healthy  # bench/http_load.py

from ssbonto.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "sparql_latency.json"
QUERIES = {
    "lookup": "SELECT ?author ?year ?journal WHERE { <https://w3id.org/ssbonto/id/reference/31> ssb:firstAuthor "
              "?author ; ssb:publicationYear ?year ; ssb:containerTitle ?journal }",
    "join": (REPO / "queries" / "cq" / "CQ09.rq").read_text(encoding="utf-8"),
    "aggregate": "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class",
}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
DEADLINE = 8  # seconds, for the runaway part only
CLIENTS, CLIENT_PROCESSES = 16, 4
ACCEPT = {"Accept": "application/sparql-results+json"}


def summary(milliseconds: list[float]) -> dict:
    return {"median_ms": round(statistics.median(milliseconds), 3), "p95_ms": round(percentile(milliseconds, 0.95), 3),
            "p99_ms": round(percentile(milliseconds, 0.99), 3), "n": len(milliseconds)}


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    return loopback.get(connection, path, ACCEPT)


def query_path(sparql: str) -> str:
    return "/sparql?" + urlencode({"query": sparql})


def timed(connection, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = get(connection, path)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, (status, path)
    return times


def engine_times(store, sparql: str, count: int) -> list[float]:
    """The peer without HTTP: the query on the embedded store in this process, answer written."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        store.query(sparql).result.serialize(format=ox.QueryResultsFormat.JSON)
        times.append((time.perf_counter() - started) * 1000)
    return times


def concurrent_load(port: int, seconds: float) -> dict:
    results, elapsed = run_clients(port, [query_path(q) for q in QUERIES.values()], CLIENTS, seconds,
                                   headers=ACCEPT)
    ok = [ms for status, ms in results if status == 200]
    return {"clients": CLIENTS, "seconds": round(elapsed, 2), "requests": len(results),
            "errors": len(results) - len(ok), "requests_per_second": round(len(results) / elapsed, 1),
            "latency": summary(ok)}


def _slow_sender(port: int, seconds: float) -> None:
    """A POST announcing 1 000 bytes and sending one a second until answered or `seconds` pass."""
    import socket

    due = time.monotonic() + seconds
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=seconds) as raw:
            raw.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: 1000\r\n\r\nq")
            raw.settimeout(1.0)
            while time.monotonic() < due:
                try:
                    if raw.recv(4096):
                        return
                except socket.timeout:
                    raw.send(b"u")
    except OSError:
        return


def attack(port: int, connection, runaways: int, slow_clients: int, count: int) -> dict:
    """Lookup latency idle, then beside runaway queries and slow body senders (bounded: DEADLINE s)."""
    path = query_path(QUERIES["lookup"])
    idle = timed(connection, path, max(count, 1000))
    stop = time.monotonic() + DEADLINE - 1
    statuses: list = []

    def runaway() -> None:
        own = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        statuses.append(get(own, query_path(RUNAWAY + f" # {threading.get_ident()}"))[0])

    threads = [threading.Thread(target=runaway) for _ in range(runaways)]
    threads += [threading.Thread(target=_slow_sender, args=(port, DEADLINE)) for _ in range(slow_clients)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    during = []
    while time.monotonic() < stop and len(during) < 5000:
        during += timed(connection, path, 1)
    for thread in threads:
        thread.join(DEADLINE + 30)
    return {"runaways": runaways, "slow_clients": slow_clients, "runaway_statuses": statuses,
            "idle": summary(idle), "during": summary(during),
            "p99_during_over_idle": round(percentile(during, 0.99) / percentile(idle, 0.99), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per query (default 200)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of the concurrent run (default 10)")
    parser.add_argument("--release-dir", type=Path, default=REPO / "release")
    parser.add_argument("--runaways", type=int, default=4)
    parser.add_argument("--slow-clients", type=int, default=20)
    parser.add_argument("--query-processes", type=int, default=3, help="per web worker (ssbonto serve's default is 2)")
    args = parser.parse_args()
    release = args.release_dir.resolve()
    if not (release / "ssbonto.nq").is_file():
        raise SystemExit(f"no release at {release}; run `ssbonto build` first")
    port = free_port()
    ssbonto = Path(sys.executable).with_name("ssbonto")
    server = subprocess.Popen([str(ssbonto), "serve", "--port", str(port), "--release-dir", str(release),
                               "--query-timeout", str(DEADLINE), "--log-level", "warning", "--answer-cache-bytes", "0",
                               "--query-processes", str(args.query_processes)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = wait_healthy(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        floor = timed(connection, "/healthz", args.requests)
        store = EmbeddedStore(release)
        single = {}
        for name, sparql in QUERIES.items():
            timed(connection, query_path(sparql), 20)  # warm-up
            over_http = timed(connection, query_path(sparql), args.requests)
            engine = engine_times(store, sparql, args.requests)
            single[name] = {"http": summary(over_http), "engine_in_process": summary(engine),
                            "http_over_engine": round(statistics.median(over_http) / statistics.median(engine), 2),
                            "http_over_healthz": round(statistics.median(over_http) / statistics.median(floor), 2)}
        load = concurrent_load(port, args.seconds)

        idle = timed(connection, query_path(QUERIES["lookup"]), args.requests)
        stopped: dict = {}

        def runaway() -> None:
            runaway_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            stopped["status"], _ = get(runaway_connection, query_path(RUNAWAY))

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.5)
        during = []
        due = time.monotonic() + DEADLINE - 2
        while time.monotonic() < due and len(during) < 5000:
            during += timed(connection, query_path(QUERIES["lookup"]), 1)
        thread.join(DEADLINE + 30)
        under_attack = attack(port, connection, args.runaways, args.slow_clients, args.requests)
        results = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "note": "loopback; clients run on the same machine as the server",
            "server": {"workers": "default", "query_processes": health["query_processes"]["processes"],
                       "triples": health["triples"]},
            "healthz": summary(floor),
            "single_client": single,
            "concurrent": load,
            "runaway": {"deadline_s": DEADLINE, "runaway_status": stopped.get("status"),
                        "lookup_idle": summary(idle), "lookup_during_runaway": summary(during),
                        "during_over_idle": round(statistics.median(during) / statistics.median(idle), 2)},
            "beside_runaways_and_slow_clients": under_attack,
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
