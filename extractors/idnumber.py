"""Resident ID numbers (GB 11643-1999): check character, region code, embedded birth date, sex.

A wrong check character is never "corrected": a falsified or mistyped number must reach the
reviewer as it is printed, with `valid_checksum=False` (→ ID_NUMBER_CHECKSUM_INVALID).
OCR look-alikes (O→0, I→1 ...) are repaired only in the 17 digit positions, and only by
`find_id_numbers`, which reports that it did so (`repaired=True`).

Region codes are data (extractors/data/region_codes.yaml): every Jiangsu county code, current
and historical, and every prefecture-level code elsewhere; see that file for its coverage.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ValidationError, field_validator

from extractors.normalize import repair_digits
from pipeline.errors import DataFileError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # index = sum mod 11
_DATA_FILE = "data/region_codes.yaml"


class _Group(BaseModel):
    current: dict[str, str]
    historical: dict[str, str] = {}

    @field_validator("current", "historical")
    @classmethod
    def _six_digits(cls, v: dict[str, str]) -> dict[str, str]:
        for code in v:
            if not re.fullmatch(r"\d{6}", code):
                raise ValueError(f"region code {code!r} is not six digits")
        return v


class RegionData(BaseModel):
    special: dict[str, str]
    prefecture_level: _Group
    jiangsu: _Group


@cache
def region_data() -> RegionData:
    text = resources.files("extractors").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    try:
        return RegionData.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise DataFileError(f"extractors/{_DATA_FILE} 格式错误", f"extractors/{_DATA_FILE} is invalid: {exc}") from exc


class RegionInfo(BaseModel):
    code: str
    known: bool
    name: str | None = None
    level: str = ""  # "county" | "prefecture" | "special" | ""
    historical: bool = False


def region_info(code: str) -> RegionInfo:
    """Look a six-digit code up. Jiangsu (32xxxx) is checked to the county; elsewhere the
    prefecture (first four digits) must be known and the county part must not be 00 unless the
    code is itself a listed prefecture."""
    d = region_data()
    if code in d.special:
        return RegionInfo(code=code, known=True, name=d.special[code], level="special")
    if code.startswith("32"):
        for hist, table in ((False, d.jiangsu.current), (True, d.jiangsu.historical)):
            if code in table:
                return RegionInfo(code=code, known=True, name=table[code], level="county", historical=hist)
        return RegionInfo(code=code, known=False)
    pref = code[:4] + "00"
    for hist, table in ((False, d.prefecture_level.current), (True, d.prefecture_level.historical)):
        if pref in table and (code[4:] != "00" or code in table):
            return RegionInfo(code=code, known=True, name=table[pref], level="prefecture", historical=hist)
    return RegionInfo(code=code, known=False)


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("check_char needs exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


class IdNumberCheck(BaseModel):
    """What an ID number says about itself; nothing here alters the number."""

    number: str  # as given (upper-cased, spaces removed)
    well_formed: bool  # 18 chars: 17 digits + digit/X
    valid_checksum: bool
    expected_check: str | None = None  # what the check character should be (for the reviewer)
    region_code: str | None = None
    region_known: bool = False
    region_name: str | None = None
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
    if not re.fullmatch(r"\d{17}[\dX]", n):
        return IdNumberCheck(number=n, well_formed=False, valid_checksum=False)
    expected = check_char(n[:17])
    reg = region_info(n[:6])
    bd = _date_or_none(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    if bd is not None and (bd.year < 1880 or bd > (today or date.today())):
        bd = None
    return IdNumberCheck(number=n, well_formed=True, valid_checksum=(n[17] == expected), expected_check=expected,
                         region_code=n[:6], region_known=reg.known, region_name=reg.name, birth_date=bd,
                         sex="M" if int(n[16]) % 2 else "F")


def _date_or_none(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


# 18 characters where the first 17 may carry OCR look-alikes; spaces inside tolerated.
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])((?:[0-9OoIlSZBDQ|]\s?){17}[0-9Xx×OoIl])(?![0-9A-Za-z])")


def find_id_numbers(text: str) -> list[tuple[str, str, IdNumberCheck]]:
    """ID-number candidates in OCR text: (raw as read, number read, check). Look-alikes are
    repaired in the 17 digit positions; the last character keeps X (×, x → X) and O → 0 only.
    A candidate needs at least 15 real digits, so words are not turned into numbers."""
    out: list[tuple[str, str, IdNumberCheck]] = []
    seen: set[str] = set()
    for m in _CANDIDATE.finditer(text):
        raw = m.group(1)
        compact = re.sub(r"\s", "", raw)
        if sum(c.isdigit() for c in compact) < 15:
            continue
        body = repair_digits(compact[:17])
        last = compact[17].upper().replace("×", "X")
        last = {"O": "0", "I": "1", "L": "1"}.get(last, last)
        number = body + last
        if number in seen:
            continue
        seen.add(number)
        chk = check_id_number(number)
        chk.repaired = number != compact.upper()
        out.append((raw, number, chk))
    return out
