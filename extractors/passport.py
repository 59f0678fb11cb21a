"""Passport data page: the printed (visual) zone and the MRZ, read separately and compared.

Fields (DESIGN names): name (Chinese if printed, else the Latin name), name_latin
("SURNAME, GIVEN NAMES"), sex, birth_date, id_number (passport number), nationality,
valid_until, mrz_valid; plus the MRZ's own reading (mrz_format, mrz_number, mrz_name,
mrz_birth_date, mrz_expiry_date, mrz_sex, mrz_nationality, mrz_issuing_state,
mrz_failed_checks) and the comparison: mrz_visual_mismatch (bool) with
mrz_visual_mismatch_fields ("birth_date,id_number", ...) — a forged printed zone over an
original MRZ shows there (MRZ_VISUAL_MISMATCH).

Which value is reported: the printed one when it was read; the MRZ's when the printed one was
not read and the MRZ check digit for that field passes.
"""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.mrz_document import read_mrz_document
from pipeline.core.models import DocType, ExtractedField
from pipeline.core.names import latin_names_match, latin_tokens

DT = "passport"


def compare_mrz_visual(out: dict[str, ExtractedField]) -> list[str]:
    """Fields where the printed zone and the MRZ disagree (both read)."""
    pairs = [("id_number", "mrz_number"), ("birth_date", "mrz_birth_date"), ("valid_until", "mrz_expiry_date"),
             ("sex", "mrz_sex")]
    bad: list[str] = []
    for vis, mrz in pairs:
        a, b = out.get(vis), out.get(mrz)
        if a is None or b is None or a.value in (None, "") or b.value in (None, ""):
            continue
        if a.method.startswith("mrz"):
            continue  # the visual field was filled from the MRZ: nothing to compare
        if str(a.value).replace(" ", "").upper() != str(b.value).replace(" ", "").upper():
            bad.append(vis)
    a, b = out.get("name_latin"), out.get("mrz_name")
    if (a and b and a.value and b.value and not a.method.startswith("mrz")
            and not _same_name_but_one_slip(str(a.value), str(b.value))):
        bad.append("name_latin")
    return bad


MRZ_NAME_SLIP_MIN_LETTERS = 8  # names at least this long may differ by one OCR slip (JIONES ~ JONES)


def _same_name_but_one_slip(visual: str, mrz: str) -> bool:
    """The printed name against the MRZ's: same tokens, or one inserted/dropped/misread letter
    in a long name (OCR-B is read with slips; a forged name differs by more)."""
    if latin_names_match(visual, mrz):
        return True
    ta, tb = sorted(latin_tokens(visual)), sorted(latin_tokens(mrz))
    if len(ta) != len(tb) or sum(map(len, ta)) < MRZ_NAME_SLIP_MIN_LETTERS:
        return False
    return sum(Levenshtein.distance(x, y) for x, y in zip(ta, tb, strict=True)) <= 1


@register(DocType.PASSPORT)
def extract_passport(ctx: DocContext) -> dict[str, ExtractedField]:
    return read_mrz_document(ctx, DT, compare_mrz_visual)
