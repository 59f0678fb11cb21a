"""One applicant, top to bottom: the orchestrator that reads like a table of contents.

    collect files → pages → OCR (+ page forensics, layout cues) → classify → group into
    documents → extract fields → match the certificate → policy/consistency/forgery checks
    → case file

Images are dropped as soon as a page has been read and screened, so memory does not grow
with the number of pages; the report re-renders the thumbnails it needs from the sources.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from pipeline import checks, classify, forensics, ingest, pages
from pipeline.errors import InputFileError
from pipeline.flags import make_flag
from pipeline.models import (
    CaseFile,
    DocType,
    Evidence,
    FileError,
    Flag,
    LoadedFile,
    PageInfo,
    SourceFile,
)
from pipeline.ocr import OcrRouter, get_router
from pipeline.options import RunOptions

log = logging.getLogger(__name__)


def process_applicant(inputs: list[Path], options: RunOptions, source: str | None = None,
                      case_id: str | None = None) -> CaseFile:
    """Process one applicant's folder, zip or list of files into a CaseFile.

    Never raises for bad input: unreadable files become `errors[]` and FILE_UNREADABLE flags.
    """
    source = source or (inputs[0].name if len(inputs) == 1 else "files")
    case_id = case_id or Path(source).stem
    router = get_router(options.ocr, options.cache_dir, preprocess=options.preprocess)
    workdir = Path(tempfile.mkdtemp(prefix="credcase-"))
    try:
        files, errors = ingest.collect_inputs(inputs, workdir)
        page_infos, page_flags, read_errors, sources = _read_all_pages(files, router)
        errors.extend(read_errors)
        documents = classify.group_documents(page_infos)
        for doc in documents:
            doc.fields = _extract(doc, page_infos)
        flags = page_flags + [_unreadable_flag(e) for e in errors]
        case = checks.assess(
            case_id=case_id,
            source=source,
            documents=documents,
            pages=page_infos,
            input_files=sources,
            errors=errors,
            pre_flags=flags,
            application_date=options.application_date or date.today(),
            catalog_file=options.catalog_file,
        )
        case.processed_at = datetime.now(UTC)
        return case
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _read_all_pages(files: list[LoadedFile], router: OcrRouter
                    ) -> tuple[list[PageInfo], list[Flag], list[FileError], list[SourceFile]]:
    infos: list[PageInfo] = []
    flags: list[Flag] = []
    errors: list[FileError] = []
    sources: list[SourceFile] = []
    for f in files:
        sources.append(f.source)
        flags.extend(forensics.screen_file(f))
        try:
            for page in pages.iter_pages(f):
                try:
                    router.read(page)
                except InputFileError as exc:
                    errors.append(exc.to_file_error())
                    continue
                classify.classify_page(page)
                if page.info.doc_type == DocType.QUALIFICATION_CERTIFICATE and page.image is not None:
                    page.info.image_phash = forensics.image_fingerprint(page.image)  # corpus duplicates
                flags.extend(forensics.screen_page(page))
                infos.append(page.info)
                page.image = page.corrected = None  # free the pixels: stream, don't hoard
        except InputFileError as exc:
            errors.append(exc.to_file_error())
    return infos, flags, errors, sources


def _extract(doc, page_infos: list[PageInfo]):
    from extractors import extract

    return extract(doc, page_infos)


def _unreadable_flag(err: FileError) -> Flag:
    return make_flag("FILE_UNREADABLE", [Evidence(file=err.file, page=err.page or 1)],
                     reason_zh=err.message_zh, reason_en=err.message_en)
