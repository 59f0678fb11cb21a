"""OCR text cleaned for reading values: full-width punctuation folded, the spaces tesseract
puts between Chinese characters dropped, names and bracketed Chinese as printed."""

from __future__ import annotations

import re
import unicodedata

from pipeline.core.text import CJK

_CJK_SPACE = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")
_MULTI_SPACE = re.compile(r"[ \t]+")


def compact(text: str) -> str:
    """NFKC (full-width → ASCII punctuation), drop spaces OCR puts between CJK characters."""
    t = unicodedata.normalize("NFKC", text or "")
    t = t.replace("〔", "[").replace("〕", "]").replace("【", "[").replace("】", "]")
    t = _CJK_SPACE.sub("", t)
    t = re.sub(r"(?<=[0-9])\s+(?=[年月日号])|(?<=[年月])\s+(?=[0-9])", "", t)
    return _MULTI_SPACE.sub(" ", t).strip()


def cjk_brackets(text: str) -> str:
    """Brackets around Chinese text as printed, full-width: compact() made them ASCII, but a
    name such as 中国石油大学（华东） is written (and compared) with full-width ones."""
    return re.sub(rf"\(([{CJK}]+)\)", r"（\1）", text)


def clean_name(text: str) -> str:
    """A name as printed: Chinese names lose OCR spaces and trailing punctuation."""
    t = compact(text).strip(" ,，.。:：;；|()（）")
    if re.fullmatch(rf"[{CJK}·•\s]+", t):
        return re.sub(r"\s+", "", t).replace("•", "·")
    t = re.sub(r"[^A-Za-zÀ-ÿ .'\-,·]", "", t)
    return re.sub(r"\s+", " ", t).strip(" ,.-")
