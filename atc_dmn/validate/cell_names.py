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
"""

from __future__ import annotations

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
