"""The interface every OCR engine implements. Engines only recognise; orientation, deskew,
routing and caching happen around them (pipeline.ocr.OcrRouter)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PIL import Image

from pipeline.core.models import OcrResult


@runtime_checkable
class OcrBackend(Protocol):
    name: str

    def recognize(self, image: Image.Image) -> OcrResult:
        """Read an upright, deskewed page; boxes in `image` pixels, confidences 0..1."""
        ...
