"""The interface every OCR engine implements. Engines only recognise; orientation, deskew,
routing and caching happen around them (pipeline.ocr.OcrRouter)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PIL import Image

from pipeline.core.models import OcrResult

if TYPE_CHECKING:
    from pipeline.ocr.rapid import PageLayout


@runtime_checkable
class OcrBackend(Protocol):
    name: str

    def recognize(self, image: Image.Image) -> OcrResult:
        """Read an upright, deskewed page; boxes in `image` pixels, confidences 0..1."""
        ...


@runtime_checkable
class LayoutReader(Protocol):
    """An engine whose own line detection also gives orientation and skew, and that recognises
    a page from that same detection (RapidOCR)."""

    def layout(self, image: Image.Image) -> PageLayout | None: ...

    def read_layout(self, layout: PageLayout, size: tuple[int, int]) -> OcrResult: ...

    def text_direction(self, image: Image.Image) -> tuple[float, float]: ...
