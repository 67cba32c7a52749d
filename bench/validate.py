"""SHACL validation time of the knowledge graph, and of a synthetic scale-up, per engine.

    python bench/validate.py [--scales 1 10 100] [--repeat 3] [--pyshacl-scales 1] [--timeout 900]

The graph is what the build validates, minus the reasoner's output: the TBox plus the knowledge
graph generated from the curated tables. A scale-up of N copies repeats every individual of the
knowledge graph N times under fresh IRIs (…/id/copy-K/…), sharing only the TBox, the elements,
nuclides and references, so each copy is a complete, conforming graph of its own.

Each measurement runs in a fresh Python process with a time limit: pyshacl-turbo (the engine
the build uses) and pySHACL (the reference implementation) on the same graph and shapes. The
number reported is the median time of validate() itself (graph construction excluded), and the
two engines' results are compared (same focus node, path, constraint, severity and value).
Results: bench/results/validate.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from validate import scaled_graph
from ssbonto.build import validate
from ssbonto.namespaces import SH
repo, engine, copies = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
data, tbox = scaled_graph(repo, copies)
shapes = validate.load_shapes(repo)
merged = data + tbox
started = time.perf_counter()
results = validate.run_engine(merged, shapes, engine)
elapsed = time.perf_counter() - started
keys = sorted(
    "|".join(str(results.value(r, p)) for p in (SH.focusNode, SH.resultPath, SH.sourceConstraintComponent,
                                                   SH.resultSeverity, SH.value))
    for r in results.subjects(SH.resultSeverity, None))
print(json.dumps({"seconds": round(elapsed, 3), "triples": len(merged), "results": len(keys),
                  "violations": len(set(results.subjects(SH.resultSeverity, SH.Violation))),
                  "result_keys": keys,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def scaled_graph(repo: Path, copies: int):
    """(knowledge graph repeated `copies` times, TBox)."""
    from rdflib import BNode, Graph, URIRef

    from ssbonto.build import load_tbox, table_captions
    from ssbonto.build.curation import Curator
    from ssbonto.namespaces import ID
    from ssbonto.build.populate import Populator
    from ssbonto.build.vocabulary import Vocabulary

    tbox = load_tbox(repo)
    vocabulary = Vocabulary.from_tbox(tbox)
    knowledge = Populator(Curator(repo, vocabulary).load(), vocabulary, tbox, table_captions(repo)).populate()
    shared = tuple(str(ID[kind]) for kind in ("element/", "nuclide/", "reference/"))
    base = str(ID)

    def renamed(term, copy: int):
        if isinstance(term, BNode):
            return BNode(f"{term}-{copy}")
        text = str(term)
        if isinstance(term, URIRef) and text.startswith(base) and not text.startswith(shared):
            return URIRef(f"{base}copy-{copy}/{text[len(base):]}")
        return term

    data = Graph()
    data += knowledge
    for copy in range(1, copies):
        for s, p, o in knowledge:
            data.add((renamed(s, copy), p, renamed(o, copy)))
    return data, tbox


def measure(engine: str, copies: int, timeout: float) -> dict:
    started = time.perf_counter()
    try:
        completed = subprocess.run([sys.executable, "-c", CHILD, str(REPO), engine, str(copies), str(Path(__file__).parent)],
                                   capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timed_out_after_s": timeout}
    if completed.returncode != 0:
        raise SystemExit(f"{engine} x{copies} failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


def machine() -> str:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}, {platform.platform()}"


def versions() -> dict:
    from importlib.metadata import version
    return {name: version(name) for name in ("pyshacl", "pyshacl-turbo", "rdflib")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--pyshacl-scales", type=int, nargs="*", default=[1])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900, help="seconds one measurement may take")
    args = parser.parse_args()
    report = {"machine": machine(), "versions": versions(), "engines": {}}
    keys: dict[tuple[str, int], list[str]] = {}
    for engine, scales, repeat in (("turbo", args.scales, args.repeat), ("pyshacl", args.pyshacl_scales, 1)):
        for copies in scales:
            runs = [measure(engine, copies, args.timeout) for _ in range(repeat)]
            done = [r for r in runs if "seconds" in r]
            entry = {"copies": copies, "runs": len(runs)}
            if done:
                seconds = [r["seconds"] for r in done]
                entry.update({"triples": done[0]["triples"], "results": done[0]["results"],
                              "violations": done[0]["violations"],
                              "median_s": round(statistics.median(seconds), 3),
                              "min_s": min(seconds), "max_s": max(seconds),
                              "peak_rss_mb": max(r["peak_rss_mb"] for r in done)})
                keys[(engine, copies)] = done[0]["result_keys"]
            if len(done) < len(runs):
                entry["timed_out_after_s"] = args.timeout
            report["engines"].setdefault(engine, []).append(entry)
            print(engine, json.dumps(entry), flush=True)
    comparisons = {}
    for (engine, copies), found in keys.items():
        if engine == "pyshacl" and ("turbo", copies) in keys:
            comparisons[f"x{copies}"] = {"same_results": found == keys[("turbo", copies)],
                                         "pyshacl_results": len(found), "turbo_results": len(keys[("turbo", copies)])}
            turbo = next(e for e in report["engines"]["turbo"] if e["copies"] == copies)
            slow = next(e for e in report["engines"]["pyshacl"] if e["copies"] == copies)
            if "median_s" in slow:
                comparisons[f"x{copies}"]["pyshacl_over_turbo"] = round(slow["median_s"] / turbo["median_s"], 1)
    report["comparison"] = comparisons
    out = REPO / "bench" / "results" / "validate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(comparisons, indent=1))
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
