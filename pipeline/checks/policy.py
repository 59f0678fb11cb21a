"""The policy's rules (Arts. 1, 2, 5, 6 of 泰职办〔2022〕30号): materials, eligibility, validity,
and the policy data they read (pipeline/data/policy.yaml: titles, series, Taizhou's places and
division codes, materials per Art. 5 item, thresholds, recommendation rules: checks/data.py)."""

from __future__ import annotations

import re
from datetime import date

from pipeline.checks.data import PolicyData, TitleSpec
from pipeline.checks.view import CaseView, QualificationOutcome
from pipeline.core.flags import make_flag
from pipeline.core.models import (
    DocType,
    Document,
    Eligibility,
    Evidence,
    Flag,
    MatchStatus,
    Materials,
    MaterialStatus,
    Recommendation,
)
from pipeline.core.text import has_han

# --------------------------------------------------------------------------- small helpers


def canonical_title(text: str | None, policy: PolicyData) -> TitleSpec | None:
    if not text:
        return None
    t = re.sub(r"\s+", "", text)
    # longest spelling first: 高级工程师 must not be read as 工程师
    spellings = sorted(((s, spec) for spec in policy.titles for s in [spec.name, *spec.aliases]),
                       key=lambda p: -len(p[0]))
    for s, spec in spellings:
        if re.sub(r"\s+", "", s).lower() in t.lower():
            return spec
    return None


def is_senior_title(text: str | None, policy: PolicyData) -> bool:
    if not text:
        return False
    spec = canonical_title(text, policy)
    if spec is not None and spec.senior:
        return True
    return any(m.lower() in text.lower() for m in policy.senior_markers)


def canonical_series(text: str | None, policy: PolicyData) -> str | None:
    if not text:
        return None
    t = re.sub(r"\s+", "", text)
    spellings = sorted(((s, spec.name) for spec in policy.series for s in [spec.name, *spec.aliases]),
                       key=lambda p: -len(p[0]))
    for s, name in spellings:
        if s in t:
            return name
    return None


def is_taizhou(text: str | None, policy: PolicyData) -> bool | None:
    """True: names Taizhou; False: names somewhere (a place we can read) that is not Taizhou;
    None: nothing to say."""
    if not text:
        return None
    compact = re.sub(r"\s+", "", text)
    if any(n in compact for n in policy.taizhou.not_places):
        return False
    if any(p.replace(" ", "") in compact for p in policy.taizhou.places):
        return True
    if any(code in compact for code in policy.taizhou.division_codes):
        return True
    return False


def is_chinese_nationality(text: str | None, policy: PolicyData) -> bool | None:
    if not text:
        return None
    t = text.strip().upper()
    if any(t == c.upper() for c in policy.nationality.hk_macao_taiwan):
        return True  # not a foreigner for Art. 5(4)
    return any(t == c.upper() or c.upper() in t for c in policy.nationality.chinese)


# --------------------------------------------------------------------------- materials (Art. 5)

_GAP_FLAG = {
    "identity": "MISSING_IDENTITY_DOCUMENT",
    "education": "MISSING_EDUCATION_CERTIFICATE",
    "overseas_degree_certification": "MISSING_OVERSEAS_DEGREE_CERTIFICATION",
    "qualification_certificate": "MISSING_QUALIFICATION_CERTIFICATE",
    "employment_proof": "MISSING_EMPLOYMENT_PROOF",
    "work_permit": "MISSING_WORK_PERMIT",
    "application_form": "MISSING_APPLICATION_FORM",
}

def degree_is_foreign(view: CaseView) -> bool:
    """A foreign degree: an education document naming another country, or printed in a
    foreign language (no Chinese at all in its institution/name/level)."""
    for doc in view.docs(DocType.DIPLOMA, DocType.DEGREE_CERTIFICATE):
        country = view.value(doc, "country", gated=False)
        if country:
            chinese = is_chinese_nationality(country, view.policy)
            if chinese is False:
                return True
            if chinese:
                continue
        texts = [t for n in ("institution", "level", "major") if (t := view.value(doc, n, gated=False))]
        if texts and not any(has_han(t) for t in texts):
            return True
    return False


def applicant_is_foreigner(view: CaseView) -> bool:
    """Foreign national: no Chinese ID card or HK/Macao/Taiwan permit (their holders need no
    work permit), and a passport or work permit of another nationality — or, with no identity
    document at all, a form that gives a passport and a name in Latin letters only."""
    if view.docs(DocType.RESIDENT_ID_CARD, DocType.HK_MACAO_PERMIT, DocType.TAIWAN_PERMIT):
        return False
    for doc in view.docs(DocType.PASSPORT, DocType.WORK_PERMIT, DocType.VISA, DocType.FOREIGN_ID_CARD):
        if is_chinese_nationality(view.value(doc, "nationality", gated=False), view.policy) is False:
            return True
    if view.docs(DocType.PASSPORT) or view.docs(DocType.WORK_PERMIT):
        return False
    form = view.first(DocType.APPLICATION_FORM)
    id_type = (view.value(form, "id_type", gated=False) or "").lower()
    name = view.value(form, "name", gated=False) or ""
    return ("护照" in id_type or "passport" in id_type) and bool(name) and not has_han(name)


def check_materials(view: CaseView) -> tuple[Materials, list[Flag]]:
    present = {k: bool(view.docs(*types)) for k, types in view.policy.materials.items()}
    status: dict[str, MaterialStatus] = {}
    for key in Materials.model_fields:
        required = True
        if key == "overseas_degree_certification":
            # Art. 5(2): 留学回国人员 — Chinese returnees; a foreign national's own degree needs none
            required = degree_is_foreign(view) and not applicant_is_foreigner(view)
        elif key == "work_permit":
            required = applicant_is_foreigner(view)
        if present.get(key):
            status[key] = MaterialStatus.PRESENT
        elif required:
            status[key] = MaterialStatus.MISSING
        else:
            status[key] = MaterialStatus.NOT_REQUIRED
    flags = [make_flag(_GAP_FLAG[k]) for k, s in status.items() if s == MaterialStatus.MISSING]
    form = view.first(DocType.APPLICATION_FORM)
    if form is not None and view.bool_value(form, "unit_seal_present") is False:
        flags.append(make_flag("MISSING_UNIT_SEAL", view.evidence(form, "unit_seal_present")))
    return Materials(**status), flags


# --------------------------------------------------------------------------- eligibility (Arts. 1, 2, 6)


def check_catalog(view: CaseView, q: QualificationOutcome) -> tuple[bool | None, list[Flag]]:
    if q.status is None:
        return None, []
    if q.status == MatchStatus.MATCHED and q.entry is not None:
        return True, []
    if q.status == MatchStatus.REVIEW or not q.title:
        cid = q.entry.id if q.entry is not None else "?"
        return None, [make_flag("QUALIFICATION_NEEDS_REVIEW", q.evidence, title=q.title or "?", catalog_id=cid)]
    return False, [make_flag("QUALIFICATION_NOT_IN_CATALOG", q.evidence, title=q.title)]


def check_requested_title(view: CaseView, q: QualificationOutcome
                          ) -> tuple[bool | None, bool | None, list[Flag]]:
    """Senior titles are refused (Art. 6(1)); otherwise no higher title and no other series
    than the catalogue entry grants (Appendix 1)."""
    form = view.first(DocType.APPLICATION_FORM)
    requested = view.value(form, "requested_title")
    req_series_text = view.value(form, "requested_series")
    flags: list[Flag] = []
    title_ok: bool | None = None
    series_ok: bool | None = None
    if requested and is_senior_title(requested, view.policy):
        flags.append(make_flag("SENIOR_TITLE_NOT_SUPPORTED", view.evidence(form, "requested_title"),
                               requested=requested))
        title_ok = False
    entry = q.entry if q.status == MatchStatus.MATCHED else None
    if entry is not None and requested and title_ok is None:
        want = canonical_title(requested, view.policy)
        allowed = canonical_title(entry.title, view.policy)
        if want is not None and allowed is not None:
            title_ok = want.rank <= allowed.rank
            if not title_ok:
                flags.append(make_flag("REQUESTED_TITLE_EXCEEDS_CATALOG", view.evidence(form, "requested_title"),
                                       requested=want.name, allowed=allowed.name))
    if entry is not None and req_series_text:
        want_s = canonical_series(req_series_text, view.policy)
        allowed_s = canonical_series(entry.series, view.policy) or entry.series
        if want_s is not None and allowed_s:
            series_ok = want_s == allowed_s
            if not series_ok:
                flags.append(make_flag("REQUESTED_SERIES_MISMATCH", view.evidence(form, "requested_series"),
                                       requested=want_s, allowed=allowed_s))
    return title_ok, series_ok, flags


# Where work in Taizhou shows: (doc types, field) — household registration never counts.
_WORK_PLACE_FIELDS: list[tuple[tuple[DocType, ...], str]] = [
    ((DocType.SOCIAL_INSURANCE_RECORD,), "insured_place"),
    ((DocType.LABOR_CONTRACT,), "work_location"),
    ((DocType.SOCIAL_INSURANCE_RECORD, DocType.LABOR_CONTRACT, DocType.WORK_PERMIT,
      DocType.APPLICATION_FORM), "employer"),
]


def check_taizhou(view: CaseView) -> tuple[bool | None, list[Flag]]:
    """Art. 2: work in Taizhou, shown by the insured place, employer or work location. Any
    Taizhou evidence suffices; the flag fires only when the evidence names somewhere else, or
    employment proof exists with no Taizhou evidence at all."""
    seen_taizhou = False
    elsewhere: list[tuple[str, list[Evidence]]] = []
    for types, name in _WORK_PLACE_FIELDS:
        for doc in view.docs(*types):
            text = view.value(doc, name, gated=False)
            verdict = is_taizhou(text, view.policy)
            if verdict:
                seen_taizhou = True
            elif verdict is False and name != "employer" and text:
                # a company name without a city says nothing; a place that is not Taizhou does
                elsewhere.append((text, view.evidence(doc, name)))
    if seen_taizhou:
        return True, []
    proof = view.docs(DocType.SOCIAL_INSURANCE_RECORD, DocType.LABOR_CONTRACT)
    if not elsewhere and not proof:
        return None, []
    where = "、".join(t for t, _ in elsewhere) or "未见泰州 / no Taizhou place"
    ev = [e for _, evs in elsewhere for e in evs] or view.evidence(proof[0])
    return False, [make_flag("NOT_EMPLOYED_IN_TAIZHOU", ev, where=where)]


# --------------------------------------------------------------------------- validity


def _expired(view: CaseView, doc: Document, name: str) -> date | None:
    d = view.date_value(doc, name)
    if d is None or d >= view.application_date:
        return None
    years = (view.application_date - d).days / 365.25
    return d if years <= view.policy.thresholds.max_years_expired else None


def verified_mrz_expiry(view: CaseView, doc: Document) -> date | None:
    """The expiry date a document's MRZ gives when the MRZ's check digit for it verifies (the
    zone was read, and `expiry_date` is not among mrz_failed_checks; without that list, the
    whole zone must be valid). A check digit is the verification: neither the OCR confidence of
    the zone nor the misread guard (max_years_expired) applies to it."""
    valid = view.bool_value(doc, "mrz_valid")
    if valid is None:
        return None
    failed = view.field(doc, "mrz_failed_checks")
    if failed is not None:
        if "expiry_date" in str(failed.value or "").split(","):
            return None
    elif not valid:
        return None
    return view.date_value(doc, "mrz_expiry_date", gated=False)


def _document_expired(view: CaseView, doc: Document) -> tuple[date | None, str]:
    """(expiry if expired, the field it was read from): the MRZ's verified expiry when there is
    one — a passport that expired long ago is expired whatever the printed zone was read as —
    else the printed valid_until (gated, and a date beyond max_years_expired taken as a misread)."""
    d = verified_mrz_expiry(view, doc)
    if d is not None:
        return (d if d < view.application_date else None), "mrz_expiry_date"
    return _expired(view, doc, "valid_until"), "valid_until"


def check_validity(view: CaseView) -> list[Flag]:
    """Certificate, identity document and work permit valid on the application date. An
    applicant with several identity documents is fine when one of them is still valid; only
    the documents that satisfy Art. 5(1) count (a valid visa does not renew a passport)."""
    flags: list[Flag] = []
    cert = view.first(DocType.QUALIFICATION_CERTIFICATE)  # the one the catalogue look-up used
    d = _expired(view, cert, "expiry_date") if cert is not None else None
    if cert is not None and d:
        flags.append(make_flag("QUALIFICATION_EXPIRED", view.evidence(cert, "expiry_date"), date=d.isoformat()))
    for types, code in ((tuple(view.policy.materials["identity"]), "IDENTITY_DOCUMENT_EXPIRED"),
                        ((DocType.WORK_PERMIT,), "WORK_PERMIT_EXPIRED")):
        docs = view.docs(*types)
        expired = [(doc, *_document_expired(view, doc)) for doc in docs]
        if docs and all(d for _, d, _ in expired):
            doc, d, source = expired[0]
            assert d is not None
            flags.append(make_flag(code, view.evidence(doc, source), date=d.isoformat()))
    return flags


def eligibility_from(view: CaseView, in_catalog: bool | None, works: bool | None, title_ok: bool | None,
                     series_ok: bool | None, flags: list[Flag]) -> Eligibility:
    ineligible = next(r for r in view.policy.recommendation if r.recommendation == Recommendation.INELIGIBLE)
    blocking = [f for f in flags if f.code in ineligible.codes]
    eligible: bool | None
    if blocking:
        eligible = False
    elif in_catalog and works is not False and title_ok is not False and series_ok is not False:
        eligible = True
    else:
        eligible = None
    reasons = [f"{f.message_zh} / {f.message_en}" for f in flags if f.category == "policy"]
    return Eligibility(eligible=eligible, in_catalog=in_catalog, works_in_taizhou=works,
                       requested_title_ok=title_ok, requested_series_ok=series_ok,
                       application_date=view.application_date.isoformat(), reasons=reasons)
