"""The diff as one self-contained HTML page (no network access needed), every workbook text escaped."""

from __future__ import annotations

from html import escape

from .changes import Change
from .report import Diff
from .text import SHIFTS_SHOWN

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#111}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #bbb;padding:.25rem .5rem;
vertical-align:top;text-align:left}th{background:#f2f2f2}.before{background:#fde8e8}.after{background:#e6f4e6}
.finding{border-left:4px solid #c60;padding:.25rem .75rem;background:#fff6ec}code,pre{font-size:.9rem}
pre{background:#f6f6f6;padding:.75rem;white-space:pre-wrap}tr{break-inside:avoid}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _change(change: Change) -> str:
    rows = "".join(
        f"<tr><td>{_e(f.name)}</td><td class='before'>{_e(f.before)}</td><td class='after'>{_e(f.after)}</td></tr>"
        for f in change.fields
    )
    where = f" <small>{_e(change.location)}</small>" if change.location else ""
    head = "<tr><th>field</th><th>before</th><th>after</th></tr>"
    return f"<h3>{_e(change.kind)} {_e(change.part)} {_e(change.name)}{where}</h3><table>{head}{rows}</table>"


def render_html(diff: Diff) -> str:
    """The page: changes, impact per output with examples, findings, and the change record."""
    imp = diff.impact
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(diff.new.model.info.name)}: diff</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(diff.old.source)} &rarr; {_e(diff.new.source)}</h1>",
        f"<h2>Changes ({len(diff.rules.changes)})</h2>",
    ]
    parts += [_change(c) for c in diff.rules.changes] or ["<p>No change.</p>"]
    parts.append(f"<h2>Impact over {imp.total:,} input combinations</h2>")
    if imp.given:
        parts.append("<p>Only " + _e("; ".join(f"{k} = {', '.join(v)}" for k, v in imp.given.items())) + "</p>")
    if not imp.changed:
        parts.append("<p>No answer changes.</p>")
    for key, total in imp.outputs.items():
        parts.append(f"<h3>{_e(diff.label(key))}: {total.count:,} combinations change</h3>")
        rows = []
        for s in [s for s in imp.shifts if s.what == key][: SHIFTS_SHOWN * 4]:
            examples = "".join(f"<li>{_e(e.text)}</li>" for e in diff.examples(s))
            before = diff.wording(diff.old, key, s.before, s.listed)
            after = diff.wording(diff.new, key, s.after, s.listed)
            rows.append(
                f"<tr><td class='before'><code>{_e(s.before)}</code><br>{_e(before)}</td>"
                f"<td class='after'><code>{_e(s.after)}</code><br>{_e(after)}</td>"
                f"<td>{s.count:,}</td><td><ul>{examples}</ul></td></tr>"
            )
        head = "<tr><th>before</th><th>after</th><th>combinations</th><th>examples</th></tr>"
        parts.append(f"<table>{head}{''.join(rows)}</table>")
    parts.append(
        f"<p>{imp.becomes_error:,} combinations become errors, {imp.stops_error:,} stop being errors"
        + (f", {imp.error_changes:,} give another error" if imp.error_changes else "")
        + ".</p>"
    )
    if imp.error_shifts:
        rows = [
            f"<tr><td>{_e(s.before)}</td><td>{_e(s.after)}</td><td>{s.count:,}</td>"
            f"<td><ul>{''.join(f'<li>{_e(e.text)}</li>' for e in diff.examples(s))}</ul></td></tr>"
            for s in imp.error_shifts
        ]
        head = "<tr><th>before</th><th>after</th><th>combinations</th><th>examples</th></tr>"
        parts.append(f"<table>{head}{''.join(rows)}</table>")
    parts.append("<h2>Findings</h2>")
    parts += [
        f"<p class='finding'><b>{_e(f.code)}</b> {_e(f.location)}: {_e(f.message)}</p>" for f in diff.findings
    ] or ["<p>None.</p>"]
    parts.append("<h2>Change record</h2><pre>" + _e("\n".join(diff.record())) + "</pre></body></html>\n")
    return "\n".join(parts)
