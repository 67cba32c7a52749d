"""One page of a kind's index (index_kinds): the members the filters leave, sorted by a column,
`per` at a time, each row's cells read for that page only. Nothing here reads more than one page
of rows, the count, and the filters' choices (computed once per process), so an index of the
synthetic million-triple release answers as one of the real release does."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup

from .citations import read_citations
from .index_kinds import Column, Facet, IndexKind
from .reading import Reader, literal_term, values
from .uses import PageArgumentError, local_key

VARIABLE = re.compile(r"\?(?!x\b)(\w+)")
PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_TEXT = 200  # characters of the label filter


@dataclass
class Option:
    key: str
    value: str  # the IRI or the literal's text
    label: str
    count: int
    selected: bool = False


@dataclass
class FacetChoice:
    facet: Facet
    options: list[Option]

    @property
    def name(self) -> str:
        return self.facet.key

    @property
    def heading(self) -> str:
        return self.facet.heading

    @property
    def selected(self) -> Option | None:
        return next((o for o in self.options if o.selected), None)


@dataclass
class Cell:
    items: list[tuple[str, str, bool]] = field(default_factory=list)  # (IRI or "", text, inferred)


@dataclass
class IndexPage:
    kind: IndexKind
    rows: list[tuple[str, dict[str, Cell]]]
    total: int
    everything: int
    page: int
    per: int
    sort: str
    descending: bool
    text: str
    facets: list[FacetChoice]
    citations: dict

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per)

    @property
    def filtered(self) -> bool:
        return bool(self.text) or any(f.selected for f in self.facets)


def members(reader: Reader, kind: IndexKind) -> str:
    prefix = literal_term(f"{reader.base_iri}id/{kind.path}/")
    return f"{kind.members} FILTER(isIRI(?x) && STRSTARTS(STR(?x), {prefix}))"


def facet_options(reader: Reader, kind: IndexKind, facet: Facet) -> list[Option]:
    rows = reader.rows(f"SELECT ?value (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {within(members(reader, kind), facet.pattern)} "
                       f"{facet.choices} }} GROUP BY ?value")
    if facet.literal:
        options = [Option(r["value"], r["value"], r["value"], int(r["n"])) for r in rows]
        numeric = all(o.value.isdigit() for o in options)
        return sorted(options, key=lambda o: (int(o.value) if numeric else o.value.lower()))
    keys = [local_key(r["value"]) for r in rows]
    options = [Option(key if keys.count(key) == 1 else r["value"], r["value"], reader.label(r["value"]), int(r["n"]))
               for key, r in zip(keys, rows)]
    return sorted(options, key=lambda o: natural_key(o.label))


def natural_key(text: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def read_index(reader: Reader, kind: IndexKind, arguments: dict[str, str], options_of) -> IndexPage:
    """`options_of(facet)` gives the facet's choices (cached by the caller)."""
    per = _integer(arguments, "per", PER_PAGE, 1, MAX_PER_PAGE)
    page = _integer(arguments, "page", 1, 1, None)
    sort = arguments.get("sort") or kind.sort or kind.columns[0].key
    column = kind.column(sort)
    if column is None or not column.sortable:
        raise PageArgumentError(f"sort={sort!r}: the columns to sort by are "
                                + ", ".join(c.key for c in kind.columns if c.sortable))
    order = arguments.get("order", "asc")
    if order not in ("asc", "desc"):
        raise PageArgumentError(f"order={order!r}: choose asc or desc")
    text = _text(arguments.get("q", ""))
    facets = []
    for facet in kind.facets:
        choice = FacetChoice(facet, [Option(o.key, o.value, o.label, o.count) for o in options_of(facet)])
        wanted = arguments.get(facet.key)
        if wanted:
            option = next((o for o in choice.options if o.key == wanted), None)
            if option is None:
                raise PageArgumentError(f"{facet.key}={wanted!r} is not one of the choices: "
                                        + ", ".join(o.key for o in choice.options[:60])
                                        + (" …" if len(choice.options) > 60 else ""))
            option.selected = True
        facets.append(choice)
    unknown = set(arguments) - {"per", "page", "sort", "order", "q", *(f.key for f in kind.facets)}
    if unknown:
        raise PageArgumentError(f"this index has no parameter {', '.join(sorted(unknown))}; it takes "
                                + ", ".join(["q", "sort", "order", "page", "per", *(f.key for f in kind.facets)]))
    selection = members(reader, kind)
    for number, choice in enumerate(facets):
        if choice.selected:
            selection = _narrowed(selection, choice, number)
    if text:
        selection += (" FILTER EXISTS { ?x rdfs:label|skos:altLabel|ssb:acronym|ssb:formula|ssb:printedFormula ?qText "
                      f"FILTER(CONTAINS(LCASE(STR(?qText)), LCASE({literal_term(text)}))) }}")
    total = reader.count(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {selection} }}")
    everything = reader.count(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {members(reader, kind)} }}") \
        if (text or any(c.selected for c in facets)) else total
    pages = max(1, math.ceil(total / per))
    if page > pages:
        raise PageArgumentError(f"page={page}: {total} {kind.title.lower()} make {pages} page{'s' if pages != 1 else ''} "
                                f"of {per}")
    direction = "DESC" if order == "desc" else "ASC"
    absent = "0" if column.kind == "count" else "?none"  # no row counts nothing; a missing value sorts last
    found = reader.rows(f"""SELECT ?x ?key WHERE {{ {{ SELECT DISTINCT ?x WHERE {{ {selection} }} }}
          OPTIONAL {{ SELECT ?x ({_sort_aggregate(column)} AS ?found) WHERE {{
                      {within(members(reader, kind), _sort_pattern(column))} }} GROUP BY ?x }}
          BIND(COALESCE(?found, {absent}) AS ?key) }}
        ORDER BY (!BOUND(?key)) {direction}(?key) ?x LIMIT {per} OFFSET {(page - 1) * per}""")
    iris = [row["x"] for row in found]
    cells = _cells(reader, kind, iris)
    citations = read_citations(reader, iris) if any(c.kind == "citation" for c in kind.columns) else {}
    return IndexPage(kind, [(iri, cells[iri]) for iri in iris], total, everything, page, per, sort, order == "desc",
                     text, facets, citations)


def _integer(arguments: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = arguments.get(name)
    if raw in (None, ""):
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= (high or int(raw)) or len(raw) > 9:
        bound = f"from {low} to {high}" if high else f"at least {low}"
        raise PageArgumentError(f"{name}={raw!r}: give a whole number {bound}")
    return int(raw)


def _text(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw).strip()
    if len(text) > MAX_TEXT:
        raise PageArgumentError(f"q: the filter text is {len(text)} characters; give at most {MAX_TEXT}")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise PageArgumentError("q: the filter text holds control characters")
    return text


def _narrowed(selection: str, choice: FacetChoice, number: int) -> str:
    """`selection` joined with the facet's pattern for its chosen value (inside each branch of a union
    pattern), the pattern's variables but ?x renamed apart."""
    pattern = VARIABLE.sub(lambda m: f"?{m[1]}_{number}", choice.facet.pattern)
    value = choice.selected.value
    if choice.facet.literal:
        return f"{{ {selection} }} {pattern} FILTER(STR(?value_{number}) = {literal_term(value)})"
    return within(f"{values(f'value_{number}', [value])} {{ {selection} }}", pattern)


def _sort_pattern(column: Column) -> str:
    if column.sort:
        return column.sort
    if column.kind == "self" or not column.pattern:
        return "?x rdfs:label ?value"
    if column.kind == "link":
        return f"{column.pattern} OPTIONAL {{ ?value rdfs:label ?valueLabel }}"
    return column.pattern


def _sort_aggregate(column: Column) -> str:
    if column.kind == "count":
        return "COUNT(DISTINCT ?counted)"
    if column.sort or column.kind == "number":
        return "MIN(?value)"
    if column.kind == "link":
        return "MIN(COALESCE(?order, LCASE(COALESCE(?shown, STR(?valueLabel), STR(?value)))))"
    return "MIN(LCASE(STR(?value)))"


def _cells(reader: Reader, kind: IndexKind, iris: list[str]) -> dict[str, dict[str, Cell]]:
    cells = {iri: {c.key: Cell() for c in kind.columns} for iri in iris}
    if not iris:
        return cells
    plain = [c for c in kind.columns if c.pattern and c.kind != "count"]
    ordered: dict[tuple[str, str], list[tuple[object, str, str, bool]]] = {}
    if plain:
        page = values("x", iris)  # inside each branch: Oxigraph does not push an outer VALUES into a UNION
        branches = " UNION ".join(f'{{ {within(page, c.pattern)} BIND({literal_term(c.key)} AS ?column) }}' for c in plain)
        for row in reader.rows(f"SELECT DISTINCT ?x ?column ?value ?shown ?inferred ?order WHERE {{ {branches} }}"):
            column = kind.column(row["column"])
            iri = row.get("value", "") if column.kind in ("link",) else ""
            text = row.get("shown") or (reader.label(iri) if iri else row.get("value", ""))
            order = row.get("order")
            key = float(order) if order and _number(order) else natural_key(text)
            ordered.setdefault((row["x"], column.key), []).append((key, iri, text, row.get("inferred") in ("true", "1")))
    for (iri, key), items in ordered.items():
        seen: dict[tuple[str, str], bool] = {}
        for _, value, text, inferred in sorted(items, key=lambda item: (item[3], item[0])):
            seen[(value, text)] = seen.get((value, text), True) and inferred
        cells[iri][key].items = [(value, text, inferred) for (value, text), inferred in seen.items()]
    for column in kind.columns:
        if column.kind == "count":
            for iri in iris:
                cells[iri][column.key].items = [("", "0", False)]
            for row in reader.rows(f"SELECT ?x (COUNT(DISTINCT ?counted) AS ?n) WHERE "
                                   f"{{ {within(values('x', iris), column.pattern)} }} GROUP BY ?x"):
                cells[row["x"]][column.key].items = [("", row["n"], False)]
    return cells


def within(prefix: str, pattern: str) -> str:
    """`prefix` and `pattern` joined, the prefix repeated inside each branch when the pattern starts
    with a union (`{ A } UNION { B } rest`): Oxigraph does not push bindings from outside into a UNION.
    (Our patterns hold no braces inside strings.)"""
    text, branches, position, rest = pattern.strip(), [], 0, ""
    while text.startswith("{", position):
        depth = 0
        for end in range(position, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        else:
            return f"{prefix} {pattern}"
        branches.append(text[position + 1:end])
        following = text[end + 1:].lstrip()
        if not following.startswith("UNION"):
            rest = following
            break
        after = following[len("UNION"):].lstrip()
        position = len(text) - len(after)
    if len(branches) < 2:
        return f"{prefix} {pattern}"
    return " UNION ".join(f"{{ {prefix} {branch} }}" for branch in branches) + (f" {rest}" if rest else "")


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def cell_html(reader: Reader, cell: Cell, separator: str = ", ") -> Markup:
    parts = []
    for iri, text, inferred in cell.items:
        piece = Markup('<a href="{}" title="{}">{}</a>').format(reader.href(iri), iri, text) if iri else \
            Markup("{}").format(text)
        if inferred:
            piece += Markup(' <span class="inferred" title="inferred by HermiT">inferred</span>')
        parts.append(piece)
    return Markup(separator).join(parts)
