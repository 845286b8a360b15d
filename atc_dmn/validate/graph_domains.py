"""The decision graph: values passed between tables must fit the columns that read them.

The loader already refuses a table that reads a value no earlier table
decides (GRAPH_ORDER), tables that depend on each other in a circle
(GRAPH_CYCLE), a variable decided twice (GRAPH_TWICE) and an output no
table decides (OUTPUT_NOT_PRODUCED). This check adds **GRAPH_DOMAIN**: every
value that can reach a column must be in that column's allowed list,
because the table-logic checks (gaps, overlaps) reason over that list. Example::

    Stage table, output Stage:    "IVA","IVB","IVC","unknown"
    Pathway table, column Stage:  "IVA","IVB","IVC"

The Stage table can give ``"unknown"``, which the Pathway column does not
list; no rule of Pathway is checked against it. Fix: add ``"unknown"`` to the
Pathway column's allowed values (and a rule for it). The same applies to a
model input read by several tables: each column must accept every value the
input accepts (including ``null`` when the input may be missing). An input
that declares its own allowed values (a DMN inputData's item definition, the
Glossary's Allowed values column) may be read by a column listing fewer: the
others are, for that column, values no rule names, which the gap check
reports where no rule takes them (see :func:`.space.input_domain`).
"""

from __future__ import annotations

from ..feel_expr import is_expr
from ..feel_value import Value, contains, distinct, show
from ..loader.input_specs import declares_own_values
from ..model import DecisionTable
from ..no_match import NULL, no_match
from .context import Context

CODE = "GRAPH_DOMAIN"


def _given(table: DecisionTable, j: int) -> list[Value] | None:
    """The values a table can give an output (None for lists and aggregates)."""
    if table.hit_policy not in ("U", "A", "P", "F"):
        return None
    column = table.outputs[j]
    if column.enumeration is not None:
        return list(column.enumeration)
    if any(is_expr(rule.outputs[j]) for rule in table.rules):
        return None  # a computed output (an expression cell): its values are known only per case
    return distinct(rule.outputs[j] for rule in table.rules)


def check(ctx: Context) -> None:
    model = ctx.model
    specs = {s.name: s for s in model.inputs}
    dmn_nulls = no_match(model.info) == NULL
    producers: dict[str, tuple[DecisionTable, int]] = {}
    for table in model.tables:
        for column in table.inputs:
            enum = column.enumeration
            var = model.variables.get(column.variable)
            if enum is None or var is None:
                continue
            if var.role == "input":
                spec = specs.get(var.name)
                if spec is None or not spec.allowed or declares_own_values(spec, model.tables):
                    continue
                arriving = [v for v in spec.allowed if v is not None]
                if var.default is not None:
                    arriving.append(var.default)
                elif spec.optional:
                    arriving.append(None)
                source = "a case may give it"
            elif column.variable in producers:
                producer, j = producers[column.variable]
                given = _given(producer, j)
                if given is None:
                    continue
                arriving = given
                source = f"table '{producer.name}' can give it"
            else:
                continue
            missing = [v for v in arriving if not contains(enum, v)]
            if dmn_nulls:  # DMN's semantics: a null that no rule names matches none, and the table gives null
                missing = [v for v in missing if v is not None]
            if missing:
                values = ", ".join(show(v) for v in missing)
                ctx.findings.error(
                    CODE,
                    f"column '{column.variable}' of table '{table.name}' does not allow {values}, but {source}",
                    table.sheet,
                    column.allowed_cell or column.cell,
                    f"Add {values} to the allowed values (and rules for {'them' if len(missing) > 1 else 'it'}).",
                    table=table.name,
                )
        for j, column in enumerate(table.outputs):
            producers.setdefault(column.variable, (table, j))
