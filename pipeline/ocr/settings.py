"""OCR and ingestion settings from pipeline/data/ocr.yaml, validated once on load."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import DataFileError, InputFileError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    max_image_pixels: int
    max_pages_per_file: int
    max_render_pixels: int
    zip_max_members: int
    zip_max_total_bytes: int
    zip_max_ratio: float
    zip_ratio_min_bytes: int
    zip_max_depth: int


class PdfSettings(_Strict):
    render_dpi: int
    text_layer_min_chars: int


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


class FileErrorText(_Strict):
    zh: str
    en: str


class OcrSettings(_Strict):
    settings_version: str
    limits: Limits
    pdf: PdfSettings
    preprocess: PreprocessSettings
    tesseract: TesseractSettings
    rapidocr: RapidSettings
    routing: RoutingSettings
    file_errors: dict[str, FileErrorText]


@cache
def ocr_settings() -> OcrSettings:
    """The bundled settings; a broken file is a DataFileError naming the file and the entry."""
    text = resources.files("pipeline").joinpath("data/ocr.yaml").read_text(encoding="utf-8")
    try:
        return OcrSettings.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors())
        raise DataFileError(f"pipeline/data/ocr.yaml 格式错误：{where}",
                            f"pipeline/data/ocr.yaml is invalid: {where}") from exc


def file_error(file: str, code: str, detail: str = "", page: int | None = None) -> InputFileError:
    """An InputFileError with the registered bilingual message for `code`."""
    text = ocr_settings().file_errors.get(code)
    if text is None:
        raise KeyError(f"unknown file error code {code!r}; known: {', '.join(sorted(ocr_settings().file_errors))}")
    return InputFileError(file, code, text.zh.format(file=file, detail=detail),
                          text.en.format(file=file, detail=detail), page=page)
