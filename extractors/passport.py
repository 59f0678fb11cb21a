"""Passport data page: the printed (visual) zone and the MRZ, read separately and compared.

Fields (DESIGN names): name (Chinese if printed, else the Latin name), name_latin
("SURNAME, GIVEN NAMES"), sex, birth_date, id_number (passport number), nationality,
valid_until, mrz_valid; plus the MRZ's own reading (mrz_format, mrz_number, mrz_name,
mrz_birth_date, mrz_expiry_date, mrz_sex, mrz_nationality, mrz_issuing_state,
mrz_failed_checks) and the comparison: mrz_visual_mismatch (bool) with
mrz_visual_mismatch_fields ("birth_date,id_number", ...) — a forged printed zone over an
original MRZ shows there (MRZ_VISUAL_MISMATCH) — and mrz_visual_uncertain_fields, the
disagreements that are a reading question, not a finding: a printed value read with low
confidence, an implausible printed name (a label word taken for it), a difference OCR slips
explain, or an MRZ field whose own check fails (MRZ_VISUAL_UNCERTAIN). Thresholds:
extractors/data/mrz.yaml `visual`.

Which value is reported: the printed one when it was read; the MRZ's when the printed one was
not read, or disagrees only as a reading question (the printed one then kept as
<field>_printed), and the MRZ check digit for that field passes (for the name and sex: every
check of the zone).
"""

from __future__ import annotations

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.mrz_document import read_mrz_document
from pipeline.core.models import DocType, ExtractedField

DT = "passport"


@register(DocType.PASSPORT)
def extract_passport(ctx: DocContext) -> dict[str, ExtractedField]:
    return read_mrz_document(ctx, DT)
