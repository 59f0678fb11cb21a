"""OCR settings from pipeline/data/ocr.yaml, validated once on load."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.core.datafiles import load_bundled


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PreprocessSettings(_Strict):
    osd_max_side: int
    osd_min_conf: float
    osd_trusted_scripts: list[str]
    osd_verify_rotations: list[int]
    fallback_max_side: int
    direction_judge: bool
    osd_judge_below_conf: float
    direction_max_side: int
    direction_min_aspect: float
    direction_min_evidence: float
    direction_min_ratio: float
    skew_max_deg: float
    skew_min_deg: float
    skew_max_side: int
    normalise_background: bool
    rapid_layout: bool


class TesseractSettings(_Strict):
    lang: str
    config: str
    min_word_conf: float


class RapidSettings(_Strict):
    runtime: Literal["openvino", "onnxruntime"]
    openvino_cache_capacity: int
    text_score: float
    max_side: int
    use_cls: bool
    rec_batch_num: int


class RoutingSettings(_Strict):
    han_scripts: list[str]
    tesseract_accept_mean_conf: float
    tesseract_low_word_conf: float
    tesseract_max_low_fraction: float
    max_cjk_fraction_for_tesseract: float
    min_chars_for_tesseract: int


class OcrSettings(_Strict):
    settings_version: str
    preprocess: PreprocessSettings
    tesseract: TesseractSettings
    rapidocr: RapidSettings
    routing: RoutingSettings


@cache
def ocr_settings() -> OcrSettings:
    """The bundled settings; a broken file is a DataFileError naming the file, line and key."""
    return load_bundled("pipeline", "data/ocr.yaml", OcrSettings)
