"""`ssbonto serve` for real: the command under granian (and gunicorn) on a free port, configured
by a flag and an environment variable, answering /healthz and a query (again from its answer
cache), logging JSON access lines with the query time, and stopping cleanly (its query processes
with it) on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sparql_support import IONIC_ANSWER, IONIC_QUERY, descendants, json_column, wait_healthy


SSBONTO = Path(sys.executable).with_name("ssbonto")  # the console script pip installed beside python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def query_processes_under(root: int) -> list[int]:
    """Live query processes descending from process `root`."""
    return descendants(root, b"ssbonto_server.sparql.query_worker")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("http_server, store_mode", [("granian", "auto"), ("gunicorn", "disk")])
def test_ssbonto_serve_runs_the_service(built, tmp_path, http_server, store_mode):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "SSBONTO_MAX_QUERY_BYTES": "4000", "SSBONTO_STORE_MODE": store_mode}
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [str(SSBONTO), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--threads", "4", "--query-timeout", "9", "--release-dir", str(built.release),
         "--http-server", http_server],
        env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        health = wait_healthy(url, seconds=120, processes=2)
        assert health["version"] == json.loads((built.release / "manifest.json").read_text())["version"]
        assert health["limits"]["query_timeout_seconds"] == 9.0  # from the flag
        assert health["limits"]["max_query_bytes"] == 4000  # from the environment
        assert health["query_processes"]["ready"] == 2
        assert health["query_processes"]["network_isolated"] is True
        # auto holds the small real release in memory; disk reads the release's shared store/
        assert health["store"] == {"location": "embedded", "mode": "memory" if store_mode == "auto" else "disk"}

        answer = requests.get(url + "/sparql", params={"query": IONIC_QUERY})
        assert answer.headers["Server"] == http_server if http_server == "granian" else \
            answer.headers["Server"].startswith("gunicorn")
        assert json_column(answer, "technique") == IONIC_ANSWER
        assert answer.headers["X-Answer-Cache"] == "miss"
        again = requests.get(url + "/sparql", params={"query": IONIC_QUERY})
        assert again.headers["X-Answer-Cache"] == "hit" and again.content == answer.content
        too_big = requests.post(url + "/sparql", data={"query": "#" * 4000 + "\n" + IONIC_QUERY})
        assert too_big.status_code == 413
        query_processes = query_processes_under(server.pid)
        assert len(query_processes) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    assert code == 0
    due = time.monotonic() + 10
    while any(alive(pid) for pid in query_processes) and time.monotonic() < due:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in query_processes)

    log.seek(0)
    entries = [json.loads(line) for line in log if line.startswith("{")]
    queries = [entry for entry in entries if entry.get("path") == "/sparql"]
    assert [entry["status"] for entry in queries] == [200, 200, 413]
    assert queries[0]["method"] == "GET" and queries[0]["query_ms"] > 0 and queries[0]["ms"] >= queries[0]["query_ms"]
    assert queries[0]["type"] == "application/sparql-results+json"
    assert queries[1]["cache"] == "hit" and queries[1]["query_ms"] is None


def test_a_store_mode_the_release_cannot_serve_is_refused_at_start(tmp_path):
    release = tmp_path / "release"
    release.mkdir()
    (release / "ssbonto.nq").write_text("", encoding="utf-8")
    result = subprocess.run([str(SSBONTO), "serve", "--port", str(free_port()), "--release-dir", str(release),
                             "--store-mode", "disk"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "has no on-disk query store (store/); rebuild it with `ssbonto build`" in result.stderr
    assert "Traceback" not in result.stderr
