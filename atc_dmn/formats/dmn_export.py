"""Write a loaded :class:`~atc_dmn.model.Model` as DMN 1.3 XML, for modelers and engines that read DMN.

The DMN part (item definitions, input data, one decision per table with its
requirements, the decision tables, a DMNDI diagram) is what DMN tools show and
run. What DMN has no element for (the Glossary's concepts, roles and defaults,
the Wording sheet, the references and their pairings, the Test sheet, where
each element came from) goes into ``extensionElements`` under our namespace,
so that an importer can rebuild the same Model. Written with the standard
library only: exporting needs no new dependency.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..feel_text import unary_tests_text
from ..feel_value import show
from ..model import CITATIONS_HEADING, DecisionTable, Model, Variable
from ..origin import Origin

DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC = "http://www.omg.org/spec/DMN/20180521/DC/"
DI = "http://www.omg.org/spec/DMN/20180521/DI/"
EXT = "urn:atc-dmn:extensions:1"  # ours: bump the last number if the extension's meaning changes
PREFIXES = {"": DMN, "dmndi": DMNDI, "dc": DC, "di": DI, "atc": EXT}

HIT_POLICIES: dict[str, tuple[str, str | None]] = {
    "U": ("UNIQUE", None),
    "A": ("ANY", None),
    "P": ("PRIORITY", None),
    "F": ("FIRST", None),
    "R": ("RULE ORDER", None),
    "O": ("OUTPUT ORDER", None),
    "C": ("COLLECT", None),
    "C+": ("COLLECT", "SUM"),
    "C<": ("COLLECT", "MIN"),
    "C>": ("COLLECT", "MAX"),
    "C#": ("COLLECT", "COUNT"),
}
KIND_TYPES = {"boolean": "boolean", "category": "string", "number": "number", "any": "Any"}
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
SHAPE_W, SHAPE_H, COLUMN_GAP, ROW_GAP, MARGIN = 180, 80, 120, 40, 40


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = DMN, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _q(ns, tag), {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    """A DMN element holding a ``<text>`` child (unary tests, literal expressions, entries)."""
    el = _sub(parent, tag, **attrs)
    _sub(el, "text", text)
    return el


def _json(value: Any) -> str:
    """A value exactly, types included (``true`` is not ``"true"``), for the extension's attributes."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _origin(attrs: dict[str, str], origin: Origin | None, prefix: str = "") -> dict[str, str]:
    if origin is not None and (origin.source or origin.location):
        attrs[prefix + "source"] = origin.source
        attrs[prefix + "location"] = origin.location
    return attrs


class _Ids:
    """Document-wide unique NCName ids (xsd:ID): a workbook's own id where it is one, else a derived one."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, wanted: str, prefix: str) -> str:
        base = wanted if _NCNAME.fullmatch(wanted) else re.sub(r"[^A-Za-z0-9_.-]+", "_", wanted).strip("_")
        if not _NCNAME.fullmatch(base):
            base = f"{prefix}_{base}"
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        return candidate


def _type_of(values: tuple[Any, ...] | None) -> str:
    """The FEEL type of a column's allowed literals (``Any`` when they mix kinds or are not a list)."""
    kinds = {type(v) for v in values or () if v is not None}
    if kinds == {bool}:
        return "boolean"
    if kinds == {str}:
        return "string"
    if kinds and all(k in (int, float) for k in kinds):
        return "number"
    return "Any"


def to_element(model: Model) -> ET.Element:
    """The DMN 1.3 ``definitions`` element of ``model``."""
    info = model.info
    ids = _Ids()
    ident = info.identifier or info.name
    root = ET.Element(
        _q(DMN, "definitions"),
        {
            "id": ids.make(ident, "definitions"),
            "name": info.name,
            "namespace": f"urn:atc-dmn:model:{quote(ident, safe='')}:{quote(info.version, safe='')}",
            "exporter": "atc-dmn",
            "exporterVersion": __version__,
        },
    )
    if info.description:
        _sub(root, "description", info.description)
    _model_extensions(_sub(root, "extensionElements"), model)

    # One item definition per glossary variable: its FEEL type and allowed values.
    producers = {c.variable: (t, c) for t in model.tables for c in t.outputs}
    specs = {s.name: s for s in model.inputs}
    item_names: dict[str, str] = {}
    for var in model.variables.values():
        spec = specs.get(var.name)
        if spec is not None:
            type_ref, allowed = var.type or KIND_TYPES.get(spec.kind, "Any"), spec.test
        elif var.name in producers:
            column = producers[var.name][1]
            type_ref, allowed = var.type or _type_of(column.enumeration), column.allowed
        else:
            continue
        name = var.key if var.key not in item_names.values() else f"{var.key}_{len(item_names)}"
        item_names[var.name] = name
        item = _sub(root, "itemDefinition", id=ids.make(f"itemDefinition_{name}", "itemDefinition"), name=name)
        item.set("label", var.name)
        _sub(item, "typeRef", type_ref)
        if allowed is not None and not allowed.any:
            _text(item, "allowedValues", unary_tests_text(allowed))

    # Input data for the model inputs the tables read, then one decision per table.
    read = {c.variable for t in model.tables for c in t.inputs}
    input_ids: dict[str, str] = {}
    for var in model.variables_with_role("input"):
        if var.name not in read:
            continue
        el = _sub(root, "inputData", id=ids.make(f"inputData_{var.key}", "inputData"), name=var.name)
        input_ids[var.name] = el.get("id", "")
        _sub(
            el,
            "variable",
            id=ids.make(f"{el.get('id')}_variable", "variable"),
            name=var.name,
            typeRef=item_names.get(var.name),
        )

    decision_ids = {t.name: ids.make(f"decision_{t.name}", "decision") for t in model.tables}
    edges: list[tuple[str, str, str]] = []  # (requirement id, source element id, target decision id)
    for table in model.tables:
        edges += _decision(root, table, model, ids, decision_ids, input_ids, item_names, producers)

    _diagram(root, model, ids, decision_ids, input_ids, edges)
    return root


def _decision(
    root: ET.Element,
    table: DecisionTable,
    model: Model,
    ids: _Ids,
    decision_ids: dict[str, str],
    input_ids: dict[str, str],
    item_names: dict[str, str],
    producers: dict[str, tuple[DecisionTable, Any]],
) -> list[tuple[str, str, str]]:
    """One table as a decision: its requirements (the inputs it really reads) and its decision table."""
    did = decision_ids[table.name]
    single = len(table.outputs) == 1
    # DMN: a decision's variable bears its name; a table with one output is that output's decision.
    name = table.outputs[0].variable if single else table.name
    decision = _sub(root, "decision", id=did, name=name, label=table.name)
    if table.description:
        _sub(decision, "description", table.description)
    ext = _sub(decision, "extensionElements")
    attrs = _origin(
        {"name": table.name, "hitPolicy": table.hit_policy, "purpose": table.purpose},
        table.origin,
    )
    tab = _sub(ext, "table", ns=EXT, **attrs)
    for heading in table.annotation_headings:
        _sub(tab, "annotationHeading", heading, ns=EXT)
    type_ref = item_names.get(table.outputs[0].variable) if single else None
    _sub(decision, "variable", id=ids.make(f"{did}_variable", "variable"), name=name, typeRef=type_ref)

    edges = []
    seen: set[str] = set()
    for col in table.inputs:
        if col.variable in seen:
            continue
        seen.add(col.variable)
        producer = producers.get(col.variable)
        if col.variable in input_ids:
            source, kind = input_ids[col.variable], "requiredInput"
        elif producer is not None:
            source, kind = decision_ids[producer[0].name], "requiredDecision"
        else:
            continue
        rid = ids.make(f"{did}_requires_{source}", "informationRequirement")
        req = _sub(decision, "informationRequirement", id=rid)
        _sub(req, kind, href=f"#{source}")
        edges.append((rid, source, did))

    hit_policy, aggregation = HIT_POLICIES[table.hit_policy]
    dt = _sub(decision, "decisionTable", id=ids.make(f"{did}_table", "decisionTable"), hitPolicy=hit_policy)
    if aggregation:
        dt.set("aggregation", aggregation)
    for i, col in enumerate(table.inputs, 1):
        clause = _sub(dt, "input", id=ids.make(f"{did}_input_{i}", "input"), label=col.variable)
        _column_extension(clause, col)
        text = _expression_of(col.variable, producers)
        _text(clause, "inputExpression", text, typeRef=item_names.get(col.variable))
        if col.allowed is not None and not col.allowed.any:
            _text(clause, "inputValues", unary_tests_text(col.allowed))
    for i, col in enumerate(table.outputs, 1):
        clause = _sub(
            dt,
            "output",
            id=ids.make(f"{did}_output_{i}", "output"),
            label=col.variable,
            name=col.variable if not single else None,
            typeRef=item_names.get(col.variable),
        )
        _column_extension(clause, col)
        if col.allowed is not None and not col.allowed.any:
            _text(clause, "outputValues", unary_tests_text(col.allowed))
        default = model.variables[col.variable].default if col.variable in model.variables else None
        if default is not None:  # what the table gives when no rule matches, under No match = null
            _text(clause, "defaultOutputEntry", show(default))
    for heading in table.annotation_headings:
        _sub(dt, "annotation", name=heading)
    for rule in table.rules:
        el = _sub(dt, "rule", id=ids.make(rule.id, "rule"), label=rule.id)
        rext = _sub(_sub(el, "extensionElements"), "rule", ns=EXT, id=rule.id, cells=" ".join(rule.cells))
        _origin(rext.attrib, rule.origin)
        for number in rule.citations:
            _sub(rext, "citation", ns=EXT, number=_json(number))
        for j, test in enumerate(rule.tests, 1):
            _text(el, "inputEntry", unary_tests_text(test), id=ids.make(f"{el.get('id')}_in_{j}", "inputEntry"))
        for j, value in enumerate(rule.outputs, 1):
            _text(el, "outputEntry", show(value), id=ids.make(f"{el.get('id')}_out_{j}", "outputEntry"))
        for heading in table.annotation_headings:
            cited = ", ".join(map(str, rule.citations))
            _text(el, "annotationEntry", cited if heading == CITATIONS_HEADING else rule.annotations.get(heading, ""))
    return edges


def _expression_of(variable: str, producers: dict[str, tuple[DecisionTable, Any]]) -> str:
    """How a table names what it reads: the input or decision's name, ``Table.output`` for a multi-output table."""
    producer = producers.get(variable)
    if producer is not None and len(producer[0].outputs) > 1:
        return f"{producer[0].name}.{variable}"
    return variable


def _column_extension(clause: ET.Element, col: Any) -> None:
    attrs = _origin({"variable": col.variable}, col.origin)
    _origin(attrs, col.allowed_origin, "allowed")
    _sub(_sub(clause, "extensionElements"), "column", ns=EXT, **attrs)


def _model_extensions(ext: ET.Element, model: Model) -> None:
    """Everything of the workbook that DMN has no element for, in our namespace."""
    info = model.info
    m = _sub(
        ext,
        "model",
        ns=EXT,
        name=info.name,
        version=info.version,
        identifier=info.identifier,
        effectiveDate=info.effective_date,
        source=info.source,
        sourceSha256=model.sha256,
    )
    _sub(m, "description", info.description, ns=EXT)
    _sub(m, "notice", info.notice, ns=EXT)
    for key, value in info.extra.items():
        _sub(m, "extra", value, ns=EXT, key=key)

    glossary = _sub(ext, "glossary", ns=EXT)
    for var in model.variables.values():
        _variable(glossary, var)

    inputs = _sub(ext, "inputs", ns=EXT)
    for spec in model.inputs:
        _sub(
            inputs,
            "input",
            spec.meaning,
            ns=EXT,
            key=spec.key,
            name=spec.name,
            kind=spec.kind,
            allowed=_json(list(spec.allowed)),
            default=_json(spec.default),
            optional=_json(spec.optional),
            test=unary_tests_text(spec.test) if spec.test is not None else None,
        )

    wording = _sub(ext, "wording", ns=EXT)
    for (output, code), text in model.wording.items():
        attrs: dict[str, str] = {"output": output, "code": _json(code)}
        origins = model.wording_origins.get((output, code))
        if origins is not None:
            _origin(attrs, origins[0], "output")
            _origin(attrs, origins[1], "code")
        _sub(wording, "entry", text, ns=EXT, **attrs)

    refs = _sub(ext, "references", ns=EXT)
    for ref in model.references:
        _sub(
            refs,
            "reference",
            ns=EXT,
            entry=ref.entry,
            title=ref.title,
            kind=ref.kind,
            source=ref.source,
            year=ref.year,
            own=_json(ref.own),
        )
    citations = _sub(ext, "citations", ns=EXT)
    for citation in model.citations.values():
        _sub(
            citations,
            "citation",
            citation.reason,
            ns=EXT,
            number=_json(citation.number),
            entry=_json(citation.entry),
            status=citation.status,
        )

    tests = _sub(ext, "tests", ns=EXT)
    for case in model.tests:
        attrs = _origin({"id": case.id, "description": case.description, "reason": case.reason}, case.origin)
        if case.expected_error is not None:
            attrs["expectedError"] = case.expected_error
        el = _sub(tests, "test", ns=EXT, **attrs)
        for key, value in case.inputs.items():
            _sub(el, "input", ns=EXT, key=key, value=_json(value))
        for key, value in case.expected.items():
            _sub(el, "expected", ns=EXT, output=key, value=_json(value))
        for key, cell in case.cells.items():
            _sub(el, "cell", ns=EXT, key=key, location=cell)


def _variable(parent: ET.Element, var: Variable) -> None:
    attrs = {
        "name": var.name,
        "concept": var.concept,
        "attribute": var.attribute,
        "role": var.role,
        "default": _json(var.default),
    }
    if var.type:
        attrs["type"] = var.type
    _sub(parent, "variable", var.meaning, ns=EXT, **_origin(attrs, var.origin))


def _diagram(
    root: ET.Element,
    model: Model,
    ids: _Ids,
    decision_ids: dict[str, str],
    input_ids: dict[str, str],
    edges: list[tuple[str, str, str]],
) -> None:
    """A DMNDI diagram, laid out in columns by depth: inputs first, each decision right of what it requires."""
    depth = dict.fromkeys(input_ids.values(), 0)
    for _, source, target in edges:  # tables run in order, so a source's depth is known first
        depth[target] = max(depth.get(target, 1), depth.get(source, 0) + 1)
    for did in decision_ids.values():
        depth.setdefault(did, 1)
    rows: dict[int, int] = {}
    bounds: dict[str, tuple[int, int]] = {}
    dmndi = _sub(root, "DMNDI", ns=DMNDI)
    diagram = _sub(dmndi, "DMNDiagram", ns=DMNDI, id=ids.make("DMNDiagram_1", "DMNDiagram"), name=model.info.name)
    for element_id in [*input_ids.values(), *decision_ids.values()]:
        column = depth[element_id]
        row = rows.get(column, 0)
        rows[column] = row + 1
        x, y = MARGIN + column * (SHAPE_W + COLUMN_GAP), MARGIN + row * (SHAPE_H + ROW_GAP)
        bounds[element_id] = (x, y)
        shape = _sub(
            diagram, "DMNShape", ns=DMNDI, id=ids.make(f"DMNShape_{element_id}", "DMNShape"), dmnElementRef=element_id
        )
        _sub(shape, "Bounds", ns=DC, x=str(x), y=str(y), width=str(SHAPE_W), height=str(SHAPE_H))
    for rid, source, target in edges:
        (sx, sy), (tx, ty) = bounds[source], bounds[target]
        edge = _sub(diagram, "DMNEdge", ns=DMNDI, id=ids.make(f"DMNEdge_{rid}", "DMNEdge"), dmnElementRef=rid)
        _sub(edge, "waypoint", ns=DI, x=str(sx + SHAPE_W), y=str(sy + SHAPE_H // 2))
        _sub(edge, "waypoint", ns=DI, x=str(tx), y=str(ty + SHAPE_H // 2))


def to_dmn(model: Model) -> bytes:
    """``model`` as a DMN 1.3 XML document (UTF-8, indented)."""
    for prefix, ns in PREFIXES.items():
        ET.register_namespace(prefix, ns)
    root = to_element(model)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_dmn(model: Any, path: str | Path) -> Path:
    """Write ``model`` (a :class:`~atc_dmn.model.Model` or a loaded DecisionModel) as DMN 1.3 XML to ``path``."""
    model = getattr(model, "model", model)
    path = Path(path)
    path.write_bytes(to_dmn(model))
    return path


__all__ = ["EXT", "to_dmn", "to_element", "write_dmn"]
