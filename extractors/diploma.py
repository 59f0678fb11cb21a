"""毕业证书 / foreign diploma: fields via extractors._shared.education (shared with degree certificates)."""

from __future__ import annotations

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.education import extract_education
from pipeline.core.models import DocType, ExtractedField


@register(DocType.DIPLOMA)
def extract_diploma(ctx: DocContext) -> dict[str, ExtractedField]:
    return extract_education(ctx, "diploma", degree=False)
