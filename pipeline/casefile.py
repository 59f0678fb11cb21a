"""The case file: built from what the stages found, written as JSON (the contract in
docs/design.md) with the reviewers' HTML report beside it, and read back.

`write_case` is the one writer `credcase process` and `credcase ingest` use. Both files are
written atomically and privately (0600): they hold applicants' identity data.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from pipeline import __version__
from pipeline.core.flags import make_flag
from pipeline.core.models import (
    CaseFile,
    Comparison,
    Document,
    Evidence,
    FileError,
    Fingerprint,
    Flag,
    PageInfo,
    Recommendation,
    SourceFile,
    ToolVersions,
)
from pipeline.core.privacy import atomic_write_text, mask_text
from pipeline.core.stages import Assessment
from pipeline.report import render_case_html

log = logging.getLogger(__name__)


def build_case(*, case_id: str, source: str, documents: list[Document], pages: list[PageInfo],
               input_files: list[SourceFile], errors: list[FileError], assessment: Assessment,
               comparison: Comparison | None, fingerprints: list[Fingerprint],
               versions: ToolVersions) -> CaseFile:
    """Everything one applicant's run found, as the case file."""
    return CaseFile(
        case_id=case_id, source=source, processed_at=datetime.now(UTC), applicant=assessment.applicant,
        documents=documents, qualification=assessment.qualification, materials=assessment.materials,
        eligibility=assessment.eligibility, flags=assessment.flags, recommendation=assessment.recommendation,
        errors=errors, pages=pages, versions=versions, input_files=input_files, fingerprints=fingerprints,
        comparison=comparison)


def tool_versions(engines: dict[str, str | None], catalog_batch: str | None) -> ToolVersions:
    """credcase, the OCR engines (as pipeline.ocr reports them) and the catalogue batch."""
    return ToolVersions(credcase=__version__, tesseract=engines.get("tesseract"), rapidocr=engines.get("rapidocr"),
                        catalog_batch=catalog_batch)


def failed_case(case_id: str, source: str, exc: BaseException) -> CaseFile:
    """The case file of an applicant credcase failed on (a bug, not the applicant's paper): it
    says so, and that the case must be run again — never a plausible-looking recommendation."""
    reason = type(exc).__name__
    flag = make_flag("PROCESSING_FAILED", [Evidence(file=source, page=1)], reason_zh=reason, reason_en=reason)
    error = FileError(file=source, code="PROCESSING_FAILED", message_zh=flag.message_zh, message_en=flag.message_en,
                      detail=mask_text(f"{reason}: {exc}")[:300])
    return CaseFile(case_id=case_id, source=source, processed_at=datetime.now(UTC), flags=[flag],
                    recommendation=Recommendation.PROCESSING_FAILED, errors=[error],
                    versions=ToolVersions(credcase=__version__))


def add_flags(case: CaseFile, flags: list[Flag]) -> bool:
    """Add the flags the case does not carry yet (same code and message); True when any was."""
    added = False
    for flag in flags:
        if not any((f.code, f.message_en) == (flag.code, flag.message_en) for f in case.flags):
            case.flags.append(flag)
            added = True
    return added


def case_json(case: CaseFile) -> str:
    """The case as JSON text: DESIGN keys, Chinese kept readable, stable indentation."""
    return json.dumps(case.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def write_case(case: CaseFile, json_path: Path, html: str | bool = True, sources: list[Path] | None = None) -> None:
    """Write CASE.json and CASE.html next to it. `html`: the report already rendered, True to
    render it here (re-opening `sources`, the applicant's folder, zip or files, for the
    evidence thumbnails), False for none."""
    json_path = Path(json_path)
    atomic_write_text(json_path, case_json(case))
    if html is not False:
        if html is True:
            html = render_case_html(case, sources)
        atomic_write_text(json_path.with_suffix(".html"), html)
    log.info("wrote case %s → %s", case.case_id, json_path)


def read_case(json_path: Path) -> CaseFile:
    """Load a case file written by write_case."""
    return CaseFile.model_validate_json(Path(json_path).read_text(encoding="utf-8"))
