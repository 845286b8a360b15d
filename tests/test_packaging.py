"""The wheel carries the shipped workbook and the console command; the checkout finds the workbook too."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from atc_dmn import load_model, shipped_model_path

REPO = Path(__file__).resolve().parent.parent
FETCH_FAILURES = (
    "No matching distribution found",
    "Could not find a version",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ProxyError",
)


def test_shipped_model_path_in_the_checkout():
    path = shipped_model_path()
    assert path.is_file()
    assert path == REPO / "decisions" / "atc_treatment.xlsx"
    assert load_model(path).identity.sha256 == load_model().identity.sha256


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-w", str(out), "-q"]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-build-isolation")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if any(text in output for text in FETCH_FAILURES):
            pytest.skip(f"the build backend (hatchling) cannot be fetched here: {output.strip()[-300:]}")
        pytest.fail(f"pip wheel failed:\n{output}")
    wheels = list(out.glob("atc_dmn-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contains_the_workbook_and_the_command(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "atc_dmn/decisions/atc_treatment.xlsx" in names
        packaged = zf.read("atc_dmn/decisions/atc_treatment.xlsx")
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = zf.read(entry_points).decode()
    assert packaged == (REPO / "decisions" / "atc_treatment.xlsx").read_bytes()
    assert "[console_scripts]" in scripts
    assert "atc-dmn = atc_dmn.cli:main" in scripts
    assert "atc_dmn/cli.py" in names and "atc_dmn/__init__.py" in names
    assert not any(n.startswith("tests/") for n in names)


def test_wheel_declares_its_type_hints(wheel):
    # PEP 561: type checkers read an installed package's annotations only when it carries py.typed.
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("atc_dmn/py.typed") == b""


def test_installed_wheel_finds_its_own_workbook(wheel, tmp_path, model):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    script = (
        "import json, atc_dmn\n"
        "m = atc_dmn.load_model()\n"
        "print(json.dumps({'module': atc_dmn.__file__, 'model': str(atc_dmn.shipped_model_path()),"
        " 'decision': m.evaluate({'diagnosis_confirmed': True, 'stage': 'IVB'}).decision}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert Path(data["module"]).is_relative_to(site)
    assert Path(data["model"]) == site / "atc_dmn" / "decisions" / "atc_treatment.xlsx"
    assert data["decision"] == model.evaluate({"diagnosis_confirmed": True, "stage": "IVB"}).decision
