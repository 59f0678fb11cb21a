"""The forensic detectors' settings (pipeline/data/forensics.yaml) and the software
signatures they share: which programs betray editing in metadata and which are only capture."""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.core.datafiles import load_bundled

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
    return load_bundled("pipeline", f"data/{DATA_FILE}", ForensicsConfig)


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
