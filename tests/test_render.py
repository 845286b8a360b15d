"""``atc-dmn render``: the whole model as Markdown and HTML, and the committed Markdown of the shipped workbook.

What must appear is read from the workbook (through the loaded Model): every
table's hit policy, every rule with its cells, annotations and citations, the
wording, references with their pairing status, the FHIR rows with each code's
source, the cards and the notice. The Markdown is compared byte for byte: it
must be the same for the same workbook, wherever the file lies.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from atc_dmn import load_model
from atc_dmn.cli import main

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "decisions" / "atc_treatment.md"
REGENERATE = "atc-dmn render decisions/atc_treatment.xlsx --format markdown -o decisions/atc_treatment.md"
TYPED_DMN = REPO / "tests/tck/TestCases/compliance-level-3/0036-dt-variable-input/0036-dt-variable-input.dmn"
runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


def md_plain(text: str) -> str:
    """Markdown with its escapes and line breaks undone, to find the workbook's own text in it."""
    return flat(re.sub(r"\\([\\`*<>|])", r"\1", text.replace("<br>", " ")))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_plain(text: str) -> tuple[str, list[tuple[str, dict[str, str | None]]]]:
    parser = _Text()
    parser.feed(text.replace("<wbr>", ""))  # a line-break opportunity inside a code, not a space
    return flat(" ".join(parser.parts)), parser.tags


@pytest.fixture(scope="module")
def shipped():
    return load_model().model


@pytest.fixture(scope="module")
def markdown() -> str:
    done = runner.invoke(main, ["render", "--format", "markdown"])
    assert done.exit_code == 0, done.output
    return done.stdout


@pytest.fixture(scope="module")
def html() -> str:
    done = runner.invoke(main, ["render"])
    assert done.exit_code == 0, done.output
    return done.stdout


def expected_texts(model) -> list[str]:
    """Every text of the workbook a reviewer must be able to read, flattened."""
    info = model.info
    texts = [info.name, info.version, info.effective_date, model.sha256, info.notice]
    for table in model.tables:
        texts.append(table.name)
        for rule in table.rules:
            texts.append(rule.id)
            texts += [a for a in rule.annotations.values() if a]
    texts += list(model.wording.values())
    for ref in model.references:
        texts += [ref.title, ref.source]
    for cite in model.citations.values():
        texts += [c for c in (cite.reason, cite.entry) if c]
    for row in model.fhir_mapping:
        texts += [row.code, row.system, row.source, row.input]
    cards = model.cards
    texts += [s.summary for s in cards.summaries] + [s.summary for s in cards.situations]
    texts += [t.description for t in model.tests] + [t.reason for t in model.tests if t.reason]
    return [flat(t) for t in texts if t]


def test_the_committed_markdown_is_the_shipped_workbook_rendered(run_atc):
    """decisions/atc_treatment.md is generated from the workbook: a change to one without the other fails here."""
    done = run_atc("render", "decisions/atc_treatment.xlsx", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    assert COMMITTED.is_file(), f"decisions/atc_treatment.md is missing: run {REGENERATE}"
    assert done.stdout == COMMITTED.read_text(encoding="utf-8"), (
        f"decisions/atc_treatment.md is out of date with the workbook: run {REGENERATE} and commit both"
    )


def test_markdown_is_the_same_bytes_for_the_same_workbook(markdown, tmp_path):
    copy = tmp_path / "elsewhere" / "renamed.xlsx"
    copy.parent.mkdir()
    shutil.copyfile(REPO / "decisions" / "atc_treatment.xlsx", copy)
    out = tmp_path / "model.md"
    done = runner.invoke(main, ["render", str(copy), "--format", "markdown", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_bytes() == markdown.encode("utf-8")
    assert done.stdout.startswith(f"{out}: markdown, ")
    assert str(tmp_path) not in markdown and "renamed" not in markdown


def test_markdown_holds_the_whole_model(markdown, shipped):
    text = md_plain(markdown)
    missing = [t for t in expected_texts(shipped) if t not in text]
    assert not missing, missing[:5]
    for table in shipped.tables:
        section = markdown.split(f"</a>{table.name}\n", 1)[1].split("\n### ", 1)[0]
        assert f"Hit policy **{table.hit_policy}**" in section
        rows = [line for line in section.splitlines() if line.startswith('| <a id="rule-')]
        assert [re.sub(r"^\| <a id=\"[^\"]+\"></a>", "", r).split(" |")[0] for r in rows] == [r.id for r in table.rules]
        for rule, row in zip(table.rules, rows, strict=True):
            for number in rule.citations:
                assert f"[{number}](#cite-" in row
    for cite in shipped.citations.values():
        assert cite.status.replace("_", " ") in text


def test_an_edit_shows_as_its_own_lines_in_the_markdown_diff(markdown, shipped_workbook):
    """A reworded rationale changes the SHA-256 line and the rule's row, nothing else."""
    cell = shipped_workbook.rule_cell("Pathway", "PW5", "Rationale")
    edited = shipped_workbook.copy({f"Pathway!{cell}": "Resectable IVA/IVB: multimodal therapy (reworded)."})
    done = runner.invoke(main, ["render", str(edited), "--format", "markdown"])
    assert done.exit_code == 0, done.output
    before, after = markdown.splitlines(), done.stdout.splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert [a.split(" |")[0] for a, _ in changed] == ["| SHA-256", '| <a id="rule-pathway-pw5"></a>PW5']
    assert "multimodal therapy (reworded)." in changed[1][1]


def test_html_is_one_page_with_every_part_and_nothing_to_fetch(html, shipped):
    text, tags = html_plain(html)
    missing = [t for t in expected_texts(shipped) if t not in text]
    assert not missing, missing[:5]
    names = [tag for tag, _ in tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    for _, attrs in tags:
        for key in ("src", "href"):
            assert not (attrs.get(key) or "#").strip().lower().startswith(("http", "//", "data:")), attrs
    assert re.findall(r"url\(([^)]*)\)", html) == ["#drd-arrow"] * html.count("url(")
    tables = [a["data-table"] for t, a in tags if t == "section" and "data-table" in a]
    assert tables == [t.name for t in shipped.tables]
    assert html.count('<tr class="rule">') == sum(len(t.rules) for t in shipped.tables)
    assert "break-inside: avoid" in html and "@media print" in html


def test_the_diagram_draws_what_the_tables_read(html, shipped):
    edges = set(re.findall(r'class="drd-edge" data-from="([^"]+)" data-to="([^"]+)"', html))
    producer = {c.variable: t.name for t in shipped.tables for c in t.outputs}
    inputs = {v.name for v in shipped.variables.values() if v.role == "input"}
    expected = set()
    for table in shipped.tables:
        for col in table.inputs:
            assert col.variable in inputs or col.variable in producer
            expected.add((col.variable if col.variable in inputs else producer[col.variable], table.name))
    assert edges == expected
    nodes = re.findall(r'class="drd-node drd-(input|decision)" data-name="([^"]+)"', html)
    assert sorted(n for k, n in nodes if k == "decision") == sorted(t.name for t in shipped.tables)


def test_a_dmn_file_renders_without_fhir_or_cards():
    done = runner.invoke(main, ["render", str(TYPED_DMN), "--format", "markdown"])
    assert done.exit_code == 0, done.output
    assert '## <a id="decision-tables">' in done.stdout
    assert "FHIR mapping" not in done.stdout and "CDS Hooks cards" not in done.stdout


def test_a_broken_workbook_is_refused_with_its_cell(run_atc, shipped_workbook):
    edited = shipped_workbook.copy({"Pathway!B3": "Z"})
    done = run_atc("render", edited, "--format", "markdown")
    assert done.returncode == 3
    assert done.stdout == ""
    assert "Pathway!B3" in done.stderr and "Traceback" not in done.stderr


def test_git_diff_and_log_show_the_markdown_with_the_diff_driver(tmp_path, shipped_workbook, atc_command):
    """The README's driver: .gitattributes names it, `git config diff.atc-dmn.textconv` defines it.

    A version that does not load reads as its findings, so ``git log -p`` goes past it.
    """
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    workbook = repo / "decisions" / "atc_treatment.xlsx"
    workbook.parent.mkdir(parents=True)
    shutil.copyfile(REPO / ".gitattributes", repo / ".gitattributes")
    shutil.copyfile(REPO / "decisions" / "atc_treatment.xlsx", workbook)

    def run(*args: str) -> str:
        done = subprocess.run([git, "-C", str(repo), *args], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("init", "-q")
    run("config", "user.email", "reviewer@example.org")
    run("config", "user.name", "Reviewer")
    run("config", "diff.atc-dmn.textconv", f"{atc_command} render --textconv")
    run("add", ".")
    run("commit", "-q", "-m", "the shipped model")
    cell = shipped_workbook.rule_cell("Pathway", "PW6", "Rationale")
    shutil.copyfile(shipped_workbook.copy({f"Pathway!{cell}": "Unresectable: chemoradiotherapy (reworded)."}), workbook)
    diff = run("diff")
    assert "Binary files" not in diff
    removed = [line for line in diff.splitlines() if line.startswith("-|")]
    added = [line for line in diff.splitlines() if line.startswith("+|")]
    assert [line.split(" |")[0] for line in removed] == ["-| SHA-256", '-| <a id="rule-pathway-pw6"></a>PW6']
    assert "chemoradiotherapy (reworded)." in added[1]
    run("commit", "-q", "-am", "PW6 reworded")
    shutil.copyfile(shipped_workbook.copy({"Pathway!B3": "Z"}), workbook)
    run("commit", "-q", "-am", "a broken hit policy")
    log = run("log", "-p", "--format=commit %s")
    assert "+# This version of the workbook does not load" in log
    assert "+- `Pathway!B3`: hit policy 'Z'" in log
    assert '+| <a id="rule-pathway-pw6"></a>PW6' in log and "commit the shipped model" in log


def test_render_help_names_both_formats():
    done = runner.invoke(main, ["render", "--help"])
    assert done.exit_code == 0
    assert "html" in done.stdout and "markdown" in done.stdout


def test_cells_print_back_as_they_read(shipped):
    """Every input and allowed-values cell, printed as the page and export-dmn print it, reads back the same."""
    from atc_dmn.feel import parse_unary_tests
    from atc_dmn.feel_text import unary_tests_text

    typed = load_model(TYPED_DMN).model
    tests = [x for m in (shipped, typed) for t in m.tables for r in t.rules for x in r.tests]
    tests += [c.allowed for m in (shipped, typed) for t in m.tables for c in t.inputs if c.allowed is not None]
    plain = [x for x in tests if not x.dynamic]
    assert len(plain) > 100 and any(x.negated for x in plain)
    assert [parse_unary_tests(unary_tests_text(x)) for x in plain] == plain


def test_the_render_does_not_load_the_workbook_reader():
    """git's diff driver renders a cached model on every diff: openpyxl (the loader's reader) stays unloaded."""
    code = (
        "import sys\n"
        "import atc_dmn.render.html, atc_dmn.render.markdown, atc_dmn.formats.dmn_export\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
