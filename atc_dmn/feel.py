"""The S-FEEL subset that decision-table cells may hold, parsed into a small AST.

Input cells are unary tests; output and allowed-values cells are literals.
Anything outside this subset raises :class:`FeelError` with a plain-language
reason, so the loader can name the cell: a cell never silently fails to match.

Supported input cells::

    -  (or empty)           any value
    "M1"   5   true  null   equals
    "T1", "T2", null        one of
    not("T1", "T2")         none of (a missing value is "none of" everything)
    < 5   <= 5   > 5   >= 5 comparison with a number
    [1..5]  (1..5)  [1..5)  range, brackets closed, parentheses open

and, read by :mod:`.feel_expr` when the cell is more than plain values (the rest
of S-FEEL, DMN 1.3 chapter 9): dates, times and durations (``date("2025-01-31")``,
``@"P2D"``), comparisons and ranges over them and over text, names of other
variables (``< Maximum loan``) and arithmetic (``[Low..Low * 2]``). Plain cells
take the fast path below unchanged; only a cell it cannot read goes further.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .feel_arith import compare
from .feel_expr import ExprError, Parser, Scope, Token, is_expr, parse_expression, tokens, value_of
from .feel_value import Value, equal, is_number, key, kind, show

__all__ = ["Value", "show"]  # re-exported: the value module owns them


class FeelError(ValueError):
    """A cell that is not in the supported S-FEEL subset; ``hint`` says how to write it."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


@dataclass(frozen=True, eq=False)
class Equals:
    """A literal test. Equal and hashed by FEEL equality, so that tests (and the dicts keyed by them,
    in the compiler and the validator) tell ``true`` from ``1``, as the dataclass default would not."""

    value: Value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Equals) and equal(self.value, other.value)

    def __hash__(self) -> int:
        return hash(key(self.value))


@dataclass(frozen=True)
class Compare:
    op: str  # one of < <= > >=
    value: Any  # a number, a text, a temporal value, or an Expr (a cell naming a variable)


@dataclass(frozen=True)
class Range:
    low: Any  # as Compare.value
    high: Any
    low_closed: bool
    high_closed: bool


Atom = Equals | Compare | Range


@dataclass(frozen=True)
class UnaryTest:
    """A parsed input cell: ``any`` matches everything, else any of ``atoms`` (negated if ``negated``)."""

    atoms: tuple[Atom, ...] = ()
    negated: bool = False
    any: bool = False
    # A blank cell: it means any value, like "-", but may be a value deleted by mistake, so the
    # checks that find overlaps point at it. Not part of the test's meaning (equality, hashing).
    blank: bool = field(default=False, compare=False)

    @property
    def literals(self) -> tuple[Value, ...]:
        return tuple(a.value for a in self.atoms if isinstance(a, Equals) and not is_expr(a.value))

    @property
    def only_literals(self) -> bool:
        return all(isinstance(a, Equals) and not is_expr(a.value) for a in self.atoms)

    @property
    def dynamic(self) -> bool:
        """The cell names another variable: it is worked out per case, never in the rule index."""
        return any(is_expr(v) for a in self.atoms for v in atom_ends(a))

    @property
    def names(self) -> frozenset[str]:
        """The variables the cell names."""
        return frozenset(n for a in self.atoms for v in atom_ends(a) if is_expr(v) for n in v.names)

    def matches(self, value: Value, ends: Callable[[Any], Any] | None = None) -> bool:
        """FEEL's unary test: a hit if any atom is true; under not(...), a hit if every atom is false.

        A comparison of values FEEL does not order (a date and a number) is null, neither true nor
        false, so it is no match with or without not(...); a missing value is outside every
        comparison and range, as it is outside every list. ``ends`` gives an Expr's value (per case).
        """
        if self.any:
            return True
        unknown = False
        for a in self.atoms:
            found = atom_result(a, value, ends)
            if found:
                return not self.negated
            if found is None:
                unknown = True
        return self.negated and not unknown


ANY = UnaryTest(any=True)
BLANK = UnaryTest(any=True, blank=True)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_RANGE = re.compile(r"^([\[\(\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\]\)\[])$")
_COMPARE = re.compile(r"^(<=|>=|<|>)\s*(.*)$")
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def atom_ends(atom: Atom) -> tuple[Any, ...]:
    """The values an atom holds: its literal, its bound, or its range's two ends."""
    return (atom.low, atom.high) if isinstance(atom, Range) else (atom.value,)


def atom_matches(atom: Atom, value: Value) -> bool:
    return atom_result(atom, value) is True


_HOLDS = {"<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}


def atom_result(atom: Atom, value: Value, ends: Callable[[Any], Any] | None = None) -> bool | None:
    """True, false, or None (FEEL's null: values FEEL does not compare) for one atom of a cell.

    ``ends`` works out an Expr end for the case at hand; without it (the static view the
    validator takes) an Expr end is null.
    """

    def end(v: Any) -> Any:
        if is_expr(v):
            return ends(v) if ends is not None else None
        return v

    if isinstance(atom, Equals):
        expected = end(atom.value)
        if isinstance(expected, list):  # a name whose value is a list: the test is membership
            return any(equal(e, value) for e in expected)
        return equal(expected, value)
    if value is None:
        return False  # a missing value is none of the values a comparison or range names (as not("T1"))
    # Number bounds typed in the cell keep the engine's first rule, which the validator's number lines
    # model: a value that is not a number is outside them (false). Other bounds follow FEEL: null.
    unlike = False if all(is_number(v) for v in atom_ends(atom)) else None
    if isinstance(atom, Compare):
        c = compare(value, end(atom.value))
        return unlike if c is None else _HOLDS[atom.op](c)
    low, high = compare(value, end(atom.low)), compare(value, end(atom.high))
    if low is None or high is None:
        return unlike
    return (low >= 0 if atom.low_closed else low > 0) and (high <= 0 if atom.high_closed else high < 0)


def cell_text(raw: Any) -> str:
    """The text of a cell as S-FEEL: Excel booleans and numbers become their literals."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return show(raw)
    if isinstance(raw, int | float):
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return str(raw)
    if isinstance(raw, str):
        return raw.strip()
    raise FeelError(
        f"a {type(raw).__name__} value cannot be used in a rule cell", 'Type the value as text, e.g. "2025-01-31".'
    )


def split_list(text: str) -> list[str]:
    """Split on commas that are outside quotes, brackets and parentheses."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quoted:
        raise FeelError("a double quote is not closed", 'Close the text with a second ": "M1".')
    if depth != 0:
        raise FeelError("brackets or parentheses are not balanced", "Check that every ( or [ has its ) or ].")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_literal(text: str) -> Value:
    """A single literal: "text", a number, true, false or null."""
    if not text:
        raise FeelError("an empty value in a list", "Remove the extra comma.")
    if text[0] == '"':
        if len(text) < 2 or text[-1] != '"':
            raise FeelError("a double quote is not closed", 'Close the text with a second ": "M1".')
        inner = text[1:-1]
        if '"' in inner or "\\" in inner:
            raise FeelError(
                "text may not contain a double quote or a backslash", "Remove the quote or backslash inside the text."
            )
        if not inner:
            raise FeelError('empty text ("") cannot be tested or returned', "Use null for a missing value.")
        return inner
    if text == "true":
        return True
    if text == "false":
        return False
    if text == "null":
        return None
    if _NUMBER.fullmatch(text):
        number = float(text)
        if not math.isfinite(number):
            raise FeelError(f"{text} is not a finite number")
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if text in ("TRUE", "True", "FALSE", "False"):
        raise FeelError(f"{text} is read as text, not a boolean", f"Write {text.lower()} in lower case.")
    if text.startswith("="):
        raise FeelError("a formula cannot be used in a rule cell", "Type the value itself, not a formula.")
    if _WORD.match(text):
        raise FeelError(f"{text} is not in double quotes", f'Write it as "{text}".')
    if "'" in text:
        raise FeelError(f"{text} uses single quotes", "Use double quotes around text.")
    raise FeelError(
        f"{text} is not a value this engine understands", 'Use "text" in double quotes, a number, true, false or null.'
    )


def _number(text: str) -> int | float:
    value = parse_literal(text)
    if not is_number(value):
        raise FeelError(f"{text} is not a number", "Comparisons and ranges take numbers only.")
    return value  # type: ignore[return-value]


def _atom(text: str) -> Atom:
    m = _RANGE.match(text)
    if m:
        opening, low, high, closing = m.groups()
        if opening == "]" or closing == "[":
            raise FeelError(
                f"the range {text} uses reversed brackets", "Write an open end with a parenthesis: (1..5) or [1..5)."
            )
        lo, hi = _number(low), _number(high)
        if lo > hi:
            raise FeelError(f"the range {text} is empty: {lo} is above {hi}", "Put the lower bound first.")
        return Range(lo, hi, opening == "[", closing == "]")
    if ".." in text:
        raise FeelError(f"the range {text} needs brackets", "Write it as [1..5].")
    m = _COMPARE.match(text)
    if m:
        op, rest = m.groups()
        if rest[:1] in "<>=":
            raise FeelError(f"{text} has a doubled operator", "Use one of <, <=, >, >= followed by a number.")
        return Compare(op, _number(rest.strip()))
    if text.startswith("!=") or text.startswith("="):
        raise FeelError(
            f"{text}: the operators = and != are not supported here", 'Write the value alone ("M1") or use not("M1").'
        )
    for word in (" and ", " or "):
        if word in f" {text} ":
            raise FeelError(
                f"{text}: expressions with and/or are not supported",
                "Write one condition per column, or a list of values.",
            )
    if text.startswith(("not(", "not (")):
        raise FeelError(f"{text}: not(...) cannot be nested inside a list", "Write not(...) around the whole list.")
    return Equals(parse_literal(text))


def parse_unary_tests(raw: Any, names: Scope | None = None) -> UnaryTest:
    """Parse an input cell into a :class:`UnaryTest`; a cell that fails names the slip that was typed.

    ``names`` are the variables a cell may name (as written -> the glossary's name); without them a
    cell names none. A plain cell takes the fast path; S-FEEL beyond it goes to :mod:`.feel_expr`,
    whose error is given when it is about what only that module reads (a date, a name, arithmetic).
    """
    text = cell_text(raw)
    try:
        return _unary_tests(text)
    except FeelError as exc:
        error = exc
    try:
        return _expression_tests(text, names)
    except ExprError as exc:
        if exc.specific:
            raise FeelError(exc.message, exc.hint) from None
    raise _explained(text, error, _unary_tests) from None


def _explained(text: str, error: FeelError, parses: Callable[[str], Any]) -> FeelError:
    """The slip behind a parse error, as a person would name it (see :mod:`.slips`); else the error."""
    from .slips import explain

    slip = explain(text, parses)
    return FeelError(slip.message, slip.hint) if slip is not None else error


def _unary_tests(text: str) -> UnaryTest:
    if text in ("", "-"):
        return ANY if text else BLANK
    negated = False
    m = re.fullmatch(r"not\s*\((.*)\)", text, flags=re.S)
    if m:
        negated, text = True, m.group(1).strip()
        if not text:
            raise FeelError("not() needs at least one value", 'Write not("M1").')
    elif text.startswith("not") and "(" in text:
        raise FeelError(f"{text}: the parentheses of not(...) are not balanced", 'Write not("M1", "M0").')
    elif text.startswith("not"):
        raise FeelError(f"{text}: not needs parentheses around its values", 'Write not("M1", "M0").')
    return UnaryTest(tuple(_atom(p) for p in split_list(text)), negated)


def _expression_tests(text: str, names: Scope | None) -> UnaryTest:
    """An input cell in the rest of S-FEEL: tests whose values are dates, texts to order, names or arithmetic."""
    toks = tokens(text, names)
    negated = False
    if toks and toks[0].kind == "kw" and toks[0].text == "not":
        if len(toks) < 3 or toks[1].text != "(" or toks[-1].text != ")" or _closing(toks, 1) != len(toks) - 1:
            raise ExprError(f"{text}: not(...) must hold the whole cell", 'Write not("M1", "M0").', specific=False)
        negated, toks = True, toks[2:-1]
        if not toks:
            raise ExprError("not() needs at least one value", 'Write not("M1").', specific=False)
    parts: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "op" and t.text in "([":
            depth += 1
        elif t.kind == "op" and t.text in ")]":
            depth -= 1
        if t.kind == "op" and t.text == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(t)
    if any(not p for p in parts):
        raise ExprError("an empty value in a list", "Remove the extra comma.", specific=False)
    return UnaryTest(tuple(_expression_atom(p, text) for p in parts), negated)


def _closing(toks: list[Token], opening: int) -> int:
    """The position of the bracket that closes the one at ``opening`` (-1 if none)."""
    depth = 0
    for k in range(opening, len(toks)):
        t = toks[k]
        if t.kind == "op" and t.text in "([":
            depth += 1
        elif t.kind == "op" and t.text in ")]":
            depth -= 1
            if depth == 0:
                return k
    return -1


def _source(toks: list[Token], text: str) -> str:
    return text[toks[0].pos : toks[-1].pos + len(toks[-1].text)]


def _end(toks: list[Token], text: str) -> Any:
    """A comparison's bound or a range's end: one expression, worked out now when it names no variable."""
    if not toks:
        raise ExprError(f"{text}: a comparison or a range is missing a value", "Write < 5 or [1..5].", specific=False)
    parser = Parser(toks, text)
    tree = parser.expression()
    rest = parser.peek()
    if rest is not None:
        raise ExprError(f"{text}: unexpected {rest.text}", "Write one value or expression here.", specific=False)
    value = value_of(tree, _source(toks, text))
    if value is None or value.__class__ is bool:
        raise ExprError(
            f"{text}: {show(value)} cannot be compared",
            "Comparisons and ranges take numbers, texts, dates, times or durations.",
        )
    return value


def _expression_atom(toks: list[Token], text: str) -> Atom:
    first = toks[0]
    if first.kind == "op" and first.text in ("<", "<=", ">", ">="):
        return Compare(first.text, _end(toks[1:], text))
    if first.kind == "op" and first.text in ("=", "!="):
        raise ExprError(f"{text}: the operators = and != are not supported here", "", specific=False)
    if first.kind == "op" and first.text in "([]":
        dots = _dots(toks)
        if dots is not None:
            return _range(toks, dots, text)
    return Equals(_end_or_value(toks, text))


def _dots(toks: list[Token]) -> int | None:
    """The position of the '..' of a range written across ``toks``, if it is one."""
    depth = 0
    for k, t in enumerate(toks):
        if t.kind != "op":
            continue
        if t.text in "([" and k > 0:
            depth += 1
        elif t.text in ")]" and k < len(toks) - 1:
            depth -= 1
        elif t.text == ".." and depth == 0:
            return k
    return None


def _range(toks: list[Token], dots: int, text: str) -> Range:
    opening, closing = toks[0].text, toks[-1].text
    if opening == "]" or closing == "[" or closing not in ")]":
        raise ExprError(
            f"the range {text} uses reversed brackets or is not closed",
            "Write an open end with a parenthesis: (1..5) or [1..5).",
            specific=False,
        )
    low, high = _end(toks[1:dots], text), _end(toks[dots + 1 : -1], text)
    if not is_expr(low) and not is_expr(high):
        c = compare(low, high)
        if c is None:
            raise ExprError(
                f"the range {text} has ends of two kinds ({show(low)} and {show(high)})",
                "Give both ends the same kind: two numbers, two dates ...",
            )
        if c > 0:
            raise ExprError(
                f"the range {text} is empty: {show(low)} is above {show(high)}", "Put the lower bound first."
            )
    return Range(low, high, opening == "[", closing == "]")


def _end_or_value(toks: list[Token], text: str) -> Any:
    parser = Parser(toks, text)
    tree = parser.expression()
    rest = parser.peek()
    if rest is not None:
        raise ExprError(f"{text}: unexpected {rest.text}", "Separate values with commas.", specific=False)
    return value_of(tree, _source(toks, text))


def _literal_list(text: str) -> tuple[Value, ...]:
    return tuple(parse_literal(p) for p in split_list(text)) if text else ()


def parse_output(raw: Any, names: Scope | None = None) -> Value:
    """Parse an output cell: one literal, or one S-FEEL expression (an Expr when it names variables)."""
    text = cell_text(raw)
    if not text:
        raise FeelError("the output cell is empty", "Every rule must give a value in every output column.")
    try:
        return parse_literal(text)
    except FeelError as exc:
        error = exc
    try:
        return parse_expression(text, names)
    except ExprError as exc:
        if exc.specific:
            raise FeelError(exc.message, exc.hint) from None
    try:
        values = _literal_list(text)
    except FeelError as exc:
        error = _explained(text, exc, parse_literal)
        values = ()
    from .slips import explain

    slip = explain(text, _literal_list)
    if slip is not None and slip.fixed is not None:
        values = _literal_list(slip.fixed)
    if len(values) > 1:
        raise FeelError(
            f"an output cell holds one value, but this one holds {len(values)}: {', '.join(map(show, values))}",
            "Keep the one value this rule gives (lists of values are for input cells); "
            "a collect table (hit policy C) gives several values with one rule per value.",
        ) from None
    raise error from None


def compile_test(test: UnaryTest) -> Callable[[Value], bool] | None:
    """A fast predicate for a test, or None for 'any value' (which needs no check).

    Python says ``True == 1``; FEEL does not, so set lookups keep booleans and
    numbers apart by class before testing membership.
    """
    if test.any:
        return None
    if not test.only_literals:
        return test.matches
    keyed = frozenset(test.literals)
    # Read the literals, not the set: frozenset({0, False}) keeps only one of them.
    kinds = {kind(v) for v in test.literals}
    has_bool = "true/false" in kinds
    if has_bool and kinds <= {"true/false", "null"}:
        if test.negated:
            return lambda v: not ((v is None or v.__class__ is bool) and v in keyed)
        return lambda v: (v is None or v.__class__ is bool) and v in keyed
    if not has_bool:
        if test.negated:
            return lambda v: v.__class__ is bool or v not in keyed
        return lambda v: v.__class__ is not bool and v in keyed
    return test.matches
