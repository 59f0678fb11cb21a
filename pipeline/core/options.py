"""The options of a run (`process` and `ingest`): plain data, sent unchanged to local and Dask
workers, and how they are given on the command line."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.models import OcrEngineName

# what each area's register() receives to add its sub-commands to `credcase`
SubCommands = argparse._SubParsersAction  # the type argparse.add_subparsers() returns


class RunOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    ocr: OcrEngineName = OcrEngineName.AUTO
    cache_dir: Path | None = None
    application_date: date | None = None  # default: today
    catalog_file: Path | None = None  # default: the bundled current batch
    preprocess: bool = True


def iso_date(text: str) -> date:
    """An argparse type: YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text}") from exc


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"应为正整数 / must be a positive whole number: {text}")
    return n


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `process` and `ingest`."""
    p.add_argument("--ocr", choices=["auto", "tesseract", "rapidocr"], default="auto",
                   help="OCR engine: auto routes each page (default) / OCR 引擎")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="OCR cache folder (default: under the output folder) / OCR 缓存目录")
    p.add_argument("--application-date", type=iso_date, default=None,
                   help="date validity is checked against (default today) / 申请日期")
    p.add_argument("--catalog", dest="catalog_file", type=Path, default=None,
                   help="catalogue batch file (default: the bundled current batch) / 目录批次文件")


def run_options_from(args: argparse.Namespace, default_cache: Path | None) -> RunOptions:
    return RunOptions(ocr=args.ocr, cache_dir=args.cache_dir or default_cache,
                      application_date=args.application_date, catalog_file=args.catalog_file)
