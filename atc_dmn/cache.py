"""Keep each validated model as plain JSON, so a command does not parse the workbook again.

Reading an .xlsx file takes most of a cold start (openpyxl alone takes
about 0.3 s to import), while the typed :class:`Model` it yields fits in a
small JSON file. A cache entry is keyed by the workbook's SHA-256, the
runtime version and a fingerprint of the runtime's source, so editing the
workbook or changing atc-dmn makes it stale; a stale, damaged or unreadable entry is ignored and the workbook is
read as usual. Entries are written atomically and are safe to delete.

Where: ``$ATC_DMN_CACHE_DIR``, else ``$XDG_CACHE_HOME/atc-dmn``, else
``~/.cache/atc-dmn``. ``ATC_DMN_NO_CACHE=1`` turns the cache off.

The JSON holds only values, lists and records of the model's own
dataclasses (by name, from a fixed list), never code: loading an entry
cannot run anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from . import cards, feel, feel_expr, fhir_mapping, model, origin
from .model import Model
from .temporal import YearsMonths

FORMAT = 8  # bump when the JSON layout or the model's dataclasses change

# The records a cache entry may hold: the dataclasses of model.py, feel.py, feel_expr.py, origin.py,
# fhir_mapping.py (the FHIR sheet) and cards.py (the Cards sheet), by name.
_RECORDS: dict[str, type] = {
    name: obj
    for module in (model, feel, feel_expr, origin, fhir_mapping, cards)
    for name, obj in vars(module).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__
}


def enabled() -> bool:
    return os.environ.get("ATC_DMN_NO_CACHE", "") in ("", "0")


def directory() -> Path:
    """The cache directory (not created until something is stored)."""
    if os.environ.get("ATC_DMN_CACHE_DIR"):
        return Path(os.environ["ATC_DMN_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "atc-dmn"
    return Path.home() / ".cache" / "atc-dmn"


_RUNTIME: str | None = None


def runtime_fingerprint() -> str:
    """SHA-256 over the package's own source files.

    A cached model skips validation, so an entry must not outlive the code
    that validated and built it, even when the version number stays the same.
    """
    global _RUNTIME
    if _RUNTIME is None:
        digest = hashlib.sha256()
        root = Path(__file__).resolve().parent
        for source in sorted(root.rglob("*.py")):
            digest.update(source.relative_to(root).as_posix().encode())
            digest.update(source.read_bytes())
        _RUNTIME = digest.hexdigest()
    return _RUNTIME


def _key(sha256: str) -> dict[str, Any]:
    from . import __version__

    return {"sha256": sha256, "version": __version__, "format": FORMAT, "runtime": runtime_fingerprint()}


def _entry(sha256: str) -> Path:
    return directory() / f"{sha256}.json"


def load(path: Path) -> Model | None:
    """The cached model of the workbook at ``path``, or None (no entry, stale, damaged, or cache off)."""
    if not enabled():
        return None
    try:
        sha256 = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        data = json.loads(_entry(sha256).read_text(encoding="utf-8"), object_hook=_revive)
        if data.get("key") != _key(sha256):
            return None
        found = data["model"]
        if not isinstance(found, Model) or found.sha256 != sha256:
            return None
    except Exception:  # a missing, unreadable or damaged entry only means reading the workbook
        return None
    # The same workbook may have been cached from another place.
    return dataclasses.replace(found, path=str(path))


def store(found: Model) -> None:
    """Write the model's entry; any failure (read-only disk, no home) is ignored."""
    if not enabled():
        return
    try:
        text = json.dumps({"key": _key(found.sha256), "model": _encode(found)}, ensure_ascii=False)
        target = _entry(found.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:
        return


# JSON layout: values as they are; {"t": [...]} a tuple; {"m": [[key, value], ...]} a dict
# (keys need not be text); {"r": name, "a": [field values in order]} a record; a list is a list;
# {"f": FEEL type, "v": ...} a date, time, date and time (ISO text) or duration (exact numbers).


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, tuple):
        return {"t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"m": [[_encode(k), _encode(v)] for k, v in value.items()]}
    temporal = _temporal(value)
    if temporal is not None:
        return temporal
    name = type(value).__name__
    if _RECORDS.get(name) is type(value):
        return {"r": name, "a": [_encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    raise TypeError(f"cannot cache a {name}")


def _revive(obj: dict[str, Any]) -> Any:
    """json.loads' object_hook: rebuild one tuple, dict or record (its contents are already rebuilt)."""
    if "t" in obj:
        return tuple(obj["t"])
    if "m" in obj:
        return {key: value for key, value in obj["m"]}
    if "r" in obj:
        return _RECORDS[obj["r"]](*obj["a"])
    if "f" in obj:
        return _REVIVE[obj["f"]](obj["v"])
    return obj  # the entry's envelope and key


def _temporal(value: Any) -> dict[str, Any] | None:
    """A temporal value as JSON, exactly (a duration by its parts, not its ISO text), else None."""
    if isinstance(value, dt.datetime):
        return {"f": "date and time", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"f": "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {"f": "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"f": "days and time duration", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, YearsMonths):
        return {"f": "years and months duration", "v": value.months}
    return None


_REVIVE: dict[str, Any] = {
    "date and time": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "days and time duration": lambda parts: dt.timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2]),
    "years and months duration": YearsMonths,
}
