"""Syntax errors of a SPARQL query in words a person can act on.

Oxigraph's parser reports "error at 1:28: expected one of Prefix not found, ['%'], ['-' | '0' ..=
'9' | '\\u{00B7}' …" — the position and every character class its grammar would accept. This module
turns that into "error at line 1, column 28, after «{ ?s foo:bar»: unknown prefix foo: — predeclared are
ssb:, ssbid:, material:, …", or, for other errors, the keywords and punctuation it expected with
the character classes named ("a name", "a number") instead of listed.
"""

from __future__ import annotations

import re

POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)
PREFIXED_NAME = re.compile(r"([A-Za-z][\w.-]*)?:[\w.%-]*$")
SLASHED_NAME = re.compile(r"(?<![<\w\"'])([A-Za-z][\w.-]*):([\w.-]+)/([\w.%-]+)")
MAX_ALTERNATIVES = 8
NEAR_CHARS = 24


def explain(query: str, message: str, prefixes: dict[str, str]) -> str:
    """The parser's `message` about `query`, rewritten; unknown shapes of message pass through."""
    match = POSITION.match(message.strip())
    if not match:
        return message
    line, column, expectation = int(match.group(1)), int(match.group(2)), match.group(3)
    lines = query.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    before = text[:column - 1]
    where = f"error at line {line}, column {column}"
    context = before.strip()[-NEAR_CHARS:].lstrip()
    if context:
        where += f", after «{context}»"
    if "Prefix not found" in expectation:
        return f"{where}: {unknown_prefix(before, prefixes)}"
    explained = f"{where}: {expected(expectation)}"
    slashed = SLASHED_NAME.search(query)
    if slashed:
        explained += "; " + slash_hint(slashed, prefixes)
    return explained


def slash_hint(slashed: re.Match, prefixes: dict[str, str]) -> str:
    """`ssbid:material/llzo`: the '/' ends the prefixed name (it is the path operator)."""
    written = slashed.group(0)
    namespace = prefixes.get(slashed.group(1), "") + slashed.group(2) + "/"
    kind = next((p for p, iri in prefixes.items() if iri == namespace), None)
    better = f"{kind}:{slashed.group(3)}" if kind else f"<{namespace}{slashed.group(3)}>"
    return f"a '/' cannot stand in a prefixed name: write {written} as {better}"


def unknown_prefix(before: str, prefixes: dict[str, str]) -> str:
    match = PREFIXED_NAME.search(before)
    name = (match.group(1) or "") if match else ""
    declared = ", ".join(f"{p}:" for p in prefixes)
    return (f"unknown prefix {name}: — predeclared are {declared}; declare it with "
            f"PREFIX {name}: <namespace IRI> before the query")


def expected(expectation: str) -> str:
    """'expected one of ",", ".", [_]' -> 'expected one of ",", "." or any character'."""
    body = expectation.removeprefix("expected one of ").removeprefix("expected ")
    if body.strip() == "IRI parsing failed":
        return "this IRI is not valid: an IRI in <…> may not hold spaces or any of < > \" { } | ^ ` \\"
    items = _split(body)
    words, classes = [], []
    for item in items:
        described = _describe(item)
        if described is None:
            if item not in words:
                words.append(item)
        elif described.startswith('"'):
            if described not in words:
                words.append(described)
        elif described not in classes:
            classes.append(described)
    shown = words[:MAX_ALTERNATIVES]
    more = len(words) - len(shown)
    parts = shown + ([f"{more} other keywords"] if more else []) + classes
    if not parts:
        return "the query cannot continue here"
    if len(parts) == 1:
        return f"expected {parts[0]}"
    return f"expected one of {', '.join(parts[:-1])} or {parts[-1]}"


def _split(body: str) -> list[str]:
    """Split the parser's list at top-level commas (character classes in [...] hold commas too)."""
    items, depth, current, quoted = [], 0, "", None
    for char in body.replace("\n", " "):
        if quoted:
            current += char
            if char == quoted:
                quoted = None
            continue
        if char in "\"'" and depth == 0:
            quoted = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        items.append(current.strip())
    return items


def _describe(item: str) -> str | None:
    """A plain name for a character class of the grammar, or None for a keyword or punctuation."""
    if not item.startswith("["):
        return None
    if item == "[_]":
        return "some other character"
    if "'0'..='9'" in item.replace(" ", "") and "'A'" not in item:
        return "a number"
    if "'A'" in item or "\\u{00C0}" in item or "'a'" in item:
        return "a name"
    if re.fullmatch(r"\['.'\]", item):  # one character, written as the keywords are
        return f'"{item[2]}"'
    return "another character"
