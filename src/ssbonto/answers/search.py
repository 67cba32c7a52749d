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
deleted, inserted, replaced, or two neighbours swapped; `ph` may be read as `f`), and a match
through such a correction scores 150 less. Within a tier, the share of the matched name the
query covers adds up to 80, a label's words (not a synonym's) 10, and the kind of the entity up
to 9 (techniques first, uses of a technique last); ties go by label, then IRI, so answers are
deterministic. SQLite scores the candidate rows (one statement per question, `_ranked`).
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
ROW_BUDGET = 1000  # candidate rows read per tier: bounds the work of a very common word at 1 M triples

EXACT_PRIMARY, EXACT, PREFIX, WORDS_NAME, WORDS_OTHER, DEFINITION, SOME_WORDS = 1000, 900, 700, 500, 400, 300, 200
TYPO_PENALTY = 150
LABEL_BONUS = 10  # in the word tiers, a label's or acronym's words before a synonym's
KIND_BONUS = {"technique": 9, "measurand": 8, "information-kind": 8, "material": 7, "interface": 6, "cell": 6,
              "nuclide": 6, "element": 5, "material-class": 5, "interface-class": 5, "cell-class": 5,
              "facility": 5, "measurement-mode": 5, "stimulus": 5, "quantity-kind": 4, "reference": 4,
              "unit": 4, "study": 3, "finding": 3, "capability": 3, "technique-summary": 3, "table": 3,
              "neutron-data": 2, "probe": 2, "role": 2, "class": 2, "property": 1, "ontology": 1,
              "quantity": 1, "measurement": 0}


def _sql_list(values) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


# The scoring above, as SQL over the candidate rows (SQLite ranks them; Python builds the hits kept)
NAME_LIST = _sql_list(NAME_FIELDS)
PRIMARY_CASE = f"(CASE WHEN field IN ({_sql_list(PRIMARY_FIELDS)}) THEN {EXACT_PRIMARY - EXACT} ELSE 0 END)"
LABEL_CASE = f"(CASE WHEN field IN ({_sql_list(PRIMARY_FIELDS)}) THEN {LABEL_BONUS} ELSE 0 END)"
FIELD_TIER_CASE = (f"(CASE WHEN field IN ({NAME_LIST}) THEN {WORDS_NAME} WHEN field IN ({_sql_list(WORD_FIELDS)}) "
                   f"THEN {WORDS_OTHER} WHEN field IN ({_sql_list(DEFINITION_FIELDS)}) THEN {DEFINITION} END)")
KIND_CASE = "(CASE e.kind " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in sorted(KIND_BONUS.items())) + " ELSE 0 END)"
KIND = 3  # the kind's place in a ranked row (score, label, iri, kind, entity, source, row)


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
    def search(self, q: str, kind: str | None = None, limit: int = DEFAULT_LIMIT,
               kinds: set[str] | None = None) -> Results:
        """`kind` (the `type` parameter) or `kinds` keep only entities of that kind or those kinds;
        the facets count every kind."""
        q = check_query(q)
        kind = check_kind(kind)
        wanted = {kind} if kind else kinds
        limit = min(max(1, limit), MAX_LIMIT)
        rows = self._matches(q, prefix_last=True)
        facets: dict[str, int] = {}
        for row in rows:
            facets[row[KIND]] = facets.get(row[KIND], 0) + 1
        chosen = [row for row in rows if wanted is None or row[KIND] in wanted]
        return Results(q, len(chosen), [self._hit(row) for row in chosen[:limit]],
                       dict(sorted(facets.items(), key=lambda kv: (-kv[1], kv[0]))), kind, limit)

    def suggest(self, q: str, limit: int = SUGGEST_LIMIT, kinds: set[str] | None = None) -> list[Hit]:
        """Autocomplete: names that match or begin with the text, or whose words do; `kinds`
        keeps only entities of those kinds."""
        q = check_query(q)
        limit = min(max(1, limit), MAX_LIMIT)
        rows = self._matches(q, prefix_last=True, names_only=True, enough=limit if kinds is None else 0)
        chosen = [row for row in rows if kinds is None or row[KIND] in kinds]
        return [self._hit(row) for row in chosen[:limit]]

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
        row = self._db().execute("SELECT 0, label, iri, kind, id, NULL, NULL FROM entity WHERE iri = ?",
                                 (iri,)).fetchone()
        return self._hit(row) if row else None

    def kinds(self) -> dict[str, int]:
        return dict(self._db().execute("SELECT kind, COUNT(*) FROM entity GROUP BY kind ORDER BY 2 DESC, 1"))

    # -- matching: SQLite scores every candidate row and keeps each entity's best -----------------
    def _matches(self, q: str, prefix_last: bool, names_only: bool = False, enough: int = 0) -> list[tuple]:
        """One ranked row per matching entity, best first (see _ranked)."""
        words = query_tokens(q)[:MAX_QUERY_WORDS]
        whole = key(q)
        if not whole:
            return []
        corrections = {word: self._corrections(word) for word in words}
        arms, parameters = [], []
        exact = [(whole, 0)] + ([(c, TYPO_PENALTY) for c in sorted(corrections[words[0]])]
                                if len(words) == 1 else [])
        for name_key, penalty in exact:
            arms.append(f"SELECT entity, {PRIMARY_CASE} + {EXACT + 80 - penalty} AS score, 0, rowid FROM "
                        "(SELECT rowid, entity, field FROM name WHERE key = ? LIMIT ?)")
            parameters += [name_key, ROW_BUDGET]
        if len(whole) >= 2:
            arms.append(f"SELECT entity, {PREFIX} + 80.0 * {len(whole)} / length(key), 0, rowid FROM "
                        "(SELECT rowid, entity, key FROM name WHERE key > ? AND key < ? "
                        "AND field != 'identifier' ORDER BY key LIMIT ?)")
            parameters += [whole, whole + "\U0010ffff", ROW_BUDGET]
        if words and names_only and self._enough(arms, parameters, enough):
            words = []  # autocomplete: names that begin with the text suffice; their words are not read
        if words:
            terms = []
            for index, word in enumerate(words):
                last = prefix_last and index == len(words) - 1 and len(word) >= 2
                options = [f'"{word}"' + (" *" if last else "")] + [f'"{c}"' for c in sorted(corrections[word])]
                terms.append("(" + " OR ".join(options) + ")")
            typo = TYPO_PENALTY if any(corrections.values()) else 0
            only_names = f"WHERE field IN ({NAME_LIST})" if names_only else ""
            arms.append(f"SELECT entity, {FIELD_TIER_CASE} + 80.0 * min(1.0, {len(whole)} * 1.0 / max(size, 1)) "
                        f"+ {LABEL_CASE} - {typo}, 1, rowid FROM (SELECT rowid, entity, field, size FROM words "
                        f"WHERE words MATCH ? LIMIT ?) {only_names}")
            parameters += [" AND ".join(terms), ROW_BUDGET]
        rows = self._ranked(arms, parameters)
        if not rows and len(words) > 1:
            rows = self._some_words(words, corrections, names_only)
        return rows

    def _enough(self, arms: list[str], parameters: list, enough: int) -> bool:
        """Whether the name arms alone already find `enough` entities."""
        if not enough or not arms:
            return False
        union = " UNION ALL ".join(arms)
        return self._db().execute(f"SELECT COUNT(DISTINCT entity) >= ? FROM ({union})",
                                  [enough, *parameters]).fetchone()[0] == 1

    def _ranked(self, arms: list[str], parameters: list) -> list[tuple]:
        """(score, label, iri-to-be, kind, entity, source, row) per entity, best first: light rows,
        whose names and matched text `_hit` reads for the few that are shown."""
        # SQLite's bare columns: with MAX(), source and row come from the row with the best score
        return self._db().execute(
            f"WITH hit(entity, score, source, row) AS ({' UNION ALL '.join(arms)}), "
            "best AS (SELECT entity, MAX(score) AS score, source, row FROM hit WHERE score IS NOT NULL GROUP BY entity) "
            f"SELECT best.score + {KIND_CASE} AS ranked, e.label, e.iri, e.kind, best.entity, best.source, best.row "
            "FROM best JOIN entity e ON e.id = best.entity ORDER BY ranked DESC, e.label COLLATE NOCASE, e.iri",
            parameters).fetchall()

    def _some_words(self, words: list[str], corrections: dict[str, set[str]], names_only: bool) -> list[tuple]:
        """No entity has every word: those with some of them, by the share of the query's words."""
        words = [word for word in words if word not in STOP_WORDS]
        if not words:
            return []
        options = {word: {word} | corrections[word] for word in words}
        share_terms = " + ".join(
            "(CASE WHEN " + " OR ".join(f"instr(' ' || tokens || ' ', ' {w} ') > 0" for w in sorted(options[word]))
            + " THEN 1 ELSE 0 END)" for word in words)
        only_names = f"WHERE field IN ({NAME_LIST})" if names_only else ""
        arm = (f"SELECT entity, {SOME_WORDS} + 70.0 * ({share_terms}) / {len(words)} + "
               f"CASE WHEN field IN ({NAME_LIST}) THEN 10 ELSE 0 END, 1, rowid FROM "
               f"(SELECT rowid, entity, field, tokens FROM words WHERE words MATCH ? LIMIT ?) {only_names}")
        expression = " OR ".join(f'"{w}"' for w in sorted(set().union(*options.values())))
        return self._ranked([arm], [expression, ROW_BUDGET])

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

    # -- rows -------------------------------------------------------------------------------------
    def _hit(self, row: tuple) -> Hit:
        score, label, iri, kind, number, source, place = row
        db = self._db()
        acronyms = db.execute("SELECT acronyms FROM entity WHERE id = ?", (number,)).fetchone()[0]
        if source is None:
            field_name, text = "iri", iri
        else:
            table = "words" if source else "name"
            field_name, text = db.execute(f"SELECT field, text FROM {table} WHERE rowid = ?", (place,)).fetchone()
        return Hit(iri, label, kind, acronyms.split("\x1f") if acronyms else [], f"{field_name}: {text}",
                   round(score, 1))
