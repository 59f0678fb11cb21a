"""Mainland travel permit for Hong Kong and Macao residents (港澳居民来往内地通行证, 回乡证):
read as the Taiwan residents' permit is (extractors._shared.permit); the number is H or M
and 8 digits (10 on older cards)."""

from __future__ import annotations

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.permit import extract_permit
from pipeline.core.models import DocType, ExtractedField


@register(DocType.HK_MACAO_PERMIT)
def extract_hk_macao_permit(ctx: DocContext) -> dict[str, ExtractedField]:
    return extract_permit(ctx, "hk_macao_permit")
