"""What bench/search.py and bench/advise.py share: start `ssbonto serve` on a free loopback port,
and measure p50/p99 of a list of GET paths with 1 or N concurrent clients (client processes x
threads on the same machine), bounded in requests and seconds."""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import loopback  # bench/loopback.py, beside this file

CLIENT_PROCESSES = 4


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(port: int, seconds: float = 120, process: subprocess.Popen | None = None) -> dict:
    """/healthz's answer once the server on `port` gives one."""
    due = time.monotonic() + seconds
    while time.monotonic() < due:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"ssbonto serve exited with {process.returncode}")
        try:
            status, body = loopback.get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/healthz", {})
            if status == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become healthy")


class Server:
    """`ssbonto serve` as shipped (granian, default workers), in a child process."""

    def __init__(self, release: Path, *extra: str):
        self.port = free_port()
        ssbonto = Path(sys.executable).with_name("ssbonto")
        self.process = subprocess.Popen([str(ssbonto), "serve", "--port", str(self.port), "--release-dir", str(release),
                                         "--log-level", "warning", *extra],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.health = self._wait_healthy()

    def _wait_healthy(self) -> dict:
        return wait_healthy(self.port, process=self.process)

    def close(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def client_process(port: int, paths: list[str], threads: int, offset: int, seconds: float, limit: int,
                    headers: dict, output) -> None:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    due = time.monotonic() + seconds

    def client(start: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        done = 0
        while time.monotonic() < due and done < limit:
            began = time.perf_counter()
            status, _ = loopback.get(connection, paths[(start + done) % len(paths)], headers)
            with lock:
                results.append((status, (time.perf_counter() - began) * 1000))
            done += 1
        connection.close()

    workers = [threading.Thread(target=client, args=(offset + i * 7,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    output.send(results)


def run_clients(port: int, paths: list[str], clients: int, seconds: float, limit: int = 5000,
                headers: dict | None = None) -> tuple[list[tuple[int, float]], float]:
    """(status, milliseconds) of every request `clients` clients made cycling through `paths`, and
    the seconds it took."""
    processes = min(CLIENT_PROCESSES, clients)
    pipes, children = [], []
    started = time.perf_counter()
    for number in range(processes):
        ours, theirs = multiprocessing.Pipe(duplex=False)
        child = multiprocessing.Process(target=client_process, args=(
            port, paths, clients // processes, number * 13, seconds, limit,
            headers or {"Accept": "application/json"}, theirs))
        child.start()
        pipes.append(ours)
        children.append(child)
    results = [item for pipe in pipes for item in pipe.recv()]
    for child in children:
        child.join()
    return results, time.perf_counter() - started


def measure(port: int, paths: list[str], clients: int, seconds: float, limit: int = 5000,
            headers: dict | None = None) -> dict:
    """p50/p99 (ms), requests/s and errors of `clients` clients cycling through `paths`."""
    results, elapsed = run_clients(port, paths, clients, seconds, limit, headers)
    ok = [ms for status, ms in results if status == 200]
    return {"clients": clients, "requests": len(results), "errors": len(results) - len(ok),
            "requests_per_second": round(len(results) / elapsed, 1),
            "p50_ms": round(percentile(ok, 0.50), 2), "p99_ms": round(percentile(ok, 0.99), 2)}

def arguments(description: str, repo: Path) -> argparse.Namespace:
    """The options bench/search.py and bench/advise.py share; `releases` and `concurrency` parsed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--release-dir", type=Path, action="append", help="a release (repeatable; default ./release)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each cell (default 10)")
    parser.add_argument("--concurrency", default="1,16", help="client counts (default 1,16)")
    parser.add_argument("--note", default="", help="what else ran on the machine meanwhile")
    args = parser.parse_args()
    args.releases = [path.resolve() for path in (args.release_dir or [repo / "release"])]
    args.clients = [int(n) for n in args.concurrency.split(",")]
    return args


def report(note: str, runs: list[dict]) -> dict:
    return {"date": date.today().isoformat(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "note": "loopback; clients on the same machine as the server. " + note, "runs": runs}


def triples(release: Path) -> int:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    return sum(manifest["triples"][graph] for graph in ("ontology", "kg", "inferred"))
