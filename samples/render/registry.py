"""The renderer registry: what a rendered sample document is, and the table of renderers keyed
by DESIGN doc_type (each renderer module registers itself with `@register`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

Box = tuple[int, int, int, int]


@dataclass
class RenderedDoc:
    """Clean pages plus where and how every truth field was printed."""

    doc_type: str
    pages: list[Image.Image]
    dpi: int
    fields: dict[str, str | int | bool]
    field_boxes: dict[str, tuple[int, Box]]  # field -> (page index, bbox in page pixels)
    words: list[list[tuple[str, Box]]]  # per page: every text run drawn, with its box
    layout: str
    field_text: dict[str, str] = field(default_factory=dict)  # field -> the exact string printed


Renderer = Callable[..., RenderedDoc]
RENDERERS: dict[str, Renderer] = {}


def register(doc_type: str) -> Callable[[Renderer], Renderer]:
    def deco(fn: Renderer) -> Renderer:
        RENDERERS[doc_type] = fn
        return fn

    return deco
