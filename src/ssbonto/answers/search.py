"""Search over every term and individual of a release, from the index `ssbonto build` writes
(ssbonto.build.search_index), opened read-only: ranked, with the field that matched.

Ranking (docs/search.md), best first, each tier above every lower one:
  1000  the whole query is a label or an acronym          (`LLZO`, `XPS`, `lithium distribution`)
   900  ... is a synonym, formula, printed form, symbol, nucleus notation or the IRI's last segment
   700+ the query begins a name (not an IRI segment)      (`Li7La3`, `tomo`)
   500+ every query word is a word of a name              (`x ray tomography`, `distribution lithium`)
   400+ ... of an author, journal, year, title or printed technique (`Bhattacharyya 2010`)
   300+ ... of a definition, statement or citation
   200+ no entity has every word: those with some of them, by the share of the query's words
A query word the index does not know is replaced by the indexed words one typo away (one letter
deleted, inserted, replaced, or two neighbours swapped; `ph` may be read as `f`), and a match through such a
correction scores 150 less. Within a tier, the share of the matched name the query covers adds
up to 80, a label's words (not a synonym's) 10, and the kind of the entity up to 9 (techniques first, uses of a technique last); ties
go by label, then IRI, so answers are deterministic.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..build.search_index import (DEFINITION_FIELDS, KINDS, NAME_FIELDS, PRIMARY_FIELDS, SCHEMA_VERSION,
                                  WORD_FIELDS, deletions, folded, key, query_tokens)
from ..layout import SEARCH_INDEX_FILE

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
SUGGEST_LIMIT = 10
# left out when no entity has every word and some-of-the-words decides ("Li+ motion at an interface")
STOP_WORDS = {"a", "an", "and", "are", "at", "by", "for", "from", "how", "i", "in", "is", "it", "me", "my", "of",
              "on", "or", "the", "to", "what", "which", "with"}
ROW_BUDGET = 3000
ENTITY_COLUMNS = "e.iri, e.label, e.kind, e.acronyms"  # candidate rows read per tier: bounds the work of a very common word at 1 M triples

EXACT_PRIMARY, EXACT, PREFIX, WORDS_NAME, WORDS_OTHER, DEFINITION, SOME_WORDS = 1000, 900, 700, 500, 400, 300, 200
TYPO_PENALTY = 150
LABEL_BONUS = 10  # in the word tiers, a label's or acronym's words before a synonym's
KIND_BONUS = {"technique": 9, "measurand": 8, "information-kind": 8, "material": 7, "interface": 6, "cell": 6,
              "nuclide": 6, "element": 5, "material-class": 5, "interface-class": 5, "cell-class": 5,
              "facility": 5, "measurement-mode": 5, "stimulus": 5, "quantity-kind": 4, "reference": 4,
              "unit": 4, "study": 3, "finding": 3, "capability": 3, "technique-summary": 3, "table": 3,
              "neutron-data": 2, "probe": 2, "role": 2, "class": 2, "property": 1, "ontology": 1,
              "quantity": 1, "measurement": 0}


class SearchError(ValueError):
    """A parameter the search cannot take; `parameter` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass
class Hit:
    iri: str
    label: str
    type: str
    acronyms: list[str]
    matched: str
    score: float

    def as_json(self) -> dict:
        return asdict(self)

    @property
    def display(self) -> str:
        """`Li7La3Zr2O12 (LLZO)`: the label with the acronyms it does not already show."""
        extra = [a for a in self.acronyms if a.casefold() != self.label.casefold()]
        return f"{self.label} ({', '.join(extra)})" if extra else self.label


@dataclass
class Results:
    q: str
    total: int
    results: list[Hit]
    facets: dict[str, int] = field(default_factory=dict)  # kind -> matching entities, before the type filter
    type: str | None = None
    limit: int = DEFAULT_LIMIT

    def as_json(self) -> dict:
        return {"q": self.q, "total": self.total, "results": [hit.as_json() for hit in self.results],
                "facets": self.facets, "type": self.type, "limit": self.limit}


def parse_limit(raw, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """A limit parameter: an integer from 1, capped at `maximum`."""
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise SearchError("limit", f"limit must be a whole number from 1 to {maximum}, not {str(raw)[:40]!r}")
    if value < 1:
        raise SearchError("limit", f"limit must be a whole number from 1 to {maximum}, not {value}")
    return min(value, maximum)


def check_query(q: str | None, parameter: str = "q") -> str:
    if q is None or not q.strip():
        raise SearchError(parameter, f"{parameter} is empty: give the words to search for, e.g. {parameter}=LLZO")
    if len(q) > MAX_QUERY_CHARS:
        raise SearchError(parameter, f"{parameter} is {len(q)} characters long; at most {MAX_QUERY_CHARS} are searched")
    return q


def check_kind(kind: str | None) -> str | None:
    if kind is None or kind == "":
        return None
    if kind not in KINDS:
        raise SearchError("type", f"type {kind[:40]!r} is not a kind of entity here; the kinds are: " + ", ".join(KINDS))
    return kind


def check_kinds(raw: str | None) -> set[str] | None:
    """A comma-separated list of kinds (`material,material-class`), or None for every kind."""
    if raw is None or not raw.strip():
        return None
    return {check_kind(part.strip()) for part in raw.split(",") if part.strip()}


def damerau_within_one(a: str, b: str) -> bool:
    """True when a and b differ by at most one deletion, insertion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
                and a[diffs[1]] == b[diffs[0]])
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


@dataclass
class _Match:
    score: float
    field: str
    text: str
    entity: tuple  # (iri, label, kind, acronyms)


class SearchIndex:
    """The index of one release; safe to share between threads (one connection per thread)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no search index; rebuild the release with `ssbonto build`")
        self._local = threading.local()
        schema = self._db().execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if schema is None or int(schema[0]) != SCHEMA_VERSION:
            raise ValueError(f"{self.path}: search index of another version ({schema and schema[0]}); "
                             "rebuild the release with `ssbonto build`")

    @classmethod
    def of_release(cls, release_dir: Path) -> "SearchIndex":
        return cls(Path(release_dir) / SEARCH_INDEX_FILE)

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # immutable: a release never changes after it is published, so no locks are taken
            connection = sqlite3.connect(f"file:{self.path.resolve()}?mode=ro&immutable=1", uri=True,
                                         check_same_thread=False)
            self._local.connection = connection
        return connection

    # -- what callers ask -------------------------------------------------------------------------
    def search(self, q: str, kind: str | None = None, limit: int = DEFAULT_LIMIT) -> Results:
        q = check_query(q)
        kind = check_kind(kind)
        limit = min(max(1, limit), MAX_LIMIT)
        matches = self._matches(q, prefix_last=True)
        facets: dict[str, int] = {}
        for match in matches.values():
            facets[match.entity[2]] = facets.get(match.entity[2], 0) + 1
        chosen = [match for match in matches.values() if kind is None or match.entity[2] == kind]
        return Results(q, len(chosen), self._best(chosen, limit),
                       dict(sorted(facets.items(), key=lambda kv: (-kv[1], kv[0]))), kind, limit)

    def suggest(self, q: str, limit: int = SUGGEST_LIMIT, kinds: set[str] | None = None) -> list[Hit]:
        """Autocomplete: names that match or begin with the text, or whose words do; `kinds`
        keeps only entities of those kinds."""
        q = check_query(q)
        matches = self._matches(q, prefix_last=True, names_only=True)
        chosen = [match for match in matches.values() if kinds is None or match.entity[2] in kinds]
        return self._best(chosen, min(max(1, limit), MAX_LIMIT))

    def nearest(self, text: str, kind: str | None = None, limit: int = 3) -> list[Hit]:
        """The closest entities to a text (a name someone typed, the last segment of an unknown
        IRI), for "did you mean"; empty when nothing comes near."""
        text = text[:MAX_QUERY_CHARS]
        if not key(text):
            return []
        results = self.search(text, kind, limit)
        if not results.results and kind is not None:
            results = self.search(text, None, limit)
        return results.results

    def entity(self, iri: str) -> Hit | None:
        row = self._db().execute("SELECT iri, label, kind, acronyms FROM entity WHERE iri = ?", (iri,)).fetchone()
        if row is None:
            return None
        return self._hit(_Match(0.0, "iri", iri, row))

    def kinds(self) -> dict[str, int]:
        return dict(self._db().execute("SELECT kind, COUNT(*) FROM entity GROUP BY kind ORDER BY 2 DESC, 1"))

    def exact(self, text: str, kinds: set[str] | None = None) -> list[Hit]:
        """Entities one of whose names is the text (in the normal form), best name first."""
        found: dict[int, _Match] = {}
        self._exact(key(text), found, 0)
        chosen = [match for match in found.values() if kinds is None or match.entity[2] in kinds]
        return self._best(chosen, len(chosen))

    # -- matching ---------------------------------------------------------------------------------
    def _matches(self, q: str, prefix_last: bool, names_only: bool = False) -> dict[int, _Match]:
        words = query_tokens(q)[:MAX_QUERY_WORDS]
        whole = key(q)
        found: dict[int, _Match] = {}
        if not whole:
            return found
        self._exact(whole, found, 0)
        if len(whole) >= 2:
            self._prefix(whole, found)
        corrections = {word: self._corrections(word) for word in words}
        if len(words) == 1 and corrections[words[0]]:
            for corrected in sorted(corrections[words[0]]):
                self._exact(corrected, found, TYPO_PENALTY)
        if words:
            self._words(words, corrections, found, prefix_last, names_only)
        if not found and len(words) > 1:
            self._some_words(words, corrections, found, names_only)
        return found

    @staticmethod
    def _keep(found: dict[int, _Match], row: tuple, score: float) -> None:
        """row: (entity number, field, text, iri, label, kind, acronyms)."""
        current = found.get(row[0])
        if current is None or score > current.score:
            found[row[0]] = _Match(score, row[1], row[2], row[3:7])

    def _exact(self, whole: str, found: dict[int, _Match], penalty: int) -> None:
        for row in self._db().execute(
                f"SELECT n.entity, n.field, n.text, {ENTITY_COLUMNS} FROM name n JOIN entity e ON e.id = n.entity "
                "WHERE n.key = ? LIMIT ?", (whole, ROW_BUDGET)):
            tier = EXACT_PRIMARY if row[1] in PRIMARY_FIELDS else EXACT
            self._keep(found, row, tier + 80 - penalty)

    def _prefix(self, whole: str, found: dict[int, _Match]) -> None:
        for row in self._db().execute(
                f"SELECT n.entity, n.field, n.text, {ENTITY_COLUMNS}, length(n.key) FROM name n "
                "JOIN entity e ON e.id = n.entity WHERE n.key > ? AND n.key < ? AND n.field != 'identifier' "
                "ORDER BY n.key LIMIT ?",
                (whole, whole + "\U0010ffff", ROW_BUDGET)):
            self._keep(found, row, PREFIX + 80 * len(whole) / row[7])

    def _corrections(self, word: str) -> set[str]:
        """Indexed words one typo from a word the index does not know."""
        db = self._db()
        if len(word) < 4 or db.execute("SELECT 1 FROM vocabulary WHERE word = ?", (word,)).fetchone():
            return set()
        target = folded(word)
        variants = sorted(deletions(target) | {target} | deletions(word) | {word})
        marks = ",".join("?" * len(variants))
        candidates = {row[0] for row in db.execute(
            f"SELECT word FROM deletes WHERE variant IN ({marks}) LIMIT ?", (*variants, ROW_BUDGET))}
        candidates |= {row[0] for row in db.execute(
            f"SELECT word FROM vocabulary WHERE folded IN ({marks}) OR word IN ({marks}) LIMIT ?",
            (*variants, *variants, ROW_BUDGET))}
        return {c for c in candidates if damerau_within_one(folded(c), target) or damerau_within_one(c, word)}

    def _words(self, words: list[str], corrections: dict[str, set[str]], found: dict[int, _Match],
               prefix_last: bool, names_only: bool) -> None:
        terms = []
        for index, word in enumerate(words):
            options = [f'"{word}"' + (" *" if prefix_last and index == len(words) - 1 and len(word) >= 2 else "")]
            options += [f'"{c}"' for c in sorted(corrections[word])]
            terms.append("(" + " OR ".join(options) + ")")
        last = len(words) - 1
        for row in self._db().execute(
                f"SELECT w.entity, w.field, w.text, {ENTITY_COLUMNS}, w.tokens, w.size FROM words w "
                "JOIN entity e ON e.id = w.entity WHERE words MATCH ? LIMIT ?",
                (" AND ".join(terms), ROW_BUDGET)):
            field_name, indexed = row[1], row[7]
            if field_name in NAME_FIELDS:
                tier = WORDS_NAME
            elif names_only:
                continue
            elif field_name in WORD_FIELDS:
                tier = WORDS_OTHER
            elif field_name in DEFINITION_FIELDS:
                tier = DEFINITION
            else:
                continue
            indexed_words = indexed.split()
            present = set(indexed_words)
            covered, typo = 0, False
            for index, word in enumerate(words):
                if word in present:
                    covered += len(word)
                    continue
                begun = max((len(w) for w in indexed_words if w.startswith(word)), default=0) \
                    if prefix_last and index == last and len(word) >= 2 else 0
                if begun:
                    covered += begun
                else:
                    covered += max((len(c) for c in corrections[word] if c in present), default=0)
                    typo = True
            coverage = min(1.0, covered / max(1, row[8]))  # row[8]: the text's whole-word size
            bonus = LABEL_BONUS if field_name in PRIMARY_FIELDS else 0
            self._keep(found, row, tier + 80 * coverage + bonus - (TYPO_PENALTY if typo else 0))

    def _some_words(self, words: list[str], corrections: dict[str, set[str]], found: dict[int, _Match],
                    names_only: bool) -> None:
        """No entity has every word: those with some of them, by the share of the query's words."""
        words = [word for word in words if word not in STOP_WORDS]
        if not words:
            return
        options = {word: {word} | corrections[word] for word in words}
        expression = " OR ".join(f'"{w}"' for w in sorted(set().union(*options.values())))
        for row in self._db().execute(
                f"SELECT w.entity, w.field, w.text, {ENTITY_COLUMNS}, w.tokens FROM words w "
                "JOIN entity e ON e.id = w.entity WHERE words MATCH ? LIMIT ?",
                (expression, ROW_BUDGET)):
            if names_only and row[1] not in NAME_FIELDS:
                continue
            present = set(row[7].split())
            share = sum(1 for word in words if options[word] & present) / len(words)
            bonus = 10 if row[1] in NAME_FIELDS else 0
            self._keep(found, row, SOME_WORDS + 70 * share + bonus)

    # -- rows -------------------------------------------------------------------------------------
    def _best(self, matches: list[_Match], limit: int) -> list[Hit]:
        hits = [self._hit(match) for match in matches]
        hits.sort(key=lambda hit: (-hit.score, hit.label.casefold(), hit.iri))
        return hits[:limit]

    @staticmethod
    def _hit(match: _Match) -> Hit:
        iri, label, kind, acronyms = match.entity
        score = match.score + KIND_BONUS.get(kind, 0)
        return Hit(iri, label, kind, acronyms.split("\x1f") if acronyms else [], f"{match.field}: {match.text}",
                   round(score, 1))
