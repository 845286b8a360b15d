"""One neutral view of a Model for people to read: every part as rows of text, in the workbook's order.

The Markdown and HTML writers lay this view out; neither reads the Model
itself, so both show the same content. Nothing here is clinical: every word
a reviewer reads comes from the workbook, and only the format's own terms
(hit policy names, roles) are spelled out here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..feel import UnaryTest
from ..feel_text import unary_tests_text
from ..feel_value import code, show
from ..model import CITATIONS_HEADING, Citation, Column, DecisionTable, Model

HIT_POLICY_NAMES = {
    "U": "unique",
    "A": "any",
    "P": "priority",
    "F": "first",
    "R": "rule order",
    "O": "output order",
    "C": "collect",
    "C+": "collect, sum",
    "C<": "collect, minimum",
    "C>": "collect, maximum",
    "C#": "collect, count",
}


@dataclass(frozen=True)
class Identity:
    name: str
    version: str
    identifier: str
    effective_date: str
    sha256: str
    description: str
    source: str
    extra: tuple[tuple[str, str], ...] = ()

    def rows(self) -> list[tuple[str, str]]:
        """(property, value) in the order a sign-off names them; empty properties left out."""
        found = [
            ("Name", self.name),
            ("Version", self.version),
            ("Identifier", self.identifier),
            ("Effective date", self.effective_date),
            ("SHA-256", self.sha256),
            ("Description", self.description),
            ("Source", self.source),
            *self.extra,
        ]
        return [(k, v) for k, v in found if v]


@dataclass(frozen=True)
class GlossaryRow:
    name: str
    key: str
    role: str
    type: str
    allowed: str
    default: str
    meaning: str
    cell: str


@dataclass(frozen=True)
class ColumnView:
    variable: str
    allowed: str  # the allowed-values cell as typed, "" when it allows any value
    output: bool


@dataclass(frozen=True)
class CitationRef:
    number: str
    anchor: str


@dataclass(frozen=True)
class RuleView:
    id: str
    anchor: str
    cell: str
    cells: tuple[str, ...]  # input cells then output cells, as an author types them
    notes: tuple[tuple[str, str], ...]  # (annotation heading, text), the Citations column excluded
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class TableView:
    name: str
    anchor: str
    sheet: str
    cell: str
    hit_policy: str
    hit_policy_name: str
    purpose: str
    description: str
    columns: tuple[ColumnView, ...]
    note_headings: tuple[str, ...]
    rules: tuple[RuleView, ...]
    reads: tuple[str, ...]  # variables read
    decides: tuple[str, ...]  # variables decided


@dataclass(frozen=True)
class DrdNode:
    """A box of the decision requirements diagram: an input (``kind`` input) or a table (``kind`` decision)."""

    id: str
    label: str
    kind: str
    decides: tuple[str, ...] = ()  # a decision's variables, each "name (role)"
    anchor: str = ""


@dataclass(frozen=True)
class Drd:
    nodes: tuple[DrdNode, ...]
    edges: tuple[tuple[str, str], ...]  # (from node id, to node id): what a table reads
    depth: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WordingRow:
    output: str
    code: str
    text: str


@dataclass(frozen=True)
class CitationRow:
    number: str
    anchor: str
    entry: str
    entry_anchor: str
    status: str
    reason: str


@dataclass(frozen=True)
class ReferenceRow:
    entry: str
    anchor: str
    kind: str
    title: str
    source: str
    year: str
    own: bool


@dataclass(frozen=True)
class TestRow:
    id: str
    description: str
    inputs: str
    expected: str
    reason: str


@dataclass(frozen=True)
class MappingRowView:
    cell: str
    input: str
    value: str
    resource: str
    element: str
    system: str
    code: str
    requires: str
    priority: str
    source: str
    verified: bool


@dataclass(frozen=True)
class CriterionRow:
    name: str
    alternatives: tuple[str, ...]  # "element: system|code"


@dataclass(frozen=True)
class CardsView:
    summaries: tuple[tuple[str, str, str], ...]  # (output, code, summary)
    indicators: tuple[tuple[str, str], ...]  # (indicator, "when")
    situations: tuple[tuple[str, str, str], ...]  # (situation, indicator, summary)


@dataclass(frozen=True)
class ModelView:
    identity: Identity
    notice: str
    glossary: tuple[GlossaryRow, ...]
    drd: Drd
    tables: tuple[TableView, ...]
    wording: tuple[WordingRow, ...]
    citations: tuple[CitationRow, ...]
    references: tuple[ReferenceRow, ...]
    tests: tuple[TestRow, ...]
    mapping: tuple[MappingRowView, ...]
    criteria: tuple[CriterionRow, ...]
    cards: CardsView | None


def anchor(kind: str, name: object) -> str:
    """A stable HTML id / Markdown link target: ``table-systemic-therapy``, ``rule-pathway-pw1``."""
    text = "".join(c if c.isalnum() else "-" for c in str(name)).strip("-")
    while "--" in text:
        text = text.replace("--", "-")
    return f"{kind}-{text.lower()}"


def _allowed(test: UnaryTest | None) -> str:
    return "" if test is None or test.any else unary_tests_text(test)


def _value(value: object) -> str:
    return "" if value is None else show(value)


def _table(table: DecisionTable, citations: dict[int | str, Citation]) -> TableView:
    heads = tuple(h for h in table.annotation_headings if h != CITATIONS_HEADING) or tuple(
        h for h in dict.fromkeys(k for r in table.rules for k in r.annotations) if h != CITATIONS_HEADING
    )
    rules = tuple(
        RuleView(
            id=rule.id,
            anchor=anchor("rule", f"{table.name}-{rule.id}"),
            cell=str(rule.origin),
            cells=(*map(unary_tests_text, rule.tests), *map(show, rule.outputs)),
            notes=tuple((h, rule.annotations.get(h, "")) for h in heads),
            citations=tuple(CitationRef(str(n), anchor("cite", n) if n in citations else "") for n in rule.citations),
        )
        for rule in table.rules
    )
    return TableView(
        name=table.name,
        anchor=anchor("table", table.name),
        sheet=table.sheet,
        cell=table.cell,
        hit_policy=table.hit_policy,
        hit_policy_name=HIT_POLICY_NAMES.get(table.hit_policy, ""),
        purpose=table.purpose,
        description=table.description,
        columns=(
            *(ColumnView(c.variable, _allowed(c.allowed), False) for c in table.inputs),
            *(ColumnView(c.variable, _allowed(c.allowed), True) for c in table.outputs),
        ),
        note_headings=heads,
        rules=rules,
        reads=tuple(c.variable for c in table.inputs),
        decides=tuple(c.variable for c in table.outputs),
    )


def _drd(model: Model) -> Drd:
    """Inputs and tables, an edge for every variable a table reads: from the input, or from the table deciding it."""
    roles = {v.name: v.role for v in model.variables.values()}
    producer: dict[str, str] = {}
    nodes: list[DrdNode] = []
    edges: list[tuple[str, str]] = []
    depth: dict[str, int] = {}
    read = {c.variable for t in model.tables for c in t.inputs}
    for var in model.variables.values():
        if var.role == "input" and var.name in read:
            node = DrdNode(anchor("input", var.name), var.name, "input")
            nodes.append(node)
            depth[node.id] = 0
    inputs = {n.label: n.id for n in nodes}
    for table in model.tables:
        tid = anchor("decision", table.name)
        decides = tuple(f"{c.variable} ({roles.get(c.variable, 'output')})" for c in table.outputs)
        nodes.append(DrdNode(tid, table.name, "decision", decides, anchor("table", table.name)))
        level = 1
        for col in table.inputs:
            source = producer.get(col.variable) or inputs.get(col.variable)
            if source is not None and (source, tid) not in edges:
                edges.append((source, tid))
                level = max(level, depth[source] + 1)
        depth[tid] = level
        for col in table.outputs:
            producer.setdefault(col.variable, tid)
    return Drd(tuple(nodes), tuple(edges), depth)


def _glossary(model: Model) -> tuple[GlossaryRow, ...]:
    specs = {s.key: s for s in model.inputs}
    decided: dict[str, Column] = {c.variable: c for t in model.tables for c in t.outputs}
    rows = []
    for var in model.variables.values():
        spec = specs.get(var.key) if var.role == "input" else None
        if spec is not None:
            allowed = ", ".join(show(v) for v in spec.allowed)
        else:
            col = decided.get(var.name)
            allowed = _allowed(col.allowed) if col is not None else ""
        rows.append(
            GlossaryRow(
                name=var.name,
                key=var.key,
                role=var.role,
                type=var.type,
                allowed=allowed,
                default=_value(var.default),
                meaning=var.meaning,
                cell=str(var.origin),
            )
        )
    return tuple(rows)


def _case_values(values: dict[str, object]) -> str:
    return ", ".join(f"{k} = {_shown(v)}" for k, v in values.items())


def _shown(value: object) -> str:
    """A Test sheet value as its cell holds it (text unquoted, as typed there)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return code(value)


def _mapping(model: Model) -> tuple[tuple[MappingRowView, ...], tuple[CriterionRow, ...]]:
    rows = []
    criteria: dict[str, CriterionRow] = {}
    for row in model.fhir_mapping:
        needs = []
        for need in row.requires:
            if isinstance(need, tuple):
                needs.append(f"{need[0]}: {need[1]}|{need[2]}")
            else:
                needs.append(need.name)
                criteria.setdefault(
                    need.name, CriterionRow(need.name, tuple(f"{e}: {s}|{c}" for e, s, c in need.alternatives))
                )
        rows.append(
            MappingRowView(
                cell=str(row.origin),
                input=row.input,
                value=code(row.value),
                resource=row.resource,
                element=row.element,
                system=row.system,
                code=row.code,
                requires="; ".join(needs),
                priority="" if row.priority is None else str(row.priority),
                source=row.source,
                verified=row.verified,
            )
        )
    return tuple(rows), tuple(criteria.values())


def _cards(model: Model) -> CardsView | None:
    cards = model.cards
    if cards is None:
        return None
    return CardsView(
        summaries=tuple((s.output, s.code, s.summary) for s in cards.summaries),
        indicators=tuple(
            (i.indicator, "otherwise" if i.otherwise else f"{i.output} has {i.code}") for i in cards.indicators
        ),
        situations=tuple((s.situation, s.indicator, s.summary) for s in cards.situations),
    )


def build_view(model: Model) -> ModelView:
    """The whole model as rows of text; the same Model always gives the same view."""
    info = model.info
    entries = {r.entry: r for r in model.references}
    citations = tuple(
        CitationRow(
            number=str(c.number),
            anchor=anchor("cite", c.number),
            entry=c.entry or "",
            entry_anchor=anchor("ref", c.entry) if c.entry in entries else "",
            status=c.status.replace("_", " "),
            reason=c.reason,
        )
        for c in model.citations.values()
    )
    mapping, criteria = _mapping(model)
    return ModelView(
        identity=Identity(
            name=info.name,
            version=info.version,
            identifier=info.identifier,
            effective_date=info.effective_date,
            sha256=model.sha256,
            description=info.description,
            source=info.source,
            extra=tuple(sorted(info.extra.items())),
        ),
        notice=info.notice,
        glossary=_glossary(model),
        drd=_drd(model),
        tables=tuple(_table(t, model.citations) for t in model.tables),
        wording=tuple(WordingRow(k, code(c), text) for (k, c), text in model.wording.items()),
        citations=citations,
        references=tuple(
            ReferenceRow(r.entry, anchor("ref", r.entry), r.kind, r.title, r.source, r.year, r.own)
            for r in model.references
        ),
        tests=tuple(
            TestRow(
                id=t.id,
                description=t.description,
                inputs=_case_values(t.inputs),
                expected=f"error naming {t.expected_error}" if t.expected_error else _case_values(t.expected),
                reason=t.reason,
            )
            for t in model.tests
        ),
        mapping=mapping,
        criteria=criteria,
        cards=_cards(model),
    )
