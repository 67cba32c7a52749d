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

The normalized formula is the one form two printings of a formula share, to compare them:
groups multiplied out, each component's elements in Hill order (C, H, then alphabetical) with
their summed counts as simplified expressions (1 left out), the components joined by '·', a
polymorph prefix kept. Li1+xTi2-xAlx(PO4)3 and Li1+xAlxTi2-x(PO4)3 both give AlxLi1+xO12P3Ti2-x;
80Li2S·20P2S5 gives 80Li2S·20P2S5; (Li2S)x(P2S5)100-x gives Li2xP200-2xS500-4x. A formula with
a count divided by a variable (no polynomial) is left as written, without white space.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
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
    normalized: str = ""  # see `normalized formula` in the module docstring


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


class Count:
    """A count in a formula: a polynomial in the variables x, y, z, n, δ with rational
    coefficients (7-x, x/3, 4.5+x/2, 2n), kept exact so that equal counts print alike."""

    def __init__(self, terms: dict[tuple[str, ...], Fraction] | None = None):
        self.terms = {m: c for m, c in (terms or {}).items() if c != 0}

    @classmethod
    def number(cls, value: Fraction | int) -> "Count":
        return cls({(): Fraction(value)})

    @classmethod
    def variable(cls, name: str) -> "Count":
        return cls({(name,): Fraction(1)})

    def __add__(self, other: "Count") -> "Count":
        terms = dict(self.terms)
        for monomial, coefficient in other.terms.items():
            terms[monomial] = terms.get(monomial, Fraction(0)) + coefficient
        return Count(terms)

    def __neg__(self) -> "Count":
        return Count({m: -c for m, c in self.terms.items()})

    def __sub__(self, other: "Count") -> "Count":
        return self + -other

    def __mul__(self, other: "Count") -> "Count":
        result = Count()
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                result = result + Count({tuple(sorted(m1 + m2)): c1 * c2})
        return result

    def constant(self) -> Fraction | None:
        """The value when the count holds no variable."""
        if all(not monomial for monomial in self.terms):
            return self.terms.get((), Fraction(0))
        return None

    def is_one(self) -> bool:
        return self.terms == {(): Fraction(1)}

    def __str__(self) -> str:
        ordered = sorted(self.terms.items(), key=lambda item: (len(item[0]), item[0]))
        text = ""
        for index, (monomial, coefficient) in enumerate(ordered):
            sign = "-" if coefficient < 0 else "+"
            body = _term_text(monomial, abs(coefficient))
            text += ("-" if sign == "-" else "") + body if index == 0 else sign + body
        return text or "0"

    def single_term(self) -> bool:
        return len(self.terms) == 1 and next(iter(self.terms.values())) > 0


def _number_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    rest = value.denominator
    for factor in (2, 5):
        while rest % factor == 0:
            rest //= factor
    if rest == 1:  # a terminating decimal: print it as one (1.5, 0.75)
        return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return f"{value.numerator}/{value.denominator}"


def _term_text(monomial: tuple[str, ...], coefficient: Fraction) -> str:
    if not monomial:
        return _number_text(coefficient)
    variables = "*".join(monomial)
    numerator = "" if coefficient.numerator == 1 else str(coefficient.numerator)
    denominator = "" if coefficient.denominator == 1 else f"/{coefficient.denominator}"
    return f"{numerator}{variables}{denominator}"


@dataclass
class _Component:
    coefficient: Count
    counts: dict[str, Count]


class _Parser:
    def __init__(self, text: str, placeholders: frozenset[str]):
        self.original = text
        self.text = "".join(text.split())
        self.pos = 0
        self.placeholders = placeholders
        self.elements: set[str] = set()
        self.prefix = ""
        self.components: list[_Component] = []
        self.polynomial = True  # every count a polynomial, so the formula can be normalized

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
        self.components.append(self.component())
        while not self.at_end():
            ch = self.peek()
            if ch in COMPONENT_SEPARATORS + "-":
                self.pos += 1
                self.components.append(self.component())
            else:
                self.fail(f"unexpected '{ch}'")
        return self.elements

    def skip_polymorph_prefix(self):
        if self.peek() in POLYMORPH_PREFIXES and self.peek(1) == "-" and self.peek(2).isupper():
            self.prefix = self.text[:2]
            self.pos += 2

    def component(self) -> _Component:
        coefficient = self.expression() if self.starts_coefficient() else Count.number(1)
        if not self.starts_unit():
            self.fail("expected an element symbol or a group")
        counts: dict[str, Count] = {}
        while self.starts_unit():
            _add_counts(counts, self.unit())
        return _Component(coefficient, counts)

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

    def unit(self) -> dict[str, Count]:
        """An element or a group with its count: the element counts it contributes."""
        if self.peek_in("(["):
            opening = self.peek()
            closing = ")" if opening == "(" else "]"
            self.pos += 1
            counts: dict[str, Count] = {}
            while self.starts_unit():
                _add_counts(counts, self.unit())
            if self.peek() != closing:
                self.fail(f"expected '{closing}'")
            self.pos += 1
        else:
            counts = {self.element(): Count.number(1)}
        if self.starts_count():
            multiplier = self.expression()
            counts = {symbol: count * multiplier for symbol, count in counts.items()}
        return counts

    def element(self) -> str:
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
        return symbol

    def starts_count(self) -> bool:
        ch = self.peek()
        if ch.isdigit() or ch in VARIABLES or ch == ".":
            return True
        return ch == "(" and not self.group_holds_elements()

    def expression(self) -> Count:
        value = self.term()
        while self.peek_in("+-") and self.continues_expression(1):
            operator = self.peek()
            self.pos += 1
            value = value + self.term() if operator == "+" else value - self.term()
        return value

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

    def term(self) -> Count:
        value = self.factor()
        while self.peek_in("/*"):
            operator = self.peek()
            self.pos += 1
            right = self.factor()
            if operator == "*":
                value = value * right
            else:
                divisor = right.constant()
                if divisor is None or divisor == 0:  # the grammar allows it; it is no polynomial
                    self.polynomial = False
                else:
                    value = value * Count.number(1 / divisor)
        return value

    def factor(self) -> Count:
        ch = self.peek()
        if ch.isdigit() or ch == ".":
            start = self.pos
            while self.peek().isdigit() or self.peek() == ".":
                self.pos += 1
            digits = self.text[start:self.pos]
            if digits.count(".") > 1:
                self.fail("malformed number")
            value = Count.number(Fraction(Decimal(digits)))
            if self.peek_in("".join(VARIABLES)):  # implicit product, as in Li3xLa2/3-xTiO3
                value = value * Count.variable(self.peek())
                self.pos += 1
            return value
        if ch in VARIABLES:
            self.pos += 1
            return Count.variable(ch)
        if ch == "(":
            self.pos += 1
            value = self.expression()
            if self.peek() != ")":
                self.fail("expected ')' closing an expression")
            self.pos += 1
            return value
        self.fail("expected a number or a variable")


def _add_counts(total: dict[str, Count], more: dict[str, Count]) -> None:
    for symbol, count in more.items():
        total[symbol] = total[symbol] + count if symbol in total else count


def hill_order(symbols) -> list[str]:
    """Carbon first and hydrogen second when there is carbon, then alphabetical (the Hill system)."""
    symbols = sorted(set(symbols))
    if "C" in symbols:
        return ["C"] + (["H"] if "H" in symbols else []) + [s for s in symbols if s not in ("C", "H")]
    return symbols


def _normalized(parser: _Parser) -> str:
    if not parser.polynomial:  # a count divided by a variable: left as written
        return parser.text
    parts = []
    for component in parser.components:
        coefficient = ""
        if not component.coefficient.is_one():
            text = str(component.coefficient)
            coefficient = text if component.coefficient.single_term() else f"({text})"
        body = "".join(symbol + ("" if component.counts[symbol].is_one() else str(component.counts[symbol]))
                       for symbol in hill_order(component.counts) if component.counts[symbol].terms)
        parts.append(coefficient + body)
    return parser.prefix + "·".join(parts)


def parse_formula(text: str, substitutions: dict[str, tuple[str, ...]] | None = None) -> Formula:
    """Parse a formula into its element set and normalized form; placeholders expand to their
    substitutes in the element set and stay as written in the normalized form."""
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
    return Formula(text=text, elements=tuple(sorted(elements, key=atomic_number)), normalized=_normalized(parser))


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
