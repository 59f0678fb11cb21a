"""The assessment stage: documents + pages + the certificate's catalogue match → an Assessment
(flags, materials, eligibility, the recommendation).

Reads like a table of contents: the policy rules (materials, catalogue, requested title,
work in Taizhou, validity), cross-document consistency, document-level forgery indicators and
page quality, then the recommendation from the rules in policy.yaml. It opens no file and
reads no image: a correction of a field can re-run it on the corrected documents alone.
"""

from __future__ import annotations

import logging
from datetime import date

from pipeline.checks.compare import compare_documents
from pipeline.checks.consistency import IDENTITY_ORDER, check_consistency
from pipeline.checks.data import PolicyData, load_policy
from pipeline.checks.documents import check_documents
from pipeline.checks.policy import (
    check_catalog,
    check_materials,
    check_requested_title,
    check_taizhou,
    check_validity,
    eligibility_from,
)
from pipeline.checks.view import CaseView, QualificationOutcome
from pipeline.core.codes import normalize_id
from pipeline.core.flags import make_flag
from pipeline.core.models import (
    Applicant,
    Comparison,
    DocType,
    Document,
    Evidence,
    Flag,
    MatchStatus,
    PageInfo,
    Qualification,
    Recommendation,
    Severity,
)
from pipeline.core.privacy import mask_id
from pipeline.core.stages import Assessment, CertificateMatch

log = logging.getLogger(__name__)

__all__ = ["assess", "compare", "load_policy", "recommend"]

_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def assess(documents: list[Document], pages: list[PageInfo], certificate: CertificateMatch,
           application_date: date, pre_flags: list[Flag] | None = None) -> Assessment:
    """Run every rule on one applicant's documents. `pre_flags` are what earlier stages found
    (forgery screens of files and pages, unreadable files); they count for the recommendation."""
    policy = load_policy()
    view = CaseView(documents=documents, application_date=application_date, policy=policy)
    cert = next((d for d in documents if d.doc_id == certificate.doc_id), None)
    if cert is not None:
        view.preferred[DocType.QUALIFICATION_CERTIFICATE] = cert
    match = certificate.match
    q = QualificationOutcome(
        status=(match.status if match is not None else MatchStatus.NO_MATCH) if cert is not None else None,
        entry=certificate.entry, title=view.value(cert, "title", gated=False),
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
    flags += quality_flags(pages, policy, documents)
    flags += list(pre_flags or [])
    return Assessment(applicant=applicant_summary(view), qualification=qualification_summary(view, certificate),
                      materials=materials, eligibility=eligibility_from(view, in_catalog, works, title_ok,
                                                                        series_ok, flags),
                      flags=flags, recommendation=recommend(flags, policy))


def compare(documents: list[Document]) -> Comparison:
    """The side-by-side table of what each document says (checks.compare)."""
    return compare_documents(documents, load_policy())


def qualification_summary(view: CaseView, certificate: CertificateMatch) -> Qualification:
    cert = view.first(DocType.QUALIFICATION_CERTIFICATE)
    q = Qualification(catalog_version=certificate.batch_id,
                      title_as_printed=view.value(cert, "title", gated=False),
                      issuer_as_printed=view.value(cert, "issuer", gated=False))
    match, entry = certificate.match, certificate.entry
    if match is None:
        return q
    q.status = match.status
    q.score = match.score
    q.candidates = list(match.candidates)
    if match.status == MatchStatus.MATCHED and entry is not None:
        q.catalog_id = entry.id
        q.catalog_name_en, q.catalog_name_zh = entry.name_en or None, entry.name_zh or None
        q.recognized_title = entry.title
        q.series = entry.series
    return q


# --------------------------------------------------------------------------- summaries


def applicant_summary(view: CaseView) -> Applicant:
    """Who the applicant is, from the identity document first and the form second. The document
    type and number are an Art. 5(1) identity document's (never a visa's own number); without
    one, the name and dates may still come from a visa or a foreign ID card."""
    ident = next((d for t in IDENTITY_ORDER for d in view.docs(t)), None)
    official = ident if ident is not None and ident.doc_type in view.policy.materials["identity"] else None
    form = view.first(DocType.APPLICATION_FORM)
    employer_doc = next((d for t in (DocType.APPLICATION_FORM, DocType.SOCIAL_INSURANCE_RECORD,
                                     DocType.LABOR_CONTRACT, DocType.WORK_PERMIT) for d in view.docs(t)
                         if view.value(d, "employer", gated=False)), None)

    def pick(name: str) -> str | None:
        return view.value(ident, name, gated=False) or view.value(form, name, gated=False)

    return Applicant(
        name=pick("name"), name_latin=view.value(ident, "name_latin", gated=False), sex=pick("sex"),
        birth_date=pick("birth_date"), id_type=str(official.doc_type) if official is not None else None,
        id_number_masked=mask_id(normalize_id(view.value(official, "id_number", gated=False)
                                              or view.value(form, "id_number", gated=False))),
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


def recommend(flags: list[Flag], policy: PolicyData | None = None) -> Recommendation:
    """First rule of policy.yaml's `recommendation` list that any flag satisfies."""
    policy = policy or load_policy()
    for rule in policy.recommendation:
        floor = _SEVERITY_RANK[rule.min_severity]
        for f in flags:
            if f.code in rule.codes:
                return rule.recommendation
            if f.category in rule.categories and _SEVERITY_RANK[Severity(f.severity)] >= floor:
                return rule.recommendation
    return policy.default_recommendation
