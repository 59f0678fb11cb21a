"""The comparison table: what each document says about the applicant, side by side, each value
judged against the first one by the same rules the consistency checks use (names across
scripts, ID numbers without spaces, employer spellings). The report and the workspace render
it from the case file; neither compares anything itself."""

from __future__ import annotations

from pipeline.checks.consistency import normalize_employer
from pipeline.checks.data import PolicyData
from pipeline.core.codes import normalize_id
from pipeline.core.models import ComparedField, ComparedValue, Comparison, DocType, Document
from pipeline.core.names import same_name

COMPARE_FIELDS = ("name", "name_latin", "sex", "birth_date", "id_number", "nationality", "employer", "valid_until")
COLUMNS: tuple[DocType, ...] = (
    DocType.APPLICATION_FORM, DocType.RESIDENT_ID_CARD, DocType.PASSPORT, DocType.HK_MACAO_PERMIT,
    DocType.TAIWAN_PERMIT, DocType.FOREIGN_ID_CARD, DocType.VISA, DocType.SOCIAL_INSURANCE_RECORD, DocType.LABOR_CONTRACT, DocType.WORK_PERMIT,
    DocType.QUALIFICATION_CERTIFICATE, DocType.DIPLOMA, DocType.DEGREE_CERTIFICATE,
    DocType.OVERSEAS_DEGREE_CERTIFICATION)
_ALIASES = {"name": ("name", "holder_name")}  # the certificate calls its holder holder_name


def _cell(doc: Document, field: str) -> tuple[str | None, float]:
    for name in _ALIASES.get(field, (field,)):
        f = doc.fields.get(name)
        if f is not None and f.value not in (None, ""):
            return str(f.value), f.confidence
    return None, 0.0


def same_value(field: str, a: str, b: str, policy: PolicyData) -> bool:
    """Do two printed values of `field` say the same thing?"""
    if field in ("name", "name_latin"):
        return same_name(a, b) is not False
    if field == "id_number":
        return normalize_id(a) == normalize_id(b)
    if field == "employer":
        return normalize_employer(a, policy) == normalize_employer(b, policy)
    return a.strip().upper() == b.strip().upper()


def compare_documents(documents: list[Document], policy: PolicyData) -> Comparison:
    docs = [d for t in COLUMNS for d in documents if d.doc_type == t]
    rows: list[ComparedField] = []
    for field in COMPARE_FIELDS:
        cells = [(d, *_cell(d, field)) for d in docs]
        ref = next((v for _, v, _ in cells if v), None)
        if ref is None:
            continue
        rows.append(ComparedField(field=field, values=[
            ComparedValue(doc_id=d.doc_id, value=v, confidence=conf, agrees=same_value(field, ref, v, policy))
            for d, v, conf in cells if v is not None]))
    return Comparison(documents=[d.doc_id for d in docs], rows=rows)
