"""学位证书 / foreign degree certificate: fields via extractors._shared.education (shared with diplomas)."""

from __future__ import annotations

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.education import extract_education
from pipeline.core.models import DocType, ExtractedField


@register(DocType.DEGREE_CERTIFICATE)
def extract_degree_certificate(ctx: DocContext) -> dict[str, ExtractedField]:
    return extract_education(ctx, "degree_certificate", degree=True)
