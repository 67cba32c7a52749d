"""Import modules: for each reference ontology ssbonto is aligned with, the terms the alignments use,
with their ancestors and the axioms between them, in ontology/imports/<module>.ttl.

This follows the ontology development kit: a module is what `robot extract --method BOT` makes — a
syntactic locality-based module (the OWL API's SyntacticLocalityModuleExtractor, BOT) of the
reference files for a seed signature — plus the labels and definitions of every entity in it. The
modules let the alignments be checked and ssbonto be merged from a bare clone, without the full
reference files; `ssbonto imports refresh --from DIR` makes them again from new releases of the
reference ontologies. ontology/imports/imports.tsv says, per module, where its seeds come from,
which files it is extracted from, and the source's IRI, version, licence and release.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from ..build.tables import read_table
from ..errors import BuildError, Problem
from ..namespaces import BASE
from . import alignments, owlapi

IMPORTS = Path("ontology") / "imports"
REGISTRY = IMPORTS / "imports.tsv"
COLUMNS = ["module", "seeds", "method", "files", "ontology", "version", "license", "release"]
METHODS = ("bot", "description")
MODULE_BASE = BASE + "imports/"
# what a module keeps of its entities besides the logical axioms: names and definitions
KEPT_ANNOTATIONS = {
    str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.definition), str(RDFS.comment),
    "http://purl.obolibrary.org/obo/IAO_0000115",  # OBO definition
    "https://w3id.org/emmo#EMMO_967080e5_2f42_4eb2_a3a9_c58143e835f9",  # EMMO elucidation
    "https://w3id.org/emmo#EMMO_70fe84ff_99b6_4206_a9fc_9a8931836d84",  # EMMO definition
}


@dataclass(frozen=True)
class ImportModule:
    line: int
    name: str
    seeds: str
    method: str
    files: tuple[str, ...]
    ontology: str
    version: str
    license: str
    release: str

    @property
    def path(self) -> Path:
        return IMPORTS / f"{self.name}.ttl"

    @property
    def iri(self) -> str:
        return MODULE_BASE + self.name


def registry(sources: Path) -> list[ImportModule]:
    modules = []
    for row in read_table(sources / REGISTRY, COLUMNS, sources):
        modules.append(ImportModule(row.line, row.slug("module"), row.text("seeds", True),
                                    row.choice("method", set(METHODS), "extraction method", required=True),
                                    tuple(row.values("files", True)), row.text("ontology", True),
                                    row.text("version", True), row.text("license", True), row.text("release", True)))
        if row.problems:
            raise BuildError(row.problems)
    return modules


def seed_iris(module: ImportModule, sources: Path) -> list[str]:
    """The signature the module is extracted for."""
    if module.seeds == "units":
        units = read_table(sources / "ontology" / "units.tsv", ["unit", "label", "symbol", "quantity_kinds"], sources)
        return sorted("http://qudt.org/vocab/unit/" + row.text("unit", True) for row in units)
    kind, _, source = module.seeds.partition(":")
    if kind != "sssom" or not source:
        raise BuildError(Problem(str(REGISTRY), module.line, "seeds",
                                 f"{module.seeds!r} is neither 'units' nor 'sssom:<object_source>'"))
    seeds = sorted({str(m.object) for m in alignments.load_mappings(sources) if m.source == source and not m.no_match})
    if not seeds:
        raise BuildError(Problem(str(REGISTRY), module.line, "seeds",
                                 f"no mapping of ontology/alignments/ssbonto.sssom.tsv has object_source {source}"))
    return seeds


def reference_files(module: ImportModule, reference_dir: Path) -> list[Path]:
    files = []
    for relative in module.files:
        path = reference_dir / relative
        if path.is_dir():
            files += sorted(path.rglob("*.ttl"))
        elif path.is_file():
            files.append(path)
        else:
            raise BuildError(Problem(str(REGISTRY), module.line, "files", f"{path} does not exist"))
    return files


def read_files(files: list[Path], parsed: dict[Path, Graph] | None = None) -> Graph:
    """The reference files as one graph, without their ontology headers and imports (nothing is
    fetched); `parsed` keeps each file's graph for the next module that reads it (EMMO, three times)."""
    parsed = {} if parsed is None else parsed
    graph = Graph()
    for path in files:
        if path not in parsed:
            try:
                parsed[path] = Graph().parse(path, format="turtle")
            except Exception as error:  # rdflib's parsers raise many types
                raise BuildError(Problem(str(path), None, None, f"does not parse as Turtle: {error}"))
        graph += parsed[path]
    # the sources' own headers: which of several the OWL API takes for the ontology would depend on
    # parse order, and the module gets a header of its own
    for header in list(graph.subjects(RDF.type, OWL.Ontology)):
        graph.remove((header, None, None))
    return graph


def describe(source: Graph, seeds: list[str]) -> tuple[Graph, list[str]]:
    """Each seed's own statements (blank nodes followed) and the labels of the IRIs they name."""
    described, missing = Graph(), []
    for iri in seeds:
        node = URIRef(iri)
        if (node, None, None) not in source:
            missing.append(iri)
        pending, seen = [node], set()
        while pending:
            subject = pending.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for s, p, o in source.triples((subject, None, None)):
                described.add((s, p, o))
                if isinstance(o, BNode):
                    pending.append(o)
    for named in {o for o in described.objects() if isinstance(o, URIRef)} - {URIRef(i) for i in seeds}:
        for label in source.objects(named, RDFS.label):
            described.add((named, RDFS.label, label))
    return described, missing


def extract_bot(source: Graph, seeds: list[str], scratch: Path) -> tuple[Graph, list[str]]:
    """The BOT module of `source` for `seeds`, with the kept annotations of its entities; also the
    seeds the source does not hold."""
    owlapi.start("imports")
    from java.io import File
    from java.util import HashSet
    from org.semanticweb.owlapi.apibinding import OWLManager
    from org.semanticweb.owlapi.io import RDFXMLOntologyFormat
    from org.semanticweb.owlapi.model import IRI
    from uk.ac.manchester.cs.owlapi.modularity import ModuleType, SyntacticLocalityModuleExtractor

    document = scratch / "source.owl"
    source.serialize(document, format="xml", encoding="utf-8")
    manager = OWLManager.createOWLOntologyManager()
    ontology = manager.loadOntologyFromOntologyDocument(File(str(document)))
    signature, missing = HashSet(), []
    for iri in seeds:
        entities = ontology.getEntitiesInSignature(IRI.create(iri))
        if entities.isEmpty():
            missing.append(iri)
        for entity in entities:
            signature.add(entity)
    axioms = SyntacticLocalityModuleExtractor(manager, ontology, ModuleType.BOT).extract(signature)
    module = manager.createOntology(IRI.create("urn:ssbonto:module"))
    manager.addAxioms(module, axioms)
    for entity in module.getSignature():
        for axiom in ontology.getAnnotationAssertionAxioms(entity.getIRI()):
            if str(axiom.getProperty().getIRI().toString()) in KEPT_ANNOTATIONS:
                manager.addAxiom(module, axiom)
    written = scratch / "module.owl"
    manager.saveOntology(module, RDFXMLOntologyFormat(), IRI.create(written.as_uri()))
    manager.removeOntology(module)
    manager.removeOntology(ontology)
    graph = Graph().parse(written, format="xml")
    graph.remove((URIRef("urn:ssbonto:module"), None, None))
    return graph, missing


def stable_blank_node_names(graph: Graph) -> dict[BNode, BNode]:
    """A name for every blank node from what it says and where it hangs, so that the writer orders
    them the same way every run (rdflib's full canonicalization took most of a refresh). The blank
    nodes of OWL's RDF mapping form trees: a node is named by its parent's name, the predicate it
    hangs from and the digest of its own subtree; identical siblings are interchangeable and numbered."""
    subtree: dict[BNode, str] = {}

    def digest(node: BNode, path: frozenset) -> str:
        if node not in subtree:
            parts = sorted(f"{p.n3()} {digest(o, path | {node}) if isinstance(o, BNode) and o not in path else o.n3()}"
                           for p, o in graph.predicate_objects(node))
            subtree[node] = hashlib.sha1("\n".join(parts).encode()).hexdigest()
        return subtree[node]

    names: dict[BNode, BNode] = {}
    taken: dict[str, int] = {}

    def name(node: BNode, parent: str) -> None:
        if node in names:
            return
        base = hashlib.sha1(f"{parent} {digest(node, frozenset())}".encode()).hexdigest()[:16]
        taken[base] = taken.get(base, 0) + 1
        names[node] = BNode(f"m{base}" + (f"x{taken[base]}" if taken[base] > 1 else ""))
        for p, o in sorted(graph.predicate_objects(node), key=lambda po: (str(po[0]), digest_of(po[1]))):
            if isinstance(o, BNode):
                name(o, f"{names[node]} {p}")

    def digest_of(term) -> str:
        return digest(term, frozenset()) if isinstance(term, BNode) else term.n3()

    hanging = {o for o in graph.objects() if isinstance(o, BNode)}
    for s, p, o in sorted(((s, p, o) for s, p, o in graph if isinstance(o, BNode) and not isinstance(s, BNode)),
                          key=lambda t: (t[0].n3(), str(t[1]), digest_of(t[2]))):
        name(o, f"{s.n3()} {p}")
    for root in sorted({s for s in graph.subjects() if isinstance(s, BNode)} - hanging, key=digest_of):
        name(root, "")
    for node in sorted(set(subtree) | {o for o in hanging}, key=digest_of):  # anything left (a cycle)
        name(node, "cycle")
    return names


def module_graph(module: ImportModule, sources: Path, reference_dir: Path,
                 parsed: dict[Path, Graph] | None = None) -> Graph:
    seeds = seed_iris(module, sources)
    files = reference_files(module, reference_dir)
    source = read_files(files, parsed)
    if module.method == "description":
        extracted, missing = describe(source, seeds)
    else:
        with tempfile.TemporaryDirectory(prefix="ssbonto-imports-") as tmp:
            extracted, missing = extract_bot(source, seeds, Path(tmp))
    if missing:
        raise BuildError(Problem(str(REGISTRY), module.line, "files",
                                 f"{len(missing)} seed(s) are not in {', '.join(module.files)}: {', '.join(missing[:5])}"))
    graph = Graph()
    for prefix, namespace in alignments.ALIGNED_PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("dcterms", DCTERMS)
    graph.bind("prov", PROV)
    names = stable_blank_node_names(extracted)  # the same module writes the same bytes every time
    for s, p, o in extracted:
        graph.add((names.get(s, s), p, names.get(o, o)))
    # prefixes for every namespace the Turtle writer will abbreviate, named in a fixed order
    # (rdflib would name them ns1, ns2 … in the order it meets them, which changes from run to run)
    for iri in sorted({p for p in graph.predicates()} | {o for o in graph.objects(None, RDF.type)}, key=str):
        if isinstance(iri, URIRef):
            try:
                graph.namespace_manager.compute_qname(str(iri), generate=True)
            except ValueError:
                pass
    header = URIRef(module.iri)
    graph.add((header, RDF.type, OWL.Ontology))
    graph.add((header, DCTERMS.title, Literal(f"{module.name}: the terms of {module.ontology} ssbonto is aligned with",
                                             lang="en")))
    graph.add((header, DCTERMS.source, URIRef(module.ontology)))
    graph.add((header, OWL.versionInfo, Literal(module.version)))
    graph.add((header, DCTERMS.license, URIRef(module.license)))
    graph.add((header, PROV.wasDerivedFrom, URIRef(module.release)))
    checksums = "; ".join(f"{path.relative_to(reference_dir).as_posix()} sha256 "
                          f"{hashlib.sha256(path.read_bytes()).hexdigest()}" for path in files)
    how = ("A BOT locality-based module (OWL API SyntacticLocalityModuleExtractor, as `robot extract --method BOT`) "
           f"for {len(seeds)} seed terms ({module.seeds}), with the labels and definitions of every entity in it."
           if module.method == "bot" else
           f"The statements about {len(seeds)} seed terms ({module.seeds}), with the labels of what they name.")
    graph.add((header, RDFS.comment, Literal(
        f"{how} Extracted from: {checksums}. Generated by `ssbonto imports refresh --from DIR`: do not edit.",
        lang="en")))
    return graph


def module_turtle(graph: Graph) -> bytes:
    return (b"# GENERATED by `ssbonto imports refresh --from DIR` (ssbonto.interop.imports): do not edit.\n"
            + graph.serialize(format="turtle", encoding="utf-8"))


def refresh(sources: Path, reference_dir: Path, only: list[str] | None = None, output: Path | None = None,
            log=lambda message: None) -> list[Path]:
    """Extract every module (or those named in `only`) and write it; returns the files written."""
    modules = registry(sources)
    unknown = sorted(set(only or []) - {m.name for m in modules})
    if unknown:
        raise BuildError(Problem(str(REGISTRY), None, "module", f"no module named {', '.join(unknown)}; "
                                                                f"known: {', '.join(m.name for m in modules)}"))
    written, parsed = [], {}
    for module in modules:
        if only and module.name not in only:
            continue
        graph = module_graph(module, sources, reference_dir, parsed)
        target = (output or sources / IMPORTS) / f"{module.name}.ttl"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(module_turtle(graph))
        log(f"wrote {target}: {len(graph)} triples")
        written.append(target)
    return written
