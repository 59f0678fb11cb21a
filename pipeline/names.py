"""Are two printed names the same person? A thin layer over extractors.normalize.names_match
(D1: Chinese↔Chinese, Chinese↔pinyin with heteronyms, Latin in either order) that adds the
tolerance the checks stage needs for OCR noise in Latin names (l/I, rn/m) and for a middle
name dropped on one document — but stays strict on different people."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

import opencc
from rapidfuzz import fuzz

from extractors.normalize import (
    chinese_name_spellings,
    clean_chinese_name,
    has_cjk,
    latin_tokens,
    names_match,
    plausible_chinese_name,
)

_HONORIFICS = {"MR", "MRS", "MS", "MISS", "DR", "HERR", "FRAU", "PROF", "ING", "DIPL"}


def _tokens(name: str) -> list[str]:
    return [t for t in latin_tokens(name) if t not in _HONORIFICS]


def _fuzzy_latin(a: str, b: str, threshold: float) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb or len(ta) > 5 or len(tb) > 5:
        return False
    joined_b = "".join(tb)
    # order-insensitive: try each order of a's tokens against b as printed
    best = max(fuzz.ratio("".join(p), joined_b) for p in itertools.permutations(ta))
    if best >= threshold:
        return True
    # a middle name missing on one side: the shorter set (≥ 2 tokens) inside the longer one
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return len(short) >= 2 and len(short) < len(long_) and set(short) <= set(long_)


def same_name(a: str | None, b: str | None, latin_threshold: float = 90) -> bool | None:
    """True/False, or None when the two cannot be compared (one missing, or a Chinese name vs a
    Latin name with the same surname and a non-pinyin given name)."""
    if not a or not b:
        return None
    a = _simplified(unicodedata.normalize("NFKC", a).strip())
    b = _simplified(unicodedata.normalize("NFKC", b).strip())
    if names_match(a, b):
        return True
    ca, cb = has_cjk(a), has_cjk(b)
    if ca != cb:
        chinese, latin = (a, b) if ca else (b, a)
        if "·" in chinese or "•" in chinese:
            return None  # a transliterated foreign name (托马斯·杰克): no spelling rule to check
        if _looks_like_pinyin(latin):
            return False  # pinyin of someone else
        # Not pinyin: an English given name with the right surname ("Michael ZHANG") can't be
        # checked against the hanzi; any other Latin name is somebody else's.
        surnames = {s for s, _ in chinese_name_spellings(chinese)}
        return None if surnames & set(_tokens(latin)) else False
    if not ca:
        return _fuzzy_latin(a, b, latin_threshold)
    return _run_on(clean_chinese_name(a), clean_chinese_name(b))


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _simplified(name: str) -> str:
    """曹霞強 (a Hong Kong/Taiwan document, or OCR choosing the traditional glyph) is 曹霞强."""
    return _t2s().convert(name) if has_cjk(name) else name


def plausible_name(name: str) -> bool:
    """Chinese text that can be a personal name (traditional glyphs folded first)."""
    return plausible_chinese_name(_simplified(unicodedata.normalize("NFKC", name)))


MAX_HAN_NAME = 4  # longer (without ·) is not a personal name: OCR ran into the next label


def _run_on(a: str, b: str) -> bool:
    """'顾浩军公民身位号' vs '顾浩军': the extractor ran on into the next label. Only when the
    longer text cannot be a name at all — 张伟 vs 张伟华 stays a mismatch."""
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 2 and len(long_) > MAX_HAN_NAME and "·" not in long_ and long_.startswith(short)


_PINYIN_SYLLABLE = re.compile(
    r"^(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|in|un|vn|ia|ie|iu|ua|uo|ue|ve|ui|"
    r"yu|a|o|e|i|u|v))+$")


def _looks_like_pinyin(latin: str) -> bool:
    toks = _tokens(latin)
    return bool(toks) and all(_PINYIN_SYLLABLE.match(t.lower()) for t in toks)
