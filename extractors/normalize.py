"""Shared normalisers: dates → ISO, sex → M/F, names compared across scripts, digit repair.

Every extractor normalises the same way so the checks stage can compare values from
different documents (the ID card's 1990年1月2日 with the passport's 02 JAN 1990). The word
lists (months, sex words, OCR confusions, compound surnames) are data in
extractors/data/normalize.yaml. Parsers return None for what they cannot read; they never
guess a value that is not on the page.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import date
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ValidationError, field_validator

from pipeline.errors import DataFileError

_DATA_FILE = "data/normalize.yaml"


class NormalizeData(BaseModel):
    months: dict[int, list[str]]
    sex: dict[str, list[str]]
    digit_repair: dict[str, str]
    compound_surnames: list[str]
    surname_readings: dict[str, list[str]]
    surnames: str  # single-character surnames, one string (spaces from the YAML folding dropped)

    @field_validator("surnames")
    @classmethod
    def _no_spaces(cls, v: str) -> str:
        return "".join(v.split())

    @field_validator("months")
    @classmethod
    def _twelve(cls, v: dict[int, list[str]]) -> dict[int, list[str]]:
        if sorted(v) != list(range(1, 13)):
            raise ValueError("months must have keys 1..12")
        return v

    @field_validator("sex")
    @classmethod
    def _mf(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        if set(v) != {"M", "F"}:
            raise ValueError("sex must have exactly the keys M and F")
        return v

    @field_validator("digit_repair")
    @classmethod
    def _digits(cls, v: dict[str, str]) -> dict[str, str]:
        for k, d in v.items():
            if len(k) != 1 or not (len(d) == 1 and d.isdigit()):
                raise ValueError(f"digit_repair entry {k!r}: {d!r} must map one char to one digit")
        return v


@cache
def data() -> NormalizeData:
    text = resources.files("extractors").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    try:
        return NormalizeData.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise DataFileError(f"extractors/{_DATA_FILE} 格式错误", f"extractors/{_DATA_FILE} is invalid: {exc}") from exc


@cache
def _month_lookup() -> dict[str, int]:
    out: dict[str, int] = {}
    for num, words in data().months.items():
        for w in words:
            out[w.lower()] = num
            out[_fold(w.lower())] = num
    return out


def _fold(text: str) -> str:
    """Strip accents: 'März' → 'Marz', 'Müller' → 'Muller'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# --------------------------------------------------------------------------- digits


def repair_digits(text: str) -> str:
    """Map OCR look-alikes to digits (O→0, I→1, S→5, B→8 ...). Only for spots where a digit
    must stand: an ID number's first 17 positions, a date, an MRZ numeric field."""
    table = data().digit_repair
    return "".join(table.get(c, c) for c in text)


# --------------------------------------------------------------------------- dates

_MONTH_WORD = r"[A-Za-zÄÖÜäöüéû]{3,10}"
_SEP = r"\s*[.\-/·,]\s*"
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 1990年1月2日 (spaces from OCR tolerated)
    ("zh", re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?")),
    # 1990.01.02 / 1990-1-2 / 1990/01/02
    ("ymd", re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})" + _SEP + r"(?P<m>\d{1,2})" + _SEP + r"(?P<d>\d{1,2})(?!\d)")),
    # 12. März 1985 / 12 MAR 1985 / 12th March 1985 / 12 3月/MAR 1985 (Chinese passport)
    ("dmy_word", re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*(?:st|nd|rd|th)?\.?\s*(?:of\s+)?(?:\d{1,2}\s*月\s*/?\s*)?"
                            r"(?P<mw>" + _MONTH_WORD + r")\.?,?\s*(?P<y>\d{4})(?!\d)", re.IGNORECASE)),
    # March 12, 1985 / Mar 12 1985
    ("mdy_word", re.compile(r"(?P<mw>" + _MONTH_WORD + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)",
                            re.IGNORECASE)),
    # 12.03.1985 (German) / 12/03/1985 (day first unless impossible)
    ("dmy", re.compile(r"(?<!\d)(?P<d>\d{1,2})" + _SEP + r"(?P<m>\d{1,2})" + _SEP + r"(?P<y>(?:19|20)\d{2})(?!\d)")),
    # 19900102
    ("compact", re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")),
]


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _from_match(kind: str, m: re.Match[str]) -> date | None:
    g = m.groupdict()
    y = int(g["y"])
    d = int(g["d"])
    if "mw" in g and g.get("mw") is not None:
        word = g["mw"].lower().rstrip(".")
        month = _month_lookup().get(word) or _month_lookup().get(_fold(word))
        if month is None:
            return None
        return _make_date(y, month, d)
    mo = int(g["m"])
    if kind == "dmy" and mo > 12 and d <= 12:  # 03/25/1985: month first after all
        d, mo = mo, d
    return _make_date(y, mo, d)


def find_dates(text: str) -> list[tuple[date, tuple[int, int], str]]:
    """All dates in `text`, in reading order: (date, (start, end), kind). Overlaps resolved
    by earliest start, then longest match."""
    found: list[tuple[int, int, date, str]] = []
    for kind, pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            dt = _from_match(kind, m)
            if dt is not None:
                found.append((m.start(), m.end(), dt, kind))
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[tuple[date, tuple[int, int], str]] = []
    last_end = -1
    for start, end, dt, kind in found:
        if start >= last_end:
            out.append((dt, (start, end), kind))
            last_end = end
    return out


def parse_date(text: str | None, repair: bool = False) -> date | None:
    """First date in `text` (Chinese, English, German or numeric forms), or None.
    `repair=True` first maps OCR look-alikes to digits (use on a field known to hold a date)."""
    if not text:
        return None
    hits = find_dates(text)
    if not hits and repair:
        text = _repair_month_words(text)
        hits = find_dates(text) or find_dates(_repair_date_text(text))
    if not hits and repair:
        hits = find_dates(_repair_date_text(re.sub(r"(?<=[\dOoIl])\s+(?=[\dOoIl])", "", text)))
    return hits[0][0] if hits else None


_LETTERS_FOR_DIGITS = {"0": "O", "1": "I", "5": "S", "8": "B", "6": "G", "4": "A"}


def _repair_month_words(text: str) -> str:
    """'05 0CT 2018' → '05 OCT 2018': a digit inside a short word is a letter if that makes a month."""
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        cand = "".join(_LETTERS_FOR_DIGITS.get(c, c) for c in word)
        return cand if cand.lower() in _month_lookup() else word

    return re.sub(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)[A-Za-z0-9]{3,9}(?![A-Za-z0-9])", fix, text)


def _repair_date_text(text: str) -> str:
    # Repair only characters sitting between digits/separators, so month words survive.
    text = _repair_month_words(text)
    table = data().digit_repair
    chars = list(text)
    for i, c in enumerate(chars):
        if c in table:
            left = chars[i - 1] if i else ""
            right = chars[i + 1] if i + 1 < len(chars) else ""
            if (left.isdigit() or left in ".-/年月 ") and (right.isdigit() or right in ".-/年月日 " or not right):
                if left.isdigit() or right.isdigit():
                    chars[i] = table[c]
    return "".join(chars)


def iso_date(text: str | None, repair: bool = False) -> str | None:
    dt = parse_date(text, repair=repair)
    return dt.isoformat() if dt else None


LONG_TERM_WORDS = ("长期", "長期", "永久", "unbegrenzt", "unlimited", "permanent")


def parse_date_range(text: str | None) -> tuple[date | None, date | None, bool]:
    """'2015.03.01-2035.03.01' → (start, end, False); '2015.03.01-长期' → (start, None, True).
    The third item says the end is open-ended (长期): end stays None, callers keep raw '长期'."""
    if not text:
        return None, None, False
    hits = find_dates(text)
    if not hits:
        hits = find_dates(_repair_date_text(text))
    long_term = any(w.lower() in text.lower() for w in LONG_TERM_WORDS)
    start = hits[0][0] if hits else None
    end = hits[1][0] if len(hits) > 1 else None
    return start, end, long_term and end is None


# --------------------------------------------------------------------------- sex


@cache
def _sex_lookup() -> dict[str, str]:
    return {w.lower(): code for code, words in data().sex.items() for w in words}


def parse_sex(text: str | None) -> str | None:
    """男/女/M/F/Male/Female/männlich/weiblich (also 'M/男', '女 F') → 'M' | 'F' | None."""
    if not text:
        return None
    t = re.sub(r"\s+", "", text).lower()
    look = _sex_lookup()
    if t in look:
        return look[t]
    if _fold(t) in look:
        return look[_fold(t)]
    if "男" in t and "女" not in t:
        return "M"
    if "女" in t and "男" not in t:
        return "F"
    tokens = [tok for tok in re.split(r"[^a-zäöüA-Z]+", text.lower()) if tok]
    codes = {look[tok] for tok in tokens if tok in look} | {look[_fold(tok)] for tok in tokens if _fold(tok) in look}
    return codes.pop() if len(codes) == 1 else None


# --------------------------------------------------------------------------- names

_CJK = re.compile(r"[\u3400-\u9fff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def clean_chinese_name(text: str) -> str:
    """Keep the CJK characters (and the middle dot of transliterated names): OCR adds spaces."""
    return "".join(c for c in text if _CJK.match(c) or c in "·•")


def latin_tokens(text: str) -> list[str]:
    """'Müller-Lüdenscheidt, Hans' → ['MULLER', 'LUDENSCHEIDT', 'HANS']; Ü is folded to U."""
    t = _fold(text).upper().replace("Ü", "U")
    return [tok for tok in re.split(r"[^A-Z]+", t) if tok]


def format_latin_name(surname: str, given: str | None) -> str:
    """'SURNAME, GIVEN NAMES' in capitals, single spaces (DESIGN: Latin names on passports)."""
    def words(text: str) -> str:  # hyphens and apostrophes inside a name stay (CHIH-MING, O'BRIEN)
        t = _fold(text).upper()
        toks = [re.sub(r"[^A-Z'\-]", "", w).strip("'-") for w in re.split(r"[\s,<]+", t)]
        return " ".join(w for w in toks if w)

    s = words(surname)
    g = words(given or "")
    return f"{s}, {g}" if g else s


def split_chinese_name(name: str) -> tuple[str, str]:
    """(surname, given): compound surnames from data, else the first character."""
    name = clean_chinese_name(name)
    for cs in data().compound_surnames:
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
    known = surname in data().compound_surnames or (len(surname) == 1 and surname in data().surnames)
    return known and 1 <= len(given) <= MAX_GIVEN_NAME


def _char_readings(ch: str) -> list[str]:
    from pypinyin import Style, pinyin

    opts = pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=True)
    out: list[str] = []
    for r in opts[0] if opts else []:
        plain = _fold(r).upper()
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
    readings = data().surname_readings
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
    if not joined or not has_cjk(chinese):
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
    ca, cb = has_cjk(a), has_cjk(b)
    if ca and cb:
        return clean_chinese_name(a) == clean_chinese_name(b)
    if ca:
        return name_matches_pinyin(a, b)
    if cb:
        return name_matches_pinyin(b, a)
    return latin_names_match(a, b)
