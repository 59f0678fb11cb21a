"""Shared normalisers: dates → ISO, sex → M/F, digit repair (names: pipeline.core.names).

Every extractor normalises the same way so the checks stage can compare values from
different documents (the ID card's 1990年1月2日 with the passport's 02 JAN 1990). The word
lists (months, sex words, OCR confusions) are data in
extractors/data/normalize.yaml. Parsers return None for what they cannot read; they never
guess a value that is not on the page.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ValidationError, field_validator

from pipeline.core.errors import DataFileError
from pipeline.core.text import fold_accents

_DATA_FILE = "data/normalize.yaml"


class NormalizeData(BaseModel):
    months: dict[int, list[str]]
    sex: dict[str, list[str]]
    digit_repair: dict[str, str]
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
            out[fold_accents(w.lower())] = num
    return out



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
        month = _month_lookup().get(word) or _month_lookup().get(fold_accents(word))
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
    if fold_accents(t) in look:
        return look[fold_accents(t)]
    if "男" in t and "女" not in t:
        return "M"
    if "女" in t and "男" not in t:
        return "F"
    tokens = [tok for tok in re.split(r"[^a-zäöüA-Z]+", text.lower()) if tok]
    codes = {look[tok] for tok in tokens if tok in look} | {look[fold_accents(tok)] for tok in tokens if fold_accents(tok) in look}
    return codes.pop() if len(codes) == 1 else None
