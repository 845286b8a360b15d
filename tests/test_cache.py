"""The compiled-model cache: same answers, never stale, never trusted when damaged, and optional.

Each test points ``ATC_DMN_CACHE_DIR`` at its own empty folder. A cache hit
is recognised by the workbook not being read (``read_workbook`` is wrapped
to count calls), or, end to end, by a deliberately altered entry showing
through.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from atc_dmn import DecisionModel, load_model
from atc_dmn import workbook as workbook_module


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ATC_DMN_CACHE_DIR", str(folder))
    monkeypatch.delenv("ATC_DMN_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every workbook the loader reads, in order."""
    seen: list[Path] = []
    real = workbook_module.read_workbook

    def counting(path: Any, **kwargs: Any) -> Any:
        seen.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(workbook_module, "read_workbook", counting)
    return seen


@pytest.fixture
def workbook_copy(tmp_path: Path, shipped_path: Path) -> Path:
    dest = tmp_path / "model.xlsx"
    shutil.copyfile(shipped_path, dest)
    return dest


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


def outcome(model: DecisionModel, case: dict[str, Any]) -> Any:
    try:
        return model.evaluate(case).to_dict()
    except Exception as exc:  # the same refusal, with the same fields, is part of the same answer
        return (type(exc).__name__, exc.to_dict() if hasattr(exc, "to_dict") else str(exc))


def fired(model: DecisionModel, case: dict[str, Any], table: str) -> str | None:
    step = next(t for t in model.evaluate(case).trace if t.table == table)
    return step.rules[0].id if step.rules else None


def test_a_cache_hit_skips_the_workbook_and_gives_the_same_results(
    cache_dir: Path, reads: list[Path], workbook_copy: Path, main_cases: list, tnm_cases: list
) -> None:
    fresh = load_model(workbook_copy, use_cache=False)
    first = load_model(workbook_copy)
    assert len(entries(cache_dir)) == 1
    assert len(reads) == 2  # use_cache=False and the first load both read the workbook
    cached = load_model(workbook_copy)
    assert len(reads) == 2  # ... the cached load does not
    assert cached.model == fresh.model
    assert cached.identity == fresh.identity == first.identity
    for case in main_cases[::7] + tnm_cases:
        assert outcome(cached, case) == outcome(fresh, case)


def test_an_edited_workbook_is_read_again_and_gives_the_new_answer(
    cache_dir: Path, reads: list[Path], workbook_copy: Path, main_cases: list
) -> None:
    before = load_model(workbook_copy)
    case = next(c for c in main_cases if fired(before, c, "Systemic Therapy") == "SY3")
    assert before.evaluate(case).decision["systemic_therapy"] == "chemotherapy"
    table = next(t for t in before.model.tables if t.name == "Systemic Therapy")
    rule = next(r for r in table.rules if r.id == "SY3")
    cell = rule.cells[-1]  # SY3's output cell

    # A clinician changes one output cell and saves the workbook under the same name.
    wb = openpyxl.load_workbook(workbook_copy)
    assert wb["Systemic Therapy"][cell].value == '"chemotherapy"'
    wb["Systemic Therapy"][cell] = '"targeted_therapy"'
    wb.save(workbook_copy)

    after = load_model(workbook_copy)
    assert after.evaluate(case).decision["systemic_therapy"] == "targeted_therapy"
    assert after.identity.sha256 != before.identity.sha256
    assert reads == [workbook_copy, workbook_copy]
    assert len(entries(cache_dir)) == 2  # one entry per workbook content


def _with_key(text: str, **changes: Any) -> str:
    data = json.loads(text)
    data["key"].update(changes)
    return json.dumps(data)


def _with_model(text: str, model: Any) -> str:
    return json.dumps({"key": json.loads(text)["key"], "model": model})


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "",  # empty
        lambda text: "\x00\xff garbage",  # not JSON
        lambda text: _with_model(text, {"r": "system", "a": ["echo"]}),  # a record that is not the model's
        lambda text: _with_model(text, {"r": "Rule", "a": [1]}),  # a record with the wrong fields
        lambda text: _with_model(text, [1, 2, 3]),  # not a model
        lambda text: _with_key(text, format=json.loads(text)["key"]["format"] + 1),  # another layout
        lambda text: _with_key(text, version="0.0.0-other"),  # another runtime
        lambda text: _with_key(text, sha256="0" * 64),  # another workbook
        lambda text: _with_key(text, runtime="0" * 64),  # same version number, other runtime code
    ],
    ids=[
        "truncated",
        "empty",
        "binary",
        "unknown-record",
        "bad-record",
        "not-a-model",
        "format",
        "version",
        "sha",
        "runtime-code",
    ],
)
def test_a_damaged_or_stale_entry_is_ignored_and_replaced(
    cache_dir: Path, reads: list[Path], workbook_copy: Path, damage: Any
) -> None:
    reference = load_model(workbook_copy, use_cache=False)
    load_model(workbook_copy)
    (entry,) = entries(cache_dir)
    entry.write_text(damage(entry.read_text(encoding="utf-8")), encoding="utf-8")
    reads.clear()

    model = load_model(workbook_copy)
    assert reads == [workbook_copy]  # read again, not trusted
    assert model.model == reference.model
    json.loads(entry.read_text(encoding="utf-8"))  # and the entry was written again, whole
    reads.clear()
    load_model(workbook_copy)
    assert reads == []


def _rename_in_entry(entry: Path, old: str, new: str) -> None:
    """Change the model's name inside a cache entry, keeping its key."""
    text = entry.read_text(encoding="utf-8")
    assert json.dumps(old) in text
    entry.write_text(text.replace(json.dumps(old), json.dumps(new)), encoding="utf-8")


def test_no_cache_setting_neither_reads_nor_writes_entries(
    cache_dir: Path, reads: list[Path], workbook_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATC_DMN_NO_CACHE", "1")
    load_model(workbook_copy)
    load_model(workbook_copy)
    assert entries(cache_dir) == []
    assert len(reads) == 2

    monkeypatch.delenv("ATC_DMN_NO_CACHE")
    real_name = load_model(workbook_copy).identity.name
    (entry,) = entries(cache_dir)
    _rename_in_entry(entry, real_name, "Altered in the cache")  # an entry whose key still matches is used ...
    assert load_model(workbook_copy).identity.name == "Altered in the cache"
    monkeypatch.setenv("ATC_DMN_NO_CACHE", "1")  # ... unless the cache is off
    assert load_model(workbook_copy).identity.name == real_name
    assert load_model(workbook_copy, use_cache=False).identity.name == real_name


def test_the_command_line_uses_the_cache_and_honours_no_cache(
    cache_dir: Path, workbook_copy: Path, run_atc: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("evaluate", "--model", workbook_copy, "--set", "stage=IVB", "--format", "json")
    first = run_atc(*args)
    assert first.returncode == 0, first.stderr
    (entry,) = entries(cache_dir)
    _rename_in_entry(entry, json.loads(first.stdout)["model"]["name"], "Altered in the cache")
    assert json.loads(run_atc(*args).stdout)["model"]["name"] == "Altered in the cache"
    monkeypatch.setenv("ATC_DMN_NO_CACHE", "1")
    assert json.loads(run_atc(*args).stdout)["model"]["name"] == json.loads(first.stdout)["model"]["name"]


def test_a_copy_elsewhere_shares_the_entry_but_keeps_its_own_path(
    cache_dir: Path, reads: list[Path], workbook_copy: Path, tmp_path: Path
) -> None:
    load_model(workbook_copy)
    other = tmp_path / "elsewhere" / "same.xlsx"
    other.parent.mkdir()
    shutil.copyfile(workbook_copy, other)
    model = load_model(other)
    assert reads == [workbook_copy]
    assert model.identity.path == str(other)
    assert model.model.path == str(other)


def test_an_unwritable_cache_directory_is_ignored(
    tmp_path: Path, workbook_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("ATC_DMN_CACHE_DIR", str(blocker))
    model = load_model(workbook_copy)
    assert model.evaluate({"stage": "IVB"}).decision["stage"] == "IVB"
    assert blocker.read_text() == "a file where the cache folder should be"


def test_the_default_cache_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from atc_dmn import cache

    monkeypatch.delenv("ATC_DMN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.directory() == tmp_path / "xdg" / "atc-dmn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.directory() == tmp_path / "home" / ".cache" / "atc-dmn"
