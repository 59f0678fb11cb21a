"""One applicant, top to bottom: the only place the stages meet.

    collect files → per page: read (OCR or text layer), cues, class, fingerprint, forgery
    screen → group pages into documents → extract fields → match the certificate against
    the catalogue → checks → case file

Each stage takes typed values and returns typed values (pipeline.core.stages). Images are
dropped as soon as a page has been read and screened, so memory does not grow with the number
of pages; the report re-renders the thumbnails it needs from the sources.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import extractors
from pipeline import casefile, checks, classify, forensics, ingest, ocr, pages, qualify
from pipeline.core.errors import InputFileError, OcrEngineMissing
from pipeline.core.flags import make_flag
from pipeline.core.inputs import file_error, input_settings
from pipeline.core.models import (
    CaseFile,
    DocType,
    Document,
    Evidence,
    FileError,
    Flag,
    PageCues,
    PageInfo,
    SourceFile,
)
from pipeline.core.options import RunOptions
from pipeline.core.stages import LoadedFile, Page, PageClass, PageRead
from pipeline.forensics.corpus import case_fingerprints

log = logging.getLogger(__name__)


def process_applicant(inputs: list[Path], options: RunOptions, source: str | None = None,
                      case_id: str | None = None) -> CaseFile:
    """Process one applicant's folder, zip or list of files into a CaseFile.

    Never raises for bad input: unreadable files become `errors[]` and FILE_UNREADABLE flags."""
    source = source or (inputs[0].name if len(inputs) == 1 else "files")
    case_id = case_id or Path(source).stem
    router = ocr.get_router(options.ocr, options.cache_dir, preprocess=options.preprocess)
    with ingest.scratch_folder() as workdir:
        files, errors = ingest.collect_inputs(inputs, workdir)                  # LoadedFile per usable file
        read = read_files(files, router)                                        # PageInfo per page, flags
    errors += read.errors
    documents, page_infos = classify.group_documents(read.pages)                # Document per paper
    documents = [_with_fields(doc, page_infos) for doc in documents]            # fields with evidence
    found = read.flags + [_unreadable_flag(e) for e in errors]
    return assess_case(case_id, source, documents, page_infos, read.sources, errors, found, options)


def assess_case(case_id: str, source: str, documents: list[Document], page_infos: list[PageInfo],
                input_files: list[SourceFile], errors: list[FileError], found: list[Flag],
                options: RunOptions) -> CaseFile:
    """Everything after reading: the catalogue match, the checks, the case file. Also what a
    reviewer's correction re-runs, on the corrected documents (no OCR). `found`: the flags the
    reading raised (forgery screens, unreadable files)."""
    certificate = qualify.match_certificate(documents, options.catalog_file)    # the catalogue entry
    assessment = checks.assess(documents, page_infos, certificate,             # flags, recommendation
                               options.application_date or date.today(), found)
    case = casefile.build_case(
        case_id=case_id, source=source, documents=documents, pages=page_infos, input_files=input_files,
        errors=errors, assessment=assessment, comparison=checks.compare(documents),
        fingerprints=case_fingerprints(documents, page_infos),
        versions=casefile.tool_versions(ocr.engine_versions(), certificate.batch_id))
    log.info("case %s: %s, %d flags", case_id, case.recommendation, len(case.flags))
    return case


@dataclass
class Reading:
    """What reading an applicant's files gave: pages, forgery flags, per-file errors."""

    pages: list[PageInfo] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)


def read_files(files: list[LoadedFile], router: ocr.OcrRouter) -> Reading:
    """Every page of every file, one at a time. A page or a file that fails — in any stage,
    with any error — becomes that page's or file's error; the rest goes on."""
    limits = input_settings().limits
    out = Reading()
    for f in files:
        out.sources.append(f.source)
        if len(out.pages) >= limits.max_pages_per_applicant:
            out.errors.append(file_error(f.source.path, "APPLICANT_PAGE_LIMIT",
                                         str(limits.max_pages_per_applicant)).to_file_error())
            continue
        out.flags.extend(forensics.screen_file(f))
        started = time.monotonic()
        try:
            for page in pages.iter_pages(f):
                if time.monotonic() - started > limits.max_seconds_per_file:
                    out.errors.append(file_error(f.source.path, "FILE_TIME_LIMIT", f"{limits.max_seconds_per_file:.0f}",
                                                 page.number).to_file_error())
                    break
                if len(out.pages) >= limits.max_pages_per_applicant:
                    out.errors.append(file_error(f.source.path, "APPLICANT_PAGE_LIMIT",
                                                 str(limits.max_pages_per_applicant), page.number).to_file_error())
                    break
                try:
                    info, flags = read_page(page, router)
                except (InputFileError, OcrEngineMissing):
                    raise
                except Exception as exc:  # noqa: BLE001 — one page must never lose the applicant
                    log.exception("reading %s p%d failed", f.source.path, page.number)
                    out.errors.append(_failed(f, exc, page.number))
                    continue
                out.pages.append(info)
                out.flags.extend(flags)
        except InputFileError as exc:
            out.errors.append(exc.to_file_error())
        except OcrEngineMissing:
            raise  # no engine at all: a configuration error, not this file's
        except Exception as exc:  # noqa: BLE001 — one file must never lose the applicant
            log.exception("reading %s failed", f.source.path)
            out.errors.append(_failed(f, exc, None))
        log.info("read %s in %.1f s", f.source.path, time.monotonic() - started)
    return out


def _failed(f: LoadedFile, exc: Exception, page: int | None) -> FileError:
    return file_error(f.source.path, "READ_FAILED", type(exc).__name__, page).to_file_error()


def read_page(page: Page, router: ocr.OcrRouter) -> tuple[PageInfo, list[Flag]]:
    """One page, while its pixels are in memory: read, cues, class, fingerprint, forgery screen."""
    read = router.read(page)                                    # PageRead: text and boxes
    cues = classify.page_cues(page, read.ocr)                   # PageCues: card, MRZ, table, seals
    kind = classify.classify_page(read.ocr, cues)               # PageClass: doc type, side
    phash = (forensics.image_fingerprint(page.image)            # for corpus duplicates
             if kind.doc_type == DocType.QUALIFICATION_CERTIFICATE else None)
    flags = forensics.screen_page(page, read.ocr)               # tampering, text layer vs pixels
    return page_info(page, read, kind, cues, phash), flags


def page_info(page: Page, read: PageRead, kind: PageClass, cues: PageCues, phash: str | None) -> PageInfo:
    """The page's record in the case file (no pixels)."""
    src = page.file.source
    return PageInfo(file=src.path, file_sha256=src.sha256, page=page.number, width=page.image.width,
                    height=page.image.height, dpi=page.dpi, image_sha256=read.pixel_sha256, image_phash=phash,
                    has_text_layer=page.text_layer is not None, ocr=read.ocr, doc_type=kind.doc_type,
                    classification_confidence=kind.confidence, cues=cues, type_scores=kind.scores,
                    side=kind.side)


def _with_fields(doc: Document, page_infos: list[PageInfo]) -> Document:
    return doc.model_copy(update={"fields": extractors.extract(doc, page_infos)})


def _unreadable_flag(err: FileError) -> Flag:
    return make_flag("FILE_UNREADABLE", [Evidence(file=err.file, page=err.page or 1)],
                     reason_zh=err.message_zh, reason_en=err.message_en)
