"""Run options: plain data, sent unchanged to local and Dask workers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.models import OcrEngineName


class RunOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    ocr: OcrEngineName = OcrEngineName.AUTO
    cache_dir: Path | None = None
    application_date: date | None = None  # default: today
    catalog_file: Path | None = None  # default: the bundled current batch
    preprocess: bool = True
