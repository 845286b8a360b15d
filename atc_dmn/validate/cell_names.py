"""Cells that name other variables (``< Maximum loan``): what the table-logic checks cannot prove, and order.

**TABLE_DYNAMIC** (warning): a table whose cells name other variables cannot be
proven free of gaps and overlaps, because whether a rule matches depends on
values known only per case. The gap, overlap, conflict, shadowing and
unreachable-output checks skip it (rather than report a false error); its
rules still run, and the Test sheet still checks it.

**CELL_NAME_ORDER** (error): a cell names a variable that a table decides
later in the Decision sheet's order (or the same table decides), so its value
is not known when the cell is tested. Fix: move the table that decides it
above this one, or test the variable in its own input column.

**CELL_NAME_UNTYPED** (warning): a cell compares an input with a name
(``< Maximum loan``), but the input has no type and no allowed values, so a
case may give it as text ("900" on the command line), which no comparison
with a number matches; the gap check that would catch it skips the table.
Fix: give the input a Type (number, date ...) or allowed values (``>= 0``).
"""

from __future__ import annotations

from ..feel import Equals
from ..feel_expr import is_expr
from ..model import DecisionTable, Model
from .context import Context


def is_dynamic(table: DecisionTable) -> bool:
    """Whether a cell of the table names a variable (input cells and output cells alike)."""
    return any(t.dynamic for r in table.rules for t in r.tests) or any(
        is_expr(v) for r in table.rules for v in r.outputs
    )


def static_part(model: Model) -> Model:
    """The model as the table-logic checks see it: without its dynamic tables."""
    from dataclasses import replace

    kept = tuple(t for t in model.tables if not is_dynamic(t))
    return model if len(kept) == len(model.tables) else replace(model, tables=kept)


def _untyped(ctx: Context, table: DecisionTable) -> None:
    """Inputs compared with names in a column whose values a case may give as text."""
    specs = {s.name: s for s in ctx.model.inputs}
    for pos, column in enumerate(table.inputs):
        spec = specs.get(column.variable)
        if spec is None or spec.kind != "any":
            continue
        compared = any(
            t.dynamic and any(not isinstance(a, Equals) for a in t.atoms) for t in (r.tests[pos] for r in table.rules)
        )
        if compared:
            ctx.findings.warning(
                "CELL_NAME_UNTYPED",
                f"column '{column.variable}' of table '{table.name}' is compared with other variables but has no "
                "type: a case that gives it as text (as the command line does) matches none of those comparisons",
                table.sheet,
                column.allowed_cell or column.cell,
                "Give the input a Type in the Glossary (number, date ...) or allowed values such as >= 0.",
                table=table.name,
            )


def check(ctx: Context) -> None:
    model = ctx.model
    decided_by = {col.variable: k for k, t in enumerate(model.tables) for col in t.outputs}
    for k, table in enumerate(model.tables):
        if not is_dynamic(table):
            continue
        ctx.findings.warning(
            "TABLE_DYNAMIC",
            f"table '{table.name}' has cells that name other variables, so it cannot be proven free of "
            "gaps and overlaps: those checks skip it",
            table.sheet,
            table.cell,
            "Add rows to the Test sheet that cover its rules, so that its answers are checked.",
            table=table.name,
        )
        _untyped(ctx, table)
        for rule in table.rules:
            cells = [(c, t.names) for c, t in zip(rule.cells, rule.tests)]
            cells += [(c, v.names) for c, v in zip(rule.cells[len(rule.tests) :], rule.outputs) if is_expr(v)]
            for cell, names in cells:
                for name in sorted(names):
                    later = decided_by.get(name)
                    if later is not None and later >= k:
                        ctx.findings.error(
                            "CELL_NAME_ORDER",
                            f"rule {rule.id} of table '{table.name}' names '{name}', which table "
                            f"'{model.tables[later].name}' decides "
                            + ("itself" if later == k else "later")
                            + ": its value is not known yet",
                            table.sheet,
                            cell,
                            f"Move table '{model.tables[later].name}' above table '{table.name}' in the Decision "
                            "sheet, or name a variable decided earlier.",
                            table=table.name,
                            rule=rule.id,
                        )
