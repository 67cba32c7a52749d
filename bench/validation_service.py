"""Validating a study description through the service beside validating it in process.

    python bench/validation_service.py [--megabytes 4.9] [--repeat 3] [--release-dir release]

Documents: the example (examples/high-pressure-na3sbs4-study.jsonld) and a study of about
--megabytes of JSON-LD (the example's nodes repeated under fresh IRIs, as tests/test_validate_service.py
builds its heavy study). Peers in the same run, on the same built release:
- in process: DocumentValidator.from_release(...).check(parse_document(...)) plus the explanations,
  what a validator process does for one request;
- the service: POST /api/validate over loopback to the application on a werkzeug server, so the
  body upload, the hand-over to a validator process and the JSON answer are counted.
Medians of --repeat runs each (after one warm-up request); the ratio is service / in process.
Results: bench/results/validation_service.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "high-pressure-na3sbs4-study.jsonld"
LAB = "https://example.org/pressure-lab/"


def heavy_study(megabytes: float) -> bytes:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = json.dumps(document["@graph"])
    copies, size = [], 0
    while size < megabytes * 1e6:
        copy = text.replace(LAB, f"{LAB}{len(copies)}/")
        copies.append(copy[1:-1])
        size += len(copy)
    return ('{"@context": "%s", "@graph": [%s]}' % (document["@context"], ",".join(copies))).encode("utf-8")


def in_process(release: Path, body: bytes, repeat: int) -> tuple[list[float], int]:
    from ssbonto.answers.explanations import Explainer
    from ssbonto.answers.validation import DocumentValidator, parse_document

    validator = DocumentValidator.from_release(release)
    explainer = Explainer(validator)
    times, triples = [], 0
    for _ in range(repeat + 1):  # the first compiles the shapes, as a validator process does at start
        started = time.perf_counter()
        graph = parse_document(body, "jsonld", "https://validator.invalid/document/", validator.local_contexts)
        outcome = validator.check({"document": graph})
        explainer.explain(outcome)
        times.append(time.perf_counter() - started)
        triples = outcome.triples
    return times[1:], triples


def through_service(release: Path, body: bytes, repeat: int) -> list[float]:
    from werkzeug.serving import make_server

    from ssbonto_server.app import create_app
    from ssbonto_server.settings import Settings
    from ssbonto_server.validation.pool import validator_pool

    app = create_app(Settings(release_dir=release, validation_timeout=600, validation_max_bytes=len(body) + 1))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/validate"
    try:
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            response = requests.post(url, data=body, headers={"Content-Type": "application/ld+json"}, timeout=900)
            response.raise_for_status()
            times.append(time.perf_counter() - started)
        return times[1:]
    finally:
        server.shutdown()
        validator_pool(app).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=4.9)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--release-dir", default=str(REPO / "release"))
    args = parser.parse_args()
    release = Path(args.release_dir)
    documents = {"example": EXAMPLE.read_bytes(), f"{args.megabytes:g} MB study": heavy_study(args.megabytes)}
    rows = {}
    for name, body in documents.items():
        local, triples = in_process(release, body, args.repeat)
        service = through_service(release, body, args.repeat)
        rows[name] = {"bytes": len(body), "triples": triples,
                      "in_process_s": round(statistics.median(local), 3),
                      "service_s": round(statistics.median(service), 3),
                      "service_over_in_process": round(statistics.median(service) / statistics.median(local), 2),
                      "service_runs_s": [round(t, 3) for t in service]}
        print(f"{name}: {len(body):,} bytes, {triples} triples: in process {rows[name]['in_process_s']} s, "
              f"service {rows[name]['service_s']} s ({rows[name]['service_over_in_process']}x)", flush=True)
    out = REPO / "bench" / "results" / "validation_service.json"
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "python": sys.version.split()[0],
                               "machine": platform.machine(), "repeat": args.repeat, "documents": rows},
                              indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
