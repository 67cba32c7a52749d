"""Search and suggest over HTTP beside a plain SPARQL label lookup on the same server (issue 10).

    python bench/search.py [--release-dir release] [--release-dir bench/data/1m ...] [--seconds 10]

For each release: starts `ssbonto serve` as shipped (with --answer-cache-bytes 0, so the SPARQL
peer runs every query) and measures p50/p99 and requests/s at 1 and 16 clients of
- GET /api/search?q=… and GET /api/suggest?q=… over a fixed list of what people type (acronyms,
  formulas with subscripts, nuclei, authors and years, a typo, words, prefixes);
- the peers on the same server: a SPARQL lookup of the exact label literal (index-friendly, case
  and language tag must match) and a case-insensitive SPARQL label filter (what a search box
  without an index would send).
Bounded in requests and seconds; results in bench/results/search.json (and .md).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from http_load import Server, arguments, measure, triples
from http_load import report as make_report

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "search.json"
TYPED = ["LLZO", "Li7La3Zr2O12", "Li₇La₃Zr₂O₁₂", "Na3Sb4", "7Li", "Bhattacharyya 2010", "tomografy", "NDP",
         "lithium distribution", "x ray tomography", "jump rate", "sulfide electrolyte", "XPS", "garnet", "LGPS"]
PREFIXES = ["Li7", "neut", "tomo", "LL", "sulf", "XA", "jump", "Bhat", "qua", "diff"]
LABELS = ["Li7La3Zr2O12", "neutron depth profiling", "X-ray tomography", "jump rate", "sulfide electrolyte",
          "X-ray photoelectron spectroscopy", "lithium distribution", "Li10GeP2S12"]


def sparql(text: str) -> str:
    return "/sparql?" + urlencode({"query": text})


def peers() -> dict[str, list[str]]:
    exact = [sparql(f'SELECT ?s WHERE {{ ?s rdfs:label "{label}"@en }} LIMIT 20') for label in LABELS]
    folded = [sparql(f'SELECT ?s WHERE {{ ?s rdfs:label ?l FILTER(LCASE(STR(?l)) = "{label.lower()}") }} LIMIT 20')
              for label in LABELS]
    return {"search": ["/api/search?" + urlencode({"q": q}) for q in TYPED],
            "suggest": ["/api/suggest?" + urlencode({"q": q}) for q in PREFIXES],
            "sparql_exact_label": exact, "sparql_label_filter": folded}


def bench_release(release: Path, seconds: float, concurrency: list[int]) -> dict:
    cells = {}
    with Server(release, "--answer-cache-bytes", "0") as server:
        for name, paths in peers().items():
            measure(server.port, paths, 1, min(2.0, seconds), limit=len(paths) * 3)  # warm-up
            cells[name] = {f"{clients} clients": measure(server.port, paths, clients, seconds)
                           for clients in concurrency}
    return {"release": str(release), "triples": triples(release), "results": cells}


def markdown(report: dict) -> str:
    lines = [f"# Search beside a SPARQL label lookup ({report['date']})", "", report["machine"], "", report["note"], ""]
    for run in report["runs"]:
        lines += [f"## {run['triples']:,} triples", "", "| request | clients | p50 ms | p99 ms | req/s | errors |",
                  "|---|---|---|---|---|---|"]
        for name, by_clients in run["results"].items():
            for clients, cell in by_clients.items():
                lines.append(f"| {name} | {cell['clients']} | {cell['p50_ms']} | {cell['p99_ms']} | "
                             f"{cell['requests_per_second']} | {cell['errors']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    args = arguments(__doc__.splitlines()[0], REPO)
    report = make_report(args.note, [bench_release(release, args.seconds, args.clients) for release in args.releases])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    RESULTS.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
