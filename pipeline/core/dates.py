"""Dates as printed → ISO dates: Chinese (1990年1月2日, 二〇一二年六月三十日), numeric (1990.01.02,
12.03.1985, 19900102, US month first for US issuers), English, German and French month words
(12 MAR 1985, 12. März 1985, March 12, 1985), ordinal words ("the fifteenth day of May, 2015")
and month-only dates (2016年5月, May 2015, 202101).

One module for every stage, so the extractors' fields and the forensics text-layer check read
dates alike; the words (months, ordinals, Chinese numerals, 长期) are data in
pipeline/data/dates.yaml. Parsers return None for what they cannot read; they never guess a
value that is not on the page.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from pydantic import BaseModel, field_validator

from pipeline.core.datafiles import load_bundled
from pipeline.core.digits import look_alikes
from pipeline.core.text import fold_accents


class DateWords(BaseModel):
    months: dict[int, list[str]]
    ordinal_days: dict[str, int]
    chinese_numerals: dict[str, int]
    long_term: list[str]

    @field_validator("months")
    @classmethod
    def _twelve(cls, v: dict[int, list[str]]) -> dict[int, list[str]]:
        if sorted(v) != list(range(1, 13)):
            raise ValueError("months must have keys 1..12")
        return v

    @field_validator("chinese_numerals")
    @classmethod
    def _single_chars(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if len(k) != 1 or not 0 <= n <= 10:
                raise ValueError(f"entry {k!r}: one character for a number 0..10")
        return v

    @field_validator("long_term")
    @classmethod
    def _some(cls, v: list[str]) -> list[str]:
        if not v or any(not w.strip() for w in v):
            raise ValueError("at least one word, none empty")
        return v


@cache
def words() -> DateWords:
    return load_bundled("pipeline", "data/dates.yaml", DateWords)


@cache
def _month_lookup() -> dict[str, int]:
    out: dict[str, int] = {}
    for num, spellings in words().months.items():
        for w in spellings:
            out[w.lower()] = num
            out[fold_accents(w.lower())] = num
    return out


def month_number(word: str) -> int | None:
    """'März' → 3, 'Sept.' → 9, 'janvier' → 1; None for a word that is no month."""
    w = word.lower().rstrip(".")
    return _month_lookup().get(w) or _month_lookup().get(fold_accents(w))


@cache
def month_pattern() -> str:
    """A regex alternation of every month spelling (longest first) with an optional dot."""
    spellings = [w for ws in words().months.values() for w in ws]
    return r"(?:" + "|".join(sorted((re.escape(w) for w in spellings), key=len, reverse=True)) + r")\.?"


def long_term_words() -> list[str]:
    return words().long_term


def month_end(iso_first_day: str) -> str:
    """'2023-02-01' → '2023-02-28': the last day of the month."""
    y, m = int(iso_first_day[:4]), int(iso_first_day[5:7])
    return date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _iso(y: int, m: int, d: int) -> str | None:
    dt = _make_date(y, m, d)
    return dt.isoformat() if dt else None


# --------------------------------------------------------------------------- numbers in words


def ordinal_word_value(word: str) -> int | None:
    """'fifteenth' → 15, 'twenty-first' / 'twenty first' / 'twentyfirst' → 21."""
    units = words().ordinal_days
    w = word.lower().replace("-", " ").split()
    if not w:
        return None
    if len(w) == 1:
        if w[0] in units:
            return units[w[0]]
        if w[0].startswith("twenty") and w[0][6:] in units:
            return 20 + units[w[0][6:]]
        if w[0].startswith("thirty") and w[0][6:] in units:
            return 30 + units[w[0][6:]]
        return None
    tens = {"twenty": 20, "thirty": 30}.get(w[0])
    unit = units.get(w[1])
    return tens + unit if tens and unit and unit < 10 else None


def cn_number(text: str) -> int | None:
    """'二〇一五' → 2015 (digit by digit), '十二' → 12, '三十' → 30, '二十一' → 21."""
    digits = words().chinese_numerals
    t = text.strip()
    if not t or any(c not in digits for c in t):
        return None
    if "十" not in t:
        return int("".join(str(digits[c]) for c in t))
    a, _, b = t.partition("十")
    tens = digits[a] if a else 1
    units = digits[b] if b else 0
    return tens * 10 + units


# --------------------------------------------------------------------------- day dates

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


def _from_match(kind: str, m: re.Match[str]) -> date | None:
    g = m.groupdict()
    y = int(g["y"])
    d = int(g["d"])
    if "mw" in g and g.get("mw") is not None:
        month = month_number(g["mw"])
        if month is None:
            return None
        return _make_date(y, month, d)
    mo = int(g["m"])
    if kind == "dmy" and mo > 12 and d <= 12:  # 03/25/1985: month first after all
        d, mo = mo, d
    return _make_date(y, mo, d)


def _common_dates(text: str) -> list[tuple[date, tuple[int, int], str]]:
    """The common forms in `text`, in reading order: (date, (start, end), kind). Overlaps
    resolved by earliest start, then longest match."""
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


# --------------------------------------------------------------------------- OCR repair

_LETTERS_FOR_DIGITS = {"0": "O", "1": "I", "5": "S", "8": "B", "6": "G", "4": "A"}


def _repair_month_words(text: str) -> str:
    """'05 0CT 2018' → '05 OCT 2018': a digit inside a short word is a letter if that makes a month."""
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        cand = "".join(_LETTERS_FOR_DIGITS.get(c, c) for c in word)
        return cand if cand.lower() in _month_lookup() else word

    return re.sub(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)[A-Za-z0-9]{3,9}(?![A-Za-z0-9])", fix, text)


def _repair_date_text(text: str) -> str:
    """Look-alikes repaired only where they sit between digits/separators, so month words survive."""
    text = _repair_month_words(text)
    table = look_alikes()
    chars = list(text)
    for i, c in enumerate(chars):
        if c in table:
            left = chars[i - 1] if i else ""
            right = chars[i + 1] if i + 1 < len(chars) else ""
            if (left.isdigit() or left in ".-/年月 ") and (right.isdigit() or right in ".-/年月日 " or not right):
                if left.isdigit() or right.isdigit():
                    chars[i] = table[c]
    return "".join(chars)


# --------------------------------------------------------------------------- parsers


def parse_date(text: str | None, repair: bool = False) -> date | None:
    """First date in `text` (Chinese, English, German or numeric forms), or None.
    `repair=True` first maps OCR look-alikes to digits (use on a field known to hold a date)."""
    if not text:
        return None
    hits = _common_dates(text)
    if not hits and repair:
        text = _repair_month_words(text)
        hits = _common_dates(text) or _common_dates(_repair_date_text(text))
    if not hits and repair:
        hits = _common_dates(_repair_date_text(re.sub(r"(?<=[\dOoIl])\s+(?=[\dOoIl])", "", text)))
    return hits[0][0] if hits else None


def iso_date(text: str | None, repair: bool = False) -> str | None:
    dt = parse_date(text, repair=repair)
    return dt.isoformat() if dt else None


def parse_date_range(text: str | None) -> tuple[date | None, date | None, bool]:
    """'2015.03.01-2035.03.01' → (start, end, False); '2015.03.01-长期' → (start, None, True).
    The third item says the end is open-ended (长期): end stays None, callers keep raw '长期'."""
    if not text:
        return None, None, False
    hits = _common_dates(text)
    if not hits:
        hits = _common_dates(_repair_date_text(text))
    long_term = any(w.lower() in text.lower() for w in long_term_words())
    start = hits[0][0] if hits else None
    end = hits[1][0] if len(hits) > 1 else None
    return start, end, long_term and end is None


def long_term_word(text: str) -> str:
    """The long-term word printed in `text` (长期 when none is)."""
    ws = long_term_words()
    return next((w for w in ws if w in text), ws[0])


# --------------------------------------------------------------------------- every date of a text


@dataclass
class DateHit:
    iso: str
    start: int
    end: int
    precision: str = "day"  # "day" | "month"


@cache
def _extra_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Forms the common patterns do not read: Chinese numerals (diplomas), ordinal words, and
    US month-first numeric dates (only for US issuers)."""
    cn = "".join(words().chinese_numerals)
    ordinals = "|".join(sorted(words().ordinal_days, key=len, reverse=True))
    ord_word = r"(?:(?:twenty|thirty)[\s-]?)?(?:" + ordinals + r")"
    patterns = [
        # the closing 日 is sometimes lost under a seal or at the line's end ("二〇〇七年六月三十")
        ("cnnum", rf"(?P<y>[{cn}]{{4}})\s*年\s*(?P<m>[{cn}]{{1,2}})\s*月\s*(?P<d>[{cn}]{{1,3}})(?:\s*日|(?![{cn}]))"),
        ("ordword", rf"(?:the\s+|this\s+)?(?P<dw>{ord_word})\s+day\s+of\s+(?P<mn>{month_pattern()})\s*,?\s*"
                    rf"(?:in\s+the\s+year\s+)?(?P<y>\d{{4}})"),
        ("mdy", r"(?<![\d.])(?P<a>\d{1,2})\s*(?P<sep>[/-])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>(?:19|20)\d{2})(?!\d)"),
    ]
    return [(k, re.compile(p, re.IGNORECASE)) for k, p in patterns]


@cache
def _month_patterns() -> list[re.Pattern[str]]:
    cn = "".join(words().chinese_numerals)
    return [
        re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d{1,2}\s*日)"),
        re.compile(rf"(?P<y>[{cn}]{{4}})\s*年\s*(?P<m>[{cn}]{{1,2}})\s*月(?!\s*[{cn}]+\s*日)"),
        re.compile(rf"(?<![\d.])(?P<mn>{month_pattern()})\s*,?\s*(?P<y>\d{{4}})", re.IGNORECASE),
        re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*[-./]\s*(?P<m>\d{1,2})(?![\d./-])"),
        re.compile(r"(?<![\d./])(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?!\d)"),
        re.compile(r"(?<![\d./])(?P<m>\d{1,2})\s*/\s*(?P<y>(?:19|20)\d{2})(?![\d/])"),
    ]


def _extra_date(kind: str, g: dict[str, str]) -> str | None:
    if kind == "cnnum":
        y, mo, d = cn_number(g["y"]), cn_number(g["m"]), cn_number(g["d"])
        return _iso(y, mo, d) if y and mo and d else None
    if kind == "ordword":
        d = ordinal_word_value(g["dw"])
        mo = month_number(g["mn"])
        return _iso(int(g["y"]), mo, d) if d and mo else None
    a, b = int(g["a"]), int(g["b"])
    mm, dd = (b, a) if a > 12 >= b else (a, b)
    return _iso(int(g["y"]), mm, dd)


def find_dates(text: str, order: str = "DMY", month_ok: bool = False) -> list[DateHit]:
    """All dates in `text`, left to right. `order` "MDY" reads 03/01/2026 month first (US issuers);
    otherwise numeric dates are day first unless impossible.

    With `month_ok`, month-only dates ('2016年5月', 'May 2015', '202101') are found too, as the
    first day of the month with precision "month"."""
    t = text or ""
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(iso: str | None, s: int, e: int, precision: str = "day") -> None:
        if iso and free(s, e):
            hits.append(DateHit(iso, s, e, precision))
            taken.append((s, e))

    for kind, rg in _extra_patterns():
        if kind == "mdy" and order != "MDY":
            continue
        for m in rg.finditer(t):
            add(_extra_date(kind, m.groupdict()), m.start(), m.end())
    for dt, (s, e), _kind in _common_dates(t):
        add(dt.isoformat(), s, e)
    if month_ok:
        for rg in _month_patterns():
            for m in rg.finditer(t):
                g = m.groupdict()
                y = int(g["y"]) if g["y"].isdigit() else cn_number(g["y"])
                if g.get("mn"):
                    mo = month_number(g["mn"])
                else:
                    mo = int(g["m"]) if g["m"].isdigit() else cn_number(g["m"])
                add(_iso(y, mo, 1) if y and mo else None, m.start(), m.end(), "month")
    hits.sort(key=lambda h: h.start)
    return hits
