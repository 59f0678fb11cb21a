"""Forgery screening: one call per source file, one per page, and the page fingerprints the
corpus-wide duplicate checks compare.

The run calls `screen_file` once per file (metadata: editing software, PDF revisions) and
`screen_page` while a page's pixels are still in memory (local tampering, a PDF's text layer
against its rendered image). The detectors live in image, lines and pdf; their thresholds,
with the measurements behind them, in pipeline/data/forensics.yaml. A detector that fails on
an odd page costs that detector's finding, never the applicant.
"""

from __future__ import annotations

import logging

from pipeline.core.models import Flag, OcrResult
from pipeline.core.stages import LoadedFile, Page
from pipeline.forensics import image, pdf
from pipeline.forensics.fingerprint import fingerprint_distance, image_fingerprint

log = logging.getLogger(__name__)

__all__ = ["fingerprint_distance", "image_fingerprint", "screen_file", "screen_page"]


def screen_file(f: LoadedFile) -> list[Flag]:
    """File-level metadata checks. Never raises for a bad file: the reader reports those."""
    media = (f.source.media_type or "").lower()
    try:
        if media == "application/pdf":
            return pdf.screen_pdf_file(f.local_path, f.source.path)
        if media.startswith("image/"):
            return image.screen_image_metadata(f.local_path, f.source.path)
    except Exception as exc:  # noqa: BLE001 - metadata of a broken file is not our finding
        log.warning("forensics: metadata of %s not screened: %s", f.source.path, type(exc).__name__)
    return []


def screen_page(page: Page, ocr: OcrResult | None) -> list[Flag]:
    """Pixel-level checks while the page image is in memory: tampering (with `ocr`, the page
    as read, whose line boxes say where text is), and a text layer against its pixels."""
    flags: list[Flag] = []
    try:
        flags.extend(image.screen_page_pixels(page, ocr))
    except Exception as exc:  # noqa: BLE001 - a detector failure must not stop the applicant
        log.warning("forensics: tamper screen failed on %s p%s: %s", page.name, page.number, exc)
    if page.text_layer is not None:
        try:
            flags.extend(pdf.screen_text_layer(page))
        except Exception as exc:  # noqa: BLE001
            log.warning("forensics: text-layer check failed on %s p%s: %s",
                        page.name, page.number, type(exc).__name__)
    return flags
