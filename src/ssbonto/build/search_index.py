"""The search index of a release: every term and individual with its names, words and kind,
written by `ssbonto build` (and bench/scale.py) beside the query store as one SQLite file
(layout.SEARCH_INDEX_FILE) that every web worker opens read-only (ssbonto.answers.search reads it; docs/search.md).

What is indexed, read from the release's query store by SPARQL (so a synthetic release indexes
the same way as a built one):
- names, matched whole: labels and acronyms; alternative labels, formulas, printed formulas,
  printed names of cells and Table 6 species, element symbols, nuclide notations (7Li) and the
  IRI's last segment (`llzo`, `table-1-row-5`);
- words: the same names word by word, plus authors, journals, years and titles of references and
  the technique cells a study prints;
- definitions: skos:definition, rdfs:comment, statements (findings, studies) and citations.

Text is compared in one normal form (`key`, `tokens`): Unicode compatibility forms (subscripts
₇ → 7), case folded, diacritics removed, and every character that is not a letter or a digit
dropped, so `Li₇La₃Zr₂O₁₂`, `li7la3zr2o12` and `Li7-La3Zr2O12` meet, as do `X-ray` and `xray`.
Typos are found through `deletes` (every word with one letter deleted, SymSpell-style) on a
`folded` form that also reads `ph` as `f`.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from ..prefixes import BASE, PREFIX_IRIS

SCHEMA_VERSION = 1
SSB = PREFIX_IRIS["ssb"]
RDFS = PREFIX_IRIS["rdfs"]
SKOS = PREFIX_IRIS["skos"]
OWL = PREFIX_IRIS["owl"]
DCTERMS = PREFIX_IRIS["dcterms"]

# How a field of an entity is matched: a whole `name` (label, acronym, synonym), `words` only, or
# a `definition` (the lowest tier). The field names are what `matched` reports.
NAME_FIELDS = {"label", "acronym", "synonym", "formula", "printed formula", "printed name", "symbol",
               "identifier", "unit symbol"}
WORD_FIELDS = {"author", "journal", "year", "title", "printed"}
DEFINITION_FIELDS = {"definition", "statement", "citation"}
PRIMARY_FIELDS = {"label", "acronym"}  # the first tier of an exact match
NAME_ONLY_FIELDS = {"identifier"}  # matched whole or by its beginning, never word by word

PROPERTY_FIELDS = {
    RDFS + "label": "label",
    SSB + "acronym": "acronym",
    SKOS + "altLabel": "synonym",  # altLabels that read like acronyms become "acronym" (is_acronym)
    SSB + "formula": "formula",
    SSB + "printedFormula": "printed formula",
    SSB + "printedAs": "printed",  # a name for cells and Table 6 species (NAMED_BY_PRINTED_FORM)
    SSB + "elementSymbol": "symbol",
    SSB + "firstAuthor": "author",
    SSB + "authorList": "author",
    SSB + "containerTitle": "journal",
    SSB + "publicationYear": "year",
    DCTERMS + "title": "title",
    SKOS + "definition": "definition",
    RDFS + "comment": "definition",
    SSB + "statement": "statement",
    DCTERMS + "bibliographicCitation": "citation",
}

# The kind of an individual: the first of these classes among its types' ancestors.
INDIVIDUAL_KINDS = [
    ("CharacterizationTechnique", "measurement"),  # an individual of a technique class is one use of it
    ("Material", "material"), ("Interface", "interface"), ("BatteryCell", "cell"), ("CompositeElectrode", "cell"),
    ("Study", "study"), ("Finding", "finding"), ("Reference", "reference"), ("Quantity", "quantity"),
    ("Measurand", "measurand"), ("InformationKind", "information-kind"), ("QuantityConcept", "quantity-kind"),
    ("Nuclide", "nuclide"), ("ChemicalElement", "element"), ("MeasurementMode", "measurement-mode"),
    ("Stimulus", "stimulus"), ("Facility", "facility"), ("Probe", "probe"), ("MaterialRole", "role"),
    ("ReviewTable", "table"), ("CapabilityStatement", "capability"), ("TechniqueSummary", "technique-summary"),
    ("NeutronScatteringData", "neutron-data"),
]
# The kind of a class: the first of these among its ancestors (itself included), else "class".
CLASS_KINDS = [
    ("CharacterizationTechnique", "technique"), ("Material", "material-class"),
    ("Interface", "interface-class"), ("StudiedEntity", "cell-class"), ("Facility", "facility"),
]
NAMED_BY_PRINTED_FORM = {"cell", "neutron-data"}
KINDS = sorted({kind for _, kind in INDIVIDUAL_KINDS} | {kind for _, kind in CLASS_KINDS}
               | {"class", "property", "ontology", "unit"})


# -- the normal form ---------------------------------------------------------------------------------

NOT_WORD = re.compile(r"[\W_]+")
CHUNK_BREAK = re.compile(r"[\s/|,;:()\[\]{}]+")


@lru_cache(maxsize=1 << 18)  # a synthetic release repeats its statements in every copy
def fold_text(text: str) -> str:
    """Compatibility forms, case and diacritics removed; punctuation kept."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def key(text: str) -> str:
    """The whole text as one comparable string: letters and digits only."""
    return NOT_WORD.sub("", fold_text(text))


@lru_cache(maxsize=1 << 18)
def tokens(text: str) -> tuple[str, ...]:
    """The words of a text for the index: each whitespace- or slash-separated chunk as one word
    (`x-ray` → `xray`) and, when punctuation joins parts, each part too (`x`, `ray`)."""
    result: list[str] = []
    for chunk in CHUNK_BREAK.split(fold_text(text)):
        whole = NOT_WORD.sub("", chunk)
        if not whole:
            continue
        result.append(whole)
        if whole != chunk:
            parts = [part for part in NOT_WORD.split(chunk) if part]
            if len(parts) > 1:
                result.extend(parts)
    return tuple(dict.fromkeys(result))


def whole_size(text: str) -> int:
    """The letters and digits of a text's whole words (`x-ray` counted once, not also as `x`, `ray`):
    what the share of a text a query covers is measured against."""
    return len(key(text))


def query_tokens(text: str) -> list[str]:
    """The words of a query: whitespace-separated chunks, each as one word."""
    words = (key(chunk) for chunk in CHUNK_BREAK.split(text))
    return list(dict.fromkeys(word for word in words if word))


def folded(word: str) -> str:
    """The form typos are compared in: `ph` read as `f` (tomografy, tomography)."""
    return word.replace("ph", "f")


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def is_acronym(text: str) -> bool:
    """`XPS`, `2D EXSY`, `T1ρ`, `7Li`: every word has at least as many capitals (or digits) as
    small letters."""
    words = text.split()
    if not words or len(text) > 16:
        return False
    for word in words:
        upper = sum(1 for c in word if c.isupper() or c.isdigit())
        lower = sum(1 for c in word if c.islower())
        if upper == 0 or lower > upper:
            return False
    return True


# -- what the index holds ----------------------------------------------------------------------------

@dataclass
class Entity:
    iri: str
    kind: str = ""
    label: str = ""
    acronyms: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)  # (field, text)


def _rows(store: ox.Store, sparql: str):
    for solution in store.query(sparql, use_default_graph_as_union=True):
        yield solution


def _ancestors(store: ox.Store) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, f"SELECT ?c ?d WHERE {{ ?c <{RDFS}subClassOf> ?d FILTER(isIRI(?c) && isIRI(?d)) }}"):
        parents[row["c"].value].add(row["d"].value)
    closure: dict[str, set[str]] = {}

    def up(cls: str) -> set[str]:
        if cls not in closure:
            closure[cls] = {cls}
            for parent in parents.get(cls, ()):
                closure[cls] |= up(parent)
        return closure[cls]

    for cls in list(parents):
        up(cls)
    return closure


def _kind(iri: str, types: set[str], ancestors: dict[str, set[str]]) -> str:
    if OWL + "Ontology" in types:
        return "ontology"
    if OWL + "Class" in types:
        above = ancestors.get(iri, {iri})
        return next((kind for name, kind in CLASS_KINDS if SSB + name in above), "class")
    if types & {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}:
        return "property"
    above = set()
    for cls in types:
        above |= ancestors.get(cls, {cls})
    for name, kind in INDIVIDUAL_KINDS:
        if SSB + name in above:
            return kind
    if any(cls.startswith(SSB) and OWL + "Class" not in types for cls in types):  # a class-like individual
        return "class"
    return ""


def collect(store: ox.Store, units: dict[str, tuple[str, str]] | None = None) -> list[Entity]:
    """Every IRI of ours that has a label, with its kind and its indexed fields, sorted by IRI.
    `units`: QUDT unit IRI → (label, symbol) for the units the release's quantities use."""
    ancestors = _ancestors(store)
    entities: dict[str, Entity] = {}
    values = " ".join(f"<{p}>" for p in PROPERTY_FIELDS)
    for row in _rows(store, f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
                            f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{BASE}\") && isLiteral(?o)) }}"):
        entity = entities.setdefault(row["s"].value, Entity(row["s"].value))
        entity.fields.append((PROPERTY_FIELDS[row["p"].value], row["o"].value))
    types: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, f"SELECT ?s ?t WHERE {{ ?s a ?t FILTER(isIRI(?s) && isIRI(?t) "
                            f"&& STRSTARTS(STR(?s), \"{BASE}\")) }}"):
        if row["s"].value in entities:
            types[row["s"].value].add(row["t"].value)
    result = []
    for iri, entity in entities.items():
        entity.kind = _kind(iri, types.get(iri, set()), ancestors)
        if not _finish(entity):
            continue
        result.append(entity)
    if units:
        used = {row["u"].value for row in _rows(store, f"SELECT DISTINCT ?u WHERE {{ ?q <{PREFIX_IRIS['qudt']}unit> ?u }}")}
        for iri in sorted(used):
            label, symbol = units.get(iri, (iri.rsplit("/", 1)[-1], ""))
            unit = Entity(iri, "unit", label, [], [("label", label), ("identifier", iri.rsplit("/", 1)[-1])])
            if symbol:
                unit.fields.append(("unit symbol", symbol))
            result.append(unit)
    result.sort(key=lambda e: e.iri)
    return result


def _finish(entity: Entity) -> bool:
    """Choose the label, sort out acronyms and printed names; False for an entity with no label."""
    labels = sorted(text for name, text in entity.fields if name == "label")
    if not labels:
        return False
    entity.label = labels[0]
    finished: list[tuple[str, str]] = []
    for name, text in entity.fields:
        if name == "synonym" and is_acronym(text):
            name = "acronym"
        elif name == "printed" and entity.kind in NAMED_BY_PRINTED_FORM:
            name = "printed name"
        finished.append((name, text))
    local = entity.iri.rstrip("/").rsplit("/", 1)[-1]
    if key(local) and key(local) not in {key(text) for _, text in finished}:
        finished.append(("identifier", local))
    entity.fields = sorted(set(finished))
    entity.acronyms = sorted({text for name, text in entity.fields if name == "acronym"}, key=str.casefold)
    return True


# -- the SQLite file ---------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE entity(id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, label TEXT NOT NULL, kind TEXT NOT NULL,
                    acronyms TEXT NOT NULL);
CREATE TABLE name(key TEXT NOT NULL, entity INTEGER NOT NULL, field TEXT NOT NULL, text TEXT NOT NULL);
CREATE VIRTUAL TABLE words USING fts5(tokens, entity UNINDEXED, field UNINDEXED, text UNINDEXED, size UNINDEXED,
                                      tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE vocabulary(word TEXT PRIMARY KEY, folded TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE deletes(variant TEXT NOT NULL, word TEXT NOT NULL);
"""
INDEXES = """
CREATE INDEX name_key ON name(key);
CREATE INDEX deletes_variant ON deletes(variant);
"""


def write_index(entities: list[Entity], path: Path) -> dict:
    """Write the index of `entities` to a new SQLite file at `path`; returns its counts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    vocabulary: set[str] = set()
    counts = {"entities": 0, "names": 0, "word rows": 0}
    try:
        connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        with connection:
            for number, entity in enumerate(entities, start=1):
                connection.execute("INSERT INTO entity VALUES (?, ?, ?, ?, ?)", (
                    number, entity.iri, entity.label, entity.kind, "\x1f".join(entity.acronyms)))
                names, words = [], []
                for name, text in entity.fields:
                    if name in NAME_FIELDS and key(text):
                        names.append((key(text), number, name, text))
                    found = tokens(text) if name not in NAME_ONLY_FIELDS else ()
                    if found:
                        vocabulary.update(found)
                        words.append((" ".join(found), number, name, text, whole_size(text)))
                connection.executemany("INSERT INTO name VALUES (?, ?, ?, ?)", names)
                connection.executemany("INSERT INTO words VALUES (?, ?, ?, ?, ?)", words)
                counts["names"] += len(names)
                counts["word rows"] += len(words)
            counts["entities"] = len(entities)
            connection.executemany("INSERT INTO vocabulary VALUES (?, ?)",
                                   sorted((word, folded(word)) for word in vocabulary))
            connection.executemany("INSERT INTO deletes VALUES (?, ?)", sorted(
                {(variant, word) for word in vocabulary if len(word) >= 4
                 for variant in deletions(word) | deletions(folded(word))}))
            counts["words"] = len(vocabulary)
            connection.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema", str(SCHEMA_VERSION)), ("entities", str(len(entities)))])
        connection.executescript(INDEXES + "INSERT INTO words(words) VALUES ('optimize'); VACUUM;")
    finally:
        connection.close()
    partial.replace(path)
    return counts


def write_search_index(store_dir: Path, path: Path, units: dict[str, tuple[str, str]] | None = None) -> dict:
    """Index the release whose on-disk query store is `store_dir` into the SQLite file `path`."""
    store = ox.Store.read_only(str(store_dir))
    try:
        entities = collect(store, units)
    finally:
        del store
    return write_index(entities, path)


def unit_names(units) -> dict[str, tuple[str, str]]:
    """QUDT unit IRI → (label, symbol), from the curated units (curation.Review.units)."""
    return {PREFIX_IRIS["unit"] + name: (unit.label, unit.symbol) for name, unit in units.items()}
