"""A foreign national identity card or residence card with a TD1 (3×30, on the back) or TD2
(2×36) machine-readable zone, document code I, A or C.

Fields (DESIGN names): name (the Latin name, "SURNAME, GIVEN NAMES"), name_latin, sex,
birth_date, id_number (the card's number), nationality, valid_until, mrz_valid (every check
digit, the composite one included), and the mrz_* fields and the printed-zone comparison of a
passport (extractors._shared.mrz_document). The card states who the holder is but does not
replace the passport a foreigner hands in for Art. 5(1) (pipeline/data/policy.yaml).
"""

from __future__ import annotations

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.mrz_document import read_mrz_document
from pipeline.core.models import DocType, ExtractedField


@register(DocType.FOREIGN_ID_CARD)
def extract_foreign_id_card(ctx: DocContext) -> dict[str, ExtractedField]:
    return read_mrz_document(ctx, "foreign_id_card")
