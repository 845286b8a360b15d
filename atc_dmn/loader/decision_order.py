"""The order of the tables: each reads only model inputs and what earlier tables decided, and decides its own."""

from __future__ import annotations

from ..model import DecisionTable
from .context import Context


def check_graph(ctx: Context, tables: tuple[DecisionTable, ...]) -> None:
    findings = ctx.findings
    available = {v.name for v in ctx.variables.values() if v.role == "input"}
    producers = {o.variable: u for u in reversed(tables) for o in u.outputs}
    produced: dict[str, str] = {}
    for t in tables:
        for col in t.inputs:
            if col.variable not in available:
                var = ctx.variables.get(col.variable)
                later = producers.get(col.variable)
                circle = _circle(t, later, producers) if later is not None else None
                if var is not None and circle:
                    findings.error(
                        "GRAPH_CYCLE",
                        f"table '{t.name}' reads '{col.variable}', which depends on its own result "
                        f"({' -> '.join(circle)})",
                        t.sheet,
                        col.cell,
                        "A table cannot read a value that is decided from its own output: "
                        "remove this input or the dependency.",
                        table=t.name,
                    )
                    continue
                why = (
                    "it is produced by a later table"
                    if later is not None
                    else "it is neither a model input nor produced by an earlier table"
                )
                if var is not None and (later is not None or ctx.complete):
                    findings.error(
                        "GRAPH_ORDER",
                        f"table '{t.name}' reads '{col.variable}' but {why}",
                        t.sheet,
                        col.cell,
                        "Reorder the Decision sheet, or make it an input in the Glossary.",
                        table=t.name,
                    )
        for col in t.outputs:
            var = ctx.variables.get(col.variable)
            if var is not None and var.role == "input":
                findings.error(
                    "GRAPH_OUTPUT_INPUT",
                    f"table '{t.name}' overwrites the model input '{col.variable}'",
                    t.sheet,
                    col.cell,
                    "Output to an intermediate variable.",
                    table=t.name,
                )
            if col.variable in produced and produced[col.variable] != t.name:
                findings.error(
                    "GRAPH_TWICE",
                    f"'{col.variable}' is decided by both '{produced[col.variable]}' and '{t.name}'",
                    t.sheet,
                    col.cell,
                    "Let one table decide each variable.",
                    table=t.name,
                )
            produced[col.variable] = t.name
            available.add(col.variable)
    for var in ctx.variables.values():
        if var.role in ("output", "check", "intermediate") and var.name not in produced and ctx.complete:
            findings.error(
                "OUTPUT_NOT_PRODUCED",
                f"{var.role} '{var.name}' is not decided by any table",
                "Glossary",
                var.cell,
                "Add it as an output column of a table, or remove it.",
            )


def _circle(table: DecisionTable, producer: DecisionTable, producers: dict[str, DecisionTable]) -> list[str] | None:
    """Table names from ``table`` through ``producer`` back to ``table``, if ``producer`` depends on it."""
    if producer.name == table.name:
        return [table.name, table.name]
    paths = {producer.name: [table.name, producer.name]}
    todo = [producer]
    while todo:
        u = todo.pop()
        for col in u.inputs:
            w = producers.get(col.variable)
            if w is None:
                continue
            if w.name == table.name:
                return paths[u.name] + [table.name]
            if w.name not in paths:
                paths[w.name] = paths[u.name] + [w.name]
                todo.append(w)
    return None
