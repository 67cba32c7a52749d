"""The technique advisor: "what should I measure this with?", answered from the review's graph.

Given what a researcher wants to learn (a measurand or information kind), and optionally the
subject (material, material class, element, interface, cell), where (bulk, surface, interface,
grain boundary or an interface type), the mode, the stimulus, the facility they can use and the
spatial resolution they need, it ranks the review's technique classes with the reasons a
researcher can check (each with its source rows and reference numbers) and the limits.

Everything is read from the release by SPARQL once per process (`AdvisorModel.load`), including
the reasoner's classifications (which techniques HermiT classifies as giving which information;
which materials it infers to be sulfide or oxide electrolytes); words are resolved through the
search index. The scoring is explicit and deterministic; docs/advisor.md gives it in full.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..build.search_index import is_acronym, key
from ..prefixes import PREFIX_IRIS
from .search import SearchIndex, check_query

SSB = PREFIX_IRIS["ssb"]
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
MAX_USE_REASONS = 8  # uses listed as reasons per technique (every use counts in the score)

# -- the scoring (docs/advisor.md) ------------------------------------------------------------------
CAPABILITY_POINTS = 1.5  # Table 9 (through the reasoner's classification) gives the asked information kind
SUMMARY_POINTS = 3.0  # Table 7 says the technique measures the asked measurand
SUMMARY_RELATED_POINTS = 0.5  # ... measures another measurand of the same information kind
USE_SAME = 3.0  # a use in the review measured the asked measurand (or, for a kind, one of its measurands)
USE_RELATED = 0.6  # ... measured another measurand of the same information kind
SUBJECT_SAME = 3.0  # the use's subject is the asked subject (a variant of it, a cell or interface with it)
SUBJECT_CLASS = 1.0  # times the specificity of the most specific class both share (1 - members / all)
WHERE_MATCH, WHERE_MISMATCH = 1.5, 0.7
MODE_POINTS, STIMULUS_POINTS = 1.0, 0.5
RESOLUTION_POINTS = 1.0  # reaches the asked resolution
BULK_SURFACE_PENALTY = 1.5  # `where=bulk` and the technique probes only the top of a sample
SHALLOW_DEPTH_M = 1e-6  # a probing depth at most this deep counts as surface-only

FACILITIES = {"lab": "no large facility", "synchrotron": "a synchrotron", "neutron": "a neutron source",
              "any": "any facility"}
LARGE_FACILITIES = {SSB + "SynchrotronFacility": "synchrotron", SSB + "NeutronSource": "neutron"}
FACILITY_NAMES = {"synchrotron": "a synchrotron", "neutron": "a neutron source"}
WHERE_FIXED = {"bulk", "surface", "interface", "grain-boundary"}
LENGTH_UNITS = {"m": 1.0, "mm": 1e-3, "um": 1e-6, "µm": 1e-6, "μm": 1e-6, "micron": 1e-6, "microns": 1e-6,
                "micrometre": 1e-6, "micrometer": 1e-6, "nm": 1e-9, "nanometre": 1e-9, "nanometer": 1e-9,
                "a": 1e-10, "å": 1e-10, "angstrom": 1e-10, "pm": 1e-12, "cm": 1e-2}
LENGTH_UNIT_NAMES = ["Å", "nm", "um", "μm", "mm", "cm", "m"]  # what an error about `resolution` offers
QUDT_LENGTHS = {"NanoM": 1e-9, "MicroM": 1e-6, "MilliM": 1e-3, "CentiM": 1e-2, "M": 1.0, "ANGSTROM": 1e-10}
LEARN_KINDS = {"measurand", "information-kind"}
SUBJECT_KINDS = {"material", "material-class", "element", "interface", "interface-class", "cell", "cell-class"}
VIA_KINDS = {"study", "finding", "technique-summary"}


class AdviceError(ValueError):
    """Bad input: `parameter` names the field, `accepted` the values it takes, `suggestions` the
    nearest terms ("did you mean")."""

    def __init__(self, parameter: str, message: str, accepted: list[str] | None = None,
                 suggestions: list[dict] | None = None):
        super().__init__(message)
        self.parameter = parameter
        self.accepted = accepted or []
        self.suggestions = suggestions or []

    def as_json(self) -> dict:
        body = {"parameter": self.parameter, "message": str(self)}
        if self.accepted:
            body["accepted"] = self.accepted
        if self.suggestions:
            body["did_you_mean"] = self.suggestions
        return body


def kebab(name: str) -> str:
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+", name)
    return "-".join(w.lower() for w in words)


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


# -- what is read from the graph ----------------------------------------------------------------------

@dataclass
class Use:
    """One use of a technique in the review: a measurement of a study, or one reporting a finding."""
    technique: str
    record: str  # the study or finding IRI
    label: str  # "Table 8, row 8: Li/LiPON/LiCoO2 by NDP"
    statement: str
    subject: str | None
    source: str  # "Table 8, row 8" or "Section: ..."
    refs: list[int]
    measures: set[str] = field(default_factory=set)
    mode: str | None = None
    stimulus: str | None = None
    resolution: tuple[float, str] | None = None  # (metres, printed)


@dataclass
class Figure:
    """A quantified finding about a technique (resolution, probing depth, time scale, ...)."""
    technique: str
    concept: str
    low: float | None  # metres for lengths, else the value in its unit
    high: float | None
    printed: str
    statement: str
    source: str
    refs: list[int]


class AdvisorModel:
    """The parts of a release the advisor reads, fetched by SPARQL once."""

    def __init__(self, store):
        self.store = store
        self.labels: dict[str, str] = {}
        self.acronyms: dict[str, list[str]] = defaultdict(list)
        self.techniques: set[str] = set()
        self.parents: dict[str, set[str]] = defaultdict(set)
        self.gives: dict[str, set[str]] = defaultdict(set)  # technique -> information kinds (reasoner)
        self.capability_rows: dict[str, list[tuple[int, str, set[str]]]] = defaultdict(list)
        self.summaries: dict[str, list[tuple[int, str, str, set[str]]]] = defaultdict(list)
        self.facility: dict[str, set[str]] = defaultdict(set)
        self.aspect_of: dict[str, str] = {}
        self.kinds: set[str] = set()
        self.uses: list[Use] = []
        self.figures: list[Figure] = []
        self.types: dict[str, set[str]] = defaultdict(set)  # studied entity -> classes (asserted and inferred)
        self.inferred_types: dict[str, set[str]] = defaultdict(set)
        self.related: dict[str, set[str]] = defaultdict(set)  # entity -> variants, sides, components (both ways)
        self.elements: dict[str, set[str]] = defaultdict(set)
        self.modes: dict[str, str] = {}
        self.stimuli: dict[str, str] = {}
        self.interface_classes: dict[str, str] = {}  # kebab name -> class IRI
        self._ancestors: dict[str, set[str]] = {}
        self._classes: dict[str, set[str]] = {}
        self.uses_by_technique: dict[str, list[Use]] = defaultdict(list)
        self.members_of: dict[str, set[str]] = defaultdict(set)  # class -> studied entities (asserted or inferred)
        self.uses_by_kind: dict[str, set[int]] = defaultdict(set)  # information kind -> uses that measured it
        self.uses_by_record: dict[str, list[Use]] = defaultdict(list)  # study or finding -> its uses

    def rows(self, sparql: str) -> list[dict[str, str]]:
        return self.store.query(sparql).rows()

    @classmethod
    def load(cls, store) -> "AdvisorModel":
        model = cls(store)
        model._load()
        return model

    def _load(self) -> None:
        for row in self.rows("SELECT ?t ?label WHERE { ?t rdfs:subClassOf+ ssb:CharacterizationTechnique ; "
                             "rdfs:label ?label FILTER(isIRI(?t)) FILTER NOT EXISTS { ?t owl:equivalentClass ?e } }"):
            self.techniques.add(row["t"])
            self.labels[row["t"]] = row["label"]
        self.techniques.add(SSB + "CharacterizationTechnique")
        for row in self.rows("SELECT ?c ?d WHERE { ?c rdfs:subClassOf ?d FILTER(isIRI(?c) && isIRI(?d)) "
                             "FILTER NOT EXISTS { ?d owl:equivalentClass ?e } }"):
            self.parents[row["c"]].add(row["d"])
        for row in self.rows("SELECT ?t ?a WHERE { ?t rdfs:subClassOf+ ssb:CharacterizationTechnique ; "
                             "skos:altLabel ?a }"):
            if is_acronym(row["a"]):
                self.acronyms[row["t"]].append(row["a"])
        # the reasoner's classification: T ⊑ TechniqueGiving<K>Information ≡ ∃yieldsInformation {K}
        for row in self.rows("SELECT ?t ?kind WHERE { ?t rdfs:subClassOf ?g . ?g owl:equivalentClass ?x . "
                             "?x owl:intersectionOf/rdf:rest*/rdf:first ?r . ?r owl:onProperty ssb:yieldsInformation ; "
                             "owl:hasValue ?kind }"):
            if row["t"] in self.techniques:
                self.gives[row["t"]].add(row["kind"])
        for row in self.rows("SELECT ?row ?printed ?t ?kind WHERE { ?c a ssb:CapabilityStatement ; ssb:sourceRow ?row ; "
                             "ssb:printedAs ?printed ; ssb:aboutTechnique ?t ; ssb:providesInformation ?kind }"):
            entry = next((e for e in self.capability_rows[row["t"]] if e[0] == int(row["row"])), None)
            if entry is None:
                entry = (int(row["row"]), row["printed"], set())
                self.capability_rows[row["t"]].append(entry)
            entry[2].add(row["kind"])
        for row in self.rows("SELECT ?row ?printed ?t ?m ?what WHERE { ?s a ssb:TechniqueSummary ; ssb:sourceRow ?row ; "
                             "ssb:printedAs ?printed ; ssb:aboutTechnique ?t ; ssb:describesMeasurand ?m ; "
                             "ssb:statement ?what }"):
            entry = next((e for e in self.summaries[row["t"]] if e[0] == int(row["row"])), None)
            if entry is None:
                entry = (int(row["row"]), row["printed"], row["what"], set())
                self.summaries[row["t"]].append(entry)
            entry[3].add(row["m"])
        for row in self.rows("SELECT ?t ?f WHERE { ?t rdfs:subClassOf ?r . ?r owl:onProperty ssb:performedAt ; "
                             "owl:someValuesFrom ?f }"):
            self.facility[row["t"]].add(row["f"])
        for row in self.rows("SELECT ?x ?label WHERE { { ?x a ssb:Measurand } UNION { ?x a ssb:InformationKind } "
                             "UNION { ?x a ssb:MeasurementMode } UNION { ?x a ssb:Stimulus } UNION { ?x a ssb:Facility } "
                             "?x rdfs:label ?label }"):
            self.labels[row["x"]] = row["label"]
        for row in self.rows("SELECT ?m ?k WHERE { ?m ssb:isAspectOf ?k }"):
            self.aspect_of[row["m"]] = row["k"]
        self.kinds = {row["k"] for row in self.rows("SELECT ?k WHERE { ?k a ssb:InformationKind }")}
        self.modes = {row["x"]: row["label"] for row in self.rows(
            "SELECT ?x ?label WHERE { ?x a ssb:MeasurementMode ; rdfs:label ?label }")}
        self.stimuli = {row["x"]: row["label"] for row in self.rows(
            "SELECT ?x ?label WHERE { ?x a ssb:Stimulus ; rdfs:label ?label }")}
        for row in self.rows("SELECT ?c WHERE { ?c rdfs:subClassOf+ ssb:Interface FILTER(isIRI(?c)) }"):
            self.interface_classes[kebab(local(row["c"]))] = row["c"]
        self._load_uses()
        self._load_figures()
        self._load_entities()
        self._index()

    def _index(self) -> None:
        """Lookups every question uses, computed once."""
        self.uses_by_technique = defaultdict(list)
        for use in self.uses:
            self.uses_by_technique[use.technique].append(use)
            self.uses_by_record[use.record].append(use)
            for measured in use.measures:
                kind = measured if measured in self.kinds else self.aspect_of.get(measured)
                if kind:
                    self.uses_by_kind[kind].add(id(use))
        self.members_of = defaultdict(set)
        for entity in self.types:
            for cls in self.classes_of(entity) | self.inferred_types.get(entity, set()):
                self.members_of[cls].add(entity)

    def _load_uses(self) -> None:
        studies: dict[str, dict] = {}
        for row in self.rows("SELECT ?s ?table ?row ?subject ?label ?statement WHERE { ?s a ssb:Study ; "
                             "ssb:sourceTable/ssb:tableNumber ?table ; ssb:sourceRow ?row ; ssb:hasSubject ?subject ; "
                             "rdfs:label ?label ; ssb:statement ?statement }"):
            studies[row["s"]] = {**row, "refs": []}
        for row in self.rows("SELECT ?s ?n WHERE { ?s a ssb:Study ; ssb:citesReference/ssb:referenceNumber ?n }"):
            if row["s"] in studies:
                studies[row["s"]]["refs"].append(int(row["n"]))
        uses: dict[str, Use] = {}
        for row in self.rows("SELECT ?use ?t ?s WHERE { ?use ssb:partOfStudy ?s ; a ?t }"):
            study = studies.get(row["s"])
            if row["t"] not in self.techniques or study is None:
                continue
            uses[row["use"]] = Use(row["t"], row["s"], study["label"], study["statement"], study["subject"],
                                   f"Table {study['table']}, row {study['row']}", sorted(set(study["refs"])))
        findings: dict[str, dict] = {}
        for row in self.rows("SELECT ?f ?use ?t ?label ?statement ?concept ?section ?table WHERE { ?f ssb:reportedBy ?use ; "
                             "rdfs:label ?label ; ssb:statement ?statement ; ssb:hasQuantity/ssb:quantifies ?concept . "
                             "?use a ?t OPTIONAL { ?f ssb:sourceSection ?section } "
                             "OPTIONAL { ?f ssb:sourceTable/rdfs:label ?table } }"):
            if row["t"] not in self.techniques:
                continue
            findings.setdefault(row["f"], {**row, "refs": [], "uses": set()})["uses"].add((row["use"], row["t"]))
        for row in self.rows("SELECT ?f ?n WHERE { ?f a ssb:Finding ; ssb:citesReference/ssb:referenceNumber ?n }"):
            if row["f"] in findings:
                findings[row["f"]]["refs"].append(int(row["n"]))
        subjects = {row["f"]: row["x"] for row in self.rows("SELECT ?f ?x WHERE { ?f a ssb:Finding ; ssb:hasSubject ?x }")}
        for iri, finding in findings.items():
            for use_iri, technique in sorted(finding["uses"]):
                use = Use(technique, iri, finding["label"], finding["statement"], subjects.get(iri),
                          finding.get("section") or finding.get("table") or "", sorted(set(finding["refs"])))
                use.measures.add(finding["concept"])
                uses[use_iri] = use
        for row in self.rows("SELECT ?use ?x WHERE { ?use ssb:measures ?x }"):
            if row["use"] in uses:
                uses[row["use"]].measures.add(row["x"])
        for row in self.rows("SELECT ?use ?x WHERE { ?use ssb:hasMeasurementMode ?x }"):
            if row["use"] in uses:
                uses[row["use"]].mode = row["x"]
        for row in self.rows("SELECT ?use ?x WHERE { ?use ssb:hasStimulus ?x }"):
            if row["use"] in uses:
                uses[row["use"]].stimulus = row["x"]
        for row in self.rows("SELECT ?use ?v ?unit ?printed WHERE { ?use ssb:hasSpatialResolution ?q . ?q qudt:unit ?unit ; "
                             "qudt:numericValue ?v ; ssb:printedValue ?printed }"):
            scale = QUDT_LENGTHS.get(local(row["unit"]))
            if row["use"] in uses and scale:
                uses[row["use"]].resolution = (float(row["v"]) * scale, row["printed"])
        self.uses = sorted(uses.values(), key=lambda u: (u.technique, u.source, u.record))

    def _load_figures(self) -> None:
        figures: dict[str, Figure] = {}
        for row in self.rows("SELECT ?f ?t ?concept ?unit ?v ?min ?max ?printed ?statement ?section WHERE { "
                             "?f ssb:aboutTechnique ?t ; ssb:hasQuantity ?q ; ssb:statement ?statement . "
                             "?q ssb:quantifies ?concept ; qudt:unit ?unit ; ssb:printedValue ?printed "
                             "OPTIONAL { ?q qudt:numericValue ?v } OPTIONAL { ?q ssb:minimumValue ?min } "
                             "OPTIONAL { ?q ssb:maximumValue ?max } OPTIONAL { ?f ssb:sourceSection ?section } }"):
            scale = QUDT_LENGTHS.get(local(row["unit"]), 1.0)
            low = row.get("v") or row.get("min")
            high = row.get("v") or row.get("max")
            figures[row["f"]] = Figure(row["t"], row["concept"], float(low) * scale if low else None,
                                       float(high) * scale if high else None, row["printed"], row["statement"],
                                       row.get("section", ""), [])
        for row in self.rows("SELECT ?f ?n WHERE { ?f ssb:aboutTechnique ?t ; ssb:citesReference/ssb:referenceNumber ?n }"):
            if row["f"] in figures:
                figures[row["f"]].refs.append(int(row["n"]))
        self.figures = [figures[k] for k in sorted(figures)]

    def _load_entities(self) -> None:
        for row in self.rows("SELECT ?e ?c ?label WHERE { ?e a ?c . ?c rdfs:subClassOf* ssb:StudiedEntity "
                             "FILTER(isIRI(?e)) ?e rdfs:label ?label }"):
            self.types[row["e"]].add(row["c"])
            self.labels[row["e"]] = row["label"]
        for row in self.rows("SELECT ?e ?c WHERE { GRAPH <https://w3id.org/ssbonto/graph/inferred> { ?e a ?c } "
                             "FILTER(isIRI(?e) && isIRI(?c)) }"):
            self.inferred_types[row["e"]].add(row["c"])
        for row in self.rows("SELECT ?e ?o WHERE { VALUES ?p { ssb:isVariantOf ssb:hasSide ssb:firstSide ssb:secondSide "
                             "ssb:hasCoating ssb:hasComponent } ?e ?p ?o }"):
            self.related[row["e"]].add(row["o"])
            self.related[row["o"]].add(row["e"])
        for row in self.rows("SELECT ?e ?x WHERE { ?e ssb:hasElement ?x }"):
            self.elements[row["e"]].add(row["x"])
        for row in self.rows("SELECT ?c ?label WHERE { ?c rdfs:subClassOf+ ssb:StudiedEntity ; rdfs:label ?label }"):
            self.labels[row["c"]] = row["label"]


    # -- derived ----------------------------------------------------------------------------------
    def ancestors(self, cls: str) -> set[str]:
        cached = self._ancestors.get(cls)
        if cached is not None:
            return cached
        seen, frontier = {cls}, [cls]
        while frontier:
            for parent in self.parents.get(frontier.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    frontier.append(parent)
        self._ancestors[cls] = seen
        return seen

    def label(self, iri: str) -> str:
        return self.labels.get(iri, local(iri))

    def classes_of(self, entity: str) -> set[str]:
        cached = self._classes.get(entity)
        if cached is None:
            cached = set()
            for cls in self.types.get(entity, ()):
                cached |= self.ancestors(cls)
            cached = self._classes[entity] = cached - {SSB + "StudiedEntity"}
        return cached


# -- the question ------------------------------------------------------------------------------------

@dataclass
class Question:
    learn: str
    subject: str | None = None
    where: str | None = None
    mode: str | None = None
    stimulus: str | None = None
    facility: str | None = None
    resolution: str | None = None
    limit: int = DEFAULT_LIMIT


def parse_resolution(text: str) -> tuple[float, str]:
    """`100 nm`, `5 um`, `0.5 μm`, `2e-6 m` → (metres, the text as given)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([^\s0-9].*?)?\s*", text or "")
    if not match:
        raise AdviceError("resolution", f"resolution {text[:40]!r} is not a length such as '100 nm' or '5 um'",
                          LENGTH_UNIT_NAMES)
    number, unit = float(match.group(1)), (match.group(2) or "").strip().casefold()
    if not unit:
        raise AdviceError("resolution", f"resolution {text[:40]!r} has no unit; give a length such as '100 nm'",
                          LENGTH_UNIT_NAMES)
    if unit not in LENGTH_UNITS:
        raise AdviceError("resolution", f"resolution unit {unit[:20]!r} is not a length unit", LENGTH_UNIT_NAMES)
    if number <= 0:
        raise AdviceError("resolution", f"resolution must be greater than zero, not {text[:40]!r}")
    return number * LENGTH_UNITS[unit], text.strip()


@dataclass
class Technique:
    iri: str
    label: str
    acronyms: list[str]
    score: float
    reasons: list[dict]
    limits: list[str]
    includes: list[str] = field(default_factory=list)  # the subclasses it stands for (_answer_units)

    def as_json(self) -> dict:
        body = {"iri": self.iri, "label": self.label, "acronyms": self.acronyms, "score": round(self.score, 2),
                "reasons": self.reasons, "limits": self.limits}
        if self.includes:
            body["includes"] = self.includes
        return body


class Advisor:
    """Answers questions over one release: its AdvisorModel and its search index."""

    def __init__(self, model: AdvisorModel, index: SearchIndex):
        self.model = model
        self.index = index
        self._units: list[str] | None = None
        self._members: dict[str, set[str]] = {}
        units = self._answer_units()
        # what does not depend on the question, per technique
        self._figures = {"finest_resolution": {t: self._finest_resolution_of(t) for t in units},
                         "shallow_depth": {t: self._shallow_depth_of(t) for t in units},
                         "large_facility": {t: self._large_facility_of(t) for t in units}}

    # -- inputs ------------------------------------------------------------------------------------
    def _resolve(self, parameter: str, text: str, kinds: set[str]) -> dict:
        check_query(text, parameter)
        if text.startswith(("http://", "https://")):
            hit = self.index.entity(text.strip())
            if hit is None or hit.type not in kinds:
                raise AdviceError(parameter, f"{parameter} <{text[:120]}> is not a "
                                             f"{' or '.join(sorted(kinds))} of this release",
                                  suggestions=self._nearest(local(text), kinds))
            return {"iri": hit.iri, "label": hit.label, "type": hit.type, "matched": "iri"}
        hits = self.index.search(text, None, 5, kinds).results
        if not hits:
            raise AdviceError(parameter, f"{parameter} {text[:80]!r} matches no {' or '.join(sorted(kinds))} "
                                         "of the review", suggestions=self._nearest(text, kinds))
        best = hits[0]
        chosen = {"iri": best.iri, "label": best.label, "type": best.type, "matched": best.matched}
        close = [hit for hit in hits[1:] if hit.score >= best.score - 100][:4]
        if close:
            chosen["alternatives"] = [{"iri": h.iri, "label": h.label, "type": h.type} for h in close]
        return chosen

    def _nearest(self, text: str, kinds: set[str]) -> list[dict]:
        found = self.index.search(text[:200], None, 5, kinds).results if key(text) else []
        hits = [{"iri": hit.iri, "label": hit.label, "type": hit.type} for hit in found]
        if not hits:
            hits = [{"iri": k, "label": self.model.label(k), "type": "information-kind"} for k in sorted(self.model.kinds)]
        return hits[:5]

    def _resolve_learn(self, text: str) -> dict:
        try:
            return self._resolve("learn", text, LEARN_KINDS)
        except AdviceError as error:
            if text.startswith(("http://", "https://")):
                raise
            via = self._learn_via_records(text)
            if via is None:
                raise error
            return via

    def _learn_via_records(self, text: str) -> dict | None:
        """No measurand is named by the words: the measurands the review's records that match them
        measured (`SEI thickness` → the neutron reflectometry rows about the SEI)."""
        hits = self.index.search(text, None, 10, VIA_KINDS).results
        counts: dict[str, int] = defaultdict(int)
        records = []
        for hit in hits:
            measured = {m for use in self.model.uses_by_record.get(hit.iri, ()) for m in use.measures
                        if m in self.model.aspect_of}
            for measurand in measured:
                counts[measurand] += 1
            if measured:
                records.append(hit.label)
        if not counts:
            return None
        ranked = sorted(counts, key=lambda m: (-counts[m], self.model.label(m)))
        best = ranked[0]
        return {"iri": best, "label": self.model.label(best), "type": "measurand",
                "matched": f"measured in the review's records that match {text[:80]!r}: " + "; ".join(records[:3]),
                "alternatives": [{"iri": m, "label": self.model.label(m), "type": "measurand"} for m in ranked[1:5]]}

    def _choice(self, parameter: str, text: str | None, options: dict[str, str]) -> str | None:
        """A value from a fixed list (mode, stimulus): by the kebab-case name or the label."""
        if text is None or not text.strip():
            return None
        wanted = re.sub(r"[\s_]+", "-", text.strip().casefold())
        for iri, label in options.items():
            names = {kebab(local(iri)), re.sub(r"\s+", "-", label.casefold()), kebab(local(iri)).replace("-stimulus", "")}
            if wanted in names:
                return iri
        accepted = sorted(kebab(local(iri)).replace("-stimulus", "") for iri in options)
        raise AdviceError(parameter, f"{parameter} {text[:40]!r} is not one of: {', '.join(accepted)}", accepted)

    def where_values(self) -> list[str]:
        return sorted(WHERE_FIXED) + sorted(v for v in self.model.interface_classes if v not in WHERE_FIXED)

    # -- the answer --------------------------------------------------------------------------------
    def advise(self, question: Question) -> dict:
        model = self.model
        learn = self._resolve_learn(question.learn or "")
        subject = (self._resolve("subject", question.subject, SUBJECT_KINDS)
                   if question.subject and question.subject.strip() else None)
        where = None
        if question.where and question.where.strip():
            where = re.sub(r"[\s_]+", "-", question.where.strip().casefold())
            if where not in self.where_values():
                raise AdviceError("where", f"where {question.where[:40]!r} is not one of: {', '.join(self.where_values())}",
                                  self.where_values())
        mode = self._choice("mode", question.mode, model.modes)
        stimulus = self._choice("stimulus", question.stimulus, model.stimuli)
        facility = None
        if question.facility and question.facility.strip():
            facility = question.facility.strip().casefold()
            if facility not in FACILITIES:
                raise AdviceError("facility", f"facility {question.facility[:40]!r} is not one of: "
                                              f"{', '.join(FACILITIES)}", list(FACILITIES))
        resolution = parse_resolution(question.resolution) if question.resolution and question.resolution.strip() else None
        limit = min(max(1, question.limit), MAX_LIMIT)

        target = learn["iri"]
        kind = target if target in model.kinds else model.aspect_of.get(target)
        subject_set, subject_classes = self._subject_scope(subject)
        understood = {"learn": learn, "subject": subject, "where": where,
                      "mode": {"iri": mode, "label": model.label(mode)} if mode else None,
                      "stimulus": {"iri": stimulus, "label": model.label(stimulus)} if stimulus else None,
                      "facility": facility,
                      "resolution": {"text": resolution[1], "metres": resolution[0]} if resolution else None,
                      "information_kind": {"iri": kind, "label": model.label(kind)} if kind else None}
        scored, left_out = [], []
        factors: dict = {"same": self._same_subjects(subject_set)}  # + a use's subject -> its relation to the asked one
        for technique in self._answer_units():
            result = self._score(technique, target, kind, subject, subject_set, subject_classes, where, mode,
                                 stimulus, resolution, factors)
            if result is None:
                continue
            why = self._hard_constraints(technique, facility, resolution)
            if why:
                left_out.append({"iri": technique, "label": model.label(technique), "why": why})
                continue
            scored.append(result)
        scored.sort(key=lambda t: (-round(t.score, 6), t.label.casefold(), t.iri))
        left_out.sort(key=lambda t: (t["label"].casefold(), t["iri"]))
        answer = {"understood": understood, "techniques": [t.as_json() for t in scored[:limit]], "left_out": left_out}
        if not scored:
            answer["note"] = ("no technique in the review gives this" if not left_out else
                              "every technique the review gives for this was left out by a constraint (see left_out)")
        return answer

    def _subject_scope(self, subject: dict | None) -> tuple[set[str], dict[str, float]]:
        """The entities that count as the asked subject, and the classes that count as its class
        with their specificity (1 - members / all studied entities of that kind)."""
        model = self.model
        if subject is None:
            return set(), {}
        iri = subject["iri"]
        members_of = model.members_of
        if subject["type"] in ("material-class", "interface-class", "cell-class"):
            scope = set(members_of.get(iri, set())) | {iri}
        elif subject["type"] == "element":
            scope = {e for e, elements in model.elements.items() if iri in elements}
        else:
            scope = {iri} | {r for r in model.related.get(iri, set())
                             if r in model.types and (model.types[r] & model.types.get(iri, set())
                                                       or SSB + "Material" not in model.classes_of(r))}
            scope |= {r for r in model.related.get(iri, set()) if SSB + "Material" not in model.classes_of(r)}
        classes: dict[str, float] = {}
        if subject["type"] == "material" or subject["type"] in ("interface", "cell"):
            own = model.classes_of(iri) | model.inferred_types.get(iri, set())
            root = next((r for r in (SSB + "Material", SSB + "Interface", SSB + "BatteryCell") if r in own), None)
            population = len(members_of.get(root, set())) or 1
            for cls in own:
                if cls != root and cls in members_of:
                    classes[cls] = max(0.0, 1 - len(members_of[cls]) / population)
        return scope, classes

    def _answer_units(self) -> list[str]:
        """The technique classes answered: every technique class, except that a method the review
        quantifies as one (a finding about the class itself) but that has no Table 9 or Table 7 row
        and no use of its own, below the four families, stands in for its subclasses without rows
        of their own when two or more of them were used (NMR relaxometry for T1, T2 and T1ρ)."""
        if self._units is not None:
            return self._units
        model = self.model
        self._members = {t: {t} for t in model.techniques}
        with_rows = {t for t in model.techniques if model.capability_rows.get(t) or model.summaries.get(t)}
        used = {use.technique for use in model.uses}
        root = SSB + "CharacterizationTechnique"
        families = {t for t in model.techniques if root in model.parents.get(t, ())}
        quantified = {figure.technique for figure in model.figures}
        for parent in sorted(model.techniques):
            if (parent in with_rows or parent in used or parent in families or parent == root
                    or parent not in quantified):
                continue
            children = [t for t in model.techniques if parent in model.parents.get(t, ()) and t not in with_rows]
            if len([c for c in children if c in used]) >= 2:
                for child in children:
                    self._members[parent] |= self._members.get(child, {child})
                    self._members[child] = set()
        self._units = sorted(t for t, members in self._members.items() if members and t != SSB + "CharacterizationTechnique")
        return self._units

    def _score(self, technique, target, kind, subject, subject_set, subject_classes, where, mode, stimulus,
               resolution, factors: dict) -> Technique | None:
        model = self.model
        members = self._members[technique]
        above = model.ancestors(technique)
        reasons, limits, score = [], [], 0.0
        # Table 9, through the reasoner's classification
        if kind and kind in model.gives.get(technique, set()):
            rows = sorted((row, printed, t) for t in above for row, printed, kinds in model.capability_rows.get(t, [])
                          if kind in kinds)
            sources = [f"Table 9, row {row}" for row, _, _ in rows]
            printed = ", ".join(p for _, p, _ in rows)
            via = "" if all(t == technique for _, _, t in rows) else " (as a kind of " + ", ".join(
                sorted({model.label(t) for _, _, t in rows if t != technique})) + ")"
            reasons.append({"text": f"Table 9 lists {printed}{via} as giving {model.label(kind)}; HermiT classifies "
                                    f"{model.label(technique)} as a technique giving it",
                            "references": [], "sources": sources})
            score += CAPABILITY_POINTS
        # Table 7
        best_summary = 0.0
        for t in sorted(above):
            for row, printed, what, measurands in model.summaries.get(t, []):
                if target in measurands or (target == kind and any(model.aspect_of.get(m) == kind for m in measurands)):
                    points = SUMMARY_POINTS
                elif kind and any(model.aspect_of.get(m) == kind for m in measurands):
                    points = SUMMARY_RELATED_POINTS
                else:
                    continue
                reasons.append({"text": f"Table 7: {printed} measures {what}", "references": [],
                                "sources": [f"Table 7, row {row}"]})
                best_summary = max(best_summary, points)
        score += best_summary
        # the review's uses
        uses = [use for member in sorted(members) for use in model.uses_by_technique.get(member, ())]
        same_subjects = factors["same"]

        def factor_of(use: Use) -> tuple[float, str]:
            if use.subject not in factors:
                factors[use.subject] = self._subject_factor(use, subject, subject_set, subject_classes)
            return factors[use.subject]

        weighted = []
        relevant = model.uses_by_kind.get(kind, set()) if kind else set()
        for use in uses:
            if id(use) not in relevant:
                continue
            measured = use.measures
            if target in measured or target == kind:  # a use of the asked kind measured one of its measurands
                points, related = USE_SAME, False
            else:
                points, related = USE_RELATED, True
            factor, on = factor_of(use)
            points *= factor
            where_note = ""
            if where:
                fits = self._where_fits(use, where)
                points *= WHERE_MATCH if fits else WHERE_MISMATCH
                where_note = f"; {'at' if fits else 'not at'} {where.replace('-', ' ')}"
            extras = []
            if mode and use.mode == mode:
                points += MODE_POINTS
                extras.append(model.label(mode))
            if stimulus and use.stimulus == stimulus:
                points += STIMULUS_POINTS
                extras.append(model.label(stimulus))
            weighted.append((points, (related, on, where_note, extras), use))
        weighted.sort(key=lambda item: (-item[0], item[2].source, item[2].record))
        seen_records = set()
        rank = 0
        for points, parts, use in weighted:
            if use.record in seen_records:
                continue
            seen_records.add(use.record)
            rank += 1
            score += points / rank
            if rank <= MAX_USE_REASONS:
                related, on, where_note, extras = parts
                relation = "measured " + (model.label(target) if not related else ", ".join(sorted(
                    model.label(m) for m in use.measures if model.aspect_of.get(m) == kind)) + f" ({model.label(kind)})")
                text = (f"{use.source}{' [' + ','.join(map(str, use.refs)) + ']' if use.refs else ''}: "
                        f"{model.label(use.technique)} {relation} on "
                        f"{model.label(use.subject) if use.subject else 'its subject'}{on}{where_note}"
                        f"{' (' + ', '.join(extras) + ')' if extras else ''} — “{use.statement}”")
                reasons.append({"text": text, "references": use.refs, "sources": [use.source]})
        if rank > MAX_USE_REASONS:
            reasons.append({"text": f"and {rank - MAX_USE_REASONS} more uses in the review of the same kind",
                            "references": [], "sources": []})
        if score == 0:
            return None
        # figures: resolution and probing depth
        finest = self._figures["finest_resolution"][technique]
        if finest:
            value, printed, source = finest
            reasons.append({"text": f"spatial resolution reported: {printed} ({source[0]})", "references": source[1],
                            "sources": [source[0]]})
            if resolution and value <= resolution[0]:
                score += RESOLUTION_POINTS
        elif resolution or (kind == SSB + "HeterogeneityInformation"):
            limits.append("the review reports no spatial resolution for it")
        depth = self._figures["shallow_depth"][technique]
        if depth:
            limits.append(f"probes the top {depth.printed} only ({depth.source})")
            if where == "bulk":
                score -= BULK_SURFACE_PENALTY
        needs = self._figures["large_facility"][technique]
        if needs:
            limits.append(f"needs {FACILITY_NAMES[needs]}")
        if mode and not any(use.mode == mode for use in uses):
            limits.append(f"no study in the review used it {model.label(mode)}")
        if stimulus and not any(use.stimulus == stimulus for use in uses):
            limits.append(f"no study in the review used it under {model.label(stimulus)}")
        if subject and not any(u.subject in same_subjects for u in uses):
            limits.append(f"the review reports no use of it on {subject['label']}")
        acronyms = sorted(set(model.acronyms.get(technique, [])), key=str.casefold)
        if len(members) > 1:
            reasons.insert(0, {"text": f"{model.label(technique)} here stands for "
                                       + ", ".join(sorted(model.label(m) for m in members if m != technique))
                                       + ", which the review uses without a Table 9 or Table 7 row of their own",
                               "references": [], "sources": []})
        return Technique(technique, model.label(technique), acronyms, max(score, 0.01), reasons, limits,
                         sorted(members - {technique}))

    def _same_subjects(self, subject_set: set[str]) -> set[str]:
        """The asked subject's scope and everything related to it (its interfaces, cells, variants)."""
        return set(subject_set).union(*(self.model.related.get(s, set()) for s in subject_set))

    def _subject_factor(self, use: Use, subject, subject_set, subject_classes) -> tuple[float, str]:
        model = self.model
        if subject is None or use.subject is None:
            return 1.0, ""
        if use.subject in subject_set or (subject_set & model.related.get(use.subject, set())):
            return SUBJECT_SAME, f" (the asked {subject['label']})" if use.subject != subject["iri"] else ""
        theirs = model.classes_of(use.subject) | model.inferred_types.get(use.subject, set())
        for side in model.related.get(use.subject, set()):
            theirs |= model.classes_of(side) | model.inferred_types.get(side, set())
        shared = {cls: s for cls, s in subject_classes.items() if cls in theirs}
        if not shared:
            return 1.0, ""
        cls = max(shared, key=lambda c: (shared[c], c))
        return 1.0 + SUBJECT_CLASS * shared[cls], f" (of the class {model.label(cls)}, as {subject['label']} is)"

    def _where_fits(self, use: Use, where: str) -> bool:
        model = self.model
        classes = model.classes_of(use.subject) if use.subject else set()
        is_interface = SSB + "Interface" in classes
        if where == "bulk":
            return SSB + "Material" in classes
        if where in ("interface", "surface"):
            return is_interface or SSB + "BatteryCell" in classes
        if where == "grain-boundary":
            return SSB + "GrainBoundary" in classes
        wanted = model.interface_classes.get(where)
        return bool(wanted and wanted in classes)

    def _finest_resolution_of(self, technique: str):
        model = self.model
        found = []
        for use in (u for member in sorted(self._members[technique]) for u in model.uses_by_technique.get(member, ())):
            if use.resolution:
                found.append((use.resolution[0], use.resolution[1], (use.source, use.refs)))
        above = model.ancestors(technique)
        for figure in model.figures:
            if figure.technique in above and figure.concept == SSB + "SpatialResolution":
                value = figure.low if figure.low is not None else figure.high
                if value is not None:
                    found.append((value, figure.printed, (figure.source, figure.refs)))
        return min(found, key=lambda f: (f[0], f[1])) if found else None

    def _shallow_depth_of(self, technique: str) -> Figure | None:
        above = self.model.ancestors(technique)
        for figure in self.model.figures:
            if figure.technique in above and figure.concept == SSB + "ProbingDepth" and figure.high is not None \
                    and figure.high <= SHALLOW_DEPTH_M:
                return figure
        return None

    def _large_facility_of(self, technique: str) -> str | None:
        for cls in sorted(self.model.ancestors(technique)):
            for facility in self.model.facility.get(cls, ()):
                if facility in LARGE_FACILITIES:
                    return LARGE_FACILITIES[facility]
        return None

    def _hard_constraints(self, technique: str, facility: str | None, resolution) -> str:
        needs = self._figures["large_facility"][technique]
        if facility == "lab" and needs:
            return f"needs {FACILITY_NAMES[needs]} (facility=lab asks for no large facility)"
        if facility in ("synchrotron", "neutron") and needs != facility:
            return (f"is not performed at {FACILITY_NAMES[facility]}" +
                    (f" (it needs {FACILITY_NAMES[needs]})" if needs else ""))
        if resolution:
            finest = self._figures["finest_resolution"][technique]
            if finest and finest[0] > resolution[0]:
                return (f"the finest spatial resolution the review reports for it is {finest[1]} ({finest[2][0]}), "
                        f"coarser than the {resolution[1]} asked")
        return ""
