"""What a SPARQL text asks for before it runs: its SERVICE endpoints, its FROM / FROM NAMED
graphs, whether it is an update, and how big and deep it is.

Oxigraph calls any SERVICE endpoint it meets and has no switch to stop it, so the SERVICE
decision is made here, from the text, and it must see every call Oxigraph would make. Oxigraph's
parser is scannerless (a PEG grammar): a keyword is matched as its letters wherever the grammar
tries it, with no word boundary, so `SERVICE:sparql`, `SERVICEex:x`, `}SERVICE<…>` and even
`?s ?p trueSERVICE<…>` (the literal `true`, then the keyword) are all calls. The reading here is
built to be a superset of Oxigraph's:

1. a tokenizer with the grammar's own terminals (Oxigraph's rules for strings, escapes, IRIs,
   comments, variable names and prefixed names) finds the only places a keyword can never start:
   inside a variable name, and inside a string or a comment. IRIs are not skipped, since `<` is
   also an operator; and when an IRI as tokenized holds a `#` or a `'` (where the other reading
   of its `<` would start a comment or a string), strings and comments are not skipped either;
2. every other occurrence of the letters SERVICE, in any case, is read the way Oxigraph's
   ServiceGraphPattern rule reads it (`SERVICE _ SILENT? _ VarOrIri _ {`), with the prologue's
   PREFIX and BASE declarations; where that rule matches, the target is a SERVICE call, and a
   target that cannot be known before the query runs (a variable, an undeclared prefix, a
   relative IRI without BASE) is reported as unresolved.

The same tokenizer counts the query's tokens and its nesting (service limits checked before
the query reaches Oxigraph, whose recursive parser and evaluator exhaust a process's stack on
deep enough input: see `complexity_problem`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

# Character classes of the SPARQL grammar as Oxigraph implements them (spargebra's parser).
_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_VARNAME = f"[{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"
_ECHAR_UCHAR = r"\\[tbnrf\"'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
PN_PREFIX = re.compile(f"[{_BASE}][{_CHARS}]*(?:\\.+[{_CHARS}]+)*")
PN_LOCAL = re.compile(f"(?:[{_U}:0-9]|{_PLX})(?:[{_CHARS}:]|{_PLX})*(?:\\.+(?:[{_CHARS}:]|{_PLX})+)?")
VAR = re.compile(f"[?$]{_VARNAME}")
IRIREF = re.compile(r"<([^>]*)>")  # Oxigraph reads any text up to '>' and then checks it is an IRI
WS = re.compile(r"(?:[ \t\r\n]|#[^\r\n]*)*")  # the grammar's `_`: spaces and comments

TOKEN = re.compile(f"""
    (?P<space>[ \\t\\r\\n]+)
  | (?P<comment>\\#[^\\r\\n]*)
  | (?P<string>'''(?:[^'\\\\]++|{_ECHAR_UCHAR}|''?(?=[^']))*+'''
              | \"\"\"(?:[^\"\\\\]++|{_ECHAR_UCHAR}|\"\"?(?=[^\"]))*+\"\"\"
              | '(?:[^'\\\\\\n\\r]++|{_ECHAR_UCHAR})*+'
              | \"(?:[^\"\\\\\\n\\r]++|{_ECHAR_UCHAR})*+\")
  | (?P<iri><(?:[^<>\"{{}}|^`\\\\\\x00-\\x20]|\\\\u[0-9A-Fa-f]{{4}}|\\\\U[0-9A-Fa-f]{{8}})*>)
  | (?P<variable>[?$]{_VARNAME})
  | (?P<name>(?:[{_CHARS}:%.]|\\\\.)+)
  | (?P<punct>\\|\\||&&|<=|>=|!=|\\^\\^|<<|>>|\\{{\\||\\|\\}}|.)
""", re.VERBOSE | re.DOTALL)

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
QUERY_KEYWORDS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
OPENERS, CLOSERS = {"{", "(", "[", "<<", "{|"}, {"}", ")", "]", ">>", "|}"}
# Tokens that add a link to the chain of their level in the tree Oxigraph builds: operators it
# folds into nested expressions and paths, and the group items it joins one by one.
CHAIN_OPERATORS = {"+", "-", "*", "/", "|", "||", "&&", ".", "{"}
CHAIN_KEYWORDS = {"UNION", "OPTIONAL", "MINUS", "BIND", "FILTER", "SERVICE", "GRAPH", "VALUES", "LATERAL"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class QueryText:
    """The outward-facing parts of a query and its size. IRIs are absolute; an entry of
    `unresolved` is a SERVICE or FROM target that cannot be known before the query runs (a
    variable, an undeclared prefix, a relative IRI without BASE)."""

    form: str | None = None  # SELECT, CONSTRUCT, DESCRIBE, ASK, or an update keyword
    services: list[str] = field(default_factory=list)
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    tokens: int = 0  # tokens other than spaces and comments
    nesting: int = 0  # deepest nesting of brackets ({ ( [ << {|)
    depth: int = 0  # estimated depth of the query's tree: nesting plus the chains at each level
    pattern: "OnePattern | None" = None  # set when the whole query is one triple pattern

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_KEYWORDS

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


@dataclass(frozen=True)
class OnePattern:
    """A query that is one triple pattern and nothing else: `SELECT [DISTINCT|REDUCED] vars|*` or
    `ASK`, `[WHERE] { s p o [.] }`, then at most a LIMIT and an OFFSET. Oxigraph answers it with
    one scan of one index, in time and memory proportional to what the pattern matches."""

    form: str  # SELECT or ASK
    bound: tuple[bool, bool, bool]  # whether the subject, the predicate, the object is given
    limit: int | None


ONE_PATTERN_MAX_TOKENS = 40  # longer bodies are not read for the pattern
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")
_LANGUAGE = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")


def _one_pattern(tokens: list[tuple[str, str]]) -> OnePattern | None:
    """The body's tokens (kind, text) read as a OnePattern, or None when they are anything more."""
    read: list[tuple[str, str]] = []
    for kind, value in tokens:
        if kind != "name":
            read.append((kind, value))
            continue
        name = value.rstrip(".")  # a name cannot end with a dot: `ex:o.` is `ex:o` and `.`, as Oxigraph reads it
        if name:
            read.append((_name_kind(name), name))
        read.extend([("punct", ".")] * (len(value) - len(name)))
    return _read_one_pattern(read)


def _read_one_pattern(tokens: list[tuple[str, str]]) -> OnePattern | None:
    position = 0

    def peek(offset: int = 0) -> tuple[str, str]:
        return tokens[position + offset] if position + offset < len(tokens) else ("end", "")

    def keyword(*words: str) -> str | None:
        kind, value = peek()
        return value.upper() if kind == "word" and value.upper() in words else None

    form = keyword("SELECT", "ASK")
    if form is None:
        return None
    position += 1
    if form == "SELECT":
        if keyword("DISTINCT", "REDUCED"):
            position += 1
        if peek() == ("punct", "*"):
            position += 1
        elif peek()[0] == "variable":
            while peek()[0] == "variable":
                position += 1
        else:
            return None
    if keyword("WHERE"):
        position += 1
    if peek() != ("punct", "{"):
        return None
    position += 1
    bound = []
    for place in ("subject", "predicate", "object"):
        kind, value = peek()
        position += 1
        if kind == "variable":
            bound.append(False)
        elif kind in ("iri", "pname") or (place == "predicate" and (kind, value) == ("word", "a")):
            bound.append(True)
        elif place == "object" and kind == "string":
            bound.append(True)
            if peek() == ("punct", "@") and peek(1)[0] == "word" and _LANGUAGE.fullmatch(peek(1)[1]):
                position += 2
            elif peek() == ("punct", "^^") and peek(1)[0] in ("iri", "pname"):
                position += 2
        elif place == "object" and kind == "word" and (_NUMBER.fullmatch(value) or value.lower() in ("true", "false")):
            bound.append(True)
        else:
            return None
    if peek() == ("punct", "."):
        position += 1
    if peek() != ("punct", "}"):
        return None
    position += 1
    limit = offset = None
    while form == "SELECT" and (word := keyword("LIMIT", "OFFSET")):
        kind, value = peek(1)
        if kind != "word" or not _INTEGER.fullmatch(value) or (limit if word == "LIMIT" else offset) is not None:
            return None
        if word == "LIMIT":
            limit = int(value)
        else:
            offset = int(value)
        position += 2
    if peek()[0] != "end":
        return None
    return OnePattern(form, (bound[0], bound[1], bound[2]), limit)


def _name_kind(name: str) -> str:
    return "pname" if ":" in name else "word"


def _tokens(text: str):
    """(kind, text) of every token but spaces and comments; kinds: string, iri, variable,
    pname (a name with a colon), word (a name without), punct."""
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "name":
            value = match.group()
            yield _name_kind(value), value
        elif kind not in ("space", "comment"):
            yield kind, match.group()


def inspect_query(text: str, prefixes: dict[str, str] | None = None) -> QueryText:
    """Read `text` (with `prefixes` predeclared, as the store declares them)."""
    key = _prefix_keys.get(id(prefixes))
    if key is None or key[0] is not prefixes or len(key[1]) != len(prefixes or ()):
        key = _prefix_keys[id(prefixes)] = (prefixes, tuple(sorted((prefixes or {}).items())))
    return _inspect(text, key[1])


_prefix_keys: dict[int, tuple] = {}


@lru_cache(maxsize=1024)  # a process sees the same texts again (the endpoint, then the store)
def _inspect(text: str, prefixes: tuple[tuple[str, str], ...]) -> QueryText:
    shape = QueryText()
    known, base, body = _declared(text[:PROLOGUE.match(text).end()], prefixes)
    shape.form = _form(text, body)
    skipped: list[tuple[int, int]] = []  # strings, comments, variables: where no keyword can start
    opaque: list[tuple[int, int]] = []  # strings and comments, skipped unless the reading is ambiguous
    ambiguous = False
    from_positions: list[int] = []
    level_links = [0]
    nesting = depth = 0
    chain = 1  # sum over the open levels of (1 + links so far at that level)
    tokens = text.count("PREFIX", 0, body) * 3 + text.count("BASE", 0, body) * 2  # the prologue, read above
    first: list[tuple[str, str]] = []  # the body's first tokens (one more than _one_pattern reads)
    for match in TOKEN.finditer(text, body):
        kind = match.lastgroup
        if kind == "space":
            continue
        if kind == "comment":
            opaque.append(match.span())
            continue
        tokens += 1
        if len(first) <= ONE_PATTERN_MAX_TOKENS:
            first.append((kind, match.group()))
        if kind in ("string", "variable"):
            (opaque if kind == "string" else skipped).append(match.span())
            continue
        value = match.group()
        if kind == "iri":
            ambiguous = ambiguous or "#" in value or "'" in value
        elif kind == "name":
            if value.upper() in CHAIN_KEYWORDS:
                level_links[-1] += 1
                chain += 1
            elif len(level_links) == 1 and ":" not in value and "FROM" in value.upper():
                upper = value.upper()
                from_positions += [match.start() + i.start() for i in re.finditer("FROM", upper)]
        elif kind == "punct":
            if value in CHAIN_OPERATORS:
                level_links[-1] += 1
                chain += 1
            if value in OPENERS:
                level_links.append(0)
                chain += 1
                nesting = max(nesting, len(level_links) - 1)
            elif value in CLOSERS and len(level_links) > 1:
                chain -= 1 + level_links.pop()
        depth = max(depth, chain)
    shape.tokens, shape.nesting, shape.depth = tokens, nesting, depth
    if len(first) <= ONE_PATTERN_MAX_TOKENS and shape.form in ("SELECT", "ASK"):
        shape.pattern = _one_pattern(first)

    if not ambiguous:
        skipped = sorted(skipped + opaque)
    starts = [start for start, _ in skipped]

    def in_skipped(position: int) -> bool:
        index = bisect_right(starts, position) - 1
        return index >= 0 and skipped[index][0] <= position < skipped[index][1]

    for position in _occurrences(text, "service", body):
        if not in_skipped(position):
            for target in _service_targets(text, position + 7, known, base):
                if target[0] is None:
                    shape.unresolved.append(f"SERVICE {target[1]}")
                elif target[0] not in shape.services:
                    shape.services.append(target[0])
    for position in from_positions:
        if position >= body and not in_skipped(position):
            for named, (iri, written) in _from_targets(text, position + 4, known, base):
                if iri is None:
                    shape.unresolved.append(f"FROM {'NAMED ' if named else ''}{written}")
                else:
                    (shape.from_named_graphs if named else shape.from_graphs).append(iri)
    return shape


def _occurrences(text: str, word: str, start: int):
    """Where `word` (lower case) occurs from `start` on, in any case (Oxigraph compares keywords
    ignoring ASCII case; str.lower maps a few more letters, which only adds candidates)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: fall back to the regex
        yield from (match.start() for match in re.compile(word, re.IGNORECASE).finditer(text, start))
        return
    position = lowered.find(word, start)
    while position >= 0:
        yield position
        position = lowered.find(word, position + 1)


def complexity_problem(shape: QueryText, max_tokens: int, max_nesting: int, max_depth: int) -> str | None:
    """Why the query is too big or too deep to hand to Oxigraph, or None. Oxigraph parses and
    evaluates recursively: nesting (and long chains of operators or group items, which it folds
    into nested trees) beyond what its stack holds kills the process (bench/README.md gives the
    depths measured)."""
    if shape.tokens > max_tokens:
        return (f"the query has {shape.tokens:,} tokens; this endpoint accepts queries of at most "
                f"{max_tokens:,} tokens")
    if shape.nesting > max_nesting:
        return (f"the query nests brackets {shape.nesting:,} levels deep; this endpoint accepts a nesting "
                f"depth of at most {max_nesting:,}")
    if shape.depth > max_depth:
        return (f"the query's tree is {shape.depth:,} levels deep (every bracket and every link of a chain of "
                f"operators, UNIONs or group patterns adds one); this endpoint accepts at most {max_depth:,}")
    return None


# -- the grammar's rules that decide the outward-facing parts, read as Oxigraph reads them ----------
def _skip(text: str, position: int) -> int:
    return WS.match(text, position).end()


_WS = r"(?:[ \t\r\n]|#[^\r\n]*)*"
BASE_DECL = re.compile(f"(?i:BASE){_WS}<([^>]*)>{_WS}")
PREFIX_DECL = re.compile(f"(?i:PREFIX){_WS}({PN_PREFIX.pattern})?:{_WS}<([^>]*)>{_WS}")


# The whole prologue at once (the declarations `_prologue` reads one by one, as far as they go): the
# key under which a prologue's reading is kept, since distinct queries from one client mostly
# differ after the same PREFIX lines, whose reading costs more than the rest of the text's.
PROLOGUE = re.compile(f"{_WS}(?:{BASE_DECL.pattern}|{PREFIX_DECL.pattern})*")


@lru_cache(maxsize=256)
def _declared(prologue: str, prefixes: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], str | None, int]:
    """`_prologue` of a prologue's text with `prefixes` predeclared (the dict is shared: read it only)."""
    return _prologue(prologue, dict(prefixes))


def _prologue(text: str, known: dict[str, str]) -> tuple[dict[str, str], str | None, int]:
    """Prologue() = (BaseDecl _ / PrefixDecl _)*: the prefixes and base in force for the query,
    and where the query's body starts."""
    base = None
    position = _skip(text, 0)
    while True:
        declaration = BASE_DECL.match(text, position)
        if declaration:
            iri = _absolute(_unescape_iri(declaration.group(1)), base)
            if iri is None:
                return known, base, position
            base = iri
        else:
            declaration = PREFIX_DECL.match(text, position)
            if not declaration:
                return known, base, position
            iri = _absolute(_unescape_iri(declaration.group(2)), base)
            if iri is None:
                return known, base, position
            known[declaration.group(1) or ""] = iri
        position = declaration.end()


def _form(text: str, body: int) -> str | None:
    head = text[body:body + 9].upper()
    for keyword in QUERY_KEYWORDS + UPDATE_KEYWORDS:
        if head.startswith(keyword):
            return keyword
    return None


def _service_targets(text: str, position: int, known: dict[str, str], base: str | None):
    """ServiceGraphPattern() after its keyword: `_ SILENT _ VarOrIri _ {`, else `_ VarOrIri _ {`.
    Both readings are returned when both match (Oxigraph takes the first that parses)."""
    found = []
    start = _skip(text, position)
    candidates = [start]
    if text[start:start + 6].upper() == "SILENT":
        candidates.insert(0, _skip(text, start + 6))
    for candidate in candidates:
        target = _var_or_iri(text, candidate, known, base)
        if target is not None and text.startswith("{", _skip(text, target[2])):
            found.append(target[:2])
    return found


def _from_targets(text: str, position: int, known: dict[str, str], base: str | None):
    """DatasetClause() after FROM: `_ (iri / NAMED _ iri)`."""
    found = []
    start = _skip(text, position)
    default = _iri(text, start, known, base)
    if default is not None:
        found.append((False, default[:2]))
    if text[start:start + 5].upper() == "NAMED":
        named = _iri(text, _skip(text, start + 5), known, base)
        if named is not None:
            found.append((True, named[:2]))
    return found


def _var_or_iri(text: str, position: int, known: dict[str, str], base: str | None):
    """(absolute IRI or None when unknowable, the text as written, end) or None: no VarOrIri here."""
    variable = VAR.match(text, position)
    if variable:
        return None, variable.group(), variable.end()
    return _iri(text, position, known, base)


def _iri(text: str, position: int, known: dict[str, str], base: str | None):
    if text.startswith("<", position):
        return _iriref(text, position, base)
    prefix = PN_PREFIX.match(text, position)
    after = prefix.end() if prefix else position
    if not text.startswith(":", after):
        return None
    local = PN_LOCAL.match(text, after + 1)
    end = local.end() if local else after + 1
    name = text[position:after]
    written = text[position:end]
    if name not in known:
        return None, written, end
    return known[name] + text[after + 1:end].replace("\\", ""), written, end


def _iriref(text: str, position: int, base: str | None):
    match = IRIREF.match(text, position)
    if match is None:
        return None
    return _absolute(_unescape_iri(match.group(1)), base), match.group(), match.end()


def _absolute(iri: str, base: str | None) -> str | None:
    if _SCHEME.match(iri):
        return iri
    return resolve(iri, base) if base is not None else None


def _unescape_iri(iri: str) -> str:
    if "\\" not in iri:
        return iri
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


_URI = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.DOTALL)


def resolve(reference: str, base: str) -> str:
    """RFC 3986, section 5.2: `reference` resolved against the absolute `base` (as Oxigraph does)."""
    scheme, authority, path, query, fragment = _URI.match(reference).groups()
    b_scheme, b_authority, b_path, b_query, _ = _URI.match(base).groups()
    if scheme is not None:
        target = (scheme, authority, _remove_dots(path), query)
    elif authority is not None:
        target = (b_scheme, authority, _remove_dots(path), query)
    elif path == "":
        target = (b_scheme, b_authority, b_path, query if query is not None else b_query)
    elif path.startswith("/"):
        target = (b_scheme, b_authority, _remove_dots(path), query)
    else:
        merged = ("/" + path) if b_authority is not None and b_path == "" else b_path[:b_path.rfind("/") + 1] + path
        target = (b_scheme, b_authority, _remove_dots(merged), query)
    scheme, authority, path, query = target
    return (f"{scheme}:" + (f"//{authority}" if authority is not None else "") + path
            + (f"?{query}" if query is not None else "") + (f"#{fragment}" if fragment is not None else ""))


def _remove_dots(path: str) -> str:
    output: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith("./"):
            path = path[2:]
        elif path.startswith("/./"):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if output:
                output.pop()
        elif path == "/..":
            path = "/"
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            cut = path.find("/", 1)
            segment = path if cut < 0 else path[:cut]
            output.append(segment)
            path = "" if cut < 0 else path[cut:]
    return "".join(output)
