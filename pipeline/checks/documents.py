"""Forgery indicators inside one document, read from its extracted fields.

The extractors verify what they read — the GB 11643 check character and region code of an
18-character ID number, the ICAO 9303 check digits, MRZ vs printed zone — and store the
verdicts as fields (id_checksum_valid, id_region_known, mrz_valid, mrz_visual_mismatch).
This module turns those verdicts into flags; where a verdict field is missing (a number read
from a form or a contract) it asks pipeline.core.codes.
"""

from __future__ import annotations

import re

from pipeline.checks.view import CaseView
from pipeline.core.codes import ID18, id_checksum_ok, normalize_id
from pipeline.core.flags import make_flag
from pipeline.core.labels import doc_label
from pipeline.core.models import DocType, Document, Evidence, Flag
from pipeline.core.privacy import mask_id
from pipeline.core.regions import region_info

# Documents that may hold a resident ID number, and the field it is in.
ID_NUMBER_DOCS: tuple[DocType, ...] = (DocType.RESIDENT_ID_CARD, DocType.SOCIAL_INSURANCE_RECORD,
                                       DocType.LABOR_CONTRACT, DocType.APPLICATION_FORM)


def resident_id_numbers(view: CaseView) -> list[tuple[Document, str]]:
    """(document, normalised 18-char number) for every confidently read resident ID number."""
    out: list[tuple[Document, str]] = []
    for doc in view.docs(*ID_NUMBER_DOCS):
        n = normalize_id(view.value(doc, "id_number"))
        if n and ID18.match(n):
            out.append((doc, n))
    return out


def one_char_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def ocr_slip(number: str, others: list[str]) -> bool:
    """Judgement call: a number failing its check character while another document shows a
    valid number one character away is read as an OCR slip, not as an altered number (an
    altered number is printed the same on every document the applicant made)."""
    return id_checksum_ok(number) is False and any(
        one_char_apart(number, o) and id_checksum_ok(o) for o in others)


def check_id_numbers(view: CaseView) -> list[Flag]:
    """ID_NUMBER_CHECKSUM_INVALID / ID_NUMBER_REGION_UNKNOWN, once per distinct number."""
    bad_sum: dict[str, list[Evidence]] = {}
    bad_region: dict[str, list[Evidence]] = {}
    found = resident_id_numbers(view)
    all_numbers = [n for _, n in found]
    for doc, number in found:
        ev = view.evidence(doc, "id_number")
        verdict = view.bool_value(doc, "id_checksum_valid")
        if verdict is None:
            verdict = id_checksum_ok(number)
        if verdict is False and not ocr_slip(number, all_numbers):
            bad_sum.setdefault(number, []).extend(ev)
        region = view.bool_value(doc, "id_region_known")
        if region is None:
            region = region_info(number[:6]).known
        if region is False:
            bad_region.setdefault(number, []).extend(ev)
    flags = [make_flag("ID_NUMBER_CHECKSUM_INVALID", ev, number=mask_id(n)) for n, ev in bad_sum.items()]
    flags += [make_flag("ID_NUMBER_REGION_UNKNOWN", ev, number=mask_id(n), region=n[:6])
              for n, ev in bad_region.items()]
    return flags


# Passport visual-zone fields and their MRZ counterparts (when the extractor gave no verdict field).
_MRZ_PAIRS = {"id_number": "mrz_number", "birth_date": "mrz_birth_date", "valid_until": "mrz_expiry_date",
              "sex": "mrz_sex"}


def _plain(v: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", v.upper())


# Documents whose MRZ the extractors verify (mrz_valid: the check digits their format has — a
# visa has no composite digit, so none is asked of it).
MRZ_DOCS = (DocType.PASSPORT, DocType.VISA, DocType.FOREIGN_ID_CARD)


def check_mrz(view: CaseView) -> list[Flag]:
    flags: list[Flag] = []
    for doc in view.docs(*MRZ_DOCS):
        lab = doc_label(doc.doc_type)
        doc_zh, doc_en = lab.zh, lab.en[:1].upper() + lab.en[1:]
        if view.bool_value(doc, "mrz_valid") is False:
            f = view.field(doc, "mrz_valid")
            detail = (view.value(doc, "mrz_failed_checks", gated=False)
                      or (f.raw if f is not None and f.raw and f.raw.lower() != "false" else None) or "MRZ")
            flags.append(make_flag("MRZ_CHECK_DIGIT_INVALID", view.evidence(doc, "mrz_valid", "mrz"),
                                   detail=detail, document_zh=doc_zh, document_en=doc_en))
        mismatch = view.field(doc, "mrz_visual_mismatch")
        if mismatch is not None:
            v = mismatch.value
            if v not in (None, False, "", [], "false", "False"):
                detail = (view.value(doc, "mrz_visual_mismatch_fields", gated=False)
                          or (v if isinstance(v, str) else "MRZ ≠ VIZ"))
                flags.append(make_flag("MRZ_VISUAL_MISMATCH", view.evidence(doc, "mrz_visual_mismatch"),
                                       detail=detail, document_zh=doc_zh, document_en=doc_en))
            continue
        diffs = []
        for visual, mrz in _MRZ_PAIRS.items():
            a, b = view.value(doc, visual), view.value(doc, mrz)
            if a and b and _plain(a) != _plain(b):
                diffs.append(f"{visual}: {a if visual != 'id_number' else mask_id(a)} ≠ "
                             f"{b if visual != 'id_number' else mask_id(b)}")
        if diffs:
            flags.append(make_flag("MRZ_VISUAL_MISMATCH", view.evidence(doc, *_MRZ_PAIRS), detail="; ".join(diffs),
                                   document_zh=doc_zh, document_en=doc_en))
    return flags


def check_documents(view: CaseView) -> list[Flag]:
    return check_id_numbers(view) + check_mrz(view)
