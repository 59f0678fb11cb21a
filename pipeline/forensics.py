"""Forgery screening entry points: one call per source file, one per page, plus fingerprints.

The run loop calls `screen_file` once per file (metadata: editing software, PDF revisions)
and `screen_page` while a page's pixels are still in memory (local tampering, PDF text
layer against the rendered image). The detectors live in forensics_image / forensics_pdf;
this module holds their shared data (forensics.yaml) and turns findings into flags.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib import resources
from typing import Literal

import imagehash
from PIL import Image, ImageOps
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import DataFileError
from pipeline.models import Flag, LoadedFile, Page
from pipeline.pages import upright

log = logging.getLogger(__name__)

DATA_FILE = "forensics.yaml"


# --------------------------------------------------------------------------- data


class Signature(BaseModel):
    """A named piece of software and the strings that betray it in metadata."""

    model_config = ConfigDict(extra="forbid")

    name: str
    patterns: list[str]
    note: str = ""

    @field_validator("patterns")
    @classmethod
    def _compile_check(cls, v: list[str]) -> list[str]:
        for p in v:
            if p.startswith("^"):
                re.compile(p)  # raises re.error → ValidationError
        if not v:
            raise ValueError("at least one pattern")
        return v

    def matches(self, text: str) -> bool:
        low = text.strip().lower()
        for p in self.patterns:
            if p.startswith("^"):
                if re.search(p, text.strip(), flags=re.IGNORECASE):
                    return True
            elif p.lower() in low:
                return True
        return False


class PdfEditors(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strong: list[Signature]
    weak: list[Signature]


class PdfSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mod_after_creation_hours: float = Field(gt=0)
    signature_updates_ok: bool = True


class CopyMoveSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    max_keypoints: int = Field(gt=10)
    min_matches: int = Field(ge=3)
    min_shift_fraction: float = Field(gt=0, lt=1)
    max_descriptor_distance: int = Field(gt=0)


class LevelLineSettings(BaseModel):
    """A re-typed line pasted level onto a tilted scan (pipeline.forensics_lines)."""
    model_config = ConfigDict(extra="forbid")
    enabled: bool
    work_long_side: int = Field(ge=512)
    ink_contrast: float = Field(gt=0, lt=255)
    min_char_height: float = Field(gt=0, lt=1)
    max_char_height: float = Field(gt=0, lt=1)
    max_char_width: float = Field(gt=0, lt=1)
    join_gap_heights: float = Field(gt=0)
    min_line_aspect: float = Field(ge=1)
    min_line_width: float = Field(gt=0, lt=1)
    min_chars: int = Field(ge=2)
    stray_max_height: float = Field(gt=1)
    stray_max_width: float = Field(gt=0)
    max_points: int = Field(ge=100)
    max_tilt_deg: float = Field(gt=0, le=45)
    min_reference_width: float = Field(gt=0, lt=1)
    min_reference_lines: int = Field(ge=2)
    min_page_tilt_deg: float = Field(gt=0)
    measured_tilt_margin_deg: float = Field(ge=0)
    max_tilt_spread_deg: float = Field(gt=0)
    level_max_deg: float = Field(ge=0)
    min_level_gain: float = Field(ge=1)
    margin_fraction: float = Field(ge=0, lt=0.5)


class TamperSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    work_long_side: int = Field(ge=256)
    noise_bin: int = Field(ge=1, le=8)
    block: int = Field(ge=4)
    ring: int = Field(ge=3)
    min_bg_fraction: float = Field(gt=0, le=1)
    paper_brightness_ratio: float = Field(ge=0, lt=1)
    edge_threshold: float = Field(gt=0)
    noise_z: float = Field(gt=0)
    directions: list[Literal["low", "high"]]
    min_blocks: int = Field(ge=1)
    max_area_fraction: float = Field(gt=0, le=1)
    min_fill: float = Field(gt=0, le=1)
    min_aspect: float = Field(ge=0)
    max_height_fraction: float = Field(gt=0, le=1)
    min_score: float = Field(gt=0)
    copy_move: CopyMoveSettings
    level_line: LevelLineSettings


class TextLayerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_digits: int = Field(ge=3)
    min_code_digits: int = Field(ge=2)
    crop_margin: float = Field(ge=0)
    max_tokens: int = Field(ge=1)
    tesseract_lang: str


class FingerprintSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hash_size: int = Field(ge=8)
    normalise_long_side: int = Field(ge=64)
    duplicate_max_distance: int = Field(ge=0)


class ForensicsConfig(BaseModel):
    """Everything in forensics.yaml, checked once on load."""

    model_config = ConfigDict(extra="forbid")

    image_editors: list[Signature]
    capture_software: list[Signature]
    xmp_edit_actions: list[str]
    photoshop_irb_ids: list[int]
    pdf_editors: PdfEditors
    pdf: PdfSettings
    tamper: TamperSettings
    text_layer: TextLayerSettings
    fingerprint: FingerprintSettings


@cache
def config() -> ForensicsConfig:
    """Load and validate forensics.yaml; a broken entry names the file and the entry."""
    import yaml

    text = resources.files("pipeline").joinpath(f"data/{DATA_FILE}").read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
        return ForensicsConfig.model_validate(raw)
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e["loc"]) + f": {e['msg']}" for e in exc.errors())
        raise DataFileError(f"{DATA_FILE} 格式错误：{where}", f"{DATA_FILE} is invalid: {where}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(f"{DATA_FILE} 无法解析", f"{DATA_FILE} cannot be parsed: {exc}") from exc


def classify_software(text: str, editors: list[Signature] | None = None) -> tuple[str, str | None]:
    """('capture'|'editor'|'unknown', name). Capture signatures win: 'Adobe Scan' is no editor."""
    cfg = config()
    for sig in cfg.capture_software:
        if sig.matches(text):
            return "capture", sig.name
    for sig in editors if editors is not None else cfg.image_editors:
        if sig.matches(text):
            return "editor", sig.name
    return "unknown", None


# --------------------------------------------------------------------------- entry points


def screen_file(f: LoadedFile) -> list[Flag]:
    """File-level metadata checks. Never raises for a bad file: the reader reports those."""
    from pipeline import forensics_image, forensics_pdf

    media = (f.source.media_type or "").lower()
    try:
        if media == "application/pdf" or f.local_path.suffix.lower() == ".pdf":
            return forensics_pdf.screen_pdf_file(f.local_path, f.source.path)
        if media.startswith("image/") or f.local_path.suffix.lower() in {
                ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}:
            return forensics_image.screen_image_metadata(f.local_path, f.source.path)
    except Exception as exc:  # noqa: BLE001 - metadata of a broken file is not our finding
        log.warning("forensics: metadata of %s not screened: %s", f.source.path, type(exc).__name__)
    return []


def screen_page(page: Page) -> list[Flag]:
    """Pixel-level checks while the page image is in memory (tampering, text layer vs image)."""
    from pipeline import forensics_image, forensics_pdf

    flags: list[Flag] = []
    try:
        flags.extend(forensics_image.screen_page_pixels(page))
    except Exception as exc:  # noqa: BLE001 - a detector failure must not stop the applicant
        log.warning("forensics: tamper screen failed on %s p%s: %s", page.info.file, page.info.page, exc)
    if page.extras.get("text_layer") is not None:
        try:
            flags.extend(forensics_pdf.screen_text_layer(page))
        except Exception as exc:  # noqa: BLE001
            log.warning("forensics: text-layer check failed on %s p%s: %s",
                        page.info.file, page.info.page, type(exc).__name__)
    return flags


# --------------------------------------------------------------------------- fingerprints


def image_fingerprint(image: Image.Image) -> str:
    """Perceptual hash (hex) of a page, robust to re-saving, rescaling and contrast changes.

    Grey, autocontrast and a fixed size first, so the same scan re-saved or resized by
    another applicant hashes alike; the 256-bit hash keeps same-template certificates with
    different names apart better than the usual 64 bits.
    """
    fp = config().fingerprint
    grey = upright(image).convert("L")
    factor = max(grey.size) // (2 * fp.normalise_long_side)
    if factor >= 2:
        grey = grey.reduce(factor)  # cheap box average first; LANCZOS only for the last step
    scale = fp.normalise_long_side / max(grey.size)
    if scale < 1:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.LANCZOS)
    grey = ImageOps.autocontrast(grey, cutoff=1)
    grey = _crop_to_content(grey)
    return str(imagehash.phash(grey, hash_size=fp.hash_size))


def _crop_to_content(grey: Image.Image) -> Image.Image:
    """Cut the paper margins, so a re-cropped or re-scanned copy frames the same content."""
    import cv2
    import numpy as np

    a = np.asarray(grey)
    # ink, not shading: darker than the page blurred wide (σ 15 px, blurred at half size: an
    # eighth of the cost; fingerprints move by ≤ 6 of 256 bits against full-size blurring)
    half = cv2.resize(a, (max(1, a.shape[1] // 2), max(1, a.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    shading = cv2.resize(cv2.GaussianBlur(half.astype(np.float32), (0, 0), 7.5), (a.shape[1], a.shape[0]),
                         interpolation=cv2.INTER_LINEAR)
    ys, xs = np.nonzero(a < shading - 50)
    if len(xs) < 100:
        return grey
    x0, x1 = np.percentile(xs, [0.5, 99.5])
    y0, y1 = np.percentile(ys, [0.5, 99.5])
    if (x1 - x0) < 0.2 * grey.width or (y1 - y0) < 0.2 * grey.height:
        return grey
    return grey.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1))


def fingerprint_distance(a: str, b: str) -> int:
    """Hamming distance between two fingerprints from image_fingerprint (bits that differ)."""
    if len(a) != len(b):
        raise ValueError(f"fingerprints of different sizes: {len(a)} vs {len(b)} hex digits")
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def duplicate_max_distance() -> int:
    """Fingerprints at or below this distance are the same image (forensics.yaml)."""
    return config().fingerprint.duplicate_max_distance
