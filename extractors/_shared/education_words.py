"""Words of education documents (extractors/data/education_phrases.yaml): the level a
diploma or degree names, in Chinese or a foreign language, as a code comparable across
languages (`level_code`), and the country an institution is in (ISO 3166 alpha-3)."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, field_validator

from extractors._shared.context import DocContext
from pipeline.core.datafiles import load_bundled
from pipeline.core.models import ExtractedField


class Country(BaseModel):
    zh: str
    words: list[str]


class EducationPhrases(BaseModel):
    levels_zh: dict[str, list[str]]
    degree_levels_zh: dict[str, list[str]]
    levels_en: dict[str, list[str]]
    level_codes: dict[str, str]
    countries: dict[str, Country]
    cscse_country_chars: dict[str, str]
    generic_school_lines: list[str]

    @field_validator("countries")
    @classmethod
    def _codes(cls, v: dict[str, Country]) -> dict[str, Country]:
        for code in v:
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ValueError(f"country {code!r}: key must be an ISO 3166 alpha-3 code")
        return v


@cache
def phrases() -> EducationPhrases:
    return load_bundled("extractors", "data/education_phrases.yaml", EducationPhrases)


def level_zh(text: str, degree: bool) -> tuple[str, int, int] | None:
    """Canonical level word found in Chinese text: (level, start, end) of the earliest match."""
    table = phrases().degree_levels_zh if degree else phrases().levels_zh
    best: tuple[str, int, int] | None = None
    for canon, words in table.items():
        for w in words:
            i = text.find(w)
            if i >= 0 and (best is None or i < best[1]):
                best = (canon, i, i + len(w))
    return best


def level_en(text: str) -> str | None:
    for canon, words in phrases().levels_en.items():
        for w in words:
            if re.search(r"(?<![A-Za-z])" + re.escape(w) + r"(?![a-z])", text, re.IGNORECASE):
                return canon
    return None


def country_of(*texts: str) -> tuple[str, str] | None:
    """(ISO alpha-3 code, matched word) from the first text naming a country (institution first)."""
    for t in texts:
        if not t:
            continue
        for code, c in phrases().countries.items():
            for w in c.words:
                pat = re.escape(w) if not w.isascii() else r"(?<![A-Za-z])" + re.escape(w) + r"(?![A-Za-z])"
                if re.search(pat, t, re.IGNORECASE if w.isascii() and len(w) > 3 else 0):
                    return code, w
    return None


def country_zh_prefix(text: str) -> tuple[str, str] | None:
    """(code, zh name) when `text` starts with a country's Chinese name ('美国 Purdue University')."""
    for code, c in phrases().countries.items():
        if text.startswith(c.zh):
            return code, c.zh
    return None


def add_level_code(ctx: DocContext, out: dict[str, ExtractedField]) -> None:
    """`level_code` (doctor/master/bachelor/associate) beside `level`, comparable across languages."""
    value = str(out["level"].value)
    code = phrases().level_codes.get(value)
    if code is None:
        lz = level_zh(value, degree=True) or level_zh(value, degree=False)
        en = level_en(value)
        code = phrases().level_codes.get(lz[0]) if lz else (phrases().level_codes.get(en) if en else None)
    if code:
        out["level_code"] = ctx.derived(code, out["level"], "map:level_codes")
