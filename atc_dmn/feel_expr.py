"""S-FEEL expressions in cells (DMN 1.3, chapter 9): names, arithmetic, dates, times and durations.

:mod:`.feel` parses the cells that hold plain values with its own fast code,
exactly as before; a cell it does not read comes here. This module reads
S-FEEL's simple expressions: literals, ``date("...")``, ``time("...")``,
``date and time("...")``, ``duration("...")`` and ``@"..."``, the names of
other variables in scope (a glossary name such as ``Maximum loan``, which may
hold spaces, or ``Concept.Attribute``; the longest known name wins), ``+ - *
/ **``, unary minus and parentheses. An expression without names is worked
out here, once (``< 10 * 2`` is ``< 20``), so that the compiler sees a literal;
one that names a variable stays an :class:`Expr`, evaluated per case.

Anything else (other functions, ``if``, ``for``, lists, contexts, ``and``/
``or``, ``?``) is refused with a reason and a fix, as the rest of the cell
syntax is.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .feel_arith import NoValue, arithmetic, compare, negate
from .temporal import CONSTRUCTORS, TemporalError, parse_at_literal

Scope = Mapping[str, str]  # a name as a cell may write it -> the glossary variable it names
Tree = tuple[Any, ...]  # ("lit", value) | ("name", variable) | ("neg", tree) | ("op", op, tree, tree)


class ExprError(ValueError):
    """A cell this module cannot read; ``specific`` when the reason is about a construct only it knows."""

    def __init__(self, message: str, hint: str = "", specific: bool = True) -> None:
        self.message = message
        self.hint = hint
        self.specific = specific
        super().__init__(message)


@dataclass(frozen=True)
class Expr:
    """An expression that names variables: worked out per case. ``text`` is the cell as typed."""

    text: str
    tree: Tree
    names: tuple[str, ...]  # sorted; a tuple so that the model cache (cache.py) can keep it

    def __str__(self) -> str:
        return self.text

    def evaluator(self, slots: Mapping[str, int]) -> Callable[[tuple[Any, ...]], Any]:
        """A function of the values of the table's names (``slots``: variable -> position) giving the value."""
        run = _compile(self.tree, slots)

        def evaluate(env: tuple[Any, ...]) -> Any:
            try:
                return run(env)
            except NoValue:
                return None

        return evaluate


def is_expr(value: Any) -> bool:
    return value.__class__ is Expr


# -- tokens ---------------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_NUM = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_STR = re.compile(r'"([^"\\]*)"')
_AT = re.compile(r'@"([^"\\]*)"')
_OPS = ("**", "..", "<=", ">=", "!=", "<", ">", "=", "+", "-", "*", "/", "(", ")", "[", "]", ",")
_WORD = re.compile(r"[^\W\d]\w*")
_WORDS = re.compile(r"[^\W\d][\w]*(?:(?:[ \t]+|\.)[^\W\d][\w]*)*")
_FUNCTIONS = ("date and time", "date", "time", "duration")
_KEYWORDS = {"true": True, "false": False, "null": None}
_REFUSED = {
    "and": "and/or are not part of a cell: write one condition per column, or a list of values",
    "or": "and/or are not part of a cell: write one condition per column, or a list of values",
    "if": "if ... then ... else is not supported in a cell: use one rule per case",
    "for": "for ... in ... is not supported in a cell",
    "some": "some ... satisfies is not supported in a cell",
    "every": "every ... satisfies is not supported in a cell",
    "in": "'in' is not needed in a cell: the column's value is tested against the cell",
    "between": "between is not supported: write a range such as [1..5]",
    "function": "functions cannot be defined in a cell",
}


@dataclass(frozen=True)
class Token:
    kind: str  # num str at name fn kw op
    text: str
    value: Any
    pos: int


def _boundary(text: str, end: int) -> bool:
    return end >= len(text) or not (text[end].isalnum() or text[end] == "_")


def tokens(text: str, scope: Scope | None) -> list[Token]:
    """The cell's tokens; names are matched against ``scope`` longest first."""
    known = sorted(scope or {}, key=len, reverse=True)
    out: list[Token] = []
    i = 0
    while i < len(text):
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
            continue
        ch = text[i]
        if ch == "@":
            m = _AT.match(text, i)
            if not m:
                raise ExprError(f"{text[i:]}: @ must be followed by text in double quotes", 'Write @"2025-01-31".')
            try:
                value = parse_at_literal(m.group(1))
            except TemporalError as exc:
                raise ExprError(exc.message, exc.hint) from None
            out.append(Token("at", m.group(0), value, i))
            i = m.end()
            continue
        if ch == '"':
            m = _STR.match(text, i)
            if not m:
                raise ExprError(
                    "a double quote is not closed, or the text holds a backslash",
                    'Close the text with a second ": "M1".',
                    specific=False,
                )
            if not m.group(1):
                raise ExprError(
                    'empty text ("") cannot be tested or returned', "Use null for a missing value.", specific=False
                )
            out.append(Token("str", m.group(0), m.group(1), i))
            i = m.end()
            continue
        if ch.isdigit() or (ch == "." and text[i + 1 : i + 2].isdigit()):
            m = _NUM.match(text, i)
            assert m is not None
            out.append(Token("num", m.group(0), _number(m.group(0)), i))
            i = m.end()
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is not None:
            out.append(Token("op", op, None, i))
            i += len(op)
            continue
        if ch.isalpha() or ch == "_":
            i = _word(text, i, known, scope or {}, out)
            continue
        if ch == "?":
            raise ExprError("? (the column's value) is not supported in a cell", "Write the test alone: < 5.")
        if ch in "{}":
            raise ExprError("contexts ({...}) are not supported in a cell", "Give each value its own output column.")
        raise ExprError(f"the character {ch} is not part of a cell's syntax", "Remove it.", specific=False)
    return out


def _word(text: str, i: int, known: list[str], scope: Scope, out: list[Token]) -> int:
    """A function name, a keyword or a name at ``i``; the position after it."""
    for fn in _FUNCTIONS:
        if text.startswith(fn, i) and _boundary(text, i + len(fn)):
            rest = text[i + len(fn) :].lstrip()
            if rest.startswith("("):
                out.append(Token("fn", fn, None, i))
                return i + len(fn)
    name = next((n for n in known if text.startswith(n, i) and _boundary(text, i + len(n))), None)
    word = _WORD.match(text, i)
    assert word is not None
    if name is not None and len(name) >= len(word.group(0)):
        out.append(Token("name", name, scope[name], i))
        return i + len(name)
    w = word.group(0)
    if w in _KEYWORDS:
        out.append(Token("kw", w, _KEYWORDS[w], i))
        return word.end()
    if w == "not":
        out.append(Token("kw", w, None, i))
        return word.end()
    if w in _REFUSED:
        raise ExprError(f"{text.strip()}: {_REFUSED[w]}", "Write a value, a comparison or a range.")
    run = _WORDS.match(text, i)
    assert run is not None
    unknown = run.group(0)
    if text[run.end() :].lstrip().startswith("("):
        raise ExprError(
            f"{unknown}(...) is not a function a cell may call",
            'A cell may call date("..."), time("..."), date and time("...") and duration("...") only.',
        )
    close = difflib.get_close_matches(unknown, list(scope), n=1, cutoff=0.6)
    if close:
        raise ExprError(
            f"'{unknown}' is not a name this table knows; did you mean '{close[0]}'?",
            f'Write {close[0]}, as the Glossary spells it; text needs double quotes: "{unknown}".',
        )
    raise ExprError(
        f"{unknown} is not in double quotes, and is not the name of a variable",
        f'Write it as "{unknown}" if it is text, or use a name from the Glossary.',
        specific=False,
    )


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


# -- expressions ----------------------------------------------------------------------------------


class Parser:
    """Recursive descent over one cell's tokens."""

    def __init__(self, toks: list[Token], text: str) -> None:
        self.toks = toks
        self.i = 0
        self.text = text

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *ops: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text in ops

    def take(self) -> Token:
        t = self.peek()
        if t is None:
            raise ExprError(f"{self.text}: the cell ends too early", "Complete the expression.", specific=False)
        self.i += 1
        return t

    def expect(self, op: str) -> None:
        t = self.peek()
        if t is None or t.kind != "op" or t.text != op:
            got = "the end of the cell" if t is None else t.text
            raise ExprError(f"{self.text}: expected {op} but found {got}", "Check the brackets.", specific=False)
        self.i += 1

    def expression(self) -> Tree:
        left = self.term()
        while self.at("+", "-"):
            op = self.take().text
            left = ("op", op, left, self.term())
        return left

    def term(self) -> Tree:
        left = self.power()
        while self.at("*", "/"):
            op = self.take().text
            left = ("op", op, left, self.power())
        return left

    def power(self) -> Tree:
        left = self.unary()
        while self.at("**"):
            self.take()
            left = ("op", "**", left, self.unary())
        return left

    def unary(self) -> Tree:
        if self.at("-"):
            self.take()
            inner = self.unary()
            if inner[0] == "lit":
                try:
                    return ("lit", negate(inner[1]))
                except NoValue as exc:
                    raise ExprError(f"{self.text}: {exc.reason}", "Remove the minus sign.") from None
            return ("neg", inner)
        return self.primary()

    def primary(self) -> Tree:
        t = self.take()
        if t.kind in ("num", "str", "at"):
            return ("lit", t.value)
        if t.kind == "kw" and t.text != "not":
            return ("lit", t.value)
        if t.kind == "name":
            return ("name", t.value)
        if t.kind == "fn":
            return self.constructor(t.text)
        if t.kind == "op" and t.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if t.kind == "op" and t.text == "[":
            raise ExprError(
                f"{self.text}: a list cannot be used here",
                "An output cell gives one value; an input cell lists values separated by commas, without brackets.",
            )
        raise ExprError(f"{self.text}: unexpected {t.text}", "Write a value, a name or an expression.", specific=False)

    def constructor(self, fn: str) -> Tree:
        self.expect("(")
        arg = self.take()
        if arg.kind != "str":
            raise ExprError(
                f"{fn}(...) takes its value as text in double quotes",
                f'Write {fn}("{_EXAMPLES[fn]}").',
            )
        self.expect(")")
        try:
            return ("lit", CONSTRUCTORS[fn](arg.value))
        except TemporalError as exc:
            raise ExprError(f"{fn}({arg.text}): {exc.message}", exc.hint) from None


_EXAMPLES = {"date": "2025-01-31", "time": "14:30:00", "date and time": "2025-01-31T14:30:00", "duration": "P2D"}


def names_in(tree: Tree) -> frozenset[str]:
    if tree[0] == "name":
        return frozenset((tree[1],))
    if tree[0] == "neg":
        return names_in(tree[1])
    if tree[0] == "op":
        return names_in(tree[2]) | names_in(tree[3])
    return frozenset()


def value_of(tree: Tree, text: str) -> Any:
    """The value of an expression without names (an :class:`ExprError` where FEEL would give null), or an
    :class:`Expr` when it names variables."""
    names = names_in(tree)
    if names:
        return Expr(text, tree, tuple(sorted(names)))
    try:
        return _compile(tree, {})(())
    except NoValue as exc:
        raise ExprError(f"{text} has no value: {exc.reason}", "Check the values and the operators.") from None


def _compile(tree: Tree, slots: Mapping[str, int]) -> Callable[[tuple[Any, ...]], Any]:
    kind = tree[0]
    if kind == "lit":
        value = tree[1]
        return lambda env: value
    if kind == "name":
        pos = slots[tree[1]]
        return lambda env: env[pos]
    if kind == "neg":
        inner = _compile(tree[1], slots)
        return lambda env: negate(inner(env))
    op, left, right = tree[1], _compile(tree[2], slots), _compile(tree[3], slots)
    return lambda env: arithmetic(op, left(env), right(env))


def parse_expression(text: str, scope: Scope | None) -> Any:
    """One expression (an output cell): its value, or an :class:`Expr` when it names variables."""
    toks = tokens(text, scope)
    if not toks:
        raise ExprError("the cell is empty", "Write a value.", specific=False)
    parser = Parser(toks, text)
    tree = parser.expression()
    if parser.peek() is not None:
        extra = parser.peek()
        assert extra is not None
        raise ExprError(f"{text}: unexpected {extra.text}", "An output cell holds one value or expression.", False)
    return value_of(tree, text)


def ordered(a: Any, b: Any) -> bool | None:
    """``a <= b`` for a range's ends known when the cell is read; None when they are not comparable."""
    c = compare(a, b)
    return None if c is None else c <= 0


def scope_of(variables: Iterable[Any]) -> dict[str, str]:
    """The names a cell may use for each variable: its glossary name, and ``Concept.Attribute`` as
    pyDMNrules writes it (spaces as underscores), each -> the glossary name."""
    scope: dict[str, str] = {}
    for v in variables:
        scope[v.name] = v.name
        if v.concept and v.attribute:
            scope.setdefault(f"{v.concept}.{v.attribute}".replace(" ", "_"), v.name)
    return scope


def named_in(tables: Iterable[Any]) -> set[str]:
    """The variables that the cells of ``tables`` name (input and output cells): variables they read."""
    names: set[str] = set()
    for table in tables:
        for rule in table.rules:
            for test in rule.tests:
                names.update(test.names)
            for value in rule.outputs:
                if is_expr(value):
                    names.update(value.names)
    return names
