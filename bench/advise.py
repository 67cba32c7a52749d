"""The technique advisor over HTTP: p50/p99 of GET /api/advise at 1 and 16 clients (issue 11;
target p99 < 100 ms at 16 clients on the real release on this 2-core machine).

    python bench/advise.py [--release-dir release] [--release-dir bench/data/1m ...] [--seconds 10]

Starts `ssbonto serve` as shipped and cycles through the questions of tests/advisor_cases.tsv
(the review's own questions), after one request that builds each worker's advisor model.
Bounded in requests and seconds; results in bench/results/advise.json (and .md).
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from urllib.parse import urlencode

from http_load import Server, arguments, measure, triples
from http_load import report as make_report

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "advise.json"
PARAMETERS = ("learn", "subject", "where", "mode", "stimulus", "facility", "resolution")


def questions() -> list[str]:
    lines = [line for line in (REPO / "tests" / "advisor_cases.tsv").read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    return ["/api/advise?" + urlencode({name: row[name] for name in PARAMETERS if row[name]})
            for row in csv.DictReader(lines, delimiter="\t")]


def bench_release(release: Path, seconds: float, concurrency: list[int]) -> dict:
    paths = questions()
    with Server(release) as server:
        started = time.perf_counter()
        first = measure(server.port, paths[:1], 1, 600, limit=1)  # the first request loads the model
        model_seconds = round(time.perf_counter() - started, 2)
        measure(server.port, paths, 16, min(5.0, seconds), limit=len(paths))  # every worker loads its model
        cells = {f"{clients} clients": measure(server.port, paths, clients, seconds) for clients in concurrency}
    return {"release": str(release), "triples": triples(release), "questions": len(paths),
            "first_request_s": model_seconds, "first_status_errors": first["errors"], "results": cells}


def main() -> None:
    args = arguments(__doc__.splitlines()[0], REPO)
    report = make_report(args.note, [bench_release(release, args.seconds, args.clients) for release in args.releases])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    lines = [f"# Advisor latency ({report['date']})", "", report["machine"], "", report["note"], ""]
    for run in report["runs"]:
        lines += [f"## {run['triples']:,} triples ({run['questions']} questions; first request {run['first_request_s']} s)",
                  "", "| clients | p50 ms | p99 ms | req/s | errors |", "|---|---|---|---|---|"]
        lines += [f"| {c['clients']} | {c['p50_ms']} | {c['p99_ms']} | {c['requests_per_second']} | {c['errors']} |"
                  for c in run["results"].values()]
        lines.append("")
    RESULTS.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
