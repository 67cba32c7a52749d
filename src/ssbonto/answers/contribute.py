"""Another lab's study description, turned into the curated rows that would add it to ssbonto:
`ssbonto contribute FILE…` prints them as a patch of ontology/review/*.tsv (or writes them with
--apply), so that a contribution is reviewed like any other change to the tables.

The description must conform to the shapes (validation). Each of its nodes becomes rows:
a study (with sourceSection) a line of passage-studies.tsv; each measurement part of it a line of
passage-measurements.tsv; each finding with its quantity a line of quantities.tsv; each material
ssbonto does not have a line of materials.tsv, with its formula parsed (build.chemistry) and held
to the elements the description names. Every statement of the description must land in a cell,
so that building the patched tables gives back the same facts (under ssbonto's IRIs, which
`iris` maps); a statement no table can hold refuses the contribution and names it. One thing is
not kept, and the result says so: a finding's own label (ssbonto labels a finding by its printed
value and its sentence).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..build import chemistry, passages
from ..build.curation import Curator, Review
from ..build.diff import short
from ..build.tbox import load_tbox
from ..build.vocabulary import Vocabulary
from ..namespaces import ID, QUANTITYKIND, QUDT, SSB, UNIT
from .validation import DocumentValidator

REVIEW_DIR = "ontology/review"
TABLE_ORDER = ["materials.tsv", "quantities.tsv", passages.STUDIES_FILE, passages.MEASUREMENTS_FILE]


class NotContributable(Exception):
    """The description cannot become curated rows; `problems` says why, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Contribution:
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # table -> new rows, cells by column
    iris: dict[str, str] = field(default_factory=dict)  # the description's IRI -> ssbonto's
    not_kept: list[str] = field(default_factory=list)

    def tables(self, sources: Path) -> dict[str, tuple[str, str]]:
        """table -> (its text now, its text with the new rows)."""
        changed = {}
        for name in TABLE_ORDER:
            if not self.rows.get(name):
                continue
            path = sources / REVIEW_DIR / name
            text = path.read_text(encoding="utf-8")
            header = next(line for line in text.splitlines() if line.strip() and not line.startswith("#")).split("\t")
            lines = ["\t".join(row.get(column, "") for column in header) for row in self.rows[name]]
            body = text if text.endswith("\n") or not text else text + "\n"
            changed[name] = (text, body + "".join(line + "\n" for line in lines))
        return changed

    def patch(self, sources: Path) -> str:
        """The rows as a unified diff of the tables (`git apply` takes it)."""
        parts = []
        for name, (before, after) in self.tables(sources).items():
            parts += difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                          f"a/{REVIEW_DIR}/{name}", f"b/{REVIEW_DIR}/{name}")
        return "".join(parts)

    def apply(self, sources: Path) -> list[str]:
        written = []
        for name, (_, after) in self.tables(sources).items():
            (sources / REVIEW_DIR / name).write_text(after, encoding="utf-8")
            written.append(f"{REVIEW_DIR}/{name}")
        return written


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "contribution"


def local_name(iri: URIRef) -> str:
    return re.split(r"[/#]", str(iri).rstrip("/"))[-1]


class _Reader:
    """The description's statements, each marked when a cell takes it."""

    def __init__(self, data: Graph):
        self.data = data
        self.taken: set[tuple] = set()
        self.problems: list[str] = []

    def values(self, node, predicate) -> list:
        found = sorted(self.data.objects(node, predicate), key=str)
        self.taken.update((node, predicate, value) for value in found)
        return found

    def one(self, node, predicate, what: str, required: bool = False):
        found = self.values(node, predicate)
        if len(found) > 1:
            self.problems.append(f"<{node}> has {len(found)} values of {short(str(predicate))}; the curated tables "
                                 f"hold one {what}")
        if not found and required:
            self.problems.append(f"<{node}> names no {what} ({short(str(predicate))})")
        return found[0] if found else None

    def text(self, node, predicate, what: str, required: bool = False) -> str:
        value = self.one(node, predicate, what, required)
        if value is None:
            return ""
        text = str(value)
        if "\t" in text or "\n" in text or "\r" in text:
            self.problems.append(f"the {what} of <{node}> holds a tab or a line break, which a table cell cannot")
            return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
        return text

    def typed(self, node, cls) -> None:
        self.taken.add((node, RDF.type, cls))

    def leftovers(self) -> list[tuple]:
        return sorted((t for t in self.data if t not in self.taken), key=lambda t: tuple(map(str, t)))


class Contributor:
    def __init__(self, sources: Path):
        self.sources = sources
        self.tbox = load_tbox(sources)
        self.vocabulary = Vocabulary.from_tbox(self.tbox)
        self.review: Review = Curator(sources, self.vocabulary).load()
        self.names = {iri: name for table in (self.vocabulary.observables, self.vocabulary.modes,
                                              self.vocabulary.stimuli, self.vocabulary.techniques,
                                              self.vocabulary.material_classes, self.vocabulary.events)
                      for name, iri in table.items()}
        self.roles = {iri: name for name, iri in self.vocabulary.roles.items()}
        self.taken_keys = {"materials.tsv": {m.key for m in self.review.materials} | {i.key for i in self.review.interfaces}
                           | {c.key for c in self.review.cells},
                           "quantities.tsv": {q.key for q in self.review.quantities},
                           passages.STUDIES_FILE: {s.key for s in self.review.passage_studies}}

    # -- names ---------------------------------------------------------------------------------
    def key_for(self, iri: URIRef, table: str, prefix: str = "") -> str:
        base = slug(f"{prefix}-{local_name(iri)}" if prefix else local_name(iri))
        key, n = base, 2
        while key in self.taken_keys[table] or passages.RESERVED_KEY.match(key):
            key, n = f"{base}-{n}", n + 1
        self.taken_keys[table].add(key)
        return key

    def name_of(self, iri, what: str, reader: _Reader) -> str:
        name = self.names.get(iri)
        if name is None:
            reader.problems.append(f"{short(str(iri))} is not a {what} ssbonto's tables can name")
            return ""
        return name

    def subject_key(self, iri, keys: dict, reader: _Reader) -> str:
        if iri in keys:
            return keys[iri]
        for kind in ("material", "interface", "cell"):
            prefix = str(ID[f"{kind}/"])
            if str(iri).startswith(prefix):
                return str(iri)[len(prefix):]
        reader.problems.append(f"<{iri}> is neither one of ssbonto's materials, interfaces and cells nor a material "
                               "the description adds")
        return ""

    def refs(self, node, reader: _Reader) -> str:
        numbers = []
        for reference in reader.values(node, SSB.citesReference):
            text = str(reference)
            if not text.startswith(str(ID["reference/"])):
                reader.problems.append(f"<{node}> cites <{reference}>, which is not one of the review's references")
            else:
                numbers.append(int(text.rsplit("/", 1)[1]))
        return ";".join(str(n) for n in sorted(numbers))

    def source(self, node, reader: _Reader, what: str) -> str:
        table, row = reader.values(node, SSB.sourceTable), reader.values(node, SSB.sourceRow)
        if table or row:
            reader.problems.append(f"the {what} <{node}> names a table row of the review; every printed row is "
                                   "curated already (studies.tsv): describe a study the review tells in a passage "
                                   "of its text, with ssb:sourceSection")
        return reader.text(node, SSB.sourceSection, "section of the review")

    def most_specific(self, node, candidates: dict[str, URIRef], reader: _Reader) -> URIRef | None:
        types = {t for t in reader.values(node, RDF.type) if t in candidates.values()}
        specific = [t for t in types if not any(other != t and (other, RDFS.subClassOf, t) in self._closure()
                                                for other in types)]
        if len(specific) != 1:
            reader.problems.append(f"<{node}> is typed {', '.join(sorted(short(str(t)) for t in types))}; the "
                                   "tables hold one class")
            return specific[0] if specific else None
        return specific[0]

    def _closure(self) -> Graph:
        if not hasattr(self, "_subclass"):
            self._subclass = Graph()
            for cls in self.tbox.subjects(RDF.type, OWL.Class):
                if isinstance(cls, URIRef):
                    for parent in self.tbox.transitive_objects(cls, RDFS.subClassOf):
                        if isinstance(parent, URIRef) and parent != cls:
                            self._subclass.add((cls, RDFS.subClassOf, parent))
        return self._subclass

    # -- the description ----------------------------------------------------------------------
    def contribute(self, data: Graph) -> Contribution:
        reader = _Reader(data)
        result = Contribution()
        ours = lambda node: isinstance(node, URIRef) and str(node).startswith(str(ID))  # noqa: E731
        nodes = {s for s in data.subjects() if not ours(s)}
        for node in nodes:
            if isinstance(node, BNode):
                reader.problems.append("a node without an IRI (a blank node) cannot become a curated row; give "
                                       "every study, measurement, finding, quantity and material an IRI")
        for node in nodes:
            reader.taken.update((node, RDF.type, t) for t in data.objects(node, RDF.type) if t == OWL.NamedIndividual)

        def typed(root: URIRef) -> list[URIRef]:
            classes = set(self._closure().subjects(RDFS.subClassOf, root)) | {root}
            return sorted((n for n in nodes if isinstance(n, URIRef) and set(data.objects(n, RDF.type)) & classes),
                          key=str)

        studies, findings = typed(SSB.Study), typed(SSB.Finding)
        materials, measurements = typed(SSB.Material), typed(SSB.CharacterizationTechnique)
        quantities = typed(SSB.Quantity)
        for kind, root in (("interface", SSB.Interface), ("cell", SSB.BatteryCell)):
            for node in typed(root):
                reader.problems.append(f"<{node}> is a new {kind}; `ssbonto contribute` adds materials, studies, "
                                       f"measurements and findings — add the {kind} to {kind}s.tsv by hand")
        if not studies:
            reader.problems.append("the description holds no study (ssb:Study); a contribution is a study with "
                                   "its measurements")
        keys: dict[URIRef, str] = {}
        for node in materials:
            keys[node] = self.key_for(node, "materials.tsv")
            result.iris[str(node)] = str(ID[f"material/{keys[node]}"])
        for node in studies:
            keys[node] = self.key_for(node, passages.STUDIES_FILE)
            result.iris[str(node)] = str(ID[f"study/{keys[node]}"])
        reports: dict[URIRef, list[str]] = {}
        for node in findings:
            reporter = next(iter(data.objects(node, SSB.reportedBy)), None)
            study = next(iter(data.objects(reporter, SSB.partOfStudy)), None) if reporter is not None else None
            keys[node] = self.key_for(node, "quantities.tsv", keys.get(study, ""))
            result.iris[str(node)] = str(ID[f"finding/{keys[node]}"])
            if reporter is not None:
                reports.setdefault(reporter, []).append(keys[node])
        result.rows["materials.tsv"] = [self.material_row(node, keys, reader) for node in materials]
        result.rows["quantities.tsv"] = [self.finding_row(node, keys, reader, result) for node in findings]
        result.rows[passages.STUDIES_FILE] = [self.study_row(node, keys, reader) for node in studies]
        result.rows[passages.MEASUREMENTS_FILE] = [
            self.measurement_row(node, keys, reports.get(node, []), reader, result) for node in measurements]
        for node in (q for q in quantities if str(q) not in result.iris):
            reader.problems.append(f"the quantity <{node}> is stated by no finding (ssb:hasQuantity)")
        for node in sorted(set(nodes) - set(materials) - set(studies) - set(findings) - set(measurements)
                           - set(quantities), key=str):
            if isinstance(node, URIRef):
                reader.problems.append(f"<{node}> is none of study, measurement, finding, quantity or material")
        for s, p, o in reader.leftovers():
            if ours(s):
                if (s, p, o) not in self.review_graph():
                    reader.problems.append(f"the description says of ssbonto's own <{s}>: {short(str(p))} "
                                           f"{o.n3() if isinstance(o, Literal) else short(str(o))}; a contribution "
                                           "adds new individuals and leaves ssbonto's as they are")
            elif isinstance(s, URIRef):
                reader.problems.append(f"no table holds <{s}> {short(str(p))} "
                                       f"{o.n3() if isinstance(o, Literal) else short(str(o))}")
        if reader.problems:
            raise NotContributable(sorted(set(reader.problems)))
        return result

    def review_graph(self) -> Graph:
        if not hasattr(self, "_graph"):
            from .validation import knowledge_graph

            self._graph = knowledge_graph(self.sources, self.tbox) + self.tbox
        return self._graph

    # -- one row each ----------------------------------------------------------------------------
    def material_row(self, node, keys: dict, reader: _Reader) -> dict[str, str]:
        cls = self.most_specific(node, self.vocabulary.material_classes, reader)
        formula = reader.text(node, SSB.formula, "formula")
        elements = {local_name(e) for e in reader.values(node, SSB.hasElement)}
        if formula:
            try:
                parsed = set(chemistry.parse_formula(formula).elements)
            except ValueError as error:
                reader.problems.append(f"the formula of <{node}> does not parse: {error}")
                parsed = elements
            if parsed != elements:
                reader.problems.append(f"the formula {formula} of <{node}> has the elements "
                                       f"{', '.join(sorted(parsed))}, but the description names "
                                       f"{', '.join(sorted(elements)) or 'none'} (ssb:hasElement)")
        variant = reader.one(node, SSB.isVariantOf, "parent material")
        note = reader.text(node, SKOS.editorialNote, "note")
        return {"key": keys[node], "label": reader.text(node, RDFS.label, "label", required=True),
                # the formula as the lab writes it is its printed form, unless it gives one
                "formula_printed": reader.text(node, SSB.printedFormula, "printed formula") or formula,
                "formula": formula,
                "class": self.names.get(cls, ""), "variant_of": self.subject_key(variant, keys, reader) if variant else "",
                "roles": ";".join(sorted(self.roles.get(r) or self.name_of(r, "role", reader)
                                         for r in reader.values(node, SSB.hasRole))),
                "acronyms": ";".join(str(a) for a in reader.values(node, SSB.acronym)),
                "source": self.source(node, reader, "material") or self.study_source(node, reader),
                "refs": self.refs(node, reader), "note": note}

    def study_source(self, material, reader: _Reader) -> str:
        """A material's source when it names none: the section of the study about it."""
        for study in reader.data.subjects(SSB.hasSubject, material):
            for section in reader.data.objects(study, SSB.sourceSection):
                return str(section)
        reader.problems.append(f"the material <{material}> names no section of the review, and no study about it does")
        return ""

    def study_row(self, node, keys: dict, reader: _Reader) -> dict[str, str]:
        reader.typed(node, SSB.Study)
        subject = reader.one(node, SSB.hasSubject, "subject", required=True)
        return {"key": keys[node], "label": reader.text(node, RDFS.label, "label", required=True),
                "subject": self.subject_key(subject, keys, reader) if subject is not None else "",
                "statement": reader.text(node, SSB.statement, "statement of what it found", required=True),
                "source": self.source(node, reader, "study"), "refs": self.refs(node, reader),
                "note": reader.text(node, SKOS.editorialNote, "note")}

    def measurement_row(self, node, keys: dict, reports: list[str], reader: _Reader,
                        result: Contribution) -> dict[str, str]:
        study = reader.one(node, SSB.partOfStudy, "study", required=True)
        if study is not None and study not in keys:
            reader.problems.append(f"the measurement <{node}> is part of <{study}>, which is not a study of the "
                                   "description")
        technique = self.most_specific(node, self.vocabulary.techniques, reader)
        name = self.names.get(technique, "")
        study_key = keys.get(study, "")
        from ..build.populate import kebab

        result.iris[str(node)] = str(ID[f"measurement/{study_key}-{kebab(name)}"])
        subject = reader.one(node, SSB.hasSubject, "subject", required=True)
        study_subject = next(iter(reader.data.objects(study, SSB.hasSubject)), None) if study is not None else None
        if reader.values(node, SSB.hasSpatialResolution):
            reader.problems.append(f"the measurement <{node}> states a spatial resolution; ssbonto curates those "
                                   "for the rows of Table 3 only")
        nuclei = [local_name(n) for n in reader.values(node, SSB.probesNucleus)]
        mode = reader.one(node, SSB.hasMeasurementMode, "measurement mode")
        stimulus = reader.one(node, SSB.hasStimulus, "stimulus")
        for reported in reports:
            finding = next(URIRef(lab) for lab, ours in result.iris.items() if ours == str(ID[f"finding/{reported}"]))
            reader.taken.add((finding, SSB.reportedBy, node))
        return {"study": study_key, "technique": name, "label": reader.text(node, RDFS.label, "label"),
                "subject": "" if subject == study_subject or subject is None else self.subject_key(subject, keys, reader),
                "mode": self.name_of(mode, "measurement mode", reader) if mode is not None else "",
                "stimulus": self.name_of(stimulus, "stimulus", reader) if stimulus is not None else "",
                "nuclei": ";".join(nuclei),
                "measurands": ";".join(sorted(self.name_of(m, "measurand", reader)
                                              for m in reader.values(node, SSB.measures))),
                "reports": ";".join(sorted(reports)), "refs": self.refs(node, reader),
                "note": reader.text(node, SKOS.editorialNote, "note")}

    def finding_row(self, node, keys: dict, reader: _Reader, result: Contribution) -> dict[str, str]:
        reader.typed(node, SSB.Finding)
        quantity = reader.one(node, SSB.hasQuantity, "quantity", required=True)
        subject = reader.one(node, SSB.hasSubject, "subject")
        technique = reader.one(node, SSB.aboutTechnique, "technique it is about")
        label = reader.one(node, RDFS.label, "label")
        if label is not None:
            result.not_kept.append(f"the label of the finding <{node}> (\"{label}\"): ssbonto labels a finding by its "
                                   "printed value and its sentence")
        row = {"key": keys[node], "statement": reader.text(node, SSB.statement, "sentence stating it", required=True),
               "source": self.source(node, reader, "finding"), "refs": self.refs(node, reader),
               "note": reader.text(node, SKOS.editorialNote, "note"),
               "subject": (self.subject_key(subject, keys, reader) if subject is not None
                           else self.names.get(technique, "") if technique is not None else "")}
        if subject is None and technique is None:
            reader.problems.append(f"the finding <{node}> names no subject (ssb:hasSubject)")
        if quantity is None:
            return row
        result.iris[str(quantity)] = str(ID[f"quantity/{keys[node]}"])
        reader.typed(quantity, SSB.Quantity)
        observable = reader.one(quantity, SSB.quantifies, "observable", required=True)
        unit = reader.one(quantity, QUDT.unit, "unit", required=True)
        kind = reader.one(quantity, QUDT.hasQuantityKind, "quantity kind", required=True)
        printed_value = reader.text(quantity, SSB.printedValue, "printed value")
        quantity_label = reader.text(quantity, RDFS.label, "label")
        if printed_value and quantity_label and printed_value != quantity_label:
            result.not_kept.append(f"the label of the quantity <{quantity}>: ssbonto labels it by its printed value "
                                   f"\"{printed_value}\"")
        approximate = reader.one(quantity, SSB.isApproximate, "approximation flag")
        concept = self.name_of(observable, "measurand or quantity", reader) if observable is not None else ""
        unit_name = str(unit)[len(str(UNIT)):] if unit is not None and str(unit).startswith(str(UNIT)) else ""
        if unit is not None and unit_name not in self.review.units:
            reader.problems.append(f"the unit {short(str(unit))} of <{quantity}> is not one ontology/units.tsv lists")
        elif kind is not None and concept:
            unit_kinds = self.review.units[unit_name].quantity_kinds
            chosen = next((k for k in self.review.quantity_kinds.get(concept, []) if k in unit_kinds), None)
            if chosen is not None and URIRef(str(QUANTITYKIND) + chosen) != kind:
                reader.problems.append(f"the quantity <{quantity}> has the kind {short(str(kind))}; ssbonto gives a "
                                       f"{concept} in {short(str(unit))} the kind quantitykind:{chosen}")
        row.update({"quantity": concept,
                    "value": self._decimal(reader.one(quantity, QUDT.numericValue, "value")),
                    "min": self._decimal(reader.one(quantity, SSB.minimumValue, "minimum")),
                    "max": self._decimal(reader.one(quantity, SSB.maximumValue, "maximum")),
                    "unit": unit_name, "approximate": "yes" if approximate is not None and approximate.toPython() is True
                    else "no" if approximate is not None else "",
                    "printed": printed_value or quantity_label,
                    "condition": reader.text(quantity, SSB.condition, "condition"), "technique": "",
                    "events": ";".join(sorted(self.name_of(e, "process event", reader)
                                              for e in reader.values(quantity, SSB.marksEvent)))})
        for section in reader.values(quantity, SSB.sourceSection):  # the build gives the finding's source to both
            if str(section) != row["source"]:
                reader.problems.append(f"the quantity <{quantity}> names another section than its finding")
        return row

    @staticmethod
    def _decimal(value) -> str:
        return "" if value is None else str(value)


def contribute(graphs: dict[str, Graph], sources: Path, validator: DocumentValidator | None = None) -> Contribution:
    """The rows the documents would add (they are validated first: a description that does not
    conform raises NotContributable with its violations)."""
    validator = validator or DocumentValidator(sources)
    outcome = validator.check(graphs)
    if not outcome.report.conforms:
        raise NotContributable([f"does not conform: {violation}" for violation in outcome.report.violations])
    data = Graph()
    for graph in graphs.values():
        data += graph
    return Contributor(sources).contribute(data)
