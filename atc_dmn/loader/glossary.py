"""The Glossary sheet: every variable with its business concept, attribute (its key), role and default."""

from __future__ import annotations

import re

from ..feel import FeelError, Value, cell_text, parse_literal, parse_output, parse_unary_tests
from ..feel_types import EXAMPLES, TEMPORAL_TYPES, TYPE_HEADING, TYPES, belongs, excel_value, is_temporal, type_name
from ..feel_value import show
from ..model import ROLES, Variable
from ..origin import Origin
from ..temporal import type_of
from .context import Context, Stop, coord

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# An optional Glossary column: an input's own allowed values, when a column reading it lists fewer
# (import-dmn writes it for a DMN inputData whose item definition declares more than its columns list).
ALLOWED_HEADING = "Allowed values"


def read_glossary(ctx: Context) -> None:
    """Fill ``ctx.variables`` in the Glossary's order."""
    findings = ctx.findings
    sheet = ctx.sheet("Glossary")
    if sheet is None:
        raise Stop
    titles = [c for c in sheet.cells.values() if isinstance(c.value, str) and c.value.startswith("Glossary")]
    if not titles:
        findings.error(
            "GLOSSARY_HEADING",
            "the Glossary sheet has no cell starting with 'Glossary'",
            "Glossary",
            "B2",
            "Type 'Glossary' in B2 and the headings below it.",
        )
        raise Stop
    top = min(titles, key=lambda c: (c.row, c.col))
    r, c = top.row + 1, top.col
    heads = {}
    col = c
    while sheet.text(r, col):
        heads[sheet.text(r, col)] = col
        col += 1
    for needed in ("Variable", "Business Concept", "Attribute", "Role"):
        if needed not in heads:
            findings.error(
                "GLOSSARY_HEADING",
                f"the Glossary has no '{needed}' heading",
                "Glossary",
                coord(r, col),
                "The headings are: Variable, Business Concept, Attribute, Role, Default when missing, Meaning "
                "(and, optionally, Allowed values and Type).",
            )
    if findings.errors:
        raise Stop
    concept = ""
    keys: dict[tuple[str, str], str] = {}
    row = r + 1
    while sheet.text(row, heads["Variable"]):
        name = sheet.text(row, heads["Variable"])
        where = coord(row, heads["Variable"])
        concept = sheet.text(row, heads["Business Concept"]) or concept
        attr_raw = sheet.value(row, heads["Attribute"])
        attribute = attr_raw.strip() if isinstance(attr_raw, str) else ""
        role = sheet.text(row, heads["Role"]).lower()
        if name in ctx.variables:
            findings.error(
                "GLOSSARY_DUPLICATE",
                f"variable '{name}' is defined twice",
                "Glossary",
                where,
                "Give each variable one row.",
            )
        if name == "Execute":
            findings.error("GLOSSARY_ROW", "'Execute' is reserved and cannot be a variable", "Glossary", where)
        if not _IDENT.match(concept or ""):
            findings.error(
                "GLOSSARY_ROW",
                f"business concept '{concept}' is not a name",
                "Glossary",
                coord(row, heads["Business Concept"]),
                "Use letters, digits and _ only, starting with a letter.",
            )
        if not _IDENT.match(attribute):
            findings.error(
                "GLOSSARY_ROW",
                f"attribute {attr_raw!r} of '{name}' is not a name",
                "Glossary",
                coord(row, heads["Attribute"]),
                "Type it as text: letters, digits and _ only, starting with a letter.",
            )
        if role not in ROLES:
            findings.error(
                "GLOSSARY_ROLE",
                f"role '{role}' of '{name}' is not one of {', '.join(ROLES)}",
                "Glossary",
                coord(row, heads["Role"]),
                "Pick the role from the drop-down.",
            )
        key_space = "in" if role == "input" else "out"
        if (key_space, attribute) in keys and attribute:
            findings.error(
                "GLOSSARY_DUPLICATE",
                f"attribute '{attribute}' is used by both '{keys[(key_space, attribute)]}' and '{name}'",
                "Glossary",
                coord(row, heads["Attribute"]),
                "Give each input (and each output) its own attribute.",
            )
        keys[(key_space, attribute)] = name
        type_ = ""
        if TYPE_HEADING in heads:
            type_ = _read_type(ctx, name, sheet.value(row, heads[TYPE_HEADING]), coord(row, heads[TYPE_HEADING]))
        default: Value = None
        raw_default = sheet.value(row, heads["Default when missing"]) if "Default when missing" in heads else None
        if type_ in TEMPORAL_TYPES and is_temporal(raw_default):  # a date typed as one in Excel
            default = excel_value(raw_default, type_)
        elif raw_default is not None:
            try:
                default = _default(cell_text(raw_default), type_)
            except FeelError as exc:
                findings.error(
                    "CELL_SYNTAX",
                    f"default of '{name}': {exc.message}",
                    "Glossary",
                    coord(row, heads["Default when missing"]),
                    exc.hint,
                )
        meaning = sheet.text(row, heads["Meaning"]) if "Meaning" in heads else ""
        if ALLOWED_HEADING in heads and sheet.value(row, heads[ALLOWED_HEADING]) is not None:
            _read_allowed(ctx, name, role, sheet.value(row, heads[ALLOWED_HEADING]), coord(row, heads[ALLOWED_HEADING]))
        if type_ and default is not None and not belongs(default, type_):
            findings.error(
                "GLOSSARY_TYPE",
                f"default of '{name}' is {show(default)}, which is not a {type_}",
                "Glossary",
                coord(row, heads["Default when missing"]),
                f"Write a {type_} as the default, or change the type.",
            )
        origin = Origin("Glossary", where)
        ctx.variables[name] = Variable(name, concept, attribute, role, default, meaning, origin, type_)
        row += 1
    if not ctx.variables:
        findings.error("GLOSSARY_EMPTY", "the Glossary lists no variables", "Glossary", coord(r + 1, c))
        raise Stop


def _default(text: str, type_: str) -> Value:
    """A Default when missing cell: a literal; for a temporal type also ``date("2025-01-31")`` or ``@"P2D"``."""
    if type_ not in TEMPORAL_TYPES:
        return parse_literal(text)
    value = parse_output(text)
    if value is not None and type_of(value) is None:  # a name or a calculation: not a value
        raise FeelError(f"{text} is not a value", f'Write the {type_} as @"{EXAMPLES[type_]}".')
    return value


def _read_type(ctx: Context, name: str, raw: object, where: str) -> str:
    """A variable's FEEL type from its Type cell: "" when blank; a name FEEL has no type for is an error."""
    text = cell_text(raw).strip() if raw is not None else ""
    if text == "":
        return ""
    found = type_name(text)
    if found is None:
        ctx.findings.error(
            "GLOSSARY_TYPE",
            f"type {text!r} of '{name}' is not a FEEL type; the types are: {', '.join(TYPES)}",
            "Glossary",
            where,
            "Pick a type from the list, or clear the cell to infer it from the allowed values.",
        )
        return ""
    return found


def _read_allowed(ctx: Context, name: str, role: str, raw: object, where: str) -> None:
    """An input's own allowed values from its Glossary row; only an input has them."""
    if cell_text(raw) == "":
        return
    if role != "input":
        ctx.findings.error(
            "GLOSSARY_ROW",
            f"'{name}' is not an input: its allowed values are those of the columns that decide it",
            "Glossary",
            where,
            "Clear the cell; list an output's values in the allowed-values row of its table.",
        )
        return
    try:
        test = parse_unary_tests(raw)
    except FeelError as exc:
        ctx.findings.error("CELL_SYNTAX", f"allowed values of '{name}': {exc.message}", "Glossary", where, exc.hint)
        return
    if not test.any:
        ctx.declared[name] = test
