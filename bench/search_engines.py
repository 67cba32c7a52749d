"""Which engine holds the search index: SQLite FTS5 (the standard library) beside tantivy and
rapidfuzz, on the same entries, measured (issue 10: "choose the engine by measurement").

    python bench/search_engines.py [--release-dir release] [--release-dir bench/data/1m ...] [--repetitions 20]

For each release the entries are collected once (ssbonto.build.search_index.collect) and each
engine is given the same names, words and definitions:
- sqlite: the index as shipped (search_index.write_index) answered by ssbonto.answers.search,
  i.e. every ranking tier, typo corrections, facets and totals;
- tantivy: one document per entity (names as raw terms, words and definitions tokenized), one
  boolean query per request: the exact name term (boosted), a prefix regex on names, and each
  word as a fuzzy term (distance 1, transpositions cost one) on words and definitions;
- rapidfuzz: every name and label held in each worker's memory, `process.extract` with WRatio
  (typo-tolerant by construction), top 20.
Reported: build seconds, bytes on disk (or in memory), seconds to open in a fresh worker, p50/p99
of one request in process, and whether the top hit is the expected entity for each query of a
fixed list (what people type: acronyms, subscripts, a misprint kept as printed, nuclei, authors
and years, a typo, words). Results: bench/results/search_engines.json (and .md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from ssbonto.answers.search import SearchIndex
from ssbonto.build.search_index import (DEFINITION_FIELDS, NAME_FIELDS, collect, fold_text, key, query_tokens,
                                        tokens, write_index)

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "search_engines.json"
ID, DEF = "https://w3id.org/ssbonto/id/", "https://w3id.org/ssbonto/def/"
EXPECTED = {
    "LLZO": ID + "material/llzo", "Li₇La₃Zr₂O₁₂": ID + "material/llzo", "li7la3zr2o12": ID + "material/llzo",
    "Na3Sb4": ID + "material/na3sbs4", "7Li": ID + "nuclide/7Li", "Bhattacharyya 2010": ID + "reference/94",
    "tomografy": DEF + "XRayTomography", "NDP": DEF + "NeutronDepthProfiling", "x ray tomography": DEF + "XRayTomography",
    "jump rate": DEF + "JumpRate", "lithium distribution": DEF + "LithiumDistribution", "XPS": DEF + "XRayPhotoelectronSpectroscopy",
    "Li7-xAlx/3La3Zr2O12": ID + "material/li7-xalx-3la3zr2o12", "neutron depth": DEF + "NeutronDepthProfiling",
}


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(function, queries, repetitions):
    times, tops = [], {}
    for q in queries:
        tops[q] = function(q)
    for _ in range(repetitions):
        for q in queries:
            began = time.perf_counter()
            function(q)
            times.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": round(statistics.median(times), 3), "p99_ms": round(percentile(times, 0.99), 3),
            "top_hit_right": sum(1 for q, iri in EXPECTED.items() if tops.get(q) == iri), "queries": len(EXPECTED)}


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_sqlite(entities, work: Path, repetitions: int) -> dict:
    path = work / "search.sqlite"
    began = time.perf_counter()
    write_index(entities, path)
    built = time.perf_counter() - began
    began = time.perf_counter()
    index = SearchIndex(path)
    index.search("warm", limit=1)
    opened = time.perf_counter() - began
    def search(q: str):
        results = index.search(q, limit=20).results
        return results[0].iri if results else None

    result = timed(search, list(EXPECTED), repetitions)
    return {"build_s": round(built, 2), "bytes": path.stat().st_size, "open_s": round(opened, 4), **result}


def bench_tantivy(entities, work: Path, repetitions: int) -> dict:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("iri", stored=True, tokenizer_name="raw")
    builder.add_text_field("names", stored=False, tokenizer_name="raw")
    builder.add_text_field("words", stored=False)
    builder.add_text_field("definition", stored=False)
    schema = builder.build()
    folder = work / "tantivy"
    folder.mkdir()
    began = time.perf_counter()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for entity in entities:
        names = [key(text) for field, text in entity.fields if field in NAME_FIELDS]
        words = [" ".join(tokens(text)) for field, text in entity.fields if field not in DEFINITION_FIELDS]
        definitions = [" ".join(tokens(text)) for field, text in entity.fields if field in DEFINITION_FIELDS]
        writer.add_document(tantivy.Document(iri=entity.iri, names=names, words=words, definition=definitions))
    writer.commit()
    writer.wait_merging_threads()
    built = time.perf_counter() - began
    began = time.perf_counter()
    reopened = tantivy.Index.open(str(folder))
    reopened.reload()
    searcher = reopened.searcher()
    opened = time.perf_counter() - began
    Q, Occur = tantivy.Query, tantivy.Occur

    def search(q: str):
        whole = key(q)
        if not whole:
            return None
        clauses = [(Occur.Should, Q.boost_query(Q.term_query(schema, "names", whole), 10.0)),
                   (Occur.Should, Q.boost_query(Q.regex_query(schema, "names", _regex_escape(whole) + ".*"), 3.0))]
        for word in query_tokens(q)[:12]:
            clauses.append((Occur.Should, Q.fuzzy_term_query(schema, "words", word, 1, True)))
            clauses.append((Occur.Should, Q.boost_query(Q.fuzzy_term_query(schema, "definition", word, 1, True), 0.3)))
        hits = searcher.search(Q.boolean_query(clauses), 20).hits
        return searcher.doc(hits[0][1])["iri"][0] if hits else None

    result = timed(search, list(EXPECTED), repetitions)
    return {"build_s": round(built, 2), "bytes": folder_bytes(folder), "open_s": round(opened, 4), **result}


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\" else c for c in text)


def bench_rapidfuzz(entities, repetitions: int) -> dict:
    from rapidfuzz import fuzz, process

    tracemalloc.start()
    began = time.perf_counter()
    choices, owners = [], []
    for entity in entities:
        for field, text in entity.fields:
            if field in NAME_FIELDS:
                choices.append(fold_text(text))
                owners.append(entity.iri)
    built = time.perf_counter() - began
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    def search(q: str):
        found = process.extract(fold_text(q), choices, scorer=fuzz.WRatio, limit=20, score_cutoff=70)
        return owners[found[0][2]] if found else None

    result = timed(search, list(EXPECTED), repetitions)
    return {"build_s": round(built, 2), "bytes_in_memory_per_worker": held,
            "open_s": "the same as build: held in each worker's memory", **result}


def bench_release(release: Path, repetitions: int) -> dict:
    store = ox.Store.read_only(str(release / "store"))
    began = time.perf_counter()
    entities = collect(store)
    collected = time.perf_counter() - began
    del store
    work = Path(tempfile.mkdtemp(prefix="search-engines-"))
    try:
        engines = {"sqlite": bench_sqlite(entities, work, repetitions),
                   "tantivy": bench_tantivy(entities, work, repetitions),
                   "rapidfuzz": bench_rapidfuzz(entities, repetitions)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    return {"release": str(release), "triples": sum(manifest["triples"][g] for g in ("ontology", "kg", "inferred")),
            "entities": len(entities), "collect_s": round(collected, 2), "engines": engines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release-dir", type=Path, action="append")
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    releases = [p.resolve() for p in (args.release_dir or [REPO / "release"])]
    report = {"date": date.today().isoformat(),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "note": args.note, "runs": [bench_release(r, args.repetitions) for r in releases]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    lines = [f"# Search engines, same entries ({report['date']})", "", report["machine"], "", args.note, ""]
    for run in report["runs"]:
        lines += [f"## {run['triples']:,} triples, {run['entities']:,} entities (collected in {run['collect_s']} s)", "",
                  "| engine | build s | size | open s | p50 ms | p99 ms | right top hit |", "|---|---|---|---|---|---|---|"]
        for name, e in run["engines"].items():
            size = e.get("bytes") or e.get("bytes_in_memory_per_worker")
            lines.append(f"| {name} | {e['build_s']} | {size / 1e6:.1f} MB{'' if 'bytes' in e else ' (RAM)'} | "
                         f"{e['open_s']} | {e['p50_ms']} | {e['p99_ms']} | {e['top_hit_right']}/{e['queries']} |")
        lines.append("")
    RESULTS.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
