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
from pipeline.core.labels import doc_label, label
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


# Passport visual-zone fields and their MRZ counterparts (the names the passport extractor
# writes), with the MRZ check digit that covers each (None: the zone's validity stands for it).
_MRZ_PAIRS: dict[str, tuple[str, str | None]] = {
    "id_number": ("mrz_number", "number"), "birth_date": ("mrz_birth_date", "birth_date"),
    "valid_until": ("mrz_expiry_date", "expiry_date"), "sex": ("mrz_sex", None), "name_latin": ("mrz_name", None)}
# compared when the extractor gave no verdict (hand-built or corrected documents): not the name,
# whose comparison needs the extractor's OCR-slip rules
_FALLBACK_PAIRS = ("id_number", "birth_date", "valid_until", "sex")


def _plain(v: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", v.upper())


# Documents whose MRZ the extractors verify (mrz_valid: the check digits their format has — a
# visa has no composite digit, so none is asked of it).
MRZ_DOCS = (DocType.PASSPORT, DocType.VISA, DocType.FOREIGN_ID_CARD)


def _shown(field: str, value: str | None) -> str:
    return (mask_id(value) if field == "id_number" else value) or "—"


def _side_by_side(view: CaseView, doc: Document, fields: list[str]) -> tuple[str, str]:
    """'外文姓名：印刷区 LIN, MEI HUA，机读区 LIN, MEIHUA' and its English: each field's printed
    and MRZ values, as read (document numbers masked)."""
    zh: list[str] = []
    en: list[str] = []
    for name in fields:
        mrz_key = _MRZ_PAIRS.get(name, (f"mrz_{name}", None))[0]
        # the extractor keeps a misread printed value as <field>_printed, the MRZ's reported
        printed = _shown(name, view.value(doc, f"{name}_printed", gated=False) or view.value(doc, name, gated=False))
        machine = _shown(name, view.value(doc, mrz_key, gated=False))
        lab = label("fields", name)
        zh.append(f"{lab.zh if lab else name}：印刷区 {printed}，机读区 {machine}")
        en.append(f"{lab.en if lab else name}: printed {printed}, MRZ {machine}")
    return "；".join(zh), "; ".join(en)


def _listed(view: CaseView, doc: Document, name: str) -> list[str]:
    text = view.value(doc, name, gated=False) or ""
    return [f for f in (x.strip() for x in text.split(",")) if f]


def check_mrz(view: CaseView) -> list[Flag]:
    """MRZ_CHECK_DIGIT_INVALID; MRZ_VISUAL_MISMATCH (forgery) for the disagreements the
    extractor found certain; MRZ_VISUAL_UNCERTAIN (a reviewer's question) for the others — a
    low-confidence or implausible printed read, an OCR slip, an MRZ field whose check fails.
    Without the extractor's verdict, a disagreement is a finding only when both values were read
    with mrz_visual_min_confidence and the MRZ field's check is not listed as failed."""
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
            certain, unsure = _listed(view, doc, "mrz_visual_mismatch_fields"), _listed(
                view, doc, "mrz_visual_uncertain_fields")
            v = mismatch.value
            if v not in (None, False, "", [], "false", "False"):
                zh, en = _side_by_side(view, doc, certain)
                other = v if isinstance(v, str) else "MRZ ≠ VIZ"
                flags.append(make_flag("MRZ_VISUAL_MISMATCH", view.evidence(doc, "mrz_visual_mismatch"),
                                       detail_zh=zh or other, detail_en=en or other,
                                       document_zh=doc_zh, document_en=doc_en))
        else:
            certain, unsure = [], []
            failed = set(_listed(view, doc, "mrz_failed_checks"))
            high = view.policy.thresholds.mrz_visual_min_confidence
            for visual in _FALLBACK_PAIRS:
                mrz_key, check = _MRZ_PAIRS[visual]
                a, b = view.field(doc, visual), view.field(doc, mrz_key)
                va, vb = view.value(doc, visual), view.value(doc, mrz_key)
                if a is None or b is None or not va or not vb or _plain(va) == _plain(vb):
                    continue
                sure = min(a.confidence, b.confidence) >= high and not (check and check in failed)
                (certain if sure else unsure).append(visual)
            if certain:
                zh, en = _side_by_side(view, doc, certain)
                flags.append(make_flag("MRZ_VISUAL_MISMATCH", view.evidence(doc, *_FALLBACK_PAIRS),
                                       detail_zh=zh, detail_en=en, document_zh=doc_zh, document_en=doc_en))
        if unsure:
            zh, en = _side_by_side(view, doc, unsure)
            flags.append(make_flag("MRZ_VISUAL_UNCERTAIN",
                                   view.evidence(doc, *unsure, *(_MRZ_PAIRS[u][0] for u in unsure if u in _MRZ_PAIRS)),
                                   detail_zh=zh, detail_en=en, document_zh=doc_zh, document_en=doc_en))
    return flags


def check_documents(view: CaseView) -> list[Flag]:
    return check_id_numbers(view) + check_mrz(view)
