"""Chemical formulas as the review prints them, parsed into element sets.

The grammar covers what solid-state battery papers write:
  - counts that are numbers, fractions or expressions in variables: Li1+xAlxGe2-x(PO4)3, x/3, 2/3-x
  - groups in () or [] with counts: Li(Ni1/3Mn1/3Co1/3)O2, (Li7-xAlx/3)La3Zr2O12
  - composites and glasses joined by '·', '–' or '-': xLi2SO4·(1-x)LiPO3, 80Li2S·20P2S5,
    (Li2S)x(P2S5)100-x, Li7La3Zr2O12-PEO, Li4SiO4–Li3PO4
  - a polymorph prefix: β-Li3PS4
  - placeholders such as X in Li6PS5X, resolved by substitutions {"X": ("Cl", "Br")}

A '-' continues a count when a number, a variable or '(' follows it, and separates components
when an element or a group follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import periodictable

COMPONENT_SEPARATORS = "·•–—"
VARIABLES = set("xyzn") | {"δ"}
POLYMORPH_PREFIXES = set("αβγδεκ") | {"c", "a", "t", "o", "h"}


class FormulaError(ValueError):
    def __init__(self, formula: str, position: int, reason: str):
        self.formula = formula
        self.position = position
        self.reason = reason
        super().__init__(f"cannot parse formula '{formula}' at character {position + 1}: {reason}")


@dataclass(frozen=True)
class Formula:
    text: str
    elements: tuple[str, ...]  # sorted element symbols, placeholders resolved


@lru_cache(maxsize=None)
def element_symbols() -> frozenset[str]:
    return frozenset(el.symbol for el in periodictable.elements if el.number > 0)


def element_name(symbol: str) -> str:
    return periodictable.elements.symbol(symbol).name


def atomic_number(symbol: str) -> int:
    return periodictable.elements.symbol(symbol).number


def is_known_isotope(symbol: str, mass_number: int) -> bool:
    element = periodictable.elements.symbol(symbol)
    return mass_number in element.isotopes


class _Parser:
    def __init__(self, text: str, placeholders: frozenset[str]):
        self.original = text
        self.text = "".join(text.split())
        self.pos = 0
        self.placeholders = placeholders
        self.elements: set[str] = set()

    # -- helpers ---------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def peek_in(self, chars: str, offset: int = 0) -> bool:
        ch = self.peek(offset)
        return ch != "" and ch in chars

    def fail(self, reason: str):
        raise FormulaError(self.original, self.pos, reason)

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> set[str]:
        if not self.text:
            self.fail("empty formula")
        self.skip_polymorph_prefix()
        self.component()
        while not self.at_end():
            ch = self.peek()
            if ch in COMPONENT_SEPARATORS + "-":
                self.pos += 1
                self.component()
            else:
                self.fail(f"unexpected '{ch}'")
        return self.elements

    def skip_polymorph_prefix(self):
        if self.peek() in POLYMORPH_PREFIXES and self.peek(1) == "-" and self.peek(2).isupper():
            self.pos += 2

    def component(self):
        if self.starts_coefficient():
            self.coefficient()
        if not self.starts_unit():
            self.fail("expected an element symbol or a group")
        while self.starts_unit():
            self.unit()

    def starts_unit(self) -> bool:
        ch = self.peek()
        if ch.isupper():
            return True
        if self.peek_in("(["):
            return self.group_holds_elements()
        return False

    def starts_coefficient(self) -> bool:
        ch = self.peek()
        if ch.isdigit() or ch in VARIABLES:
            return True
        return ch == "(" and not self.group_holds_elements()

    def group_holds_elements(self) -> bool:
        """Whether the bracket at pos encloses chemistry (a group) rather than an expression."""
        close = {"(": ")", "[": "]"}[self.peek()]
        depth, i = 0, self.pos
        while i < len(self.text):
            ch = self.text[i]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
                if depth == 0:
                    return any(c.isupper() for c in self.text[self.pos:i])
            i += 1
        self.fail(f"unclosed '{self.peek()}' (expected '{close}')")

    def coefficient(self):
        self.expression()

    def unit(self):
        if self.peek_in("(["):
            opening = self.peek()
            closing = ")" if opening == "(" else "]"
            self.pos += 1
            while self.starts_unit():
                self.unit()
            if self.peek() != closing:
                self.fail(f"expected '{closing}'")
            self.pos += 1
        else:
            self.element()
        if self.starts_count():
            self.expression()

    def element(self):
        first = self.peek()
        second = self.peek(1)
        symbols = element_symbols()
        if second.islower() and first + second in symbols:
            symbol = first + second
        elif first in symbols or first in self.placeholders:
            symbol = first
        elif second.islower() and first + second in self.placeholders:
            symbol = first + second
        else:
            candidate = first + second if second.islower() else first
            self.fail(f"'{candidate}' is not an element symbol")
        self.pos += len(symbol)
        self.elements.add(symbol)

    def starts_count(self) -> bool:
        ch = self.peek()
        if ch.isdigit() or ch in VARIABLES or ch == ".":
            return True
        return ch == "(" and not self.group_holds_elements()

    def expression(self):
        self.term()
        while self.peek_in("+-") and self.continues_expression(1):
            self.pos += 1
            self.term()

    def continues_expression(self, offset: int) -> bool:
        ch = self.peek(offset)
        if ch.isdigit() or ch in VARIABLES:
            return True
        if ch == "(":
            saved = self.pos
            self.pos += offset
            try:
                return not self.group_holds_elements()
            finally:
                self.pos = saved
        return False

    def term(self):
        self.factor()
        while self.peek_in("/*"):
            self.pos += 1
            self.factor()

    def factor(self):
        ch = self.peek()
        if ch.isdigit() or ch == ".":
            start = self.pos
            while self.peek().isdigit() or self.peek() == ".":
                self.pos += 1
            if self.text[start:self.pos].count(".") > 1:
                self.fail("malformed number")
            if self.peek_in("".join(VARIABLES)):  # implicit product, as in Li3xLa2/3-xTiO3
                self.pos += 1
        elif ch in VARIABLES:
            self.pos += 1
        elif ch == "(":
            self.pos += 1
            self.expression()
            if self.peek() != ")":
                self.fail("expected ')' closing an expression")
            self.pos += 1
        else:
            self.fail("expected a number or a variable")


def parse_formula(text: str, substitutions: dict[str, tuple[str, ...]] | None = None) -> Formula:
    """Parse a formula into its element set; placeholders expand to their substitutes."""
    substitutions = substitutions or {}
    for placeholder, symbols in substitutions.items():
        unknown = [s for s in symbols if s not in element_symbols()]
        if unknown:
            raise FormulaError(text, 0, f"substitution {placeholder}={'|'.join(symbols)} names "
                                        f"non-elements: {', '.join(unknown)}")
    parser = _Parser(text, frozenset(substitutions))
    found = parser.parse()
    elements: set[str] = set()
    for symbol in found:
        elements.update(substitutions.get(symbol, (symbol,)))
    unused = set(substitutions) - found
    if unused:
        raise FormulaError(text, 0, f"substitution for {', '.join(sorted(unused))} is not used "
                                    "in the formula")
    return Formula(text=text, elements=tuple(sorted(elements, key=atomic_number)))


def parse_substitutions(cell: str) -> dict[str, tuple[str, ...]]:
    """'X=Cl|Br' (several separated by ';') -> {'X': ('Cl', 'Br')}."""
    result: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        if "=" not in part:
            raise ValueError(f"substitution '{part}' is not of the form X=Cl|Br")
        name, _, values = part.partition("=")
        symbols = tuple(v.strip() for v in values.split("|") if v.strip())
        if not name.strip() or not symbols:
            raise ValueError(f"substitution '{part}' is not of the form X=Cl|Br")
        result[name.strip()] = symbols
    return result
