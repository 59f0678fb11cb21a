"""Identifier schemes whose arithmetic and tables are fixed by standards, written here once:

- GB 11643-1999, the resident ID number: MOD 11-2 check character, the birth date and sex it
  encodes;
- GB/T 2260, the administrative division code of its first six digits (looked up in
  pipeline/core/regions.py);
- ICAO Doc 9303, the machine-readable zone's check digits, and the structure that tells an
  MRZ line from ordinary text (pipeline/data/mrz_layout.yaml) — shared by the page cue and the
  extractors' MRZ search.

A wrong check character is never "corrected": a falsified or mistyped number must reach the
reviewer as printed.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from pydantic import BaseModel

from pipeline.core.datafiles import load_bundled
from pipeline.core.regions import region_info

# --------------------------------------------------------------------------- GB 11643

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
ID_CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11
ID18 = re.compile(r"^\d{17}[\dX]$")


def normalize_id(value: Any) -> str | None:
    """An ID or document number as compared: spaces and hyphens removed, upper case."""
    if value is None:
        return None
    text = re.sub(r"[\s\-]", "", str(value)).upper()
    return text or None


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("check_char needs exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_checksum_ok(number: str) -> bool | None:
    """True/False for an 18-character ID number; None when the text is not one."""
    if not ID18.match(number):
        return None
    return check_char(number[:17]) == number[17]


def encoded_birth_and_sex(number: str | None) -> tuple[str | None, str | None]:
    """(birth date ISO, sex M/F) encoded in an 18-character resident ID number."""
    if not number or not ID18.match(number):
        return None, None
    birth = _date_or_none(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return (birth.isoformat() if birth else None), ("M" if int(number[16]) % 2 else "F")


class IdNumberCheck(BaseModel):
    """What an ID number says about itself; nothing here alters the number."""

    number: str  # as given (upper-cased, spaces removed)
    well_formed: bool  # 18 chars: 17 digits + digit/X
    valid_checksum: bool
    expected_check: str | None = None  # what the check character should be (for the reviewer)
    region_code: str | None = None
    region_known: bool = False
    region_name: str | None = None
    region_years: str = ""  # the years the code was in use: "1983–1986", "1983–" (still in use)
    birth_date: date | None = None
    sex: str | None = None  # "M" (odd 17th digit) | "F" (even)
    repaired: bool = False  # OCR look-alikes were mapped to digits to read it


def check_id_number(number: str, today: date | None = None) -> IdNumberCheck:
    """Validate an 18-character ID number. 15-digit first-generation numbers (pre-1999) are
    reported well_formed=False with the birth date read as 19YYMMDD."""
    n = re.sub(r"\s+", "", number or "").upper()
    if re.fullmatch(r"\d{15}", n):
        bd = _date_or_none(int("19" + n[6:8]), int(n[8:10]), int(n[10:12]))
        reg = region_info(n[:6])
        return IdNumberCheck(number=n, well_formed=False, valid_checksum=False, region_code=n[:6],
                             region_known=reg.known, region_name=reg.name, birth_date=bd,
                             sex="M" if int(n[14]) % 2 else "F")
    if not ID18.match(n):
        return IdNumberCheck(number=n, well_formed=False, valid_checksum=False)
    expected = check_char(n[:17])
    reg = region_info(n[:6])
    bd = _date_or_none(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    if bd is not None and (bd.year < 1880 or bd > (today or date.today())):
        bd = None
    return IdNumberCheck(number=n, well_formed=True, valid_checksum=(n[17] == expected), expected_check=expected,
                         region_code=n[:6], region_known=reg.known, region_name=reg.name, region_years=reg.years,
                         birth_date=bd, sex="M" if int(n[16]) % 2 else "F")


def _date_or_none(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


# --------------------------------------------------------------------------- ICAO 9303


def mrz_char_value(c: str) -> int:
    """Digits as themselves, A–Z as 10–35, the filler '<' (and anything else) as 0."""
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - 55
    return 0


def mrz_check_digit(data: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating, sum mod 10."""
    return str(sum(mrz_char_value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(data)) % 10)


class MrzLayout(BaseModel):
    widths: list[int]
    width_slack: int
    min_length: int
    min_fillers: int
    min_header_length: int
    min_line_checks: int
    document_codes: str


@cache
def mrz_layout() -> MrzLayout:
    return load_bundled("pipeline", "data/mrz_layout.yaml", MrzLayout)


_MRZ_CHARS = re.compile(r"[A-Z0-9<]+")


def mrz_width(t: str) -> int | None:
    """The MRZ line width (30, 36, 44) a cleaned line is shaped for, or None. `t` is upper-case
    without spaces, fillers as '<'. A line near a width counts whatever its filler count (a TD3
    line 2 with a 9-character number and full optional data has none); a shorter one needs
    fillers (a name line whose trailing fillers OCR lost); trailing fillers beyond a width are
    ignored. A header line (document code, state: "I<UTOD231458907") counts from
    min_header_length on, whatever OCR lost of its fillers."""
    lay = mrz_layout()
    if not _MRZ_CHARS.fullmatch(t):
        return None
    core = t.rstrip("<")
    for w in lay.widths:
        if abs(len(t) - w) <= lay.width_slack or (len(t) > w and len(core) <= w):
            return w
    if ((len(t) >= lay.min_length and t.count("<") >= lay.min_fillers)
            or (len(t) >= lay.min_header_length and mrz_header(t))):
        return next((w for w in lay.widths if len(t) < w), lay.widths[-1])
    return None


def mrz_header(t: str) -> str | None:
    """The document code ("P<", "ID", "V<"...) when `t` opens like an MRZ's first line: a code
    letter, a second code character, a three-letter issuing state (fillers pad short codes)."""
    m = re.match(r"([A-Z])([A-Z<])([A-Z<]{3})", t)
    if m is None or m.group(1) not in mrz_layout().document_codes or m.group(3) == "<<<":
        return None
    return m.group(1) + m.group(2)


# Check digits a single line carries, by width: (data start, data end, check position).
_LINE_CHECKS: dict[int, tuple[tuple[int, int, int], ...]] = {
    44: ((0, 9, 9), (13, 19, 19), (21, 27, 27)),  # TD3 / MRV-A line 2
    36: ((0, 9, 9), (13, 19, 19), (21, 27, 27)),  # TD2 / MRV-B line 2
    30: ((5, 14, 14), (0, 6, 6), (8, 14, 14)),  # TD1 line 1 (number), line 2 (dates)
}


def mrz_line_checks(t: str, width: int) -> int:
    """How many of the check digits a line of `width` may carry verify in `t` (exact, no
    repair): structure a line of ordinary text does not have."""
    return sum(1 for a, b, c in _LINE_CHECKS.get(width, ()) if len(t) > c and t[c].isdigit()
               and mrz_check_digit(t[a:b]) == t[c])


def mrz_line_structure(t: str) -> bool:
    """One line shows an MRZ's structure by itself: shaped for a width and either a header or
    name line with fillers, or a data line with min_line_checks check digits that verify. A
    30-character all-caps heading, an ID number line or a row of digits is neither."""
    w = mrz_width(t)
    if w is None:
        return False
    if t.count("<") >= mrz_layout().min_fillers and (mrz_header(t) or "<<" in t):
        return True
    return mrz_line_checks(t, w) >= mrz_layout().min_line_checks
