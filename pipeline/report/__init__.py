"""The reviewers' reports: one self-contained HTML page per case (rendered from the case file
alone, with thumbnails re-read from the source files), and the batch index."""

from __future__ import annotations

from pipeline.report.case import render_case_html
from pipeline.report.index import IndexRow, render_index_html

__all__ = ["IndexRow", "render_case_html", "render_index_html"]
