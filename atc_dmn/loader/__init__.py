"""Build the typed :class:`Model` from a read workbook, checking every cell on the way.

The workbook follows pyDMNrules' layout (Glossary, Decision, one table per
decision with its hit policy under its name and double borders between
inputs, outputs and annotations) plus four sheets of our own: Model,
Wording, References and Test. Every problem becomes a located finding;
loading stops only when it cannot go on, so a clinician sees all the
mistakes of a cell-level kind at once.

One module per thing read, in the order :func:`build_model` reads them:
``model_sheet``, ``glossary``, ``decision_sheet``, ``tables`` (and the rule
rows in ``rules``), ``decision_order``, ``wording``, ``references``, ``input_specs``,
``test_sheet``, ``fhir_sheet``, ``cards_sheet``. They share a :class:`~.context.Context`: the raw workbook,
the findings, and the variables the Glossary defined.
"""

from __future__ import annotations

from ..findings import Findings
from ..model import Model
from ..no_match import with_dmn_nulls
from ..workbook import RawWorkbook
from .cards_sheet import read_cards
from .context import Context, Stop
from .decision_order import check_graph
from .decision_sheet import read_decisions
from .fhir_sheet import read_fhir_mapping
from .glossary import read_glossary
from .input_specs import input_specs
from .model_sheet import read_model_info
from .references import check_citations, read_references
from .tables import read_table
from .test_sheet import read_test_cases
from .wording import read_wording


def build_model(raw: RawWorkbook, findings: Findings | None = None) -> Model:
    """Build the model; raise :class:`ModelError` (with every finding) if any error was found."""
    own = findings if findings is not None else Findings()
    model = _build(Context(raw, own))
    own.raise_if_errors()
    assert model is not None
    return model


def _build(ctx: Context) -> Model | None:
    """Every stage in order; None once a stage stopped or any error was found."""
    _check_formulas(ctx)
    try:
        info = read_model_info(ctx)
        read_glossary(ctx)
        order = read_decisions(ctx)
        built = [read_table(ctx, *entry) for entry in order]
        ctx.complete = all(t is not None for t in built)
        tables = tuple(t for t in built if t is not None)
        check_graph(ctx, tables)
        wording, wording_origins = read_wording(ctx)
        citations, references = read_references(ctx)
        check_citations(ctx, tables, citations)
        inputs = with_dmn_nulls(input_specs(ctx, tables, ctx.declared), info)
        tests = read_test_cases(ctx)
        fhir_mapping = read_fhir_mapping(ctx, inputs)
        cards = read_cards(ctx, tables)
    except Stop:
        return None
    if ctx.findings.errors:
        return None
    raw = ctx.raw
    return Model(
        str(raw.path),
        raw.sha256,
        info,
        ctx.variables,
        tables,
        wording,
        citations,
        references,
        tests,
        inputs,
        wording_origins,
        fhir_mapping,
        cards,
    )


def _check_formulas(ctx: Context) -> None:
    """A formula anywhere is an error: rules and tables must hold typed values."""
    for sheet in ctx.raw.sheets.values():
        for cell in sheet.cells.values():
            if cell.formula:
                ctx.findings.error(
                    "CELL_FORMULA",
                    f"cell holds a formula ({cell.value}); type the value instead",
                    sheet.name,
                    cell.coordinate,
                    "Replace the formula with the value it should hold.",
                )


__all__ = ["build_model"]
