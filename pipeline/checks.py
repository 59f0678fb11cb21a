"""The assessment stage: documents + pages → a CaseFile with flags and a recommendation.

Reads like a table of contents: match the certificate against the catalogue, run the policy
rules (materials, eligibility, validity), cross-document consistency, document-level forgery
indicators and page quality, then pick the recommendation from the data in policy.yaml.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.flags import make_flag
from pipeline.models import (
    IDENTITY_DOC_TYPES,
    Applicant,
    CaseFile,
    CatalogMatch,
    DocType,
    Document,
    Evidence,
    FileError,
    Fingerprint,
    Flag,
    MatchStatus,
    PageInfo,
    Qualification,
    Recommendation,
    Severity,
    SourceFile,
    ToolVersions,
)
from pipeline.privacy import mask_id
from pipeline.rules_consistency import IDENTITY_ORDER, check_consistency
from pipeline.rules_document import check_documents, normalize_id
from pipeline.rules_policy import (
    CaseView,
    CatalogFacts,
    PolicyData,
    QualificationOutcome,
    check_catalog,
    check_materials,
    check_requested_title,
    check_taizhou,
    check_validity,
    eligibility_from,
    load_policy,
)

log = logging.getLogger(__name__)

_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
_STATUS_RANK = {MatchStatus.NO_MATCH: 0, MatchStatus.REVIEW: 1, MatchStatus.MATCHED: 2}


# --------------------------------------------------------------------------- entry point


def assess(*, case_id: str, source: str, documents: list[Document], pages: list[PageInfo],
           input_files: list[SourceFile], errors: list[FileError], pre_flags: list[Flag],
           application_date: date, catalog_file: Path | None) -> CaseFile:
    """Run every rule on one applicant's documents and build the case file."""
    policy = load_policy()
    view = CaseView(documents=documents, application_date=application_date, policy=policy)
    batch_id, match, entry = match_certificate(view, catalog_file)
    case = build_case(view, case_id=case_id, source=source, pages=pages, input_files=input_files,
                      errors=errors, pre_flags=pre_flags, match=match, entry=entry, batch_id=batch_id)
    log.info("case %s: %s, %d flags", case_id, case.recommendation, len(case.flags))
    return case


def build_case(view: CaseView, *, case_id: str, source: str, pages: list[PageInfo],
               input_files: list[SourceFile], errors: list[FileError], pre_flags: list[Flag],
               match: CatalogMatch | None, entry: CatalogFacts | None, batch_id: str | None) -> CaseFile:
    """Everything after the catalogue look-up; tests call it with hand-built matches."""
    cert = view.first(DocType.QUALIFICATION_CERTIFICATE)
    q = QualificationOutcome(
        status=(match.status if match is not None else MatchStatus.NO_MATCH) if cert is not None else None,
        entry=entry, title=view.value(cert, "title", gated=False),
        evidence=view.evidence(cert, "title"))
    materials, flags = check_materials(view)
    in_catalog, f = check_catalog(view, q)
    flags += f
    title_ok, series_ok, f = check_requested_title(view, q)
    flags += f
    works, f = check_taizhou(view)
    flags += f
    flags += check_validity(view)
    flags += check_consistency(view, q)
    flags += check_documents(view)
    flags += quality_flags(pages, view.policy, view.documents)
    flags += list(pre_flags)
    eligibility = eligibility_from(view, in_catalog, works, title_ok, series_ok, flags)
    return CaseFile(
        case_id=case_id, source=source, processed_at=datetime.now(UTC),
        applicant=applicant_summary(view), documents=view.documents,
        qualification=qualification_summary(view, match, entry, batch_id),
        materials=materials, eligibility=eligibility, flags=flags,
        recommendation=recommend(flags, view.policy), errors=list(errors), pages=list(pages),
        versions=tool_versions(batch_id), input_files=list(input_files), fingerprints=fingerprints(view, pages))


# --------------------------------------------------------------------------- catalogue


def match_certificate(view: CaseView, catalog_file: Path | None
                      ) -> tuple[str | None, CatalogMatch | None, CatalogFacts | None]:
    """Look each certificate up (title, issuer, whole page text) in the catalogue batch and
    keep the best; the rules then rely on that certificate (view.preferred)."""
    import catalog  # the catalogue package (engineer A)

    cat = catalog.load_catalog(catalog_file)
    batch_id = getattr(cat, "batch_id", None)
    best: tuple[tuple[int, float], Document, CatalogMatch] | None = None
    for cert in view.docs(DocType.QUALIFICATION_CERTIFICATE):
        title = view.value(cert, "title", gated=False) or ""
        issuer = view.value(cert, "issuer", gated=False)
        full_text = view.value(cert, "full_text", gated=False)
        if not (title or full_text):
            match = CatalogMatch(status=MatchStatus.REVIEW, catalog_id=None, score=0.0)
        else:
            try:
                match = catalog.get_matcher(catalog_file).match(title, issuer=issuer, full_text=full_text)
            except Exception as exc:  # noqa: BLE001 - one odd certificate must not stop the batch
                log.warning("catalogue look-up failed (%s): left for review", type(exc).__name__)
                match = CatalogMatch(status=MatchStatus.REVIEW, catalog_id=None, score=0.0)
        rank = (_STATUS_RANK[MatchStatus(match.status)], match.score)
        if best is None or rank > best[0]:
            best = (rank, cert, match)
    if best is None:
        return batch_id, None, None
    _, cert, match = best
    view.preferred[DocType.QUALIFICATION_CERTIFICATE] = cert
    cid = match.catalog_id if match.catalog_id is not None else (
        match.candidates[0].catalog_id if match.candidates else None)
    entry = CatalogFacts.from_entry(cat.entry(cid)) if cid is not None else None
    return batch_id, match, entry


def qualification_summary(view: CaseView, match: CatalogMatch | None, entry: CatalogFacts | None,
                          batch_id: str | None) -> Qualification:
    cert = view.first(DocType.QUALIFICATION_CERTIFICATE)
    q = Qualification(catalog_version=batch_id, title_as_printed=view.value(cert, "title", gated=False),
                      issuer_as_printed=view.value(cert, "issuer", gated=False))
    if match is None:
        return q
    q.status = match.status
    q.score = match.score
    q.candidates = list(match.candidates)
    if match.status == MatchStatus.MATCHED and entry is not None:
        q.catalog_id = entry.id
        q.recognized_title = entry.title
        q.series = entry.series
    return q


# --------------------------------------------------------------------------- summaries


def applicant_summary(view: CaseView) -> Applicant:
    """Who the applicant is, from the identity document first and the form second."""
    ident = next((d for t in IDENTITY_ORDER for d in view.docs(t)), None)
    form = view.first(DocType.APPLICATION_FORM)
    employer_doc = next((d for t in (DocType.APPLICATION_FORM, DocType.SOCIAL_INSURANCE_RECORD,
                                     DocType.LABOR_CONTRACT, DocType.WORK_PERMIT) for d in view.docs(t)
                         if view.value(d, "employer", gated=False)), None)

    def pick(name: str) -> str | None:
        return view.value(ident, name, gated=False) or view.value(form, name, gated=False)

    return Applicant(
        name=pick("name"), name_latin=view.value(ident, "name_latin", gated=False), sex=pick("sex"),
        birth_date=pick("birth_date"), id_type=str(ident.doc_type) if ident is not None else None,
        id_number_masked=mask_id(normalize_id(pick("id_number"))),
        nationality=view.value(ident, "nationality", gated=False)
        or ("CHN" if ident is not None and ident.doc_type == DocType.RESIDENT_ID_CARD else None),
        employer=view.value(employer_doc, "employer", gated=False))


def quality_flags(pages: list[PageInfo], policy: PolicyData, documents: list[Document] | None = None
                  ) -> list[Flag]:
    """UNCLASSIFIED_PAGE (unless grouped into a known document, e.g. a contract's clause page),
    PAGE_UNREADABLE, LOW_OCR_CONFIDENCE."""
    grouped = {(f.path, n) for d in documents or [] if d.doc_type != DocType.UNKNOWN for f in d.files for n in f.pages}
    flags: list[Flag] = []
    for p in pages:
        ev = [Evidence(file=p.file, page=p.page)]
        text = (p.ocr.text if p.ocr is not None else "").strip()
        if not text:
            flags.append(make_flag("PAGE_UNREADABLE", ev))
            continue
        if p.doc_type == DocType.UNKNOWN and (p.file, p.page) not in grouped:
            flags.append(make_flag("UNCLASSIFIED_PAGE", ev))
        if (p.ocr is not None and p.ocr.engine != "text_layer"
                and p.ocr.mean_conf < policy.thresholds.low_ocr_confidence):
            flags.append(make_flag("LOW_OCR_CONFIDENCE", ev, conf=f"{p.ocr.mean_conf:.2f}"))
    return flags


def recommend(flags: list[Flag], policy: PolicyData) -> Recommendation:
    """First rule of policy.yaml's `recommendation` list that any flag satisfies."""
    for rule in policy.recommendation:
        floor = _SEVERITY_RANK[rule.min_severity]
        for f in flags:
            if f.code in rule.codes:
                return rule.recommendation
            if f.category in rule.categories and _SEVERITY_RANK[Severity(f.severity)] >= floor:
                return rule.recommendation
    return policy.default_recommendation


def fingerprints(view: CaseView, pages: list[PageInfo]) -> list[Fingerprint]:
    """Values the bulk store compares across applicants (duplicate certificates and images)."""
    out: list[Fingerprint] = []
    for cert in view.docs(DocType.QUALIFICATION_CERTIFICATE):
        holder = view.value(cert, "holder_name", gated=False)
        number = view.value(cert, "certificate_number", gated=False)
        if number:
            ev = view.evidence(cert, "certificate_number")
            out.append(Fingerprint(kind="cert_number", value=number.strip(), holder_name=holder,
                                   evidence=ev[0] if ev else None))
        wanted = {(df.path, p) for df in cert.files for p in df.pages}
        for p in pages:
            if (p.file, p.page) in wanted and p.image_phash:
                out.append(Fingerprint(kind="cert_image", value=p.image_phash, holder_name=holder,
                                       evidence=Evidence(file=p.file, page=p.page)))
    for doc in view.docs(*IDENTITY_DOC_TYPES):
        number = normalize_id(view.value(doc, "id_number", gated=False))
        if number:
            ev = view.evidence(doc, "id_number")
            out.append(Fingerprint(kind="id_number", value=number,
                                   holder_name=view.value(doc, "name", gated=False)
                                   or view.value(doc, "name_latin", gated=False),
                                   evidence=ev[0] if ev else None))
    return out


def tool_versions(batch_id: str | None) -> ToolVersions:
    """credcase, OCR engines (asked of pipeline.ocr — only it talks to the engines) and the
    catalogue batch."""
    engines: dict[str, Any] = {}
    try:
        from pipeline import ocr

        got = ocr.engine_versions()  # type: ignore[attr-defined]
        engines = dict(got) if got else {}
    except Exception:  # noqa: BLE001 - a missing helper must not stop the case
        engines = {}
    return ToolVersions(credcase=__version__, tesseract=_s(engines.get("tesseract")),
                        rapidocr=_s(engines.get("rapidocr")), catalog_batch=batch_id)


def _s(v: Any) -> str | None:
    return None if v is None else str(v)
