"""The DMN XML format (1.1 to 1.5): decision tables in S-FEEL, read back into a :class:`~atc_dmn.model.Model`.

The inverse of :mod:`.dmn_export`: the DMN part gives the tables, their
columns, rules and the order they run in; our ``urn:atc-dmn:extensions:1``
elements, when present, give back what DMN has no element for (the Glossary's
roles and defaults, wording, references, tests). Anything the engine cannot
run (literal expressions, contexts, invocations, knowledge models, decision
services, FEEL outside the cells' subset) is refused at its element id, never
dropped: a model that silently lost a decision would answer wrongly.
Parsed with defusedxml: no DTD, no entities, no network.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import ModelError
from ..feel import FeelError, UnaryTest, parse_output, parse_unary_tests
from ..feel_value import code
from ..findings import ERROR, WARNING, Finding, Findings
from ..loader.input_specs import input_specs
from ..loader.tables import hit_policy_needs
from ..model import (
    CITATIONS_HEADING,
    Citation,
    Column,
    DecisionTable,
    InputSpec,
    Model,
    ModelInfo,
    Reference,
    Rule,
    TestCase,
    Variable,
)
from ..no_match import NULL, with_dmn_nulls
from ..no_match import PROPERTY as NO_MATCH
from ..origin import Origin
from . import Reading
from .dmn_export import EXT, HIT_POLICIES
from .dmn_types import declared_types, resolve, specs_with_types, with_types

SUFFIXES = (".dmn",)
MAX_DMN_BYTES = 20 * 1024 * 1024  # as a workbook's: a model is kilobytes, a larger file is not one
NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
UNVERSIONED = "unversioned"  # the version of a model whose file gives none
POLICIES = {value: letter for letter, value in HIT_POLICIES.items()}
# Children of <definitions> that carry no logic the engine would need (documentation, diagram, authority).
IGNORED = {"description", "extensionElements", "itemDefinition", "inputData", "decision", "DMNDI", "textAnnotation"}
IGNORED |= {"association", "group", "knowledgeSource", "elementCollection", "performanceIndicator"}
IGNORED |= {"organizationUnit"}
# Children of <decision> besides its expression that change nothing about how it is evaluated.
DECISION_PARTS = {"description", "extensionElements", "question", "allowedAnswers", "variable"}
DECISION_PARTS |= {
    "informationRequirement",
    "authorityRequirement",
    "supportedObjective",
    "impactedPerformanceIndicator",
}
DECISION_PARTS |= {"decisionMaker", "decisionOwner", "usingProcess", "usingTask"}
WHAT = {
    "businessKnowledgeModel": "business knowledge models",
    "decisionService": "decision services",
    "import": "imports",
    "literalExpression": "literal expressions",
    "context": "boxed contexts",
    "invocation": "invocations",
    "relation": "relations",
    "list": "boxed lists",
    "functionDefinition": "function definitions",
    "knowledgeRequirement": "knowledge requirements (business knowledge models)",
}


class _Refused(Exception):
    """Reading cannot go on: the finding is already recorded."""


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _json(text: str | None, default: Any = None) -> Any:
    return json.loads(text) if text else default


class _Reader:
    """One file's reading: the DMN namespace, the findings, and lookups by id and by name."""

    def __init__(self, path: Path, root: ET.Element, ns: str) -> None:
        self.path, self.root, self.ns = path, root, ns
        self.findings = Findings()
        self.defs_id = root.get("id") or "definitions"

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def children(self, el: ET.Element, tag: str) -> list[ET.Element]:
        return el.findall(self.q(tag))

    def text_of(self, el: ET.Element | None) -> str | None:
        """The ``<text>`` of a unary-tests or literal-expression element (None when absent)."""
        if el is None:
            return None
        text = el.find(self.q("text"))
        return (text.text or "") if text is not None else ""

    def ext(self, el: ET.Element, tag: str) -> ET.Element | None:
        holder = el.find(self.q("extensionElements"))
        return holder.find(f"{{{EXT}}}{tag}") if holder is not None else None

    def refuse(self, code: str, message: str, source: str, element_id: str, hint: str = "") -> None:
        self.findings.append(Finding(ERROR, code, message, Origin(source, element_id, element_id), hint))

    # -- the whole file ----------------------------------------------------------------------

    def read(self) -> Model | None:
        root = self.root
        for child in root:
            tag = _local(child.tag)
            if tag in WHAT:
                cid = child.get("id") or child.get("name") or child.get("namespace") or ""
                self._unsupported(child, tag, self.defs_id, cid)
            elif tag not in IGNORED and tag:
                self.refuse(
                    "DMN_UNSUPPORTED",
                    f"{tag} '{child.get('id', '')}' is not supported",
                    self.defs_id,
                    child.get("id", ""),
                )
        self.items = {i.get("name", ""): i for i in self.children(root, "itemDefinition")}
        self.output_defaults: dict[str, Any] = {}  # output variable -> its clause's defaultOutputEntry
        self.input_data = self.children(root, "inputData")
        decisions = self.children(root, "decision")
        self.by_id = {d.get("id", ""): d for d in [*decisions, *self.input_data]}
        self.parts = self._structures()
        tables = [t for t in (self._table(d) for d in self._ordered(decisions)) if t is not None]
        if self.findings.errors:
            return None
        types = declared_types(root, self.items, self.q, self.input_data)
        for components in self.parts.values():
            for part, type_ref, _ in components:
                found = resolve(self.items, self.q, type_ref)
                if found:
                    types.setdefault(part, found)
        variables = with_types(self._variables(tables), types, tables)
        info = self._info()
        wording, references, citations, tests, specs = self._extensions(variables, tables)
        if self.root.find(f"{self.q('extensionElements')}/{{{EXT}}}wording") is None:
            wording = self._codes_as_words(variables, tables)
            tables = _unclashed(tables, variables, wording, info)
        if specs is not None:
            specs = specs_with_types(specs, variables)
        if specs is None:
            context = SimpleNamespace(variables=variables, findings=self.findings, complete=True)
            specs = input_specs(context, tuple(tables), self._declared())  # type: ignore[arg-type]
        specs = with_dmn_nulls(tuple(specs), info)
        if self.findings.errors:
            return None
        sha = hashlib.sha256(self.path.read_bytes()).hexdigest()
        return Model(str(self.path), sha, info, variables, tuple(tables), wording, citations, references, tests, specs)

    def _data_values(self, name: str) -> ET.Element | None:
        """The allowedValues of the item definition that inputData ``name``'s variable names, if any."""
        for el in self.input_data:
            if el.get("name") == name:
                variable = el.find(self.q("variable"))
                item = self.items.get(variable.get("typeRef") or "") if variable is not None else None
                return item.find(self.q("allowedValues")) if item is not None else None
        return None

    def _declared(self) -> dict[str, UnaryTest]:
        """Each inputData's own allowed values (its item definition's): what a case may give it.

        A column's inputValues are that column's; they do not narrow what the input accepts.
        """
        declared = {}
        for el in self.input_data:
            name = el.get("name", "")
            values = self._data_values(name)
            if values is not None:
                test = self._tests(self.text_of(values) or "", el.get("id", ""), values.get("id") or el.get("id", ""))
                if test is not None and not test.any:
                    declared[name] = test
        return declared

    def _codes_as_words(
        self, variables: dict[str, Variable], tables: list[DecisionTable]
    ) -> dict[tuple[str, Any], str]:
        """Without our Wording, each output code reads as itself, and the report says so (a warning)."""
        wording: dict[tuple[str, Any], str] = {}
        for table in tables:
            for j, column in enumerate(table.outputs):
                var = variables.get(column.variable)
                if var is None or var.role not in ("output", "check"):
                    continue
                values = column.enumeration if column.enumeration is not None else [r.outputs[j] for r in table.rules]
                for value in values:
                    if value is not None:
                        wording.setdefault((var.key, code(value)), code(value))
        self.findings.append(
            Finding(
                WARNING,
                "DMN_NO_WORDING",
                "the file has no wording (urn:atc-dmn:extensions:1): each output code is shown as its own words",
                Origin(self.defs_id, self.defs_id, self.defs_id),
                "Export the model from its workbook (atc-dmn export-dmn) to keep the words a clinician reads.",
            )
        )
        return wording

    def _unsupported(self, el: ET.Element, tag: str, source: str, element_id: str) -> None:
        self.refuse(
            "DMN_UNSUPPORTED",
            f"{tag} '{element_id}': {WHAT.get(tag, tag)} are not supported, only decision tables in S-FEEL",
            source,
            element_id,
            "Write the logic as a decision table whose cells are S-FEEL unary tests and literals.",
        )

    def _ordered(self, decisions: list[ET.Element]) -> list[ET.Element]:
        """The decisions in the order they can run: each after those it requires (else document order)."""
        ids = [d.get("id", "") for d in decisions]
        needs = {d.get("id", ""): self._required(d, "requiredDecision") for d in decisions}
        done: list[str] = []
        visiting: set[str] = set()

        def visit(did: str) -> None:
            if did in done or did not in needs:
                return
            if did in visiting:
                self.refuse("DMN_CYCLE", f"decision '{did}' depends on its own result", did, did)
                return
            visiting.add(did)
            for need in needs[did]:
                visit(need)
            visiting.discard(did)
            done.append(did)

        for did in ids:
            visit(did)
        return [self.by_id[did] for did in done]

    def _required(self, decision: ET.Element, kind: str) -> list[str]:
        found = []
        for req in self.children(decision, "informationRequirement"):
            for ref in self.children(req, kind):
                found.append(ref.get("href", "").lstrip("#"))
        return found

    # -- a decision --------------------------------------------------------------------------

    def _table(self, decision: ET.Element) -> DecisionTable | None:
        did = decision.get("id", "")
        for child in decision:
            tag = _local(child.tag)
            if tag in WHAT:
                self._unsupported(child, tag, did, child.get("id") or did)
            elif tag not in DECISION_PARTS and tag != "decisionTable" and tag:
                self.refuse("DMN_UNSUPPORTED", f"decision '{did}': {tag} is not supported", did, did)
        dt = decision.find(self.q("decisionTable"))
        if dt is None:
            if not any(_local(c.tag) in WHAT for c in decision):
                self.refuse(
                    "DMN_NO_TABLE",
                    f"decision '{did}' has no decision table",
                    did,
                    did,
                    "Every decision must be a decision table.",
                )
            return None
        tid = dt.get("id") or did
        ext = self.ext(decision, "table")
        name = (ext.get("name") if ext is not None else None) or decision.get("label") or decision.get("name") or did
        policy = (dt.get("hitPolicy") or "UNIQUE", dt.get("aggregation"))
        letter = ext.get("hitPolicy") if ext is not None else None
        if letter is None:
            letter = POLICIES.get(policy)
        if letter is None or HIT_POLICIES.get(letter) != policy:
            self.refuse(
                "DMN_HIT_POLICY",
                f"decision table '{tid}': hit policy {' '.join(filter(None, policy))} is not supported",
                did,
                tid,
            )
            return None
        out_clauses = self.children(dt, "output")
        single = decision.get("name") or name
        outputs = tuple(
            self._column(
                c, did, single if len(out_clauses) == 1 else c.get("name") or c.get("label") or "", "outputValues"
            )
            for c in out_clauses
        )
        for clause, col in zip(out_clauses, outputs):
            self._default_output(clause, col, did)
        inputs = tuple(self._input(c, did, decision) for c in self.children(dt, "input"))
        headings = tuple(a.get("name", "") for a in self.children(dt, "annotation"))
        rules = tuple(
            r
            for r in (self._rule(r, did, len(inputs), len(outputs), headings) for r in self.children(dt, "rule"))
            if r is not None
        )
        # What the hit policy needs, as a workbook's table must (loader/tables.py), at the clause or entry ids.
        for found, message, where, hint, _ in hit_policy_needs(
            name, letter, tid, outputs, rules, len(inputs), "its outputValues"
        ):
            self.refuse(found, message, did, where, hint)
        description = self.children(decision, "description")
        return DecisionTable(
            name,
            Origin(did, tid, tid),
            letter,
            inputs,
            outputs,
            rules,
            headings,
            (description[0].text or "") if description else "",
            ext.get("purpose", "") if ext is not None else "",
        )

    def _column(
        self, clause: ET.Element, did: str, variable: str, values_tag: str, type_ref: str | None = None
    ) -> Column:
        cid = clause.get("id") or did
        ext = self.ext(clause, "column")
        if ext is not None and ext.get("variable"):
            variable = ext.get("variable", "")
        values = clause.find(self.q(values_tag))
        text = self.text_of(values)
        if text is None:  # the item definition's allowed values stand in for the clause's own
            item = self.items.get(clause.get("typeRef") or type_ref or "")
            text = self.text_of(item.find(self.q("allowedValues"))) if item is not None else None
        if text is None and values_tag == "inputValues":
            # A clause typed with a built-in type (or not at all): the inputData it reads may declare them.
            text = self.text_of(self._data_values(variable))
        allowed = self._tests(text, did, cid) if text is not None else None
        return Column(variable, Origin(did, cid, cid), allowed, Origin(did, cid, cid) if allowed is not None else None)

    def _default_output(self, clause: ET.Element, col: Column, did: str) -> None:
        """An output clause's ``defaultOutputEntry``: what the table gives when no rule matches (No match null)."""
        entry = clause.find(self.q("defaultOutputEntry"))
        text = self.text_of(entry) if entry is not None else None
        if text is None or not text.strip():
            return
        where = (entry.get("id") if entry is not None else None) or col.origin.element_id
        try:
            self.output_defaults[col.variable] = parse_output(text)
        except FeelError as error:
            self.refuse("DMN_FEEL", f"{where}: default output {error}", did, where, error.hint)

    def _input(self, clause: ET.Element, did: str, decision: ET.Element) -> Column:
        expression = clause.find(self.q("inputExpression"))
        text = (self.text_of(expression) or "").strip()
        variable = self._name_of(text, decision)
        if variable is None:
            names = {el.get("name") for el in self.by_id.values()}
            if text not in names:  # an expression, not a name: the column would read something else
                cid = clause.get("id") or did
                self.refuse(
                    "DMN_FEEL",
                    f"{cid}: input expression '{text}' is not supported: only the name of an input or a decision",
                    did,
                    cid,
                    "Compute the value in a decision of its own and read that decision's name here.",
                )
            variable = text
        type_ref = expression.get("typeRef") if expression is not None else None
        return self._column(clause, did, variable, "inputValues", type_ref)

    def _name_of(self, text: str, decision: ET.Element) -> str | None:
        """What an input expression names: an input, a decision, or ``Table.output`` of a multi-output decision."""
        for href in [*self._required(decision, "requiredInput"), *self._required(decision, "requiredDecision")]:
            el = self.by_id.get(href)
            if el is None:
                continue
            name = el.get("name", "")
            if text == name:
                return name
            if any(text == part for part, _, _ in self.parts.get(name, ())):
                return text  # a component of a structured input: a variable of its own
            for out in el.iterfind(f"{self.q('decisionTable')}/{self.q('output')}"):
                label = el.get("label") or name
                if text in (f"{name}.{out.get('name')}", f"{label}.{out.get('name')}"):
                    return out.get("name")
        return None

    def _structures(self) -> dict[str, list[tuple[str, str | None, str]]]:
        """The inputData whose type is a structure (item components, one level): name -> its parts as
        (``name.component``, the component's typeRef, its id). A part that is itself a structure or a
        collection is left out: a cell naming it is refused as an unknown name."""
        parts: dict[str, list[tuple[str, str | None, str]]] = {}
        for el in self.input_data:
            variable = el.find(self.q("variable"))
            item = self.items.get(variable.get("typeRef", "") if variable is not None else "")
            if item is None or item.get("isCollection") == "true":
                continue
            components = self.children(item, "itemComponent")
            if not components:
                continue
            name = el.get("name", "")
            found = []
            for c in components:
                ref = c.find(self.q("typeRef"))
                if c.get("isCollection") == "true" or self.children(c, "itemComponent"):
                    continue
                found.append(
                    (
                        f"{name}.{c.get('name', '')}",
                        ref.text.strip() if ref is not None and ref.text else None,
                        c.get("id") or el.get("id", ""),
                    )
                )
            parts[name] = found
        return parts

    def _cell_names(self) -> dict[str, str]:
        """The names a rule's cells may use: every inputData, decision and decision-table output, as named."""
        names = getattr(self, "_names", None)
        if names is None:
            names = {}
            for el in self.by_id.values():
                if el.get("name"):
                    names[el.get("name", "")] = el.get("name", "")
                for part, _, _ in self.parts.get(el.get("name", ""), ()):
                    names[part] = part
                for out in el.iterfind(f"{self.q('decisionTable')}/{self.q('output')}"):
                    if out.get("name"):
                        names.setdefault(out.get("name", ""), out.get("name", ""))
                        names.setdefault(f"{el.get('name', '')}.{out.get('name', '')}", out.get("name", ""))
            self._names = names
        return names

    def _lists(self) -> set[str]:
        """The inputData whose type is a collection: a cell naming one would test a list, which we do not read."""
        lists = set()
        for el in self.input_data:
            variable = el.find(self.q("variable"))
            item = self.items.get(variable.get("typeRef", "") if variable is not None else "")
            if item is not None and item.get("isCollection") == "true":
                lists.add(el.get("name", ""))
        return lists

    def _tests(self, text: str, did: str, element_id: str, names: dict[str, str] | None = None) -> UnaryTest | None:
        try:
            test = parse_unary_tests(text, names)
        except FeelError as error:
            self.refuse("DMN_FEEL", f"{element_id}: {error}", did, element_id, getattr(error, "hint", "") or "")
            return None
        listed = sorted(test.names & self._lists()) if names else []
        if listed:
            self.refuse(
                "DMN_FEEL",
                f"{element_id}: '{listed[0]}' is a list (its type is a collection): cells that name lists "
                "are not supported",
                did,
                element_id,
                "List the values in the cell, or test one value per input.",
            )
            return None
        return test

    def _rule(self, el: ET.Element, did: str, n_in: int, n_out: int, headings: tuple[str, ...]) -> Rule | None:
        eid = el.get("id", "")
        ext = self.ext(el, "rule")
        rid = (ext.get("id") if ext is not None else None) or el.get("label") or eid
        entries_in, entries_out = self.children(el, "inputEntry"), self.children(el, "outputEntry")
        if len(entries_in) != n_in or len(entries_out) != n_out:
            self.refuse(
                "DMN_RULE_SHAPE",
                f"rule '{eid}' has {len(entries_in)} input and {len(entries_out)} output entries "
                f"for {n_in} inputs and {n_out} outputs",
                did,
                eid,
            )
            return None
        cells: list[str] = []
        tests: list[UnaryTest | None] = []
        for i, entry in enumerate(entries_in, 1):
            where = entry.get("id") or f"{eid}/inputEntry[{i}]"
            cells.append(where)
            tests.append(self._tests(self.text_of(entry) or "", did, where, self._cell_names()))
        outputs = []
        for i, entry in enumerate(entries_out, 1):
            where = entry.get("id") or f"{eid}/outputEntry[{i}]"
            cells.append(where)
            try:
                outputs.append(parse_output(self.text_of(entry) or "", self._cell_names()))
            except FeelError as error:
                self.refuse("DMN_FEEL", f"{where}: {error}", did, where, getattr(error, "hint", "") or "")
        annotations: dict[str, str] = {}
        citations: tuple[int | str, ...] = ()
        for heading, entry in zip(headings, self.children(el, "annotationEntry"), strict=False):
            text = (self.text_of(entry) or "").strip()
            if heading == CITATIONS_HEADING:
                citations = _citations(text)
            else:
                annotations[heading] = text
        if ext is not None and ext.find(f"{{{EXT}}}citation") is not None:
            citations = tuple(_json(c.get("number")) for c in ext.iterfind(f"{{{EXT}}}citation"))
        if any(t is None for t in tests) or len(outputs) != n_out:
            return None
        return Rule(
            rid,
            Origin(did, eid, eid),
            tuple(t for t in tests if t is not None),
            tuple(outputs),
            annotations,
            citations,
            tuple(cells),
        )

    # -- the variables, the model's info and our extensions ----------------------------------

    def _variables(self, tables: list[DecisionTable]) -> dict[str, Variable]:
        """The Glossary: ours when the file carries it, else inputs from inputData and outputs from the tables."""
        places: dict[str, Origin] = {}
        for el in self.input_data:
            places[el.get("name", "")] = Origin(el.get("id", ""), el.get("id", ""), el.get("id", ""))
        for t in tables:
            for col in t.outputs:
                places.setdefault(col.variable, col.origin)
        glossary = self.root.find(f"{self.q('extensionElements')}/{{{EXT}}}glossary")
        variables: dict[str, Variable] = {}
        if glossary is not None:
            for v in glossary:
                name = v.get("name", "")
                origin = places.get(name, Origin(self.defs_id, name, ""))
                variables[name] = Variable(
                    name,
                    v.get("concept", ""),
                    v.get("attribute", name),
                    v.get("role", "input"),
                    _json(v.get("default")),
                    v.text or "",
                    origin,
                )
            return variables
        read = {c.variable for t in tables for c in t.inputs}
        keys: dict[str, str] = {}
        for el in self.input_data:
            name = el.get("name", "")
            if name in self.parts:
                # A structured input (an item definition of components): one input per component,
                # named as FEEL names it (structA.price); a case gives it as structA_price.
                cells = " ".join(t.text or "" for t in self.root.iter(self.q("text")))
                for part, _, pid in self.parts[name]:
                    if part not in read and part not in cells:
                        continue  # a component no table reads is not an input of the model
                    origin = Origin(el.get("id", ""), pid, pid)
                    key = self._key(part, keys, origin)
                    variables[part] = Variable(part, "Input", key, "input", None, _doc(self, el), origin)
                continue
            key = self._key(name, keys, places[name])
            variables[name] = Variable(name, "Input", key, "input", None, _doc(self, el), places[name])
        for t in tables:
            for col in t.outputs:
                role = "intermediate" if col.variable in read else "output"
                key = self._key(col.variable, keys, col.origin)
                default = self.output_defaults.get(col.variable)
                variables[col.variable] = Variable(col.variable, "Decision", key, role, default, "", col.origin)
        return variables

    def _key(self, name: str, keys: dict[str, str], origin: Origin) -> str:
        """The name a case and a result use for a DMN name: the name itself when it is one (``Age``), else
        its letters and digits joined by ``_`` (``Approval Status`` -> ``Approval_Status``), as a
        workbook's Glossary attribute must be. Two DMN names with one key are refused: a case could not
        say which it means."""
        key = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "value"
        if not re.match(r"[A-Za-z_]", key):
            key = "_" + key
        other = keys.setdefault(key, name)
        if other != name:
            self.refuse(
                "DMN_NAME",
                f"'{name}' and '{other}' would both be given as '{key}' in a case",
                origin.source,
                origin.element_id,
                "Rename one of them so that their letters and digits differ.",
            )
        return key

    def _info(self) -> ModelInfo:
        root = self.root
        m = root.find(f"{self.q('extensionElements')}/{{{EXT}}}model")
        if m is None:
            # DMN has no model version; a workbook must have one (the audit trail names it), so say so.
            self.findings.append(
                Finding(
                    WARNING,
                    "DMN_NO_VERSION",
                    f"the file gives no model version (DMN has no element for it): '{UNVERSIONED}' is used",
                    Origin(self.defs_id, self.defs_id, self.defs_id),
                    "Set the model's version in the Version row of the Model sheet after atc-dmn import-dmn.",
                )
            )
            return ModelInfo(
                root.get("name") or self.defs_id,
                UNVERSIONED,
                self.defs_id,
                description=_doc(self, root),
                source=root.get("namespace", ""),
                # A file from elsewhere means DMN's semantics: a table that matches no rule gives null.
                extra={NO_MATCH: NULL},
            )
        child = {_local(c.tag): c.text or "" for c in m if _local(c.tag) != "extra"}
        extra = {c.get("key", ""): c.text or "" for c in m.iterfind(f"{{{EXT}}}extra")}
        return ModelInfo(
            m.get("name", ""),
            m.get("version", ""),
            m.get("identifier", ""),
            m.get("effectiveDate", ""),
            child.get("description", ""),
            m.get("source", ""),
            child.get("notice", ""),
            extra,
        )

    def _extensions(self, variables: dict[str, Variable], tables: list[DecisionTable]) -> tuple[Any, ...]:
        """Wording, references, citations, tests and input specs from our extension (empty without it)."""
        ext = self.root.find(self.q("extensionElements"))

        def part(tag: str) -> list[ET.Element]:
            found = ext.find(f"{{{EXT}}}{tag}") if ext is not None else None
            return list(found) if found is not None else []

        wording = {(e.get("output", ""), _json(e.get("code"))): e.text or "" for e in part("wording")}
        references = tuple(
            Reference(
                r.get("entry", ""),
                r.get("title", ""),
                r.get("kind", ""),
                r.get("source", ""),
                r.get("year", ""),
                bool(_json(r.get("own"), False)),
            )
            for r in part("references")
        )
        citations: dict[int | str, Citation] = {}
        for c in part("citations"):
            number = _json(c.get("number"))
            citations[number] = Citation(number, _json(c.get("entry")), c.get("status", "unpaired"), c.text or "")
        tests = []
        for t in part("tests"):
            tid = t.get("id", "")
            tests.append(
                TestCase(
                    tid,
                    t.get("description", ""),
                    Origin(self.defs_id, tid, tid),
                    {i.get("key", ""): _json(i.get("value")) for i in t.iterfind(f"{{{EXT}}}input")},
                    {e.get("output", ""): _json(e.get("value")) for e in t.iterfind(f"{{{EXT}}}expected")},
                    t.get("expectedError"),
                    t.get("reason", ""),
                    {c.get("key", ""): tid for c in t.iterfind(f"{{{EXT}}}cell")},  # the test's id names its place
                )
            )
        specs: tuple[InputSpec, ...] | None = None
        if ext is not None and ext.find(f"{{{EXT}}}inputs") is not None:
            found = []
            for s in part("inputs"):
                test = self._tests(s.get("test", ""), self.defs_id, s.get("key", "")) if s.get("test") else None
                found.append(
                    InputSpec(
                        s.get("key", ""),
                        s.get("name", ""),
                        s.get("kind", "any"),
                        tuple(_json(s.get("allowed"), [])),
                        s.text or "",
                        _json(s.get("default")),
                        bool(_json(s.get("optional"), True)),
                        test,
                    )
                )
            specs = tuple(found)
        return wording, references, citations, tuple(tests), specs


def _unclashed(
    tables: list[DecisionTable], variables: dict[str, Variable], wording: dict[tuple[str, Any], str], info: ModelInfo
) -> list[DecisionTable]:
    """Tables renamed ``Decide <name>`` where their name is also a text the workbook writes outside the tables.

    A DMN decision with one output is usually named as that output (``risk``), and the workbook's Wording
    sheet lists the output key ``risk``; pyDMNrules tries every text cell outside Glossary, Decision and
    Test as a table's name, and would take that cell for a second ``risk`` table. ``Decide <name>`` is
    pyDMNrules' own name for a decision. The decision keeps its name in an export (its output's).
    """
    texts = {v.key for v in variables.values()} | {c for _, c in wording} | set(wording.values())
    texts |= {info.name, info.version, info.identifier, info.source, info.description}
    return [
        dataclasses.replace(t, name=f"Decide {t.name}") if t.name in texts and f"Decide {t.name}" not in texts else t
        for t in tables
    ]


def _doc(reader: _Reader, el: ET.Element) -> str:
    description = el.find(reader.q("description"))
    return (description.text or "").strip() if description is not None else ""


def _citations(text: str) -> tuple[int | str, ...]:
    """A Citations entry ("1, 2", "[1; 2]", "AJCC8") as the workbook's loader reads one."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip("[] ")) if p]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _parse(path: Path) -> ET.Element:
    """The root element, parsed safely: a size limit, and no DTD, entity or external reference."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ModelError(f"cannot read {path}: {error.strerror or error}", code="DMN_UNREADABLE") from None
    if size > MAX_DMN_BYTES:
        raise ModelError(
            f"{path.name} is {size:,} bytes, more than the {MAX_DMN_BYTES:,} a DMN model may have",
            code="DMN_TOO_LARGE",
        )
    try:
        return fromstring(path.read_bytes(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise ModelError(
            f"{path.name}: refused, DTDs, entities and external references are not allowed in a DMN file ({error})",
            code="DMN_UNSAFE",
        ) from None
    except ET.ParseError as error:
        raise ModelError(f"{path.name} is not well-formed XML: {error}", code="DMN_XML") from None


def read(path: Path, *, full: bool = False, timings: dict[str, float] | None = None) -> Reading:
    """Read a DMN file into a Model, every unsupported element a located finding; see :func:`atc_dmn.formats.read`."""
    timings = timings if timings is not None else {}
    findings = Findings()
    start = time.perf_counter()
    try:
        root = _parse(path)
        ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
        if _local(root.tag) != "definitions" or ns not in NAMESPACES:
            raise ModelError(
                f"{path.name} is not a DMN model: its root is {root.tag}, "
                "not definitions in a DMN 1.1 to 1.5 namespace",
                code="DMN_NOT_DMN",
            )
    except ModelError as error:
        findings.append(Finding(ERROR, error.code, error.message, error.origin, error.hint))
        return Reading(str(path), None, findings, error, timings=timings)
    timings["read"] = time.perf_counter() - start
    reader = _Reader(path, root, ns)
    model = reader.read()
    timings["load"] = time.perf_counter() - start - timings["read"]
    findings.extend(reader.findings)
    error = None
    if model is None or findings.errors:
        first = findings.errors[0] if findings.errors else Finding(ERROR, "DMN_UNSUPPORTED", f"{path.name}: no model")
        error = first.to_error(findings.errors)
        model = None
    sources = tuple(t.origin.source for t in model.tables) if model is not None else ()
    return Reading(str(path), model, findings, error, sources, timings)
