"""Faults and starving, against `ssbonto serve` for real (issues 16 and 17): a query process
killed under load is replaced at once and costs only its own query; a killed web worker costs
only the requests it held; clients sending bodies slowly get a 408 and starve nobody; malformed
and chunked bodies, an HTTP/2 preface and a long literal get a prompt answer. Every loop is
bounded in time and count."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import requests
from sparql_support import REF31_QUERY, REF31_ROW, descendants, serving

QUERY_WORKER = b"ssbonto_server.sparql.query_worker"


class Load:
    """`clients` threads sending distinct cheap queries (never the same text twice: every request
    reaches a query process) and recording (time, status or the exception's name)."""

    def __init__(self, url: str, clients: int = 6):
        self.url, self.results, self._stop = url, [], threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)]

    def _client(self, index: int) -> None:
        session = requests.Session()
        count = 0
        while not self._stop.is_set():
            count += 1
            began = time.monotonic()
            try:
                response = session.get(self.url + "/sparql", params={"query": f"{REF31_QUERY} # {index}-{count}"},
                                       timeout=30)
                outcome = response.status_code if response.status_code != 200 or \
                    {k: v["value"] for k, v in response.json()["results"]["bindings"][0].items()} == REF31_ROW \
                    else "wrong answer"
                message = response.text if response.status_code != 200 else ""
            except requests.RequestException as error:
                outcome, message = type(error).__name__, str(error)
            with self._lock:
                self.results.append((began, time.monotonic(), outcome, message))

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(40)

    def failures(self, since: float = 0.0) -> list[tuple]:
        with self._lock:
            return [r for r in self.results if r[2] != 200 and r[1] >= since]


def health(url: str) -> dict:
    return requests.get(url + "/healthz", timeout=10).json()


def test_a_killed_query_process_is_replaced_at_once_and_costs_only_its_query(built, tmp_path):
    kills, report = 3, []
    with serving(built.release, tmp_path / "serve.log", "--workers", "1", "--threads", "8",
                 "--answer-cache-bytes", "0") as (url, server):
        with Load(url) as load:
            time.sleep(1.0)
            for _ in range(kills):
                before = len(load.failures())
                victim = descendants(server.pid, QUERY_WORKER)[0]
                started = health(url)["query_processes"].get("started", 0)
                killed_at = time.monotonic()
                os.kill(victim, signal.SIGKILL)
                states, healed_at = set(), None
                while time.monotonic() - killed_at < 20:
                    report_now = health(url)["query_processes"]
                    states.add(health(url)["status"])
                    if report_now["ready"] == 2 and report_now.get("started", started + 1) >= started + 1:
                        healed_at = time.monotonic()
                        break
                    time.sleep(0.01)
                time.sleep(0.5)
                report.append({"errors": len(load.failures()) - before, "healed_seconds": healed_at and round(
                    healed_at - killed_at, 2), "states": states})
            time.sleep(0.5)
        answered = sum(1 for r in load.results if r[2] == 200)
        final = health(url)
    print("query-process kills:", report, "answered", answered)  # the closing figures (pytest -s)
    assert answered > 50
    for kill in report:
        assert kill["healed_seconds"] is not None and kill["healed_seconds"] < 5  # target 2 s; the machine is shared
        assert kill["errors"] <= 2
        assert "degraded" in kill["states"]  # /healthz said so while it was replaced
    # only the query each process was running (a request that took a process in the instant it died
    # may be lost with it: no more than one per kill on the whole)
    assert sum(kill["errors"] for kill in report) <= kills
    for _, _, status, message in load.failures():
        assert status == 503 and "stopped by signal SIGKILL before it answered" in message
    assert final["status"] == "ok" and final["query_processes"].get("ended_unexpectedly") == kills


def web_workers(server_pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == server_pid and fields[0] != "Z":
                    children.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return children


def test_a_killed_web_worker_costs_only_the_requests_it_held(built, tmp_path):
    clients = 6
    with serving(built.release, tmp_path / "serve.log", "--workers", "2", "--threads", "4",
                 "--answer-cache-bytes", "0", processes=2) as (url, server):
        due = time.monotonic() + 60
        while len(web_workers(server.pid)) < 2 and time.monotonic() < due:
            time.sleep(0.1)
        with Load(url, clients) as load:
            time.sleep(1.5)
            victim = web_workers(server.pid)[0]
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            due = time.monotonic() + 60
            while (victim in web_workers(server.pid) or len(web_workers(server.pid)) < 2) and time.monotonic() < due:
                time.sleep(0.05)
            replaced_at = time.monotonic()
            time.sleep(3.0)
        failures = load.failures()
    late = [f for f in failures if f[1] > killed_at + 1.0]
    print(f"web-worker kill: {len(failures)} failed requests ({[f[2] for f in failures]}), replaced after "
          f"{replaced_at - killed_at:.2f} s, {sum(1 for r in load.results if r[2] == 200)} answered")
    assert len(failures) <= clients  # at most the requests the worker held (one per client at a time)
    assert not late  # nothing fails once the worker is gone
    assert replaced_at - killed_at < 30


def _slow_body(port: int, results: list, index: int, seconds: float) -> None:
    """A POST announcing 1 000 bytes and sending one a second; records what the server answers."""
    began = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
            raw.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: 1000\r\n\r\nq")
            raw.setblocking(False)
            reply = b""
            while time.monotonic() - began < seconds and b"\r\n\r\n" not in reply:
                try:
                    reply += raw.recv(4096)
                except BlockingIOError:
                    try:
                        raw.send(b"u")
                    except OSError:
                        break
                    time.sleep(1.0)
                except OSError:
                    break
            results.append((index, reply.split(b"\r\n", 1)[0], round(time.monotonic() - began, 2)))
    except OSError as error:
        results.append((index, repr(error).encode(), round(time.monotonic() - began, 2)))


def test_slow_request_bodies_get_a_408_and_starve_nobody(built, tmp_path):
    with serving(built.release, tmp_path / "serve.log", "--workers", "1", "--threads", "8") as (url, server):
        port = int(url.rsplit(":", 1)[1])
        slow: list = []
        senders = [threading.Thread(target=_slow_body, args=(port, slow, i, 12), daemon=True) for i in range(20)]
        for sender in senders:
            sender.start()
        probes = []
        session = requests.Session()
        due = time.monotonic() + 6
        while time.monotonic() < due:
            began = time.monotonic()
            healthz = session.get(url + "/healthz", timeout=10)
            query = session.get(url + "/sparql", params={"query": REF31_QUERY + f" # {began}"}, timeout=10)
            probes.append((healthz.status_code, query.status_code, time.monotonic() - began))
            time.sleep(0.1)
        for sender in senders:
            sender.join(20)
    statuses = sorted({line for _, line, _ in slow})
    print("slow bodies:", statuses, "slowest probe", max(p[2] for p in probes), "s")
    assert all(h == 200 and q == 200 for h, q, _ in probes)
    assert max(p[2] for p in probes) < 3  # the slow clients hold no thread the probes need
    assert len(slow) == 20
    for _, line, seconds in slow:  # each slow client is told why, within the rate floor's grace
        assert line.startswith((b"HTTP/1.1 408", b"HTTP/1.1 503")), line
        assert seconds < 8


def _exchange(port: int, data: bytes, seconds: float = 10, half_close: bool = False) -> tuple[bytes, float]:
    began = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as raw:
        raw.sendall(data)
        if half_close:
            raw.shutdown(socket.SHUT_WR)
        reply = b""
        try:
            while b"\r\n\r\n" not in reply or not _complete(reply):
                chunk = raw.recv(65536)
                if not chunk:
                    break
                reply += chunk
                if reply.startswith(b"\x00"):  # HTTP/2 frames: the answer has begun
                    break
        except socket.timeout:
            pass
    return reply, time.monotonic() - began


def _complete(reply: bytes) -> bool:
    head, _, body = reply.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def test_bodies_prefaces_and_long_literals_get_a_prompt_answer(built, tmp_path):
    with serving(built.release, tmp_path / "serve.log", "--workers", "1") as (url, server):
        port = int(url.rsplit(":", 1)[1])
        form = b"Content-Type: application/x-www-form-urlencoded\r\n"
        query = b"query=" + REF31_QUERY.replace(" ", "+").encode()
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (query[:10], query[10:])) + b"0\r\n\r\n"
        cases = {
            "chunked query": (b"POST /sparql HTTP/1.1\r\nHost: x\r\n" + form +
                              b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked, b"HTTP/1.1 200"),
            "malformed chunked": (b"POST /sparql HTTP/1.1\r\nHost: x\r\n" + form +
                                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nquery\r\n",
                                  b"HTTP/1.1 400"),
            "chunked over the cap": (b"POST /sparql HTTP/1.1\r\nHost: x\r\n" + form +
                                     b"Transfer-Encoding: chunked\r\n\r\n" + (b"10000\r\n" + b"a" * 65536 + b"\r\n") * 17
                                     + b"0\r\n\r\n", b"HTTP/1.1 413"),
            "body shorter than announced, then the client's end closed": (
                b"POST /sparql HTTP/1.1\r\nHost: x\r\n" + form + b"Content-Length: 5000\r\n\r\n" + query,
                b"HTTP/1.1 400"),
            "HTTP/2 request line without the preface": (b"PRI * HTTP/2.0\r\nHost: x\r\n\r\n", b"HTTP/1.1 400"),
            "HTTP/2 preface": (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", b"\x00\x00"),  # HTTP/2 frames: SETTINGS
        }
        answers = {}
        for name, (request, expected) in cases.items():
            reply, seconds = _exchange(port, request, 12, half_close="closed" in name)
            answers[name] = (reply[:60], round(seconds, 2))
            assert reply.startswith(expected), (name, reply[:200])
            assert b"Traceback" not in reply and b"/work/" not in reply
        assert answers["malformed chunked"][1] < 2  # at once
        literal = "SELECT ?x WHERE { BIND(\"" + "a" * 99_000 + "\" AS ?x) }"
        began = time.monotonic()
        long = requests.post(url + "/sparql", data=literal.encode(), timeout=30,
                             headers={"Content-Type": "application/sparql-query"})
        assert long.status_code == 200 and len(long.json()["results"]["bindings"][0]["x"]["value"]) == 99_000
        assert time.monotonic() - began < 5
        assert health(url)["status"] == "ok"
    print("prompt answers:", answers)
