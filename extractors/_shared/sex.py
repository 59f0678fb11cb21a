"""Sex as printed (男/女/M/F/Male/Female/männlich/weiblich, also 'M/男', '女 F') → 'M' | 'F'.
The words are data (extractors/data/sex.yaml)."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel

from pipeline.core.datafiles import load_bundled
from pipeline.core.text import fold_accents

# "男/M", "女 / F", "/F" (a garbled label before it): the bilingual sex mark on permits and passports
SEX_MARK = re.compile(r"(?:[男女]\s*/\s*[MF]|(?<=/)\s*[MF])(?![A-Za-z])")


class SexWords(BaseModel):
    M: list[str]
    F: list[str]


@cache
def _sex_lookup() -> dict[str, str]:
    data = load_bundled("extractors", "data/sex.yaml", SexWords)
    return {w.lower(): code for code, words in (("M", data.M), ("F", data.F)) for w in words}


def parse_sex(text: str | None) -> str | None:
    """'M' | 'F' | None (no word, or words for both)."""
    if not text:
        return None
    t = re.sub(r"\s+", "", text).lower()
    look = _sex_lookup()
    if t in look:
        return look[t]
    if fold_accents(t) in look:
        return look[fold_accents(t)]
    if "男" in t and "女" not in t:
        return "M"
    if "女" in t and "男" not in t:
        return "F"
    tokens = [tok for tok in re.split(r"[^a-zäöüA-Z]+", text.lower()) if tok]
    codes = {look[tok] for tok in tokens if tok in look} | {look[fold_accents(tok)] for tok in tokens if fold_accents(tok) in look}
    return codes.pop() if len(codes) == 1 else None
