"""Build time and peak memory of `ssbonto build`, step by step.

    python bench/build.py [--repeat 3]

Each repetition runs the whole build in a fresh Python process (so memory figures are not
shared between runs) and records the per-step timings the build reports, the peak RSS of the
Python process and the peak RSS of its children (the HermiT JVM). Results: median and spread,
written to bench/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from ssbonto.build import build
started = time.perf_counter()
result = build(Path(sys.argv[1]), Path(sys.argv[2]))
total = time.perf_counter() - started
print(json.dumps({
    "total_s": round(total, 3),
    "steps_s": result.timings,
    "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "reasoner_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    "triples": len(result.graphs.asserted()) + len(result.graphs.inferred),
}))
"""


def machine() -> str:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}, {platform.platform()}"


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            output = subprocess.run([sys.executable, "-c", CHILD, str(REPO), str(Path(tmp) / "release")],
                                    capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
    steps = sorted({step for run in runs for step in run["steps_s"]})
    report = {
        "machine": machine(),
        "repeat": args.repeat,
        "triples": runs[0]["triples"],
        "total_s": summary([r["total_s"] for r in runs]),
        "steps_s": {step: summary([r["steps_s"][step] for r in runs]) for step in steps},
        "share_of_total": {step: round(statistics.median(r["steps_s"][step] / r["total_s"] for r in runs), 3)
                           for step in steps},
        "python_peak_rss_mb": summary([r["python_peak_rss_mb"] for r in runs]),
        "reasoner_peak_rss_mb": summary([r["reasoner_peak_rss_mb"] for r in runs]),
    }
    (REPO / "bench" / "results").mkdir(exist_ok=True)
    (REPO / "bench" / "results" / "build.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
