"""ssbonto's endpoint beside the servers a user would pick instead, in one run, on loopback.

    pip install -e '.[bench]'                        # the peers and matplotlib: bench-only, never runtime
    python bench/compare.py                           # real graph, 100 k and 1 M triples (about 1-2 h)
    python bench/compare.py --scales real,20000 --repetitions 2 --seconds 0.5 --concurrency 1,4   # smoke run
    python bench/compare.py --scales 1000000 --contenders ssbonto@1,ssbonto@2 --out bench/results/workers.json
                                                      # scale across processes: 1 vs 2 web workers
    python bench/compare.py --contenders ssbonto,ssbonto-nocache,ssbonto-nocache-gunicorn --scales real
                                                      # what the answer cache and the HTTP server each bring

ssbonto variants: `ssbonto[-OPTION...][@N]` runs `ssbonto serve` with N web workers and, per
OPTION, `nocache` (--answer-cache-bytes 0), `gunicorn` (--http-server gunicorn), `memory` or
`disk` (--store-mode), `qp1` (--query-processes 1), `nolane` (--worker-lane-limit 0).

Contenders, each over HTTP on 127.0.0.1 with the same data and the same query texts (ssbonto's
predeclared prefixes written out, so that every server reads them):
- ssbonto: `ssbonto serve` as shipped (its defaults: gunicorn, query processes, deadline);
- oxigraph: Oxigraph's own server, `oxigraph serve-read-only --union-default-graph` on a store
  bulk-loaded with `oxigraph load` (the practical limit for this engine);
- rdflib-endpoint: the Python peer, serving the same triples as one N-Triples file.

After every cell the harness waits until that contender is idle again (a server may go on
computing requests its clients gave up on, which would slow the next contender's cell down);
the wait is recorded per cell as busy_after_seconds.

For every scale (the real release, and synthetic releases from bench/scale.py) it starts each
contender alone and times start -> first answer; checks that every contender gives the same
number of answers to every query; then measures the seven queries at each concurrency, the
contenders interleaved (A B C A B C ...) and repeated, each cell a closed loop of N clients for
--seconds. Reported per cell: requests/s (median and spread over repetitions), p50 and p99
latency, errors; per contender: peak RSS of its whole process tree (the sum of every process's
VmHWM, which counts pages shared between processes once per process) and the peak of the summed
proportional set size (PSS, sampled every 0.5 s: shared pages split between their users, so the
memory the tree really takes). A contender whose first cell
of a query has a median above --give-up-ms is not measured further on that query (recorded).
Writes bench/results/compare.json, its tables as compare.md and its plot as compare.png.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loopback  # noqa: E402  (bench/loopback.py and bench/scale.py, beside this file)
import scale  # noqa: E402

from ssbonto.store.remote import with_prefixes  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
BIN = Path(sys.executable).parent
SSB, ID = "https://w3id.org/ssbonto/def/", "https://w3id.org/ssbonto/id/"
QUERIES = {
    "lookup": 'SELECT ?s WHERE { ?s rdfs:label "synchrotron X-ray technique"@en }',
    "text": 'SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "llzo")) }',
    "join": ("SELECT DISTINCT ?study ?material WHERE { ?use ssb:partOfStudy ?study ; a ?technique . "
             "?technique rdfs:subClassOf* ssb:SolidStateNMRTechnique . ?study ssb:hasSubject ?material . "
             "?material ssb:hasElement <https://w3id.org/ssbonto/id/element/Li> }"),
    "aggregate": ("SELECT ?family (COUNT(DISTINCT ?use) AS ?uses) WHERE { "
                  "?family rdfs:subClassOf ssb:CharacterizationTechnique . ?technique rdfs:subClassOf* ?family . "
                  "?use a ?technique ; ssb:partOfStudy ?study } GROUP BY ?family ORDER BY ?family"),
    "optional_order_limit": ("SELECT ?study ?label ?table WHERE { ?study a ssb:Study ; rdfs:label ?label . "
                             "OPTIONAL { ?study ssb:sourceTable/ssb:tableNumber ?table } } "
                             "ORDER BY ?label ?study LIMIT 20"),
    "describe": f"DESCRIBE <{ID}reference/31>",
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}
GRAPH_QUERIES = {"describe"}
PATHS = {"ssbonto": "/sparql", "oxigraph": "/query", "rdflib-endpoint": "/"}


# -- the contenders ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Contender:
    def __init__(self, name: str, command: list[str], port: int, log: Path, prepare=None):
        self.name, self.command, self.port, self.log, self.prepare = name, command, port, log, prepare
        self.process: subprocess.Popen | None = None
        self.start_seconds = None
        self.prepare_seconds = None
        self.skipped: dict[str, str] = {}
        self.peak_pss_kib = 0
        self._sampling = threading.Event()

    def start(self, timeout: float) -> None:
        if self.prepare:
            began = time.perf_counter()
            self.prepare()
            self.prepare_seconds = round(time.perf_counter() - began, 3)
        began = time.perf_counter()
        self.process = subprocess.Popen(self.command, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        path = query_path(self.name, "lookup")
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
                status, _ = request(connection, path, "lookup")
                connection.close()
                if status == 200:
                    self.start_seconds = round(time.perf_counter() - began, 3)
                    threading.Thread(target=self._sample_pss, daemon=True).start()
                    return
                if 400 <= status < 500:
                    raise RuntimeError(f"{self.name} answers the lookup with HTTP {status}; see {self.log}")
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} gave no answer within {timeout} s; see {self.log}")

    def peak_rss_bytes(self) -> int:
        """Sum of the peak resident sets (VmHWM) of the process and every descendant alive now."""
        return sum(_status_kib(pid, "VmHWM") for pid in _tree(self.process.pid)) * 1024

    def wait_idle(self, limit: float = 60.0) -> float:
        """Wait until the contender's processes use under a tenth of a core (a server may go on
        computing requests its clients gave up on, which would slow the next contender's cell);
        returns the seconds waited."""
        began = time.perf_counter()
        before = _cpu_seconds(_tree(self.process.pid))
        while time.perf_counter() - began < limit:
            time.sleep(0.2)
            now = _cpu_seconds(_tree(self.process.pid))
            if now - before < 0.02:
                break
            before = now
        return round(time.perf_counter() - began, 3)

    def _sample_pss(self) -> None:
        while not self._sampling.wait(0.5):
            self.peak_pss_kib = max(self.peak_pss_kib, sum(_pss_kib(pid) for pid in _tree(self.process.pid)))

    def stop(self) -> None:
        self._sampling.set()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def _tree(root: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _status_kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def contenders(data: Path, work: Path, names: list[str]) -> list[Contender]:
    made = []
    for name in names:
        port = free_port()
        log = work / f"{name}.log"
        if name.split("@")[0].split("-")[0] == "ssbonto":
            made.append(Contender(name, [str(BIN / "ssbonto"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                         "--release-dir", str(data), "--log-level", "warning",
                                         *ssbonto_options(name)], port, log))
        elif name == "oxigraph":
            location = work / "oxigraph-store"

            def load(location=location):
                shutil.rmtree(location, ignore_errors=True)
                subprocess.run([_tool("oxigraph"), "load", "--location", str(location), "--file",
                                str(data / "ssbonto.nq")], check=True, capture_output=True)

            made.append(Contender(name, [_tool("oxigraph"), "serve-read-only", "--location", str(location),
                                         "--bind", f"127.0.0.1:{port}", "--union-default-graph"], port, log, load))
        elif name == "rdflib-endpoint":
            made.append(Contender(name, [_tool("rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                         str(data / "ssbonto.nt")], port, log))
        else:
            raise SystemExit(f"unknown contender {name!r}; known: ssbonto[-OPTION...][@N], oxigraph, "
                             "rdflib-endpoint")
    return made


SSBONTO_OPTIONS = {"nocache": ["--answer-cache-bytes", "0"], "gunicorn": ["--http-server", "gunicorn"],
                   "memory": ["--store-mode", "memory"], "disk": ["--store-mode", "disk"],
                   "qp1": ["--query-processes", "1"], "nolane": ["--worker-lane-limit", "0"]}


def ssbonto_options(name: str) -> list[str]:
    """`ssbonto serve` flags of a variant name such as ssbonto-nocache-gunicorn@1."""
    base, _, workers = name.partition("@")
    flags = ["--workers", workers] if workers else []
    for option in base.split("-")[1:]:
        if option not in SSBONTO_OPTIONS:
            raise SystemExit(f"unknown ssbonto variant option {option!r} in {name!r}; known: "
                             f"{', '.join(SSBONTO_OPTIONS)}")
        flags += SSBONTO_OPTIONS[option]
    return flags


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed: pip install -e '.[bench]'")
    return found


# -- requests ------------------------------------------------------------------------------------
TEXTS = {name: with_prefixes(text) for name, text in QUERIES.items()}


def query_path(contender: str, query: str) -> str:
    server = contender.split("@")[0]
    return PATHS["ssbonto" if server.startswith("ssbonto") else server] + "?" + urlencode({"query": TEXTS[query]})


MODES = ("get-same", "get-distinct", "post", "post-distinct")  # see the module docstring


def request(connection: http.client.HTTPConnection, path: str, query: str, mode: str = "get-same",
            serial: int = 0) -> tuple[int, bytes]:
    """One request for `query` in `mode`: the same GET text every time (a cache can answer it), a
    GET whose text differs every time (a trailing comment with a serial number: no cache can help),
    a form POST of the same text (the protocol's other way; ssbonto caches POSTs like GETs), or a form
    POST whose text differs every time (what no cache can help, as POSTs were before)."""
    accept = "application/n-triples" if query in GRAPH_QUERIES else "application/sparql-results+json"
    if mode == "get-same":
        return loopback.get(connection, path, {"Accept": accept})
    base, _, _ = path.partition("?")
    text = TEXTS[query] + (f"\n# {serial}" if mode.endswith("distinct") else "")
    if mode == "get-distinct":
        return loopback.get(connection, base + "?" + urlencode({"query": text}), {"Accept": accept})
    return loopback.post(connection, base, urlencode({"query": text}).encode(),
                         {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})


def answer_size(body: bytes, query: str) -> int:
    if query in GRAPH_QUERIES:
        return sum(1 for line in body.decode().splitlines() if line.strip() and not line.startswith("#"))
    document = json.loads(body)
    if query == "count":
        return int(document["results"]["bindings"][0]["n"]["value"])
    return len(document["results"]["bindings"])


def _client(port: int, path: str, query: str, mode: str, threads: int, start_at: float, stop_at: float,
            timeout: float, results, salt: int) -> None:
    latencies, errors, ends = [], [0], []
    lock = threading.Lock()

    def loop(thread: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        serial = (salt * 1000 + thread) * 10_000_000
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                serial += 1
                status, _ = request(connection, path, query, mode, serial)
                ok = status == 200
            except (OSError, http.client.HTTPException):  # refused, reset, timed out, cut short
                ok = False
                connection.close()
            finished = time.perf_counter()
            with lock:
                if ok:
                    latencies.append(finished - began)
                else:
                    errors[0] += 1
                ends.append(finished)
        connection.close()

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((latencies, errors[0], max(ends) if ends else stop_at))


def measure(port: int, path: str, query: str, clients: int, seconds: float, timeout: float,
            mode: str = "get-same") -> dict:
    """A closed loop of `clients` concurrent clients (in up to 4 processes) for `seconds`."""
    processes = min(clients, 4)
    results = multiprocessing.Queue()
    start_at = time.perf_counter() + 0.3  # perf_counter is CLOCK_MONOTONIC: shared by forked processes
    stop_at = start_at + seconds
    salt = int(time.time() * 1000) % 1_000_000  # distinct texts across cells and repetitions too
    spawned = [multiprocessing.Process(target=_client, args=(port, path, query, mode, clients // processes +
                                                             (1 if i < clients % processes else 0),
                                                             start_at, stop_at, timeout, results, salt * 10 + i))
               for i in range(processes)]
    for process in spawned:
        process.start()
    gathered = []
    for process in spawned:
        try:
            gathered.append(results.get(timeout=seconds + timeout + 60))
        except queue.Empty:  # a client process died: its requests count as errors, the run goes on
            gathered.append(([], 1, stop_at))
    for process in spawned:
        process.join(10)
        if process.is_alive():
            process.kill()
    latencies = sorted(value for part in gathered for value in part[0])
    errors = sum(part[1] for part in gathered)
    elapsed = max(part[2] for part in gathered) - start_at
    return {"requests_per_second": round(len(latencies) / elapsed, 3), "answered": len(latencies), "errors": errors,
            "p50_ms": round(_percentile(latencies, 0.50) * 1000, 3) if latencies else None,
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3) if latencies else None}


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- one scale -----------------------------------------------------------------------------------
def run_scale(label: str, data: Path, work: Path, args, triples: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    names = [name for name in args.contenders if name != "rdflib-endpoint" or triples <= args.python_peer_max_triples]
    running = contenders(data, work, names)
    result: dict = {"scale": label, "data": str(data), "contenders": {}, "answers": {}, "cells": [],
                    "not_started": {name: f"{triples} triples is above --python-peer-max-triples "
                                          f"{args.python_peer_max_triples}"
                                    for name in args.contenders if name not in names}}
    try:
        for contender in running:  # one at a time, so that each starts on an idle machine
            contender.start(args.start_timeout)
            print(f"  {contender.name}: first answer {contender.start_seconds} s after start"
                  + (f" (store loaded in {contender.prepare_seconds} s before)" if contender.prepare_seconds else ""),
                  flush=True)
        for query in args.queries:
            sizes = {}
            for contender in running:
                connection = http.client.HTTPConnection("127.0.0.1", contender.port, timeout=args.request_timeout)
                try:
                    status, body = request(connection, query_path(contender.name, query), query)
                    sizes[contender.name] = answer_size(body, query) if status == 200 else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as error:
                    sizes[contender.name] = f"failed: {error}"
                connection.close()
            result["answers"][query] = {"sizes": sizes, "same": len(set(map(str, sizes.values()))) == 1}
            print(f"  answers to {query}: {sizes}", flush=True)
        for repetition in range(args.repetitions):
            for query in args.queries:
                for mode in args.modes:
                    cell_name = query if mode == "get-same" else f"{query} ({mode})"
                    for clients in args.concurrency:
                        order = running[repetition % len(running):] + running[:repetition % len(running)]
                        for contender in order:
                            if cell_name in contender.skipped:
                                continue
                            cell = measure(contender.port, query_path(contender.name, query), query, clients,
                                           args.seconds, args.request_timeout, mode)
                            cell.update(contender=contender.name, query=cell_name, clients=clients, mode=mode,
                                        repetition=repetition, busy_after_seconds=contender.wait_idle())
                            result["cells"].append(cell)
                            if repetition == 0 and clients == args.concurrency[0] and (
                                    cell["p50_ms"] is None or cell["p50_ms"] > args.give_up_ms):
                                contender.skipped[cell_name] = (
                                    f"first cell: p50 {cell['p50_ms']} ms, {cell['errors']} errors; above "
                                    f"--give-up-ms {args.give_up_ms}")
            print(f"  repetition {repetition + 1}/{args.repetitions} done", flush=True)
        for contender in running:
            result["contenders"][contender.name] = {
                "start_to_first_answer_seconds": contender.start_seconds,
                "store_load_seconds_before_start": contender.prepare_seconds,
                "peak_rss_bytes": contender.peak_rss_bytes(), "peak_pss_bytes": contender.peak_pss_kib * 1024,
                "not_measured": contender.skipped,
                "command": " ".join(contender.command)}
    finally:
        for contender in running:
            contender.stop()
    result["summary"] = summarise(result["cells"])
    return result


def summarise(cells: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for cell in cells:
        groups.setdefault((cell["contender"], cell["query"], cell["clients"]), []).append(cell)
    rows = []
    for (contender, query, clients), group in sorted(groups.items()):
        rates = [cell["requests_per_second"] for cell in group]
        p50s = [cell["p50_ms"] for cell in group if cell["p50_ms"] is not None]
        p99s = [cell["p99_ms"] for cell in group if cell["p99_ms"] is not None]
        rows.append({"contender": contender, "query": query, "clients": clients, "repetitions": len(group),
                     "requests_per_second_median": round(statistics.median(rates), 3),
                     "requests_per_second_min": min(rates), "requests_per_second_max": max(rates),
                     "p50_ms_median": round(statistics.median(p50s), 3) if p50s else None,
                     "p99_ms_median": round(statistics.median(p99s), 3) if p99s else None,
                     "errors": sum(cell["errors"] for cell in group)})
    return rows


def cell_names(queries: list[str], modes) -> list[str]:
    return [query if mode == "get-same" else f"{query} ({mode})" for query in queries for mode in modes]


def ratios(summary: list[dict], clients: int, contenders: list[str], modes=("get-same",)) -> dict:
    """The first contender's median requests/s over each other's, per query and mode, at `clients`."""
    rate = {(row["contender"], row["query"]): row["requests_per_second_median"]
            for row in summary if row["clients"] == clients}
    found = {}
    for query in cell_names(list(QUERIES), modes):
        ours = rate.get((contenders[0], query))
        for peer in contenders[1:]:
            theirs = rate.get((peer, query))
            if ours is not None and theirs:
                found[f"{query}: {contenders[0]} / {peer}"] = round(ours / theirs, 3)
    return found


# -- the report ----------------------------------------------------------------------------------
def machine() -> dict:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = _meminfo_kib("MemTotal")
    return {"host": platform.node(), "cpu": model, "cores": os.cpu_count(), "memory_bytes": memory * 1024,
            "python": platform.python_version(), "system": platform.platform(), "load_average": os.getloadavg()}


def _meminfo_kib(field: str) -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    scales = report["scales"]
    queries = report["settings"]["queries"]
    figure, axes = plt.subplots(2, len(queries), figsize=(3.2 * len(queries), 6.5), squeeze=False)
    largest, top = scales[-1], max(report["settings"]["concurrency"])
    for column, query in enumerate(queries):
        for contender in report["settings"]["contenders"]:
            rows = [r for r in largest["summary"] if r["contender"] == contender and r["query"] == query]
            if rows:
                axes[0][column].errorbar(
                    [r["clients"] for r in rows], [r["requests_per_second_median"] for r in rows],
                    yerr=[[r["requests_per_second_median"] - r["requests_per_second_min"] for r in rows],
                          [r["requests_per_second_max"] - r["requests_per_second_median"] for r in rows]],
                    marker="o", capsize=3, label=contender)
            points = [(s["triples"], r["requests_per_second_median"]) for s in scales for r in s["summary"]
                      if r["contender"] == contender and r["query"] == query and r["clients"] == top]
            if points:
                axes[1][column].plot(*zip(*points), marker="o", label=contender)
        axes[0][column].set_title(f"{query}\n{largest['scale']} triples", fontsize=9)
        axes[0][column].set_xlabel("concurrent clients")
        axes[1][column].set_title(f"{query}, {top} clients", fontsize=9)
        axes[1][column].set_xlabel("triples")
        for row in (0, 1):
            axes[row][column].set_yscale("log")
            axes[row][column].set_xscale("log")
            axes[row][column].set_ylabel("requests/s")
            axes[row][column].xaxis.set_minor_formatter(NullFormatter())
        axes[0][column].set_xticks(report["settings"]["concurrency"], [str(c) for c in report["settings"]["concurrency"]])
        sizes = [s["triples"] for s in scales]
        axes[1][column].set_xticks(sizes, [f"{n / 1000:.0f}k" if n < 10**6 else f"{n / 10**6:.1f}M" for n in sizes],
                                   fontsize=7)
    axes[0][0].legend(fontsize=7)
    figure.suptitle(f"SPARQL over loopback HTTP, {report['machine']['cores']} cores, median of "
                    f"{report['settings']['repetitions']} repetitions (bars: min-max)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def markdown(report: dict) -> str:
    """The report as tables: per scale, requests/s median (min-max over repetitions) and p50/p99 at
    every concurrency, then start, memory and the first contender's ratios at the top concurrency."""
    contenders = report["settings"]["contenders"]
    lines = [f"# bench/compare.py, {report['started']} to {report['finished']}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
             f"{report['machine']['memory_bytes'] / 2**30:.0f} GiB, Python {report['machine']['python']}; load average "
             f"{', '.join(f'{v:.1f}' for v in report['machine']['load_average'])} at the start, "
             f"{', '.join(f'{v:.1f}' for v in report['machine']['load_average_at_end'])} at the end. "
             f"{report['settings']['repetitions']} repetitions of {report['settings']['seconds']} s per cell, "
             "contenders interleaved.", ""]
    for measured in report["scales"]:
        lines += [f"## {measured['scale']} ({measured['triples']:,} triples)", "",
                  "| query | clients | " + " | ".join(contenders) + " |",
                  "|---|---|" + "---|" * len(contenders)]
        rows = {(r["contender"], r["query"], r["clients"]): r for r in measured["summary"]}
        for query in cell_names(report["settings"]["queries"], report["settings"].get("modes", ["get-same"])):
            for clients in report["settings"]["concurrency"]:
                cells = []
                for name in contenders:
                    row = rows.get((name, query, clients))
                    if row is None:
                        cells.append("not measured")
                        continue
                    cells.append(f"{row['requests_per_second_median']:,.1f} ({row['requests_per_second_min']:,.1f}-"
                                 f"{row['requests_per_second_max']:,.1f}) req/s, p50 {row['p50_ms_median']} / p99 "
                                 f"{row['p99_ms_median']} ms" + (f", {row['errors']} errors" if row["errors"] else ""))
                lines.append(f"| {query} | {clients} | " + " | ".join(cells) + " |")
        lines += ["", "| contender | start to first answer | peak RSS (sum of VmHWM) | peak PSS | not measured |",
                  "|---|---|---|---|---|"]
        for name, figures in measured["contenders"].items():
            loaded = figures["store_load_seconds_before_start"]
            lines.append(f"| {name} | {figures['start_to_first_answer_seconds']} s"
                         + (f" (+ {loaded} s loading its store before)" if loaded else "")
                         + f" | {figures['peak_rss_bytes'] / 2**20:,.0f} MiB | {figures['peak_pss_bytes'] / 2**20:,.0f} MiB"
                         f" | {'; '.join(f'{q}: {why}' for q, why in figures['not_measured'].items()) or '-'} |")
        for name, why in measured.get("not_started", {}).items():
            lines.append(f"| {name} | not started: {why} | | | |")
        ratios = report["ratios_at_top_concurrency"].get(measured["scale"], {})
        if ratios:
            lines += ["", f"Ratios of requests/s at {max(report['settings']['concurrency'])} clients: "
                      + "; ".join(f"{pair} = {value}" for pair, value in ratios.items()), ""]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="real,100000,1000000",
                        help="comma-separated: 'real' (the built release) and triple counts (default real,100000,1000000)")
    parser.add_argument("--contenders", default="ssbonto,oxigraph,rdflib-endpoint",
                        help="comma-separated; ssbonto@N runs ssbonto serve --workers N")
    parser.add_argument("--queries", default=",".join(QUERIES), help=f"comma-separated subset of {', '.join(QUERIES)}")
    parser.add_argument("--modes", default="get-same", help=f"comma-separated subset of {', '.join(MODES)}: the same "
                        "GET text every time (what the answer cache serves), a different GET text every time (a "
                        "trailing comment; no cache can help), a form POST of the same text, a form POST of a different text every "
                        "time (default get-same)")
    parser.add_argument("--python-peer-max-triples", type=int, default=2_000_000,
                        help="rdflib-endpoint is not started on larger data (it loads everything into rdflib)")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one measurement cell")
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument("--give-up-ms", type=float, default=10_000.0)
    parser.add_argument("--release-dir", type=Path, default=REPO / "release")
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "data", help="synthetic data and stores")
    parser.add_argument("--out", type=Path, default=RESULTS / "compare.json")
    parser.add_argument("--reuse-data", action="store_true",
                        help="use synthetic data already in --workdir (from bench/scale.py) instead of writing it again")
    args = parser.parse_args()
    args.contenders = [name for name in args.contenders.split(",") if name]
    args.queries = [name for name in args.queries.split(",") if name]
    args.modes = [name for name in args.modes.split(",") if name]
    if any(mode not in MODES for mode in args.modes):
        raise SystemExit(f"unknown mode in {args.modes}; known: {', '.join(MODES)}")
    unknown = [name for name in args.queries if name not in QUERIES]
    if unknown:
        raise SystemExit(f"unknown queries {', '.join(unknown)}; known: {', '.join(QUERIES)}")
    args.concurrency = sorted(int(value) for value in args.concurrency.split(","))
    if args.repetitions < 1 or args.seconds <= 0:
        raise SystemExit("--repetitions must be at least 1 and --seconds positive")
    if not (args.release_dir / "ssbonto.nq").is_file():
        raise SystemExit(f"no built release at {args.release_dir}: run `ssbonto build` first")

    report = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "settings": {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()},
              "queries": QUERIES, "scales": []}
    for label in args.scales.split(","):
        if label == "real":
            data = args.release_dir.resolve()
            nt = args.workdir / "real" / "ssbonto.nt"
            nt.parent.mkdir(parents=True, exist_ok=True)
            data = _with_triples_file(data, args.workdir / "real")
            triples = sum(json.loads((data / "manifest.json").read_text())["triples"][g] for g in ("ontology", "kg", "inferred"))
        else:
            data = args.workdir / f"scale-{label}"
            if args.reuse_data and (data / "store").is_dir() and (data / "manifest.json").is_file():
                triples = sum(json.loads((data / "manifest.json").read_text())["triples"].values())
            else:
                triples = scale.generate(args.release_dir, data, int(label))["triples"]
        print(f"scale {label}: {triples} triples in {data}", flush=True)
        result = run_scale(label, data, args.workdir / f"run-{label}", args, triples)
        result["triples"] = triples
        report["scales"].append(result)
        write_report(report, args)  # after every scale: a later failure keeps what was measured
    written = [args.out, args.out.with_suffix(".md")]
    try:
        plot(report, args.out.with_suffix(".png"))
        written.append(args.out.with_suffix(".png"))
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no plot written")
    print(json.dumps({"ratios_at_top_concurrency": report["ratios_at_top_concurrency"],
                      "contenders": {s["scale"]: s["contenders"] for s in report["scales"]}}, indent=1))
    print("wrote " + ", ".join(str(path) for path in written))


def write_report(report: dict, args) -> None:
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    report["machine"]["load_average_at_end"] = os.getloadavg()
    top = max(args.concurrency)
    report["ratios_at_top_concurrency"] = {s["scale"]: ratios(s["summary"], top, args.contenders, args.modes)
                                         for s in report["scales"]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")


def _with_triples_file(release: Path, work: Path) -> Path:
    """The real release copied with an N-Triples file of all its graphs (for rdflib-endpoint)."""
    target = work / "release"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(release, target)
    with open(target / "ssbonto.nq", encoding="utf-8") as quads, open(target / "ssbonto.nt", "w", encoding="utf-8") as out:
        for line in quads:
            if line.strip():
                out.write(scale.split_graph(line)[0] + " .\n")
    return target


if __name__ == "__main__":
    main()
