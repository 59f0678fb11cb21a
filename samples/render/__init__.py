"""Document renderers: what each sample document looks like, and the truth of its fields.

RENDERERS is keyed by DESIGN doc_type. Each renderer draws only values taken from the
Applicant it is given, so a modified Applicant yields a consistently modified document.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from samples.people import Applicant

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


def render(doc_type: str, applicant: Applicant, rng: random.Random, layout: str | None = None,
           **options: object) -> RenderedDoc:
    """Render one document of `doc_type` for `applicant`; `layout` picks a variant (else random).

    options go to the renderer: diploma, degree_certificate and overseas_degree_certification
    take education_index (which entry of applicant.education; default the highest suitable one).
    """
    _load_all()
    try:
        fn = RENDERERS[doc_type]
    except KeyError:
        raise ValueError(f"no renderer for doc_type {doc_type!r}; valid: {', '.join(sorted(RENDERERS))}") from None
    return fn(applicant, rng, layout=layout, **options)


def compose_id_photocopy(front: Image.Image, back: Image.Image, dpi: int = 300) -> Image.Image:
    """Both sides of an ID card on one white A4 page, as a photocopy handed in with an application."""
    from samples.render.base import compose_photocopy

    return compose_photocopy(front, back, dpi)


_LOADED = False


def _load_all() -> None:
    """Import the renderer modules once (they register themselves)."""
    global _LOADED
    if _LOADED:
        return
    from samples.render import (  # noqa: F401
        application_form,
        education,
        employment,
        identity,
        qualification,
    )

    _LOADED = True


_load_all()  # RENDERERS is complete as soon as the package is imported
