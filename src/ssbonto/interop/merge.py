"""`ssbonto merge --with FILE…`: ssbonto + its alignment module + other ontologies, reasoned together.

owl:imports are followed through OASIS XML catalogs (the catalog-v001.xml files Protégé writes)
and through folders given with --search; nothing is ever fetched. A catalog entry that points at a
web address is ignored. An import found only under another version (EMMO domains pin each other
to releases that differ by a patch level) is taken from the one stored version whose IRI matches
once version segments are removed, and the report lists every such substitution.

HermiT runs with --ignoreUnsupportedDatatypes (EMMO declares a datatype of its own) on the logical
axioms only, within a time limit, in one of two ways (--reasoning):
- satisfiability (default): one consistency test, then one joint test that all ssbonto classes can
  have members, falling back to one satisfiability test per class (ssbonto.interop.satisfiability). That
  answers "consistent, with no unsatisfiable class of ours?" exactly, in seconds for the whole
  materials stack; placements are the asserted ones.
- classify: owlready2 classifies every class of every ontology (minutes to hours for the EMMO
  stack): unsatisfiable classes of all ontologies and inferred placements of ours.
The report also lists label clashes across ontologies.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from ..build.reason import hermit, logical_triples, unsatisfiable_classes
from ..errors import BuildError, Problem
from ..namespaces import BASE, SSB
from . import alignments, satisfiability

MERGED_IRI = URIRef(BASE + "merged")
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
RDF_SUFFIXES = {".ttl": "turtle", ".owl": "xml", ".rdf": "xml", ".xml": "xml", ".nt": "nt", ".jsonld": "json-ld"}
VERSION_SEGMENT = re.compile(r"/(v?\d+(\.\d+)+([-.][A-Za-z0-9]+)*|releases/\d{4}-\d{2}-\d{2})(?=/|$)")
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel)
EXIT_OK, EXIT_PROBLEM, EXIT_UNUSABLE, EXIT_TIME_LIMIT = 0, 1, 2, 3
SATISFIABILITY, CLASSIFY = "satisfiability", "classify"


class MergeInputError(BuildError):
    """An input cannot be used: unreadable file, bad catalog, import that resolves nowhere."""


def version_free(iri: str) -> str:
    return VERSION_SEGMENT.sub("", iri.rstrip("/#"))


def parse_rdf(path: Path) -> Graph:
    fmt = RDF_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise MergeInputError(Problem(str(path), None, None,
                                      f"unknown RDF file type '{path.suffix}' (use one of {', '.join(RDF_SUFFIXES)})"))
    graph = Graph()
    try:
        graph.parse(path, format=fmt)
    except FileNotFoundError:
        raise MergeInputError(Problem(str(path), None, None, "no such file"))
    except Exception as error:  # the parsers raise many types
        if fmt == "xml":  # .owl files are often Turtle in disguise
            try:
                return Graph().parse(path, format="turtle")
            except Exception:
                pass
        raise MergeInputError(Problem(str(path), None, None, f"does not parse as {fmt}: {error}"))
    return graph


class Resolver:
    """Import IRI -> local file, from XML catalogs and indexed folders; parsed graphs are cached."""

    def __init__(self):
        self.entries: dict[str, Path] = {}
        self.by_version_free: dict[str, set[Path]] = {}
        self.graphs: dict[Path, Graph] = {}
        self.ignored_remote: list[str] = []

    def _add(self, iri: str, path: Path) -> None:
        self.entries.setdefault(iri.rstrip("/#"), path)
        self.by_version_free.setdefault(version_free(iri), set()).add(path)

    def add_catalog(self, catalog: Path) -> None:
        try:
            root = ET.parse(catalog).getroot()
        except (OSError, ET.ParseError) as error:
            raise MergeInputError(Problem(str(catalog), None, None, f"is not a readable XML catalog: {error}"))
        for entry in root.iter(f"{CATALOG_NS}uri"):
            name, target = entry.get("name"), entry.get("uri")
            if not name or not target:
                continue
            scheme = urlparse(target).scheme
            if scheme in ("http", "https", "ftp"):
                self.ignored_remote.append(target)  # never fetched
                continue
            path = Path(unquote(urlparse(target).path)) if scheme == "file" else catalog.parent / target
            if path.is_file():
                self._add(name, path.resolve())

    def add_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            raise MergeInputError(Problem(str(folder), None, None, "is not a folder"))
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in RDF_SUFFIXES and path.is_file() and path.suffix.lower() != ".xml":
                for iri in self.ontology_iris(path.resolve()):
                    self._add(iri, path.resolve())

    def graph(self, path: Path) -> Graph:
        if path not in self.graphs:
            self.graphs[path] = parse_rdf(path)
        return self.graphs[path]

    def ontology_iris(self, path: Path) -> list[str]:
        graph = self.graph(path)
        iris = []
        for ontology in graph.subjects(RDF.type, OWL.Ontology):
            if isinstance(ontology, URIRef):
                iris.append(str(ontology))
                iris.extend(str(v) for v in graph.objects(ontology, OWL.versionIRI))
        return iris

    def resolve(self, iri: str) -> tuple[Path | None, str]:
        """(file, how) — how is 'catalog' or 'substituted' (another stored version)."""
        exact = self.entries.get(iri.rstrip("/#"))
        if exact:
            return exact, "catalog"
        candidates = self.by_version_free.get(version_free(iri), set())
        if len(candidates) == 1:
            return next(iter(candidates)), "substituted"
        return None, "ambiguous" if candidates else "missing"


@dataclass
class MergeReport:
    files: list[str] = field(default_factory=list)
    substitutions: list[dict] = field(default_factory=list)
    triples: int = 0
    logical_triples: int = 0
    classes: int = 0
    ours: int = 0  # ssbonto classes in the merge
    reasoning: str = SATISFIABILITY
    consistent: bool | None = None
    time_limit: float | None = None
    timed_out: bool = False
    # satisfiability: the ssbonto classes whose satisfiability HermiT decided; other ontologies' classes
    # are not tested, so `unsatisfiable` only ever holds ours. classify: every class is decided.
    tested_ours: list[str] = field(default_factory=list)
    joint_test: bool | None = None  # satisfiability: all of ours decided by one joint test (else one per class)
    unsatisfiable: list[str] = field(default_factory=list)
    unsatisfiable_ours: list[str] = field(default_factory=list)
    label_clashes: list[dict] = field(default_factory=list)
    placements: dict[str, list[str]] = field(default_factory=dict)
    placements_inferred: bool = False  # False: asserted subClassOf chains only
    seconds: dict[str, float] = field(default_factory=dict)
    output: str | None = None

    @property
    def exit_code(self) -> int:
        if self.consistent is False or self.unsatisfiable_ours:
            return EXIT_PROBLEM  # decided even when the time limit cut the rest short
        return EXIT_TIME_LIMIT if self.timed_out else EXIT_OK

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    def text(self, clash_limit: int = 40) -> str:
        lines = [f"merged {len(self.files)} files: {self.triples} triples ({self.logical_triples} logical), "
                 f"{self.classes} classes"]
        for s in self.substitutions:
            lines.append(f"  import <{s['import']}> taken from {s['file']} (another version)")
        if self.reasoning == SATISFIABILITY:
            lines.append(f"reasoning: satisfiability (HermiT: consistency, then each of the {self.ours} ssbonto "
                         "classes; other ontologies' classes are not tested, --reasoning classify does that)")
        else:
            lines.append(f"reasoning: classify (HermiT classifies all {self.classes} classes)")
        if self.consistent is None:
            lines.append(f"HermiT ran out of its time limit ({self.time_limit:g} s): consistency is UNDECIDED")
        else:
            lines.append(f"consistent: {'yes' if self.consistent else 'NO'}")
        if self.consistent and self.reasoning == SATISFIABILITY:
            how = ": one joint test" if self.joint_test else ", one test each" if self.joint_test is False else ""
            lines.append(f"unsatisfiable ssbonto classes: {len(self.unsatisfiable_ours)} "
                         f"({len(self.tested_ours)} of {self.ours} tested{how})")
            if self.timed_out:
                lines.append(f"HermiT ran out of its time limit ({self.time_limit:g} s): "
                             f"{self.ours - len(self.tested_ours)} ssbonto classes are UNDECIDED")
        elif self.consistent:
            lines.append(f"unsatisfiable classes: {len(self.unsatisfiable)} "
                         f"({len(self.unsatisfiable_ours)} of ssbonto)")
        lines.extend(f"  {iri}" for iri in self.unsatisfiable[:50])
        lines.append(f"label clashes across ontologies: {len(self.label_clashes)}")
        for clash in self.label_clashes[:clash_limit]:
            terms = ", ".join(f"<{t['iri']}>" for t in clash["terms"])
            lines.append(f"  '{clash['label']}': {terms}{' (aligned)' if clash['aligned'] else ''}")
        if len(self.label_clashes) > clash_limit:
            lines.append(f"  ... {len(self.label_clashes) - clash_limit} more (see --json)")
        placed = {k: v for k, v in self.placements.items() if v}
        how = "inferred" if self.placements_inferred else \
            "asserted subClassOf chains only; --reasoning classify infers them"
        if self.placements or self.consistent:
            lines.append(f"ssbonto classes placed under other ontologies' classes ({how}): {len(placed)} of "
                         f"{len(self.placements)}")
        else:
            lines.append("ssbonto classes placed under other ontologies' classes: not computed (no classification)")
        for ours, parents in sorted(placed.items()):
            lines.append(f"  {ours[len(str(SSB)):]} -> " + ", ".join(f"<{p}>" for p in parents))
        lines.append("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in self.seconds.items()))
        return "\n".join(lines) + "\n"


def namespace_of(iri: str) -> str:
    """The ontology a term belongs to, by its namespace (OBO terms by their ID prefix)."""
    if iri.startswith("http://purl.obolibrary.org/obo/"):
        return iri.rsplit("_", 1)[0]
    for separator in ("#", "/"):
        if separator in iri:
            return iri.rsplit(separator, 1)[0] + separator
    return iri


def normalized(label: str) -> str:
    return re.sub(r"[^0-9a-z]", "", label.casefold())


def label_clashes(graph: Graph, aligned_pairs: set[frozenset]) -> list[dict]:
    """Labels (rdfs:label, skos:prefLabel; English or untagged) that name terms of different ontologies."""
    groups: dict[str, dict[str, str]] = {}
    for prop in LABEL_PROPERTIES:
        for term, label in graph.subject_objects(prop):
            if not isinstance(term, URIRef) or not isinstance(label, Literal):
                continue
            if label.language not in (None, "en") or not normalized(str(label)):
                continue
            groups.setdefault(normalized(str(label)), {}).setdefault(str(term), str(label))
    clashes = []
    for key, terms in sorted(groups.items()):
        if len({namespace_of(t) for t in terms}) < 2:
            continue
        iris = sorted(terms)
        aligned = any(frozenset((a, b)) in aligned_pairs for a in iris for b in iris if a < b)
        clashes.append({"label": terms[iris[0]], "terms": [{"iri": t, "label": terms[t]} for t in iris],
                        "involves_ssbonto": any(t.startswith(str(SSB)) for t in iris), "aligned": aligned})
    clashes.sort(key=lambda c: (not c["involves_ssbonto"], c["label"].casefold()))
    return clashes


def collect(roots: list[Path], resolver: Resolver, allow_missing: bool) -> tuple[list[Path], list[dict], list[str]]:
    """The import closure of the roots: files in load order, substitutions, unresolved imports."""
    order: list[Path] = []
    seen: set[Path] = set()
    substitutions, unresolved = [], []
    frontier = [root.resolve() for root in roots]
    while frontier:
        path = frontier.pop(0)
        if path in seen:
            continue
        seen.add(path)
        order.append(path)
        graph = resolver.graph(path)
        for imported in sorted(set(graph.objects(None, OWL.imports)), key=str):
            target, how = resolver.resolve(str(imported))
            if target is None:
                unresolved.append(f"{imported} (imported by {path}; {how})")
                continue
            if how == "substituted":
                substitutions.append({"import": str(imported), "file": str(target), "importer": str(path)})
            if target not in seen:
                frontier.append(target)
    if unresolved and not allow_missing:
        raise MergeInputError([Problem("owl:imports", None, None,
                                       f"<{u}> resolves to no local file: add an XML catalog (--catalog) or a "
                                       f"folder (--search) that holds it, or pass --allow-missing-imports")
                               for u in unresolved])
    return order, substitutions, unresolved


def merged_graph(files: list[Path], resolver: Resolver) -> Graph:
    """Union of the files, without their ontology headers and imports, under one new header."""
    merged = Graph()
    headers = set()
    for path in files:
        graph = resolver.graph(path)
        headers |= {o for o in graph.subjects(RDF.type, OWL.Ontology)}
        merged += graph
    for header in headers:
        merged.remove((header, None, None))
    merged.remove((None, OWL.imports, None))
    merged.add((MERGED_IRI, RDF.type, OWL.Ontology))
    merged.add((MERGED_IRI, RDFS.comment, Literal("ssbonto merged with: " + ", ".join(p.name for p in files), lang="en")))
    for header in sorted(headers, key=str):
        if isinstance(header, URIRef):
            merged.add((MERGED_IRI, PROV.wasDerivedFrom, header))
    merged.add((PROV.wasDerivedFrom, RDF.type, OWL.AnnotationProperty))
    return merged


def classify(graph: Graph, time_limit: float | None) -> tuple[bool | None, list[str], dict[str, list[str]]]:
    """Full classification: (consistent or None when out of time, unsatisfiable IRIs, inferred placements)."""
    try:
        with hermit(graph, time_limit, ignore_unsupported_datatypes=True) as (outcome, world):
            if outcome == "inconsistent":
                return False, [], {}
            if outcome == "timeout":
                return None, [], {}
            return True, unsatisfiable_classes(world), placements(world)
    except BuildError as error:  # no Java
        raise MergeInputError(error.problems)


def placements(world) -> dict[str, list[str]]:
    """For every ssbonto class, its most specific (inferred) superclasses outside ssbonto."""
    ours = [c for c in world.classes() if c.iri.startswith(str(SSB))]
    result = {}
    for cls in sorted(ours, key=lambda c: c.iri):
        foreign = {a for a in cls.ancestors() if hasattr(a, "iri") and not a.iri.startswith(str(SSB))
                   and a.iri != str(OWL.Thing)}
        most_specific = [a for a in foreign if not any(a in b.ancestors() and a is not b for b in foreign)]
        result[cls.iri] = sorted(a.iri for a in most_specific)
    return result


def asserted_placements(graph: Graph, ours: list[URIRef]) -> dict[str, list[str]]:
    """For every ssbonto class, its most specific superclasses outside ssbonto along asserted axioms only
    (rdfs:subClassOf, owl:equivalentClass, named conjuncts of owl:intersectionOf): each is entailed,
    but the ones only reasoning finds are missing."""
    def named_parents(cls) -> set:
        parents = set()
        for prop in (RDFS.subClassOf, OWL.equivalentClass):
            for expression in graph.objects(cls, prop):
                parents.add(expression)
                for conjuncts in graph.objects(expression, OWL.intersectionOf):
                    parents.update(Collection(graph, conjuncts))
        parents.update(graph.subjects(OWL.equivalentClass, cls))
        return {p for p in parents if isinstance(p, URIRef) and p not in (cls, OWL.Thing)}

    ancestors: dict = {}

    def ancestors_of(cls) -> set:
        if cls not in ancestors:
            found, frontier = set(), [cls]
            while frontier:
                for parent in named_parents(frontier.pop()):
                    if parent not in found:
                        found.add(parent)
                        frontier.append(parent)
            ancestors[cls] = found - {cls}
        return ancestors[cls]

    result = {}
    for cls in sorted(ours, key=str):
        foreign = {a for a in ancestors_of(cls) if not str(a).startswith(str(SSB))}
        # drop a class above another one, unless the two are equivalent
        most_specific = [a for a in foreign
                         if not any(a in ancestors_of(b) and b not in ancestors_of(a) for b in foreign if b != a)]
        result[str(cls)] = sorted(str(a) for a in most_specific)
    return result


def merge(with_files: list[Path], sources: Path, catalogs: list[Path] = (), search: list[Path] = (),
          time_limit: float | None = 600, output: Path | None = None, allow_missing_imports: bool = False,
          log=lambda message: None, reasoning: str = SATISFIABILITY) -> MergeReport:
    if reasoning not in (SATISFIABILITY, CLASSIFY):
        raise MergeInputError(Problem("--reasoning", None, None, f"'{reasoning}' is not one of {SATISFIABILITY}, "
                                                                 f"{CLASSIFY}"))
    if time_limit is not None and time_limit <= 0:
        raise MergeInputError(Problem("--time-limit", None, None, f"{time_limit:g} is not a number of seconds above 0"))
    report = MergeReport(time_limit=time_limit, reasoning=reasoning)
    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        report.seconds[name] = round(now - started, 2)
        started = now
        log(f"  {name}: {report.seconds[name]:.1f} s")

    resolver = Resolver()
    resolver.add_catalog(sources / alignments.CATALOG)
    for catalog in catalogs:
        resolver.add_catalog(catalog)
    for path in with_files:
        if not path.is_file():
            raise MergeInputError(Problem(str(path), None, None, "no such file"))
        beside = path.parent / "catalog-v001.xml"
        if beside.is_file():
            resolver.add_catalog(beside)
    for folder in search:
        resolver.add_folder(folder)
    step("index catalogs and folders")
    roots = [sources / "ontology" / "ssbonto.ttl", sources / alignments.MODULE, *with_files]
    files, report.substitutions, _ = collect(roots, resolver, allow_missing_imports)
    report.files = [str(p) for p in files]
    graph = merged_graph(files, resolver)
    report.triples = len(graph)
    classes = {c for c in graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    report.classes = len(classes)
    ours = sorted(c for c in classes if str(c).startswith(str(SSB)))
    report.ours = len(ours)
    step("load and merge")
    aligned = {frozenset((str(m.subject), str(m.object))) for m in alignments.load_mappings(sources)
               if m.object is not None and not m.negated}
    report.label_clashes = label_clashes(graph, aligned)
    step("label clashes")
    if output:
        write_merged(graph, output)
        report.output = str(output)
        step("write merged ontology")
    logical = logical_triples(graph)
    report.logical_triples = len(logical)
    if reasoning == CLASSIFY:
        report.consistent, report.unsatisfiable, report.placements = classify(graph, time_limit)
        report.timed_out = report.consistent is None
        report.placements_inferred = True
        step("reason (HermiT, classify)")
    else:
        try:
            result = satisfiability.check(logical, str(SSB), time_limit)
        except BuildError as error:  # no Java, or HermiT refused the input
            raise MergeInputError(error.problems)
        report.consistent, report.timed_out = result.consistent, result.timed_out
        report.tested_ours, report.unsatisfiable, report.joint_test = result.checked, result.unsatisfiable, result.joint
        step("reason (HermiT, satisfiability)")
        for name, seconds in result.seconds.items():
            report.seconds[f"reason: {name}"] = seconds
        report.placements = asserted_placements(graph, ours)
        step("asserted placements")
    report.unsatisfiable_ours = [iri for iri in report.unsatisfiable if iri.startswith(str(SSB))]
    return report


def write_merged(graph: Graph, output: Path) -> None:
    fmt = RDF_SUFFIXES.get(output.suffix.lower())
    if fmt is None or fmt == "json-ld":
        raise MergeInputError(Problem(str(output), None, None, "write the merged ontology as .owl/.rdf (RDF/XML), "
                                                               ".ttl or .nt"))
    output.parent.mkdir(parents=True, exist_ok=True)
    graph.serialize(output, format=fmt, encoding="utf-8")
