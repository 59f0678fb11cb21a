"""毕业证书 / foreign diploma: fields via extractors.education (shared with degree certificates)."""

from __future__ import annotations

from extractors import register
from extractors.base import DocContext
from extractors.education import extract_education
from pipeline.core.models import DocType, ExtractedField


@register(DocType.DIPLOMA)
def extract_diploma(ctx: DocContext) -> dict[str, ExtractedField]:
    return extract_education(ctx, "diploma", degree=False)
