"""``atc-dmn diff OLD NEW``: what an edit of the workbook changes, and for which patients."""

from __future__ import annotations

import json
import sys

import click

from ..cli import handle_errors

EXIT_NO_ANSWER_CHANGES = 0
EXIT_ANSWERS_CHANGE = 1


def _given(pairs: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, values = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(
                f"{pair!r}: write it as input=value[,value...], e.g. stage=IVB", param_hint="--given"
            )
        out.setdefault(name.strip(), []).extend(v.strip() for v in values.split(","))
    return out


@click.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text to read; json for programs (keys in docs/diff.md); html: one self-contained page.",
)
@click.option(
    "--given",
    "given",
    metavar="INPUT=VALUE[,VALUE]",
    multiple=True,
    help="Count only the combinations with these values of an input (repeatable); 'unknown' for missing.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write here (default: standard output).",
)
@handle_errors
def diff(old: str, new: str, fmt: str, given: tuple[str, ...], out: str | None) -> None:
    """Compare two workbooks: every changed rule, wording and property, and which input combinations get another answer.

    OLD and NEW are paths, or git:REV:PATH for a version in git. Both models
    decide every combination of their inputs' values (each also unknown), and
    every answer that changes is counted per output, with examples. A change
    without a raised Model version is a finding; the change record at the end
    is for the sign-off.

    Exit status 0 when no answer changes, 1 when some does, 2 for a bad
    command line or git version, 3 for a workbook that does not load.

    \b
    Examples:
      atc-dmn diff git:HEAD:decisions/atc_treatment.xlsx decisions/atc_treatment.xlsx
      atc-dmn diff old.xlsx new.xlsx --format html -o review.html
      atc-dmn diff old.xlsx new.xlsx --given stage=IVB --format json
    """
    from ..api import load_model
    from .report import Side, diff_models, to_dict
    from .sources import workbook_file

    restrict = _given(given)
    with workbook_file(old) as old_path, workbook_file(new) as new_path:
        before = Side(old, load_model(old_path))
        after = Side(new, load_model(new_path))
    found = diff_models(before, after, restrict)
    if fmt == "json":
        text = json.dumps(to_dict(found), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from .html import render_html

        text = render_html(found)
    else:
        from .text import render_text

        text = render_text(found)
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            with open(out, "w", encoding="utf-8", newline="\n") as file:
                file.write(text)
        except OSError as exc:
            raise click.FileError(out, exc.strerror or str(exc)) from None
        click.echo(f"{out}: {fmt}, {'answers change' if found.changes_an_answer else 'no answer changes'}")
    sys.exit(EXIT_ANSWERS_CHANGE if found.changes_an_answer else EXIT_NO_ANSWER_CHANGES)
