"""A visa or residence permit in a passport (a Chinese Z visa 签证, a 居留许可 residence permit,
another country's visa) with its MRV-A (2×44) or MRV-B (2×36) machine-readable zone.

Fields (DESIGN names): name (the Latin name, "SURNAME, GIVEN NAMES"), sex, birth_date, id_number
(the visa's own number, not the passport's), nationality, valid_until (有效期至 / ENTER BEFORE),
mrz_valid — the visa's check digits: number, birth date and expiry (a visa has no composite
digit, so none is asked of it) — and the mrz_* fields and the printed-zone comparison of a
passport (extractors._shared.mrz_document). A visa is a page of the passport: it states who the
holder is but is not an Art. 5(1) identity document (pipeline/data/policy.yaml).
"""

from __future__ import annotations

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.mrz_document import read_mrz_document
from pipeline.core.models import DocType, ExtractedField


@register(DocType.VISA)
def extract_visa(ctx: DocContext) -> dict[str, ExtractedField]:
    return read_mrz_document(ctx, "visa")
