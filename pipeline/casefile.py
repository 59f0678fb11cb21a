"""Write a case file: JSON (the DESIGN contract) plus the reviewers' HTML report beside it.

Both are written atomically and privately (0600): they hold applicants' identity data.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipeline.models import CaseFile
from pipeline.privacy import atomic_write_text

log = logging.getLogger(__name__)


def case_json(case: CaseFile) -> str:
    """The case as JSON text: DESIGN keys, Chinese kept readable, stable indentation."""
    return json.dumps(case.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def write_case(case: CaseFile, json_path: Path, html: bool = True, sources: list[Path] | None = None) -> None:
    """Write CASE.json and (html=True) CASE.html next to it; `sources` are the applicant's
    input paths (folder, zip or files) the report re-opens for evidence thumbnails."""
    json_path = Path(json_path)
    atomic_write_text(json_path, case_json(case))
    if html:
        from pipeline.report import render_case_html

        atomic_write_text(json_path.with_suffix(".html"), render_case_html(case, sources))
    log.info("wrote case %s → %s", case.case_id, json_path)


def read_case(json_path: Path) -> CaseFile:
    """Load a case file written by write_case (used by the batch index and evaluation)."""
    return CaseFile.model_validate_json(Path(json_path).read_text(encoding="utf-8"))
