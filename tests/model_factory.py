"""Build a :class:`Model` in memory, cell texts in, no workbook: for tests of one validator at a time.

A table is laid out as the workbook reader would place it, so findings carry
real-looking origins: the name in A1, headings in row 3 (the rule id in
column A, then inputs, then outputs), allowed values in row 4 and rules from
row 5. Every variable gets a Glossary row, its role read from the tables: a
column no table decides is an input, a decided value another table reads is
an intermediate, the rest are outputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from atc_dmn.feel import parse_output, parse_unary_tests
from atc_dmn.model import Column, DecisionTable, Model, ModelInfo, Rule, Variable
from atc_dmn.origin import Origin

HEADINGS, ALLOWED, FIRST_RULE = 3, 4, 5


def letter(index: int) -> str:
    """The column letter of a 0-based column index (0 is A)."""
    return chr(ord("A") + index)


def table(
    name: str,
    hit_policy: str,
    inputs: dict[str, str | None],
    outputs: dict[str, str | None],
    rules: Sequence[Sequence[str]],
) -> DecisionTable:
    """A decision table on sheet ``name``: ``inputs``/``outputs`` map a heading to its allowed values (or None);
    each rule is its input cells then its output cells, as typed; rule ids are R1, R2, ..."""
    headings = [*inputs, *outputs]
    allowed = [*inputs.values(), *outputs.values()]
    columns = [
        Column(
            heading,
            Origin(name, f"{letter(i + 1)}{HEADINGS}"),
            parse_unary_tests(text) if text is not None else None,
            Origin(name, f"{letter(i + 1)}{ALLOWED}") if text is not None else None,
        )
        for i, (heading, text) in enumerate(zip(headings, allowed))
    ]
    built = []
    for n, cells in enumerate(rules):
        assert len(cells) == len(headings), f"rule {n + 1} has {len(cells)} cells for {len(headings)} columns"
        row = FIRST_RULE + n
        built.append(
            Rule(
                f"R{n + 1}",
                Origin(name, f"A{row}"),
                tuple(parse_unary_tests(c) for c in cells[: len(inputs)]),
                tuple(parse_output(c) for c in cells[len(inputs) :]),
                cells=tuple(f"{letter(i + 1)}{row}" for i in range(len(headings))),
            )
        )
    return DecisionTable(
        name, Origin(name, "A1"), hit_policy, tuple(columns[: len(inputs)]), tuple(columns[len(inputs) :]), tuple(built)
    )


def model(*tables: DecisionTable) -> Model:
    """The model of ``tables`` run in order, with a Glossary row for every variable they read or decide."""
    decided = {c.variable for t in tables for c in t.outputs}
    read = {c.variable for t in tables for c in t.inputs}
    names = list(dict.fromkeys(c.variable for t in tables for c in (*t.inputs, *t.outputs)))
    variables = {}
    for row, name in enumerate(names, start=2):
        role = "input" if name not in decided else "intermediate" if name in read else "output"
        variables[name] = Variable(name, "Case", name, role, origin=Origin("Glossary", f"A{row}"))
    return Model(
        path="",
        sha256="",
        info=ModelInfo("in-memory", "1.0"),
        variables=variables,
        tables=tables,
        wording={},
        citations={},
        references=(),
        tests=(),
        inputs=(),
    )
