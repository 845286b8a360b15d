"""The FEEL types a DMN file declares for its variables: typeRefs, through item definitions to a built-in type.

An inputData's variable, an input clause's expression, an output clause and a
decision's variable may each name a type: a built-in one (``number``,
``date and time``; DMN 1.1's ``dateTime``), or an item definition whose own
typeRef leads to one. A variable's type is the first of these that gives a
FEEL type; ``Any``, a structure, a collection or an unknown name gives none
(the type is then inferred from the allowed values, as for an untyped
Glossary row). Our own extension's glossary, when the file carries it, says
each variable's type itself.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from ..feel_types import dmn_type
from ..model import DecisionTable, InputSpec, Variable

EXT = "urn:atc-dmn:extensions:1"


def resolve(items: dict[str, ET.Element], q: Any, type_ref: str | None, depth: int = 0) -> str:
    """The FEEL type a typeRef leads to: a built-in name, or an item definition's own typeRef (followed)."""
    if not type_ref or depth > 20:
        return ""
    found = dmn_type(type_ref)
    if found:
        return found
    item = items.get(type_ref.strip())
    if item is None or item.get("isCollection") == "true":
        return ""
    ref = item.find(q("typeRef"))
    return resolve(items, q, ref.text if ref is not None else None, depth + 1)


def declared_types(
    root: ET.Element, items: dict[str, ET.Element], q: Any, input_data: Iterable[ET.Element]
) -> dict[str, str]:
    """Each variable's FEEL type by name, from the typeRefs of the file (or our glossary's ``type``)."""
    glossary = root.find(f"{q('extensionElements')}/{{{EXT}}}glossary")
    if glossary is not None:
        return {v.get("name", ""): v.get("type", "") for v in glossary}
    types: dict[str, str] = {}

    def note(name: str | None, type_ref: str | None) -> None:
        if name and not types.get(name):
            types[name] = resolve(items, q, type_ref)

    for el in input_data:
        variable = el.find(q("variable"))
        note(el.get("name"), variable.get("typeRef") if variable is not None else None)
    for decision in root.iter(q("decision")):
        table = decision.find(q("decisionTable"))
        if table is None:
            continue
        for clause in table.iter(q("input")):
            expression = clause.find(q("inputExpression"))
            text = expression.find(q("text")) if expression is not None else None
            if text is not None and text.text:
                note(text.text.strip(), expression.get("typeRef") if expression is not None else None)
        outputs = table.findall(q("output"))
        variable = decision.find(q("variable"))
        if len(outputs) == 1:
            name = decision.get("name")
            note(name, outputs[0].get("typeRef") or (variable.get("typeRef") if variable is not None else None))
        else:
            for clause in outputs:
                note(clause.get("name"), clause.get("typeRef"))
    return types


def with_types(
    variables: dict[str, Variable], types: dict[str, str], tables: Iterable[DecisionTable] = ()
) -> dict[str, Variable]:
    """The variables with their declared types (a decision's output under its table's column name too)."""
    names = {t.name: [c.variable for c in t.outputs] for t in tables}
    for table_name, outputs in names.items():
        if len(outputs) == 1 and table_name in types and outputs[0] not in types:
            types = {**types, outputs[0]: types[table_name]}
    return {
        name: dataclasses.replace(var, type=types[name]) if types.get(name) and not var.type else var
        for name, var in variables.items()
    }


def specs_with_types(specs: tuple[InputSpec, ...], variables: dict[str, Variable]) -> tuple[InputSpec, ...]:
    """Input specs read from our extension, with their variables' types."""
    return tuple(
        dataclasses.replace(s, type=variables[s.name].type) if s.name in variables and not s.type else s for s in specs
    )
