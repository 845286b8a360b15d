"""The model for people to read and sign off: one page of HTML, or Markdown for review diffs.

``render(model, "html" | "markdown")`` builds one neutral view of the Model
(:func:`.model_view.build_view`) and writes it; both formats carry the same content.
"""

from __future__ import annotations

from ..errors import InputError
from ..model import Model
from .model_view import ModelView, build_view

FORMATS = ("html", "markdown")


def render(model: Model, fmt: str = "html") -> str:
    """The model as text in ``fmt`` (one of :data:`FORMATS`)."""
    view = build_view(model)
    if fmt == "markdown":
        from .markdown import to_markdown

        return to_markdown(view)
    if fmt == "html":
        from .html import to_html

        return to_html(view)
    raise InputError("format", fmt, FORMATS, f"format: {fmt!r} is not a render format; allowed: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "ModelView", "build_view", "render"]
