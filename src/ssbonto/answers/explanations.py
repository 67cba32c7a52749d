"""SHACL results in battery terms, for a lab reading why its study description does not conform:
what the node is (the measurement, the study, the material…) and its label, what is wrong, the
shape's description in plain words (its rdfs:comment, which docs/shapes.md expands), and a fix
to try, with the closest ssbonto terms for a name ssbonto does not know ("did you mean
X-ray absorption near-edge structure?").

The JSON answer of POST /api/validate and the /validate page both read these results.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..build.diff import short
from ..build.validate import SHAPES_PREFIXES, Violation
from ..namespaces import QUDT, SSB
from ..prefixes import BASE
from .validation import DocumentReport, DocumentValidator

# the kind of thing a node is, by the root class of its types, as a person would call it
NOUNS = [(SSB.CharacterizationTechnique, "measurement"), (SSB.Study, "study"), (SSB.Finding, "finding"),
         (SSB.Quantity, "quantity"), (SSB.Material, "material"), (SSB.Interface, "interface"),
         (SSB.StudiedEntity, "cell"), (SSB.Reference, "reference"), (SSB.ReviewTable, "table")]
MEASUREMENT_PROPERTIES = (SSB.partOfStudy, SSB.measures, SSB.hasMeasurementMode, SSB.hasStimulus)
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@dataclass
class Result:
    severity: str
    focus: str
    focus_label: str | None
    path: str | None
    value: str | None
    message: str
    shape: str | None
    suggestion: str | None
    shape_description: str | None
    noun: str  # "measurement", "study", … or "node"

    def as_dict(self) -> dict:
        return asdict(self)


def _expand(curie: str | None) -> URIRef | None:
    if not curie:
        return None
    if curie.startswith("<") and curie.endswith(">"):
        return URIRef(curie[1:-1])
    prefix, _, local = curie.partition(":")
    return URIRef(SHAPES_PREFIXES[prefix] + local) if prefix in SHAPES_PREFIXES else URIRef(curie)


class Explainer:
    """What the validator's ontology, knowledge graph and shapes say, indexed for explanations."""

    def __init__(self, validator: DocumentValidator):
        self.tbox, self.knowledge, self.shapes = validator.tbox, validator.knowledge, validator.shapes
        self.classes = self._terms([OWL.Class])
        self.properties = self._terms(list(PROPERTY_KINDS))
        self.techniques = {c for c in self.classes if self._is_a(c, SSB.CharacterizationTechnique)}
        self._guesses: dict[tuple, URIRef | None] = {}
        self._entities: dict[URIRef, list[str]] | None = None

    # -- the vocabulary ------------------------------------------------------------------------
    def _terms(self, kinds: list[URIRef]) -> dict[URIRef, list[str]]:
        """Terms of ours of these kinds -> the names a person may write for them."""
        found: dict[URIRef, list[str]] = {}
        for kind in kinds:
            for term in self.tbox.subjects(RDF.type, kind):
                if isinstance(term, URIRef) and str(term).startswith(str(SSB)) \
                        and (term, OWL.deprecated, None) not in self.tbox:
                    names = [str(term)[len(str(SSB)):]]
                    for predicate in (RDFS.label, SKOS.altLabel, SSB.acronym):
                        names += [str(v) for v in self.tbox.objects(term, predicate)]
                    found[term] = names
        return found

    def _is_a(self, cls: URIRef, root: URIRef, depth: int = 0) -> bool:
        if cls == root:
            return True
        return depth < 20 and any(isinstance(parent, URIRef) and self._is_a(parent, root, depth + 1)
                                  for parent in self.tbox.objects(cls, RDFS.subClassOf))

    def label(self, term) -> str:
        for graph in (self.tbox, self.knowledge):
            value = graph.value(term, RDFS.label)
            if value is not None:
                return str(value)
        return short(str(term))

    def closest(self, written: str, candidates: dict[URIRef, list[str]]) -> URIRef | None:
        """The candidate whose local name, label or acronym is closest to what was written."""
        key = (written, id(candidates))
        if key not in self._guesses:
            local = written.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            names = {name.lower(): term for term, written_names in candidates.items() for name in written_names}
            match = difflib.get_close_matches(local.lower(), list(names), n=1, cutoff=0.6)
            if not match:  # "XRayAbsorptionNearEdge": compare with the beginning of each name
                prefixes = {name[:len(local)]: term for name, term in names.items() if len(name) >= len(local)}
                match = [name for name in difflib.get_close_matches(local.lower(), list(prefixes), n=1, cutoff=0.8)]
                names = prefixes
            self._guesses[key] = names[match[0]] if match else None
        return self._guesses[key]

    def studied_entities(self) -> dict[URIRef, list[str]]:
        """ssbonto's materials, interfaces and cells, with their key, label, formula and acronyms."""
        if self._entities is None:
            found = set(self.knowledge.objects(None, SSB.hasSubject)) | set(self.knowledge.subjects(SSB.formula))
            self._entities = {e: [str(e).rsplit("/", 1)[-1], self.label(e),
                                  *(str(v) for p in (SSB.formula, SSB.acronym) for v in self.knowledge.objects(e, p))]
                              for e in found if isinstance(e, URIRef)}
        return self._entities

    def replacement(self, term: URIRef) -> URIRef | None:
        """What a deprecated term of ours is replaced by."""
        for graph in (self.tbox, self.knowledge):
            value = graph.value(term, DCTERMS.isReplacedBy)
            if value is not None:
                return value
        return None

    # -- one node ------------------------------------------------------------------------------
    def noun(self, node, data: Graph) -> str:
        types = set(data.objects(node, RDF.type)) | set(self.knowledge.objects(node, RDF.type))
        for root, noun in NOUNS:
            if any(isinstance(t, URIRef) and self._is_a(t, root) for t in types):
                return noun
        if any((node, p, None) in data for p in MEASUREMENT_PROPERTIES):
            return "measurement"
        return "node"

    def node_label(self, node, data: Graph) -> str | None:
        for graph in (data, self.knowledge, self.tbox):
            value = graph.value(node, RDFS.label)
            if value is not None:
                return str(value)
        return None

    # -- the results ---------------------------------------------------------------------------
    def explain(self, outcome: DocumentReport) -> list[Result]:
        data = outcome.data
        results = []
        for violation in outcome.report.violations + outcome.report.warnings:
            focus = URIRef(violation.focus)
            noun = self.noun(focus, data)
            label = self.node_label(focus, data)
            who = f"the {noun} “{label}”" if label else f"the {noun} <{violation.focus}>"
            message, suggestion = self.phrase(violation, focus, noun, who, data)
            shape = _expand(violation.shape)
            description = self.shapes.value(shape, RDFS.comment) if shape is not None else None
            results.append(Result(violation.severity, violation.focus, label, violation.path, violation.value,
                                  message, violation.shape, suggestion,
                                  str(description) if description is not None else None, noun))
        return results

    def phrase(self, v: Violation, focus: URIRef, noun: str, who: str, data: Graph) -> tuple[str, str | None]:
        """The message in battery terms and a fix to try."""
        value = _expand(v.value) if v.value else None
        if v.shape == "ssbsh:VocabularyShape" and v.path == "rdf:type" and value is not None:
            return self._unknown_class(value, focus, noun, who, data)
        if v.shape == "ssbsh:VocabularyShape":
            written = _expand(v.path)
            replaced = self.replacement(written)
            if replaced is not None:
                return (f"{who} uses {v.path}, which ssbonto retired", f"use {short(str(replaced))} instead")
            guess = self.closest(str(written), self.properties)
            return (f"{who} uses {v.path}, which is not a property of ssbonto",
                    f"did you mean {self.label(guess)} ({short(str(guess))})?" if guess is not None
                    else "the properties of ssbonto are listed at /def")
        text = f"{who}: {v.message}"
        return text, self.fix(v, value, data, focus)

    def _unknown_class(self, value: URIRef, focus: URIRef, noun: str, who: str, data: Graph):
        replaced = self.replacement(value)
        measurement = noun == "measurement" or any((focus, p, None) in data for p in MEASUREMENT_PROPERTIES)
        if measurement:
            who = who.replace(f"the {noun} ", "the measurement ", 1)
            message = f"{who} names no technique class of ssbonto ({short(str(value))} is not one)"
        else:
            message = f"{who} is typed {short(str(value))}, which is not a class of ssbonto"
        if replaced is not None:
            return message, f"{short(str(value))} was retired: use {self.label(replaced)} ({short(str(replaced))})"
        candidates = {t: self.classes[t] for t in self.techniques} if measurement else self.classes
        guess = self.closest(str(value), candidates)
        if guess is None:
            return message, ("the technique classes of ssbonto are listed at /def" if measurement
                             else "the classes of ssbonto are listed at /def")
        return message, f"did you mean {self.label(guess)} ({short(str(guess))})?"

    def fix(self, v: Violation, value: URIRef | None, data: Graph, focus: URIRef) -> str | None:
        path = v.path or ""
        if path == "ssb:hasSubject" and v.constraint == "sh:ClassConstraintComponent" and value is not None:
            guess = self.closest(str(value), self.studied_entities())
            hint = f"; did you mean {short(str(guess))} ({self.label(guess)})?" if guess is not None else ""
            return (f"describe {short(str(value))} in the document as a material, interface or cell (for a material: "
                    f"a material class such as ssb:OtherInorganicElectrolyte, a label, ssb:formula and ssb:hasRole), "
                    f"or name one of ssbonto's{hint}")
        if path == "ssb:hasSubject":
            return "name the material, interface or cell it is about with ssb:hasSubject (e.g. ssbid:material/llzo)"
        if path == "ssb:hasStimulus" and v.constraint == "sh:SPARQLConstraintComponent":
            stimuli = sorted(short(str(s)) for s in self.tbox.subjects(RDF.type, SSB.Stimulus))
            return f"add ssb:hasStimulus with one of {', '.join(stimuli)}"
        if "ssb:measures" in path:
            return "state what it measured with ssb:measures (e.g. ssb:PhaseComposition, ssb:LatticeParameters)"
        if path == "ssb:citesReference":
            return f"cite the review's reference with ssb:citesReference, e.g. <{BASE}id/reference/33> (1–134)"
        if path in ("ssb:sourceTable", "ssb:sourceRow", "ssb:sourceSection") or v.shape == "ssbsh:SourceShape":
            return ("say where the review tells it: ssb:sourceSection \"Section: <part> / <heading>\", or "
                    "ssb:sourceTable with ssb:sourceRow for a printed table row")
        if path == "qudt:unit" and value is not None:
            kind = data.value(focus, QUDT.hasQuantityKind)
            units = sorted({short(str(u)) for q in self.knowledge.subjects(QUDT.hasQuantityKind, kind)
                            for u in self.knowledge.objects(q, QUDT.unit)}) if kind is not None else []
            if units:
                return f"use a unit that measures {short(str(kind))}, as ssbonto's quantities do: {', '.join(units)}"
            return "use a unit ontology/units.tsv lists for the quantity kind"
        if path == "rdfs:label":
            return "give it exactly one rdfs:label with a language tag, e.g. \"…\"@en"
        if path == "ssb:formula":
            return "write the formula as docs/curation.md describes: element symbols with counts, e.g. Na3SbS4"
        if path == "ssb:partOfStudy":
            return "make it part of one study (ssb:partOfStudy) and name the measurement in that study"
        if re.match(r"ssb:(minimum|maximum)Value|qudt:numericValue", path):
            return "give either qudt:numericValue or ssb:minimumValue/ssb:maximumValue, as xsd:decimal"
        return None
