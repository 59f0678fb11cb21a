"""Document renderers: what each sample document looks like, and the truth of its fields.

RENDERERS is keyed by DESIGN doc_type. Each renderer draws only values taken from the
Applicant it is given, so a modified Applicant yields a consistently modified document.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from PIL import Image

# the renderer modules register themselves in RENDERERS when imported
from samples.render import application_form, education, employment, foreign, identity, qualification  # noqa: F401
from samples.render.base import compose_photocopy
from samples.render.registry import RENDERERS, Box, RenderedDoc, Renderer, register

if TYPE_CHECKING:
    from samples.people import Applicant

__all__ = ["RENDERERS", "Box", "RenderedDoc", "Renderer", "compose_id_photocopy", "register", "render"]


def render(doc_type: str, applicant: Applicant, rng: random.Random, layout: str | None = None,
           **options: object) -> RenderedDoc:
    """Render one document of `doc_type` for `applicant`; `layout` picks a variant (else random).

    options go to the renderer: diploma, degree_certificate and overseas_degree_certification
    take education_index (which entry of applicant.education; default the highest suitable one).
    """
    try:
        fn = RENDERERS[doc_type]
    except KeyError:
        raise ValueError(f"no renderer for doc_type {doc_type!r}; valid: {', '.join(sorted(RENDERERS))}") from None
    return fn(applicant, rng, layout=layout, **options)


def compose_id_photocopy(front: Image.Image, back: Image.Image, dpi: int = 300) -> Image.Image:
    """Both sides of an ID card on one white A4 page, as a photocopy handed in with an application."""
    return compose_photocopy(front, back, dpi)


