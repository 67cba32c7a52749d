"""A synthetic scale-up of the real release, shaped like it, for the benchmarks.

    python bench/scale.py --triples 1000000 --out bench/data/1m [--release-dir release]

The ontology graph (TBox, technique hierarchy) is kept once; the knowledge graph and the
inferred graph are copied until the target is reached. In copy k every individual of a kind
that grows with the literature (studies, measurements, materials with their formulas,
interfaces, quantities, findings, references, cells, ...) gets the suffix `-s<k>` and its labels
" (s<k>)", while the shared vocabulary (elements, nuclides, source tables, capabilities) stays
shared, so joins through elements and the technique hierarchy fan out as they would in a
bigger literature. Blank nodes are renamed per copy.

Writes, in --out, a release directory that `ssbonto serve --release-dir` accepts (the real
release's files with ssbonto.nq, the on-disk query store and the search index replaced and the
manifest's counts updated) plus ssbonto.nt (every triple in one graph, for servers without named
graphs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import time
from pathlib import Path

from ssbonto.build.curation import Curator
from ssbonto.build.search_index import unit_names, write_search_index
from ssbonto.build.tbox import load_tbox
from ssbonto.build.vocabulary import Vocabulary
from ssbonto.layout import SEARCH_INDEX_FILE
from ssbonto.store import QUERY_STORE_DIR, write_query_store

REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/ssbonto/id/"
SHARED_KINDS = ("element", "nuclide", "table", "capability")
ONTOLOGY_GRAPH = "<https://w3id.org/ssbonto/graph/ontology>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
INDIVIDUAL = re.compile(r"<" + re.escape(ID) + r"([a-z-]+)/([^>]*)>")
BLANK = re.compile(r"_:(\w+)")
LITERAL_END = re.compile(r'"((?:@[A-Za-z-]+)|(?:\^\^<[^>]*>))?$')


def split_graph(line: str) -> tuple[str, str]:
    """'S P O G .' -> ('S P O', 'G'); the graph is the last IRI before the final dot."""
    body = line.rstrip()[:-1].rstrip()
    cut = body.rfind(" <")
    return body[:cut], body[cut + 1:]


def renamed(statement: str, copy: int) -> str:
    def individual(match: re.Match) -> str:
        kind, key = match.group(1), match.group(2)
        return match.group(0) if kind in SHARED_KINDS else f"<{ID}{kind}/{key}-s{copy}>"

    text = INDIVIDUAL.sub(individual, statement)
    text = BLANK.sub(lambda m: f"_:{m.group(1)}s{copy}", text)
    if f" {LABEL} " in text:
        subject, _, literal = text.partition(f" {LABEL} ")
        end = LITERAL_END.search(literal)
        if literal.startswith('"') and end:
            text = f'{subject} {LABEL} {literal[:end.start()]} (s{copy})"{literal[end.start() + 1:]}'
    return text


def generate(release_dir: Path, out: Path, target: int) -> dict:
    lines = (release_dir / "ssbonto.nq").read_text(encoding="utf-8").splitlines()
    fixed = [line for line in lines if split_graph(line)[1] == ONTOLOGY_GRAPH]
    copied = [split_graph(line) for line in lines if split_graph(line)[1] != ONTOLOGY_GRAPH]
    growing = sum(1 for statement, _ in copied if renamed(statement, 1) != statement)
    copies = 1 + max(0, -(-(target - len(lines)) // growing))
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(release_dir.resolve(), out)
    counts: dict[str, int] = {}
    with open(out / "ssbonto.nq", "w", encoding="utf-8") as quads, open(out / "ssbonto.nt", "w", encoding="utf-8") as triples:
        for line in fixed:
            statement, graph = split_graph(line)
            quads.write(line + "\n")
            triples.write(statement + " .\n")
            counts[graph] = counts.get(graph, 0) + 1
        for copy in range(copies):
            for statement, graph in copied:
                if copy:
                    new = renamed(statement, copy)
                    if new == statement:  # about shared vocabulary only: written once
                        continue
                    statement = new
                quads.write(f"{statement} {graph} .\n")
                triples.write(statement + " .\n")
                counts[graph] = counts.get(graph, 0) + 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = {"<https://w3id.org/ssbonto/graph/ontology>": "ontology", "<https://w3id.org/ssbonto/graph/kg>": "kg",
             "<https://w3id.org/ssbonto/graph/inferred>": "inferred"}
    manifest["triples"] = {names[graph]: count for graph, count in counts.items()}
    manifest["synthetic"] = {"copies": copies, "from_release": manifest.get("version")}
    manifest["files"]["ssbonto.nq"] = {**manifest["files"].get("ssbonto.nq", {}),
                                       "bytes": (out / "ssbonto.nq").stat().st_size,
                                       "sha256": hashlib.sha256((out / "ssbonto.nq").read_bytes()).hexdigest()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    write_query_store(out / "ssbonto.nq", out / QUERY_STORE_DIR)
    started = time.perf_counter()
    index = write_search_index(out / QUERY_STORE_DIR, out / SEARCH_INDEX_FILE, curated_units())
    index["seconds"] = round(time.perf_counter() - started, 2)
    return {"triples": sum(counts.values()), "copies": copies, "graphs": manifest["triples"], "search index": index}


def curated_units() -> dict[str, tuple[str, str]]:
    """The units' labels and symbols, as `ssbonto build` gives them to the search index."""
    review = Curator(REPO, Vocabulary.from_tbox(load_tbox(REPO))).load()
    return unit_names(review.units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="about how many triples to write")
    parser.add_argument("--out", type=Path, required=True, help="directory to write the synthetic release to")
    parser.add_argument("--release-dir", type=Path, default=REPO / "release", help="the real release to scale")
    args = parser.parse_args()
    print(json.dumps(generate(args.release_dir, args.out, args.triples)))


if __name__ == "__main__":
    main()
