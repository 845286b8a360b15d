"""The diff as text for a terminal and a review comment."""

from __future__ import annotations

from .changes import Change
from .impact import Shift
from .report import Diff

# Shifts listed per output before "... and N more".
SHIFTS_SHOWN = 8


def _change_lines(change: Change) -> list[str]:
    where = f" ({change.location})" if change.location else ""
    lines = [f"  {change.kind} {change.part} {change.name}{where}"]
    for f in change.fields:
        if change.kind == "changed":
            lines.append(f"      {f.name}: {f.before or '(empty)'} -> {f.after or '(empty)'}")
        else:
            lines.append(f"      {f.name}: {f.after or f.before}")
    return lines


def shift_heading(shift: Shift) -> str:
    """``chemotherapy -> targeted_therapy``; for a list output ``drops consider_clinical_trial``."""
    if not shift.listed:
        return f"{shift.before} -> {shift.after}"
    words = [f"drops {shift.before}" if shift.before else "", f"adds {shift.after}" if shift.after else ""]
    return ", ".join(w for w in words if w) or "reorders its items"


def render_text(diff: Diff) -> str:
    """Changes, impact, findings and the change record, in that order."""
    imp = diff.impact
    out = [f"atc-dmn diff {diff.old.source} -> {diff.new.source}", ""]
    changes = diff.rules.changes
    out.append(f"Changes ({len(changes)})" if changes else "Changes: none")
    for change in changes:
        out += _change_lines(change)
    out.append("")
    inputs = ", ".join(a.label for a in imp.axes)
    out.append(f"Impact over {imp.total:,} input combinations ({inputs}; {imp.decided:,} decided)")
    if imp.given:
        out.append("  only " + "; ".join(f"{k} = {', '.join(v)}" for k, v in imp.given.items()))
    if not imp.changed:
        out.append("  no answer changes")
    for key, total in imp.outputs.items():
        out.append(f"  {diff.label(key)}: {total.count:,} combinations change")
        shifts = [s for s in imp.shifts if s.what == key]
        for s in shifts[:SHIFTS_SHOWN]:
            out.append(f"    {shift_heading(s)}: {s.count:,}")
            before = diff.wording(diff.old, key, s.before, s.listed)
            after = diff.wording(diff.new, key, s.after, s.listed)
            if s.listed:
                out += [f"      {verb}: {text}" for verb, text in (("drops", before), ("adds", after)) if text]
            elif before or after:
                out.append(f"      was: {before or s.before}")
                out.append(f"      now: {after or s.after}")
            for e in diff.examples(s)[:1]:
                out.append(f"      e.g. {e.text}")
        if len(shifts) > SHIFTS_SHOWN:
            out.append(f"    ... and {len(shifts) - SHIFTS_SHOWN} more (--format json lists them all)")
    out.append(
        f"  errors: {imp.becomes_error:,} combinations become errors, {imp.stops_error:,} stop being errors"
        + (f", {imp.error_changes:,} give another error" if imp.error_changes else "")
    )
    for s in imp.error_shifts[:SHIFTS_SHOWN]:
        out.append(f"    {s.before} -> {s.after}: {s.count:,}")
        for e in diff.examples(s)[:1]:
            out.append(f"      e.g. {e.text}")
    out.append("")
    if diff.findings:
        out.append("Findings")
        for f in diff.findings:
            where = f" ({f.location})" if f.location else ""
            out.append(f"  {f.severity.upper()} {f.code}{where}: {f.message}")
        out.append("")
    out.append("Change record")
    out += [f"  {line}" for line in diff.record()]
    return "\n".join(out) + "\n"
