"""One diff of two workbooks, ready to print: the rule-level changes, the impact, the governance findings and
the change record a reviewer pastes into a sign-off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine import DecisionModel
from .changes import RuleLevel, compare_models
from .impact import Impact, Shift, compare_space, example_words


@dataclass(frozen=True)
class Side:
    """One of the two workbooks compared: where it came from and what it says it is."""

    source: str  # as given: a path, or git:REV:PATH
    model: DecisionModel

    def to_dict(self) -> dict[str, str]:
        info = self.model.info
        return {
            "source": self.source,
            "name": info.name,
            "identifier": info.identifier,
            "version": info.version,
            "effective_date": info.effective_date,
            "sha256": self.model.model.sha256,
        }


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    location: str = ""
    severity: str = "warning"

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "location": self.location}


@dataclass(frozen=True)
class Example:
    inputs: dict[str, list[str]]  # input key -> the values the example stands for (an input left out: any value)
    decided: dict[str, str]  # output name -> value: the first tables' answer standing for their inputs
    text: str


@dataclass(frozen=True)
class Diff:
    old: Side
    new: Side
    rules: RuleLevel
    impact: Impact
    findings: tuple[Finding, ...]

    @property
    def changes_an_answer(self) -> bool:
        return self.impact.changes_an_answer

    def label(self, key: str) -> str:
        """An output's or input's name in the glossary (the new model's where both have it)."""
        for model in (self.new.model.model, self.old.model.model):
            for var in model.variables.values():
                if var.key == key and var.role in ("output", "input"):
                    return var.name
        return key

    def wording(self, side: Side, key: str, code: str, listed: bool = False) -> str:
        """The Wording sheet's text for an output's code (one side's); for a list's items, each one's, joined."""
        wording = side.model.model.wording
        if listed:
            return " ".join(wording.get((key, c), "") for c in code.split(", ") if c) if code else ""
        return wording.get((key, code), "")

    def examples(self, shift: Shift) -> list[Example]:
        found = []
        for combo in shift.examples:
            found.append(Example(*example_words(self.impact, shift, combo)))
        return found

    def record(self) -> list[str]:
        """The change record, line by line, as a reviewer pastes it into a sign-off."""
        o, n = self.old.to_dict(), self.new.to_dict()
        counts = self.rules.counts()
        parts = []
        for part, kinds in counts.items():
            shown = ", ".join(f"{v} {k}" for k, v in kinds.items() if v)
            parts.append(f"{part} {shown}")
        imp = self.impact
        lines = [
            f"Model:       {n['name']} ({n['identifier']})",
            f"Old:         version {o['version']}, effective {o['effective_date']}, SHA-256 {o['sha256']}",
            f"             {o['source']}",
            f"New:         version {n['version']}, effective {n['effective_date']}, SHA-256 {n['sha256']}",
            f"             {n['source']}",
            f"Changes:     {'; '.join(parts) if parts else 'none'}",
            f"Impact:      {imp.changed:,} of {imp.total:,} input combinations change an answer"
            + (f" ({100 * imp.changed / imp.total:.2f}%)" if imp.total else ""),
        ]
        if imp.given:
            lines.append("Space:       only " + "; ".join(f"{k} = {', '.join(v)}" for k, v in imp.given.items()))
        lines.append(
            f"Errors:      {imp.becomes_error:,} become errors, {imp.stops_error:,} stop being errors"
            + (f", {imp.error_changes:,} another error" if imp.error_changes else "")
        )
        lines.append(f"Findings:    {', '.join(f.code for f in self.findings) if self.findings else 'none'}")
        return lines


def _version(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.strip().lstrip("vV").split("."))
    except ValueError:
        return None


def governance(old: Side, new: Side, rules: RuleLevel) -> tuple[Finding, ...]:
    """A change without a raised version (or with a lower one) is a finding: a sign-off names a version."""
    changed = [c for c in rules.changes if c.part != "model"]
    a, b = old.model.info.version, new.model.info.version
    found = []
    if changed and a == b:
        found.append(
            Finding(
                "VERSION_NOT_RAISED",
                f"{len(changed)} change(s) to the model but the Model sheet's Version is still {a}: raise it, "
                "so that a sign-off and every answer name the version that holds the change",
                "Model (Version)",
            )
        )
    va, vb = _version(a), _version(b)
    if a != b and va is not None and vb is not None and vb < va:
        found.append(Finding("VERSION_LOWERED", f"the Version goes down from {a} to {b}", "Model (Version)"))
    if old.model.model.sha256 == new.model.model.sha256:
        found.append(Finding("SAME_FILE", "both workbooks are the same file (equal SHA-256)", "", "info"))
    return tuple(found)


def diff_models(old: Side, new: Side, given: dict[str, list[str]] | None = None) -> Diff:
    """Compare two loaded models: every change, what it does over the whole input space, and the governance."""
    rules = compare_models(old.model.model, new.model.model)
    impact = compare_space(old.model, new.model, given)
    return Diff(old, new, rules, impact, governance(old, new, rules))


def to_dict(diff: Diff) -> dict[str, Any]:
    """The diff as JSON (keys documented in docs/diff.md; stable)."""
    imp = diff.impact

    def shift_dict(s: Shift) -> dict[str, Any]:
        out: dict[str, Any] = {"before": s.before, "after": s.after, "combinations": s.count}
        if s.what != "error":
            out = {
                "output": s.what,
                "label": diff.label(s.what),
                **out,
                "list": s.listed,
                "before_text": diff.wording(diff.old, s.what, s.before, s.listed),
                "after_text": diff.wording(diff.new, s.what, s.after, s.listed),
            }
        out["examples"] = [{"inputs": e.inputs, "decided": e.decided, "text": e.text} for e in diff.examples(s)]
        return out

    return {
        "old": diff.old.to_dict(),
        "new": diff.new.to_dict(),
        "changes_an_answer": diff.changes_an_answer,
        "changes": [c.to_dict() for c in diff.rules.changes],
        "counts": diff.rules.counts(),
        "impact": {
            "combinations": imp.total,
            "decided": imp.decided,
            "changed": imp.changed,
            "given": imp.given,
            "inputs": [{"input": a.key, "label": a.label, "values": [a.text(v) for v in a.values]} for a in imp.axes],
            "outputs": [{"output": k, "label": diff.label(k), "combinations": s.count} for k, s in imp.outputs.items()],
            "shifts": [shift_dict(s) for s in imp.shifts],
            "errors": {
                "become_errors": imp.becomes_error,
                "stop_being_errors": imp.stops_error,
                "another_error": imp.error_changes,
                "shifts": [shift_dict(s) for s in imp.error_shifts],
            },
        },
        "findings": [f.to_dict() for f in diff.findings],
        "record": diff.record(),
    }
