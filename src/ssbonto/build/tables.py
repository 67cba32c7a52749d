"""Reading curated TSV tables: header checks, row numbers, and typed cells with clear errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import BuildError, Problem

SLUG = re.compile(r"^[a-z0-9]+(-{1,2}[a-z0-9]+)*$")  # "--" joins the two sides of an interface key


@dataclass
class Row:
    file: str
    line: int
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def problem(self, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, reason))

    def text(self, column: str, required: bool = False) -> str:
        value = self.cells[column]
        if value != value.strip():
            self.problem(column, f"value {value!r} has leading or trailing whitespace")
            value = value.strip()
        if required and not value:
            self.problem(column, "is empty but required")
        return value

    def values(self, column: str, required: bool = False) -> list[str]:
        """A ';'-separated list cell."""
        raw = self.text(column, required)
        items = [item.strip() for item in raw.split(";")] if raw else []
        if any(not item for item in items):
            self.problem(column, f"list {raw!r} has an empty item")
        return [item for item in items if item]

    def slug(self, column: str, required: bool = True) -> str:
        value = self.text(column, required)
        if value and not SLUG.match(value):
            self.problem(column, f"key {value!r} is not a lowercase slug like 'li7la3zr2o12'")
        return value

    def slugs(self, column: str, required: bool = False) -> list[str]:
        """A ';'-separated list of keys, each a lowercase slug."""
        keys = self.values(column, required)
        for key in keys:
            if not SLUG.match(key):
                self.problem(column, f"key {key!r} is not a lowercase slug like 'li7la3zr2o12'")
        return [key for key in keys if SLUG.match(key)]

    def integer(self, column: str, required: bool = True, minimum: int | None = None) -> int | None:
        value = self.text(column, required)
        if not value:
            return None
        if not re.fullmatch(r"-?\d+", value):
            self.problem(column, f"{value!r} is not an integer")
            return None
        number = int(value)
        if minimum is not None and number < minimum:
            self.problem(column, f"{number} is below the minimum {minimum}")
        return number

    def decimal(self, column: str, required: bool = False) -> str | None:
        """A number cell as a canonical xsd:decimal lexical form (printed precision kept)."""
        value = self.text(column, required)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.problem(column, f"{value!r} is not a number")
            return None
        if not number.is_finite():
            self.problem(column, f"{value!r} is not a finite number")
            return None
        lexical = format(number, "f") if "e" in value.lower() else value.lstrip("+")
        # Turtle writes a decimal without a point as "500.0": give every form its point up front
        # so all serializations carry the same lexical value.
        return lexical if "." in lexical else lexical + ".0"

    def flag(self, column: str) -> bool:
        value = self.text(column).lower()
        if value not in ("", "yes", "no"):
            self.problem(column, f"{value!r} must be 'yes', 'no' or empty")
        return value == "yes"

    def choice(self, column: str, allowed: set[str] | dict, what: str, required: bool = False) -> str:
        value = self.text(column, required)
        if value and value not in allowed:
            self.problem(column, f"unknown {what} {value!r}{_suggest(value, allowed)}")
        return value

    def choices(self, column: str, allowed: set[str] | dict, what: str, required: bool = False) -> list[str]:
        items = self.values(column, required)
        for item in items:
            if item not in allowed:
                self.problem(column, f"unknown {what} {item!r}{_suggest(item, allowed)}")
        return items


def _suggest(value: str, allowed) -> str:
    import difflib

    close = difflib.get_close_matches(value, list(allowed), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def read_table(path: Path, columns: list[str], display_root: Path | None = None) -> list[Row]:
    """Rows of a TSV file whose header must equal `columns`; comment and blank lines skipped."""
    name = str(path.relative_to(display_root)) if display_root else path.name
    if not path.exists():
        raise BuildError(Problem(name, None, None, "file is missing"))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError(Problem(name, None, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})"))
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None)
    if header_index is None:
        raise BuildError(Problem(name, None, None, "file has no header line"))
    header = lines[header_index].split("\t")
    if header != columns:
        raise BuildError(Problem(name, header_index + 1, None,
                                 f"header is {header} but must be {columns}"))
    rows: list[Row] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines[header_index + 1:], start=header_index + 2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != len(columns):
            problems.append(Problem(name, number, None,
                                    f"has {len(cells)} cells but the header has {len(columns)}"))
            continue
        rows.append(Row(name, number, dict(zip(columns, cells))))
    if problems:
        raise BuildError(problems)
    return rows


def collect_problems(rows: list[Row]) -> list[Problem]:
    return [problem for row in rows for problem in row.problems]
