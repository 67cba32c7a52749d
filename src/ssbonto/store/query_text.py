"""What a SPARQL text asks for before it runs: its SERVICE endpoints, its FROM / FROM NAMED
graphs, and whether it is an update.

Oxigraph calls any SERVICE endpoint it meets and has no switch to stop it, and its union
default graph overrides a query's FROM clauses, so both decisions must be made from the text.
A tokenizer is enough and exact: keywords only count outside strings, IRIs, comments and
prefixed names, as in the SPARQL grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_PN_LOCAL_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<variable>[?$]\w+)
  | (?P<pname>(?:[^\W\d_](?:[\w.-]*[\w-])?)?:(?:[\w:%-]|PN_LOCAL_ESCAPE|\.(?=[\w:%\\]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
""".replace("PN_LOCAL_ESCAPE", _PN_LOCAL_ESCAPE), re.VERBOSE | re.DOTALL)

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
QUERY_KEYWORDS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


@dataclass
class QueryText:
    """The outward-facing parts of a query. IRIs are absolute; an entry of `unresolved` is a
    SERVICE or FROM target that cannot be known before the query runs (a variable, an
    undeclared prefix, a relative IRI without BASE)."""

    form: str | None = None  # SELECT, CONSTRUCT, DESCRIBE, ASK, or an update keyword
    services: list[str] = field(default_factory=list)
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_KEYWORDS

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def _tokens(text: str):
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        if kind not in ("space", "comment"):
            yield kind, match.group()


def inspect_query(text: str, prefixes: dict[str, str] | None = None) -> QueryText:
    """Read `text` (with `prefixes` predeclared, as the store declares them)."""
    known = dict(prefixes or {})
    base: str | None = None
    shape = QueryText()
    tokens = list(_tokens(text))

    def target(position: int) -> str | None:
        """The IRI named by the token at `position`, or None when it cannot be known."""
        if position >= len(tokens):
            return None
        kind, value = tokens[position]
        if kind == "iri":
            iri = _unescape_iri(value[1:-1])
            if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri):
                return iri
            return urljoin(base, iri) if base else None
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in known:
                return None
            return known[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None

    def describe(position: int) -> str:
        return tokens[position][1] if position < len(tokens) else "(end of query)"

    for i, (kind, value) in enumerate(tokens):
        if kind == "pname" and i > 0 and tokens[i - 1][0] == "word" and tokens[i - 1][1].upper() == "PREFIX":
            iri = target(i + 1)
            if iri is not None:
                known[value.partition(":")[0]] = iri
            continue
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword == "BASE":
            resolved = target(i + 1)
            if resolved is not None:
                base = resolved
        elif shape.form is None and keyword in QUERY_KEYWORDS | UPDATE_KEYWORDS:
            shape.form = keyword
        elif keyword == "SERVICE":
            position = i + 1
            if position < len(tokens) and tokens[position][0] == "word" and tokens[position][1].upper() == "SILENT":
                position += 1
            iri = target(position)
            if iri is None:
                shape.unresolved.append(f"SERVICE {describe(position)}")
            else:
                shape.services.append(iri)
        elif keyword == "FROM":
            position = i + 1
            named = position < len(tokens) and tokens[position][0] == "word" and tokens[position][1].upper() == "NAMED"
            position += int(named)
            iri = target(position)
            if iri is None:
                shape.unresolved.append(f"FROM {'NAMED ' if named else ''}{describe(position)}")
            else:
                (shape.from_named_graphs if named else shape.from_graphs).append(iri)
    return shape


def _unescape_iri(iri: str) -> str:
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)
