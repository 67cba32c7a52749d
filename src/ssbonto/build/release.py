"""Release artifacts: serializations, the JSON-LD context, VoID statistics and checksums.

Every artifact is a pure function of the graphs it is given (blank nodes canonicalized, output
sorted, gzip without timestamps), so the same sources give byte-identical releases.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyld import jsonld
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, VOID, XSD

from ..layout import CHECKSUM_FILE, CONTEXT_FILE, DATASET_DUMP, MANIFEST_FILE, VOID_FILE
from ..namespaces import (BASE, INFERRED_GRAPH, KNOWLEDGE_GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES,
                         SSB, bind_prefixes)
from ..prefixes import ALIGNED_PREFIXES

# name -> (rdflib format, media type); the asserted graph (ontology + knowledge graph)
GRAPH_FORMATS = {
    "ssbonto.ttl": ("turtle", "text/turtle"),
    "ssbonto.nt": ("nt", "application/n-triples"),
    "ssbonto.rdf": ("xml", "application/rdf+xml"),
    "ssbonto.jsonld": ("json-ld", "application/ld+json"),
}
DATASET_FORMATS = {
    "ssbonto.nq": ("nquads", "application/n-quads"),
    "ssbonto.trig": ("trig", "application/trig"),
}
EXPORT_FORMATS = {"ttl": "ssbonto.ttl", "nt": "ssbonto.nt", "jsonld": "ssbonto.jsonld",
                  "rdfxml": "ssbonto.rdf", "nq": "ssbonto.nq", "trig": "ssbonto.trig"}


@dataclass
class ReleaseGraphs:
    ontology: Graph
    knowledge: Graph
    inferred: Graph
    version: str

    def canonicalized(self) -> "ReleaseGraphs":
        return ReleaseGraphs(canonical(self.ontology, "o"), canonical(self.knowledge, "k"),
                             canonical(self.inferred, "i"), self.version)

    def triple_counts(self) -> dict[str, int]:
        """Every count of triples ssbonto shows, defined once: `asserted` is the ontology plus the
        knowledge graph (what the dumps hold; the two graphs share no triple), `inferred` what HermiT
        added, counted apart."""
        return {"ontology": len(self.ontology), "kg": len(self.knowledge), "asserted": len(self.asserted()),
                "inferred": len(self.inferred)}

    def asserted(self) -> Graph:
        graph = bind_prefixes(Graph())
        graph += self.ontology
        graph += self.knowledge
        return graph


def canonical(graph: Graph, prefix: str) -> Graph:
    """Blank nodes relabelled from the graph's content (prefixed, so that labels of two graphs
    never meet), which makes every serialization reproducible."""
    result = bind_prefixes(Graph())

    def relabel(term):
        return BNode(prefix + str(term)) if isinstance(term, BNode) else term

    for s, p, o in to_canonical_graph(graph):
        result.add((relabel(s), p, relabel(o)))
    return result


def sorted_ntriples(graph: Graph) -> str:
    lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return "".join(sorted(f"{line}\n" for line in lines if line.strip()))


def context_for(ontology: Graph, version: str) -> dict:
    """A JSON-LD context with readable keys: prefixes, and every term of ours by its local name."""
    terms: dict = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}
    terms.update({prefix: ns for prefix, ns in ALIGNED_PREFIXES.items() if prefix not in terms})
    terms["label"] = {"@id": str(RDFS.label), "@container": "@set"}
    terms["type"] = "@type"
    for cls in sorted(set(ontology.subjects(RDF.type, OWL.Class))):
        if isinstance(cls, URIRef) and str(cls).startswith(str(SSB)):
            terms[str(cls)[len(str(SSB)):]] = str(cls)
    for prop in sorted(set(ontology.subjects(RDF.type, OWL.ObjectProperty))):
        if str(prop).startswith(str(SSB)):
            terms[str(prop)[len(str(SSB)):]] = {"@id": str(prop), "@type": "@id"}
    for kind in (OWL.DatatypeProperty, OWL.AnnotationProperty):
        for prop in sorted(set(ontology.subjects(RDF.type, kind))):
            if str(prop).startswith(str(SSB)):
                terms[str(prop)[len(str(SSB)):]] = str(prop)
    return {"@context": terms,
            "@id": f"{BASE}context/{version}.jsonld",
            "comment": f"JSON-LD context of ssbonto {version}"}


def jsonld_document(graph: Graph, context: dict) -> str:
    """Compact JSON-LD: rdflib writes the expanded form (fast, and safe without a context), pyld
    compacts it (rdflib's own compaction drops triples when a "@type": "@id" term meets a blank
    node; pyld's from_rdf would take ~20 s on this graph)."""
    expanded = _normalized_expanded(json.loads(graph.serialize(format="json-ld")))
    compacted = jsonld.compact(expanded, context["@context"])
    nodes = compacted.get("@graph", [])
    nodes.sort(key=lambda node: node.get("@id", ""))
    compacted["@graph"] = nodes
    return json.dumps(compacted, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _normalized_expanded(nodes: list) -> list:
    """Expanded JSON-LD in a stable order (rdflib's follows hash order), with blank-node types
    written as JSON-LD wants them (rdflib writes {"@id": "_:b"} where "_:b" belongs)."""
    for node in nodes:
        types = node.get("@type")
        if isinstance(types, list):
            node["@type"] = sorted(t["@id"] if isinstance(t, dict) else t for t in types)
        for key, values in node.items():
            if key != "@type" and isinstance(values, list):  # the members of an "@list" keep their order
                values.sort(key=lambda value: json.dumps(value, sort_keys=True, ensure_ascii=False))
    return sorted(nodes, key=lambda node: node.get("@id", ""))


def rdf_xml(ntriples: str) -> bytes:
    """RDF/XML written by Oxigraph in the order of the sorted N-Triples (rdflib's writer follows
    hash order, so its output changes from run to run)."""
    triples = ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.RDF_XML,
                        prefixes={prefix: str(ns) for prefix, ns in PREFIXES.items()})


def dataset_of(graphs: ReleaseGraphs) -> Dataset:
    dataset = Dataset()
    for prefix, ns in PREFIXES.items():
        dataset.bind(prefix, ns)
    for name, graph in ((ONTOLOGY_GRAPH, graphs.ontology), (KNOWLEDGE_GRAPH, graphs.knowledge),
                        (INFERRED_GRAPH, graphs.inferred)):
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    return dataset


def trig_document(graphs: ReleaseGraphs) -> bytes:
    """TriG with the named graphs in a fixed order (rdflib orders a Dataset's graphs by string hash,
    which changes from one process to the next): each graph written on its own, prefixes once."""
    prefixes: set[str] = set()
    bodies: list[str] = []
    for name, graph in ((ONTOLOGY_GRAPH, graphs.ontology), (KNOWLEDGE_GRAPH, graphs.knowledge),
                        (INFERRED_GRAPH, graphs.inferred)):
        one = Dataset()
        for prefix, ns in PREFIXES.items():
            one.bind(prefix, ns)
        named = one.graph(name)
        for triple in graph:
            named.add(triple)
        lines = one.serialize(format="trig").splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix "))
        bodies.append("\n".join(line for line in lines if not line.startswith("@prefix ")).strip("\n"))
    return ("\n".join(sorted(prefixes)) + "\n\n" + "\n\n".join(bodies) + "\n").encode("utf-8")


def sorted_nquads(dataset: Dataset) -> str:
    lines = dataset.serialize(format="nquads", encoding="utf-8").decode("utf-8").splitlines()
    return "".join(sorted(f"{line}\n" for line in lines if line.strip()))


def void_description(graphs: ReleaseGraphs, asserted: Graph, files: list[str], earlier: list[str] = ()) -> Graph:
    void = bind_prefixes(Graph())
    dataset = URIRef(BASE + "void#ssbonto")
    void.add((dataset, RDF.type, VOID.Dataset))
    void.add((dataset, DCTERMS.title, Literal("ssbonto knowledge graph", lang="en")))
    void.add((dataset, DCTERMS.description, Literal(
        "Characterization techniques for solid-state battery research, curated from the review "
        "'Advanced characterization techniques for solid state lithium battery research'.", lang="en")))
    void.add((dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    void.add((dataset, VOID.uriSpace, Literal(BASE)))
    void.add((dataset, VOID.vocabulary, URIRef(str(SSB))))
    void.add((dataset, VOID.sparqlEndpoint, URIRef(BASE + "sparql")))
    void.add((dataset, VOID.rootResource, ONTOLOGY_IRI))
    void.add((dataset, OWL.versionInfo, Literal(graphs.version)))
    for name in files:
        void.add((dataset, VOID.dataDump, URIRef(f"{BASE}release/{graphs.version}/{name}")))
    _void_statistics(void, dataset, asserted)
    for version in earlier:  # each earlier release stays served, with its own files and endpoint
        kept = URIRef(f"{BASE}void#release-{version}")
        void.add((dataset, DCTERMS.hasVersion, kept))
        void.add((kept, RDF.type, VOID.Dataset))
        void.add((kept, DCTERMS.isVersionOf, dataset))
        void.add((kept, OWL.versionInfo, Literal(version)))
        void.add((kept, VOID.sparqlEndpoint, URIRef(f"{BASE}release/{version}/sparql")))
        void.add((kept, VOID.dataDump, URIRef(f"{BASE}release/{version}/{DATASET_DUMP}")))
        void.add((kept, RDFS.seeAlso, URIRef(f"{BASE}release/{version}/{VOID_FILE}")))
    for name, graph in (("ontology", graphs.ontology), ("kg", graphs.knowledge), ("inferred", graphs.inferred)):
        subset = URIRef(f"{BASE}void#{name}")
        void.add((dataset, VOID.subset, subset))
        void.add((subset, RDF.type, VOID.Dataset))
        void.add((subset, URIRef("http://www.w3.org/ns/sparql-service-description#name"),
                  URIRef(f"{BASE}graph/{name}")))
        void.add((subset, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
    return void


def _void_statistics(void: Graph, dataset: URIRef, graph: Graph) -> None:
    def count(value: int) -> Literal:
        return Literal(value, datatype=XSD.integer)

    subjects = {s for s in graph.subjects() if not isinstance(s, BNode)}
    objects = {o for o in graph.objects() if not isinstance(o, BNode)}
    properties: dict[URIRef, int] = {}
    for p in graph.predicates():
        properties[p] = properties.get(p, 0) + 1
    classes: dict[URIRef, int] = {}
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(o, URIRef) and not isinstance(s, BNode):
            classes[o] = classes.get(o, 0) + 1
    void.add((dataset, VOID.triples, count(len(graph))))
    void.add((dataset, VOID.entities, count(len(subjects))))
    void.add((dataset, VOID.distinctSubjects, count(len(subjects))))
    void.add((dataset, VOID.distinctObjects, count(len(objects))))
    void.add((dataset, VOID.properties, count(len(properties))))
    void.add((dataset, VOID.classes, count(len(classes))))
    for cls, n in sorted(classes.items()):
        partition = URIRef(f"{BASE}void#class-{_fragment(cls)}")
        void.add((dataset, VOID.classPartition, partition))
        void.add((partition, VOID["class"], cls))
        void.add((partition, VOID.entities, count(n)))
    for prop, n in sorted(properties.items()):
        partition = URIRef(f"{BASE}void#property-{_fragment(prop)}")
        void.add((dataset, VOID.propertyPartition, partition))
        void.add((partition, VOID.property, prop))
        void.add((partition, VOID.triples, count(n)))


def _fragment(iri: URIRef) -> str:
    return hashlib.sha1(str(iri).encode()).hexdigest()[:12]


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as archive:
        archive.write(data)
    return buffer.getvalue()


def write_release(graphs: ReleaseGraphs, directory: Path, extra: dict[str, bytes] | None = None,
                  sources_digest: str | None = None, warnings: list[str] | None = None,
                  earlier: list[str] = ()) -> dict:
    """Write every artifact into `directory` (which must exist and be empty); the manifest records
    `sources_digest` (build.digest) and the shapes' `warnings` when given, and the manifest and VoID
    name the `earlier` releases kept beside this one."""
    graphs = graphs.canonicalized()
    asserted = graphs.asserted()
    context = context_for(graphs.ontology, graphs.version)
    ntriples = sorted_ntriples(asserted)
    contents: dict[str, bytes] = {
        "ssbonto.ttl": asserted.serialize(format="turtle", encoding="utf-8"),
        "ssbonto.nt": ntriples.encode("utf-8"),
        "ssbonto.rdf": rdf_xml(ntriples),
        "ssbonto.jsonld": jsonld_document(asserted, context).encode("utf-8"),
        "ontology.ttl": graphs.ontology.serialize(format="turtle", encoding="utf-8"),
        "inferred.ttl": graphs.inferred.serialize(format="turtle", encoding="utf-8"),
        CONTEXT_FILE: (json.dumps(context, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8"),
    }
    dataset = dataset_of(graphs)
    contents[DATASET_DUMP] = sorted_nquads(dataset).encode("utf-8")
    contents["ssbonto.trig"] = trig_document(graphs)
    contents.update(extra or {})
    for name in list(GRAPH_FORMATS) + list(DATASET_FORMATS) + ["ontology.ttl", "inferred.ttl"]:
        contents[name + ".gz"] = gzip_bytes(contents[name])
    dumps = sorted(name for name in contents if name.startswith("ssbonto."))
    contents[VOID_FILE] = void_description(graphs, asserted, dumps, earlier).serialize(format="turtle",
                                                                                       encoding="utf-8")
    manifest = {
        "version": graphs.version,
        "triples": graphs.triple_counts(),
        **({"sources_digest": sources_digest} if sources_digest else {}),
        **({"warnings": warnings} if warnings is not None else {}),
        **({"earlier_releases": list(earlier)} if earlier else {}),
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in sorted(contents.items())},
    }
    contents[MANIFEST_FILE] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")
    contents[CHECKSUM_FILE] = checksums(contents)
    for name, data in contents.items():
        (directory / name).write_bytes(data)
    return manifest


def checksums(contents: dict[str, bytes]) -> bytes:
    """SHA256SUMS: every file but itself, as `sha256sum -c` reads it."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(contents.items())
                   if name != CHECKSUM_FILE).encode("utf-8")
