"""What an edit changed in a workbook, part by part: tables, rules, wording, references, allowed values, properties.

Both models are compared through the render's neutral view (``render.model_view``), so a
change reads as the cells a reviewer sees in the rendered model: rules are matched by
their id, then by content where an id changed; each changed cell is given before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Model
from ..render.model_view import ModelView, RuleView, TableView, build_view


@dataclass(frozen=True)
class Field:
    """One changed field: its name and the text before and after ("" where it did not exist)."""

    name: str
    before: str
    after: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.name, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Change:
    """One added, removed or changed item of a part of the model (``part``: see ``PARTS``)."""

    part: str
    kind: str  # "added", "removed", "changed"
    name: str  # what it is, as the workbook names it: "Pathway", "Pathway PW7", "pathway = chemoradiotherapy"
    location: str = ""  # its cell in the new workbook (the old one's for a removal)
    fields: tuple[Field, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "kind": self.kind,
            "name": self.name,
            "location": self.location,
            "fields": [f.to_dict() for f in self.fields],
        }


# The parts in the order a report lists them.
PARTS = (
    "model",
    "glossary",
    "table",
    "rule",
    "wording",
    "citation",
    "reference",
    "test",
    "fhir",
    "cards",
)
# The parts whose change can change an answer (the rest are words, sources and checks).
LOGIC_PARTS = frozenset({"glossary", "table", "rule"})


@dataclass(frozen=True)
class RuleLevel:
    """Every change found, in ``PARTS`` order, and the two views compared."""

    changes: tuple[Change, ...]
    old: ModelView = field(repr=False)
    new: ModelView = field(repr=False)

    def of(self, part: str) -> list[Change]:
        return [c for c in self.changes if c.part == part]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per part, how many items were added, removed and changed (parts without changes left out)."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            kinds = out.setdefault(c.part, {"added": 0, "removed": 0, "changed": 0})
            kinds[c.kind] += 1
        return out

    @property
    def logic_changed(self) -> bool:
        return any(c.part in LOGIC_PARTS for c in self.changes)


def _fields(before: dict[str, str], after: dict[str, str]) -> tuple[Field, ...]:
    """The fields whose text differs, in the order of ``before`` then the new ones of ``after``."""
    names = list(dict.fromkeys([*before, *after]))
    return tuple(Field(n, before.get(n, ""), after.get(n, "")) for n in names if before.get(n, "") != after.get(n, ""))


def _keyed(
    part: str,
    old: Iterable[Any],
    new: Iterable[Any],
    key: Callable[[Any], str],
    values: Callable[[Any], dict[str, str]],
    location: Callable[[Any], str] = lambda _: "",
) -> list[Change]:
    """Items matched by ``key``: removed ones, then in the new order the added and the changed."""
    before = {key(x): x for x in old}
    after = {key(x): x for x in new}
    out = [Change(part, "removed", k, location(x), _fields(values(x), {})) for k, x in before.items() if k not in after]
    for k, x in after.items():
        if k not in before:
            out.append(Change(part, "added", k, location(x), _fields({}, values(x))))
            continue
        changed = _fields(values(before[k]), values(x))
        if changed:
            out.append(Change(part, "changed", k, location(x), changed))
    return out


def _model(old: ModelView, new: ModelView) -> list[Change]:
    before = {k: v for k, v in old.identity.rows() if k != "SHA-256"}
    after = {k: v for k, v in new.identity.rows() if k != "SHA-256"}
    before["Notice"], after["Notice"] = old.notice, new.notice
    changed = _fields(before, after)
    return [Change("model", "changed", "Model", "Model", changed)] if changed else []


def _glossary(old: ModelView, new: ModelView) -> list[Change]:
    def values(g: Any) -> dict[str, str]:
        return {
            "key": g.key,
            "role": g.role,
            "type": g.type,
            "allowed values": g.allowed,
            "default": g.default,
            "meaning": g.meaning,
        }

    return _keyed("glossary", old.glossary, new.glossary, lambda g: g.name, values, lambda g: g.cell)


def _table_values(t: TableView) -> dict[str, str]:
    found = {"hit policy": t.hit_policy, "purpose": t.purpose, "description": t.description}
    for c in t.columns:
        found[f"{'output' if c.output else 'input'} {c.variable}"] = f"allowed: {c.allowed or 'any value'}"
    found["annotations"] = ", ".join(t.note_headings)
    return found


def _rule_values(t: TableView, r: RuleView) -> dict[str, str]:
    """A rule's cells under their column's variable (so columns added, removed or moved line up)."""
    found = {c.variable if not c.output else f"{c.variable} (output)": cell for c, cell in zip(t.columns, r.cells)}
    found.update({h: text for h, text in r.notes})
    found["Citations"] = ", ".join(c.number for c in r.citations)
    return found


def _content(t: TableView, r: RuleView) -> tuple[tuple[str, str], ...]:
    """What a rule decides (its input and output cells), for matching a rule whose id changed."""
    return tuple(sorted((c.variable + ("\0" if c.output else ""), cell) for c, cell in zip(t.columns, r.cells)))


def _rules(old: TableView, new: TableView) -> list[Change]:
    """Rules matched by id, then the rest by their cells; unmatched ones are removed or added."""
    before = {r.id: r for r in old.rules}
    after = {r.id: r for r in new.rules}
    pairs: dict[str, str] = {i: i for i in after if i in before}  # new id -> old id
    lost = {_content(old, before[i]): i for i in before if i not in pairs.values()}
    for i in after:
        if i not in pairs and (found := lost.pop(_content(new, after[i]), None)) is not None:
            pairs[i] = found
    matched_old = set(pairs.values())
    out = []
    for i, r in before.items():
        if i not in matched_old:
            out.append(Change("rule", "removed", f"{old.name} {i}", r.cell, _fields(_rule_values(old, r), {})))
    for i, r in after.items():
        name = f"{new.name} {i}"
        if i not in pairs:
            out.append(Change("rule", "added", name, r.cell, _fields({}, _rule_values(new, r))))
            continue
        was = before[pairs[i]]
        changed = _fields({"id": was.id, **_rule_values(old, was)}, {"id": r.id, **_rule_values(new, r)})
        if changed:
            out.append(Change("rule", "changed", name, r.cell, changed))
    # Under a first or priority-free hit policy the order decides: say when the common rules move.
    order_old = [i for i in before if i in matched_old]
    order_new = [pairs[i] for i in after if i in pairs]
    if order_old != order_new:
        out.append(
            Change(
                "table",
                "changed",
                new.name,
                new.cell and f"{new.sheet}!{new.cell}",
                (Field("rule order", ", ".join(order_old), ", ".join(order_new)),),
            )
        )
    return out


def _tables(old: ModelView, new: ModelView) -> list[Change]:
    out = _keyed(
        "table",
        old.tables,
        new.tables,
        lambda t: t.name,
        _table_values,
        lambda t: f"{t.sheet}!{t.cell}",
    )
    # A removed or added table's rules are part of it; a kept table's rules are compared one by one.
    for t in new.tables:
        was = next((o for o in old.tables if o.name == t.name), None)
        if was is not None:
            out.extend(_rules(was, t))
    tables = [c for c in out if c.part == "table"]
    return tables + [c for c in out if c.part == "rule"]


def _rows(part: str, old: Sequence[Any], new: Sequence[Any], key: Callable[[Any], str]) -> list[Change]:
    """Rows without a natural key (FHIR mapping, card rules): each row's text is its key, so an edit
    reads as the old row removed and the new one added."""
    return _keyed(part, old, new, key, lambda _: {})


def compare_views(old: ModelView, new: ModelView) -> RuleLevel:
    """Every difference between two views, part by part (see ``PARTS``)."""
    changes: list[Change] = [*_model(old, new), *_glossary(old, new), *_tables(old, new)]
    changes += _keyed(
        "wording",
        old.wording,
        new.wording,
        lambda w: f"{w.output} = {w.code}",
        lambda w: {"text": w.text},
    )
    changes += _keyed(
        "citation",
        old.citations,
        new.citations,
        lambda c: f"citation {c.number}",
        lambda c: {"entry": c.entry, "status": c.status, "reason": c.reason},
    )
    changes += _keyed(
        "reference",
        old.references,
        new.references,
        lambda r: f"reference {r.entry}",
        lambda r: {"kind": r.kind, "title": r.title, "source": r.source, "year": r.year},
    )
    changes += _keyed(
        "test",
        old.tests,
        new.tests,
        lambda t: f"test {t.id}",
        lambda t: {"description": t.description, "inputs": t.inputs, "expected": t.expected, "reason": t.reason},
    )

    def mapping_key(m: Any) -> str:
        return f"{m.input} = {m.value}: {m.resource}.{m.element} {m.system}|{m.code}" + (
            f" (requires {m.requires})" if m.requires else ""
        )

    changes += _rows("fhir", old.mapping, new.mapping, mapping_key)
    changes += _rows("fhir", old.criteria, new.criteria, lambda c: f"criterion {c.name}: {'; '.join(c.alternatives)}")
    old_cards, new_cards = old.cards, new.cards
    for attr, label in (("summaries", "summary"), ("indicators", "indicator"), ("situations", "situation")):
        changes += _rows(
            "cards",
            getattr(old_cards, attr, ()) if old_cards else (),
            getattr(new_cards, attr, ()) if new_cards else (),
            lambda row, label=label: f"{label}: " + " | ".join(row),
        )
    order = {p: i for i, p in enumerate(PARTS)}
    return RuleLevel(tuple(sorted(changes, key=lambda c: order[c.part])), old, new)


def compare_models(old: Model, new: Model) -> RuleLevel:
    """The rule-level difference between two loaded models."""
    return compare_views(build_view(old), build_view(new))
