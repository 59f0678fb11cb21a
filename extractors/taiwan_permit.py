"""Mainland travel permit for Taiwan residents (台湾居民来往大陆通行证, 台胞证).

Same fields and layout as the Hong Kong/Macao permit (see hk_macao_permit.extract_permit);
the number is 8 digits on the card issued since 2015 (10 on older booklets).
"""

from __future__ import annotations

import re

from extractors import register
from extractors.base import DocContext
from extractors.hk_macao_permit import extract_permit
from pipeline.core.models import DocType, ExtractedField

TAIWAN_NUMBER = re.compile(r"(?<![A-Z0-9])([0-9]{8}(?:[0-9]{2})?)(?![A-Z0-9])")


@register(DocType.TAIWAN_PERMIT)
def extract_taiwan_permit(ctx: DocContext) -> dict[str, ExtractedField]:
    return extract_permit(ctx, "taiwan_permit", TAIWAN_NUMBER)
