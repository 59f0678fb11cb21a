"""Mainland travel permit for Taiwan residents (台湾居民来往大陆通行证, 台胞证): read as the Hong
Kong/Macao permit is (extractors._shared.permit); the number is 8 digits on the card issued
since 2015 (10 on older booklets)."""

from __future__ import annotations

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.permit import extract_permit
from pipeline.core.models import DocType, ExtractedField


@register(DocType.TAIWAN_PERMIT)
def extract_taiwan_permit(ctx: DocContext) -> dict[str, ExtractedField]:
    return extract_permit(ctx, "taiwan_permit")
