"""Identifier schemes whose arithmetic and tables are fixed by standards, written here once:

- GB 11643-1999, the resident ID number: MOD 11-2 check character, the birth date and sex it
  encodes;
- GB/T 2260, the administrative division code of its first six digits (looked up in
  pipeline/core/regions.py);
- ICAO Doc 9303, the machine-readable zone's check digits.

A wrong check character is never "corrected": a falsified or mistyped number must reach the
reviewer as printed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel

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
