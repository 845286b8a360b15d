"""Compiled-model cache (not yet enabled): ``load`` finds nothing, ``store`` keeps nothing."""

from __future__ import annotations

from pathlib import Path

from .model import Model


def load(path: Path) -> Model | None:
    return None


def store(model: Model) -> None:
    return None
