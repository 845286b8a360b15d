"""The FHIR sheet: how a patient's FHIR record gives the model's inputs, as rows an informatician edits.

Two lists, each found by its headings (a workbook without the sheet reads no
input from FHIR):

- ``Criterion`` | ``Element`` | ``System`` | ``Code`` | ``Source``: named
  conditions on one resource, one row per alternative (any of a name's rows
  holds): "thyroid cancer" is ICD-10-CM C73 *or* a SNOMED CT code.
- ``Input`` | ``Value`` | ``Resource`` | ``Element`` | ``System`` | ``Code`` |
  ``Requires`` | ``Priority`` | ``Source``: one row per input value
  (:class:`~atc_dmn.fhir_mapping.MappingRow`). Requires names criteria,
  separated by commas, that must all hold on the same resource; Priority is
  blank or a whole number from 1 (a lower number wins over a higher one or
  none, whatever the dates).

Either list may end with a ``Note`` column, read by people only. Source is
where the code is published, or ``unverified``: never blank, so that an
unchecked code is marked as one (a card shows the Source of each row and of
each criterion alternative a resource met: Criterion.sources). Every problem is an error at its cell
(the CDS Hooks service must not read a record through a mapping nobody can
trust); a criterion no row requires is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..feel import cell_text
from ..fhir_mapping import RESOURCES, UNVERIFIED, Criterion, MappingRow, element_known, validate_rows
from ..model import InputSpec
from ..origin import Origin
from ..workbook import Sheet
from .context import Context
from .headed_tables import Headed, find_list, rows

SHEET = "FHIR"
CRITERIA = ("Criterion", "Element", "System", "Code", "Source")
MAPPING = ("Input", "Value", "Resource", "Element", "System", "Code", "Requires", "Priority", "Source")
NOTE = ("Note",)
ELEMENTS = "code, value, verificationStatus, component:<LOINC code> or extension:<url>"
_FIELDS = {name.lower(): i for i, name in enumerate(MAPPING)}
_SOURCE_HINT = f"Type where the code is published (an IG or code system page), or '{UNVERIFIED}' until it is checked."


def read_fhir_mapping(ctx: Context, inputs: Sequence[InputSpec]) -> tuple[MappingRow, ...]:
    """The FHIR sheet's mapping rows, each with its origin; () when the workbook has no FHIR sheet."""
    sheet = ctx.sheet(SHEET, required=False)
    if sheet is None:
        return ()
    criteria_table = find_list(ctx, sheet, CRITERIA, "FHIR_HEADING", optional=NOTE, required=False)
    criteria = _read_criteria(ctx, sheet, criteria_table) if criteria_table else {}
    mapping_table = find_list(ctx, sheet, MAPPING, "FHIR_HEADING", optional=NOTE, below="a row per input value")
    if mapping_table is None:
        return ()
    specs = {spec.key: spec for spec in inputs}
    found, required = _read_rows(ctx, sheet, mapping_table, criteria, specs)
    _check(ctx, found, mapping_table, inputs)
    for name, (_, origin) in criteria.items():
        if name not in required:
            ctx.findings.warning(
                "FHIR_CRITERION_UNUSED",
                f"criterion '{name}' is not required by any mapping row",
                hint="Name it in a row's Requires cell, or delete its rows.",
                origin=origin,
            )
    return tuple(row for row, _ in found)


def _source(ctx: Context, sheet: Sheet, table: Headed, row: int, index: int) -> str:
    source = sheet.text(row, table.col + index)
    if not source:
        ctx.findings.error(
            "FHIR_SOURCE",
            "the code has no source",
            SHEET,
            table.cell(row, index),
            _SOURCE_HINT,
        )
        return UNVERIFIED
    return source


def _read_criteria(ctx: Context, sheet: Sheet, table: Headed) -> dict[str, tuple[Criterion, Origin]]:
    """Criterion name -> (its alternatives, the cell of its first row)."""
    options: dict[str, list[tuple[str, str, str]]] = {}
    sources: dict[str, list[str]] = {}
    origins: dict[str, Origin] = {}
    for row in rows(sheet, table):
        name, element = sheet.text(row, table.col), sheet.text(row, table.col + 1)
        system, code = sheet.text(row, table.col + 2), cell_text(sheet.value(row, table.col + 3))
        source = _source(ctx, sheet, table, row, 4)
        if not name:
            ctx.findings.error(
                "FHIR_CRITERION",
                "a criterion row has no name",
                SHEET,
                table.cell(row, 0),
                "Type the criterion's name (the name a mapping row's Requires cell gives), as on the row above.",
            )
            continue
        origins.setdefault(name, Origin(SHEET, table.cell(row, 0)))
        options.setdefault(name, [])
        if not element_known(element):
            ctx.findings.error(
                "FHIR_ELEMENT",
                f"'{element or 'blank'}' is not an element the FHIR reader knows",
                SHEET,
                table.cell(row, 1),
                f"Type one of {ELEMENTS}.",
            )
            continue
        if not code:
            ctx.findings.error("FHIR_CODE", "the criterion has no code", SHEET, table.cell(row, 3), "Type the code.")
            continue
        options[name].append((element, system, code))
        sources.setdefault(name, []).append(source)
    return {
        name: (Criterion(name, tuple(options[name]), tuple(sources.get(name, ()))), origins[name]) for name in options
    }


def _value(raw: Any, spec: InputSpec | None) -> Any:
    """A Value cell as the input takes it: a boolean input's true/false (typed or as text), else text."""
    if isinstance(raw, bool):
        return raw
    text = cell_text(raw)
    if spec is not None and spec.kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _priority(ctx: Context, raw: Any, cell: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer() and raw >= 1:
        return int(raw)
    as_text = isinstance(raw, str) and raw.strip().isdigit()
    ctx.findings.error(
        "FHIR_PRIORITY",
        f"priority '{cell_text(raw)}' is {'typed as text' if as_text else 'not a whole number from 1'}",
        SHEET,
        cell,
        "Type a whole number from 1 as a number (1 wins over 2 and over a blank), or leave the cell blank.",
    )
    return None


def _read_rows(
    ctx: Context,
    sheet: Sheet,
    table: Headed,
    criteria: dict[str, tuple[Criterion, Origin]],
    specs: dict[str, InputSpec],
) -> tuple[list[tuple[MappingRow, int]], set[str]]:
    """(each mapping row with its sheet row, the criterion names some row requires)."""
    found: list[tuple[MappingRow, int]] = []
    required: set[str] = set()
    known = ", ".join(criteria) or "none: add a Criterion list"
    for row in rows(sheet, table):
        text = [sheet.text(row, table.col + i) for i in range(len(MAPPING))]
        name = text[0]
        value = _value(sheet.value(row, table.col + 1), specs.get(name))
        if value == "":
            ctx.findings.error(
                "FHIR_VALUE",
                f"the row for '{name}' has no value",
                SHEET,
                table.cell(row, 1),
                "Type the input value this coding gives.",
            )
        needs: list[Criterion] = []
        for part in (p.strip() for p in text[6].split(",")):
            if not part:
                continue
            required.add(part)
            if part in criteria:
                needs.append(criteria[part][0])
            else:
                ctx.findings.error(
                    "FHIR_REQUIRES",
                    f"the row requires '{part}', which no Criterion row defines",
                    SHEET,
                    table.cell(row, 6),
                    f"Name defined criteria, separated by commas ({known}), or add '{part}' to the Criterion list.",
                )
        mapping = MappingRow(
            name,
            value,
            text[2],
            text[3],
            text[4],
            cell_text(sheet.value(row, table.col + 5)),
            _source(ctx, sheet, table, row, 8),
            tuple(needs),
            _priority(ctx, sheet.value(row, table.col + 7), table.cell(row, 7)),
            Origin(SHEET, table.cell(row, 0)),
        )
        found.append((mapping, row))
    return found, required


_CODES = {
    "value": ("FHIR_VALUE", "Type one of the input's allowed values, exactly as listed."),
    "resource": ("FHIR_RESOURCE", f"Type one of {', '.join(RESOURCES)}."),
    "element": ("FHIR_ELEMENT", f"Type one of {ELEMENTS}."),
    "requires": ("FHIR_REQUIRES", "Correct the criterion's element on the Criterion list."),
    "system": ("FHIR_CODE", "Type the code system's URI."),
    "priority": ("FHIR_PRIORITY", "Type a whole number from 1, or leave the cell blank."),
}


def _check(ctx: Context, found: list[tuple[MappingRow, int]], table: Headed, inputs: Sequence[InputSpec]) -> None:
    """The mapping's own checks (fhir_mapping.validate_rows), each at the cell of its row and column."""
    mapping = [row for row, _ in found]
    keys = ", ".join(spec.key for spec in inputs)
    for problem in validate_rows(mapping, inputs):
        row, at = mapping[problem.row], found[problem.row][1]
        cell = table.cell(at, _FIELDS[problem.field])
        if problem.field == "value" and row.value == "":
            continue  # reported as a blank Value cell
        if problem.field == "code" and not row.code:
            ctx.findings.error("FHIR_CODE", "the row has no code", SHEET, cell, "Type the code.")
        elif problem.field == "code":
            first = next(i for i, other in enumerate(mapping) if _same_coding(other, row))
            ctx.findings.error(
                "FHIR_DUPLICATE",
                f"{row.system}|{row.code} gives {row.input} = {_shown(row.value)} here and "
                f"{_shown(mapping[first].value)} at {table.cell(found[first][1], 5)}",
                SHEET,
                cell,
                "One coding (with the same Requires) must give one value: delete or correct one of the rows.",
            )
        elif problem.field == "input":
            ctx.findings.error("FHIR_INPUT", problem.message, SHEET, cell, f"Type the key of a model input: {keys}.")
        else:
            code, hint = _CODES[problem.field]
            ctx.findings.error(code, problem.message, SHEET, cell, hint)


def _same_coding(a: MappingRow, b: MappingRow) -> bool:
    return (a.input, a.resource, a.element, a.system, a.code, frozenset(a.requires)) == (
        b.input,
        b.resource,
        b.element,
        b.system,
        b.code,
        frozenset(b.requires),
    )


def _shown(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else f"'{value}'"
