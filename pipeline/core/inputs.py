"""What one input file may cost and how its problems are told (pipeline/data/inputs.yaml).

The limits bound what a stranger's file can make credcase do (pixels, pages, zip sizes); the
file-error texts are what a clerk reads when a file cannot be used, Chinese first.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict

from pipeline.core.datafiles import load_bundled
from pipeline.core.errors import InputFileError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    max_image_pixels: int
    max_pages_per_file: int
    max_page_pixels: int
    max_pages_per_applicant: int
    max_seconds_per_file: float
    max_render_pixels: int
    zip_max_members: int
    zip_max_total_bytes: int
    zip_max_ratio: float
    zip_ratio_min_bytes: int
    zip_max_depth: int


class PdfSettings(_Strict):
    render_dpi: int
    text_layer_min_chars: int


class OutputSettings(_Strict):
    min_free_bytes: int  # a run is refused before it starts with less free disk at its output


class FileErrorText(_Strict):
    zh: str
    en: str


class InputSettings(_Strict):
    limits: Limits
    pdf: PdfSettings
    output: OutputSettings
    file_errors: dict[str, FileErrorText]


@cache
def input_settings() -> InputSettings:
    return load_bundled("pipeline", "data/inputs.yaml", InputSettings)


def file_error(file: str, code: str, detail: str = "", page: int | None = None) -> InputFileError:
    """An InputFileError with the registered bilingual message for `code`."""
    texts = input_settings().file_errors
    text = texts.get(code)
    if text is None:
        raise KeyError(f"unknown file error code {code!r}; known: {', '.join(sorted(texts))}")
    return InputFileError(file, code, text.zh.format(file=file, detail=detail),
                          text.en.format(file=file, detail=detail), page=page, detail=detail or None)
