"""Personal names across scripts: is this text a name, and are two printed names the same person?

Chinese↔Chinese (spaces and traditional glyphs folded), Chinese↔pinyin (heteronyms and the
surname readings of names.yaml), Latin in either order — with the tolerance OCR needs in
Latin names (l/I, rn/m) and for a middle name dropped on one document, but strict on
different people. Word lists (compound surnames, the surname list, honorifics) are data in
pipeline/data/names.yaml. Extractors and checks both use these.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from functools import cache

import opencc
from pydantic import BaseModel, field_validator
from rapidfuzz import fuzz

from pipeline.core.datafiles import load_bundled
from pipeline.core.text import fold_accents, has_han, is_han


class NamesData(BaseModel):
    honorifics: frozenset[str]
    compound_surnames: list[str]
    surname_readings: dict[str, list[str]]
    surnames: str  # single-character surnames, one string (spaces from the YAML folding dropped)

    @field_validator("surnames")
    @classmethod
    def _no_spaces(cls, v: str) -> str:
        return "".join(v.split())


@cache
def names_data() -> NamesData:
    return load_bundled("pipeline", "data/names.yaml", NamesData)


def clean_chinese_name(text: str) -> str:
    """Keep the CJK characters (and the middle dot of transliterated names): OCR adds spaces."""
    return "".join(c for c in text if is_han(c) or c in "·•")


def latin_tokens(text: str) -> list[str]:
    """'Müller-Lüdenscheidt, Hans' → ['MULLER', 'LUDENSCHEIDT', 'HANS']; Ü is folded to U."""
    t = fold_accents(text).upper().replace("Ü", "U")
    return [tok for tok in re.split(r"[^A-Z]+", t) if tok]


def format_latin_name(surname: str, given: str | None) -> str:
    """'SURNAME, GIVEN NAMES' in capitals, single spaces (DESIGN: Latin names on passports)."""
    def words(text: str) -> str:  # hyphens and apostrophes inside a name stay (CHIH-MING, O'BRIEN)
        t = fold_accents(text).upper()
        toks = [re.sub(r"[^A-Z'\-]", "", w).strip("'-") for w in re.split(r"[\s,<]+", t)]
        return " ".join(w for w in toks if w)

    s = words(surname)
    g = words(given or "")
    return f"{s}, {g}" if g else s


def split_chinese_name(name: str) -> tuple[str, str]:
    """(surname, given): compound surnames from data, else the first character."""
    name = clean_chinese_name(name)
    for cs in names_data().compound_surnames:
        if name.startswith(cs) and len(name) > len(cs):
            return cs, name[len(cs):]
    return name[:1], name[1:]


MAX_GIVEN_NAME = 3  # Han characters after the surname in a personal name


def plausible_chinese_name(name: str) -> bool:
    """A known surname and one to three characters after it; '·' names (transliterations)
    pass. False for OCR text run into a name field (在本, 个人缴纳部分, 引张勇丽)."""
    name = clean_chinese_name(name)
    if "·" in name or "•" in name:
        return True
    surname, given = split_chinese_name(name)
    known = surname in names_data().compound_surnames or (len(surname) == 1 and surname in names_data().surnames)
    return known and 1 <= len(given) <= MAX_GIVEN_NAME


def _char_readings(ch: str) -> list[str]:
    from pypinyin import Style, pinyin

    opts = pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=True)
    out: list[str] = []
    for r in opts[0] if opts else []:
        plain = fold_accents(r).upper()
        # ü is written U, V or YU on passports (吕: LU / LV / LYU)
        variants = [plain, r.replace("ü", "V").upper(), r.replace("ü", "YU").upper()] if "ü" in r else [plain]
        for v in variants:
            if v not in out:
                out.append(v)
    return out


def chinese_name_spellings(name: str, limit: int = 256) -> set[tuple[str, str]]:
    """Possible (SURNAME, GIVEN) pinyin spellings of a Chinese name, heteronyms included
    (单 → SHAN, 曾 → ZENG...). Bounded by `limit` to keep rare long names cheap."""
    surname, given = split_chinese_name(name)
    if not surname:
        return set()
    readings = names_data().surname_readings
    s_opts: list[str] = [r.upper() for r in readings.get(surname, [])]
    per_char = [_char_readings(c) for c in surname]
    for combo in itertools.product(*per_char):
        s = "".join(combo)
        if s not in s_opts:
            s_opts.append(s)
    g_chars = [_char_readings(c) or [c] for c in given]
    out: set[tuple[str, str]] = set()
    for s in s_opts:
        for combo in itertools.islice(itertools.product(*g_chars), limit):
            out.add((s, "".join(combo)))
    return out


def name_matches_pinyin(chinese: str, latin: str) -> bool:
    """Does the Latin name spell the Chinese name? Either order, any case, with or without
    comma/spaces/hyphens: 张三 ~ 'ZHANG, SAN' ~ 'San Zhang' ~ 'ZHANGSAN'."""
    joined = "".join(latin_tokens(latin))
    if not joined or not has_han(chinese):
        return False
    for s, g in chinese_name_spellings(chinese):
        if joined in (s + g, g + s):
            return True
    return False


def latin_names_match(a: str, b: str) -> bool:
    """Western names in either order: 'SMITH, JOHN PAUL' ~ 'John Paul Smith' (same tokens),
    also when one side glues tokens ('JOHNPAUL')."""
    ta, tb = latin_tokens(a), latin_tokens(b)
    if not ta or not tb:
        return False
    if sorted(ta) == sorted(tb):
        return True
    return sorted("".join(ta)) == sorted("".join(tb)) and _glued_match(ta, tb)


def _glued_match(ta: list[str], tb: list[str]) -> bool:
    # 'JOHNPAUL SMITH' vs 'SMITH JOHN PAUL': each token of the shorter list is a concatenation
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    remaining = list(long_)
    for tok in short:
        found = False
        for r in range(1, len(remaining) + 1):
            for combo in itertools.permutations(remaining, r):
                if "".join(combo) == tok:
                    for c in combo:
                        remaining.remove(c)
                    found = True
                    break
            if found:
                break
        if not found:
            return False
    return not remaining


def names_match(a: str | None, b: str | None) -> bool:
    """One comparison for every pair the checks stage meets: Chinese↔Chinese (spaces ignored),
    Chinese↔pinyin, Latin↔Latin in either order."""
    if not a or not b:
        return False
    ca, cb = has_han(a), has_han(b)
    if ca and cb:
        return clean_chinese_name(a) == clean_chinese_name(b)
    if ca:
        return name_matches_pinyin(a, b)
    if cb:
        return name_matches_pinyin(b, a)
    return latin_names_match(a, b)


# --------------------------------------------------------------------------- the same person?


def _tokens(name: str) -> list[str]:
    return [t for t in latin_tokens(name) if t not in names_data().honorifics]


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
    ca, cb = has_han(a), has_han(b)
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
    return _t2s().convert(name) if has_han(name) else name


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
