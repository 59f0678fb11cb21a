"""Machine-readable zones (ICAO Doc 9303): find, parse and verify TD3 (passports, 2×44),
TD2 (2×36) and TD1 (cards, 3×30).

OCR noise is repaired by position, from a table of confusions (extractors/data/mrz.yaml):
filler look-alikes anywhere, O→0 only where a digit must stand, 0→O only where a letter must
stand. The document number is alphanumeric, so it is never repaired — its check digit then
tells whether it was read right. Every check digit is verified, the composite one included;
a failed check is reported, never "fixed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Generic, TypeVar

from pydantic import BaseModel

from pipeline.core.codes import mrz_check_digit
from pipeline.core.datafiles import load_bundled

FORMATS = {"TD3": (2, 44), "TD2": (2, 36), "TD1": (3, 30)}


class MrzConfusions(BaseModel):
    filler: dict[str, str]
    filler_between: list[str]
    to_digit: dict[str, str]
    to_letter: dict[str, str]


@cache
def confusions() -> MrzConfusions:
    return load_bundled("extractors", "data/mrz.yaml", MrzConfusions)


# --------------------------------------------------------------------------- cleaning


def clean_line(text: str) -> str:
    """Upper-case, spaces out, filler look-alikes → '<'. Digits/letters are left for the
    position-aware repair."""
    conf = confusions()
    t = "".join(conf.filler.get(c, c) for c in text.strip())
    t = re.sub(r"\s+", "", t).upper()
    between = "".join(re.escape(c.upper()) for c in conf.filler_between)
    t = re.sub(rf"(?<=<<)[{between}](?=<<)", "<", t)
    return t


def _looks_like_mrz(t: str) -> bool:
    return len(t) >= 25 and t.count("<") >= 2 and bool(re.fullmatch(r"[A-Z0-9<]+", t))


def _fit(t: str, width: int) -> str:
    """Pad a line whose trailing fillers were lost; trim trailing fillers beyond the width."""
    if len(t) < width:
        return t + "<" * (width - len(t))
    if len(t) > width and set(t[width:]) <= {"<"}:
        return t[:width]
    return t


def _digits(s: str) -> str:
    table = confusions().to_digit
    return "".join(table.get(c, c) for c in s)


def _letters(s: str) -> str:
    table = confusions().to_letter
    return "".join(table.get(c, c) for c in s)


# --------------------------------------------------------------------------- result


class MrzResult(BaseModel):
    format: str  # TD3 | TD2 | TD1
    lines: list[str]  # after repair
    raw_lines: list[str]  # as OCR read them
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    number: str
    nationality: str
    birth_date: str | None  # ISO
    sex: str | None  # M | F | None ('<' unspecified)
    expiry_date: str | None  # ISO
    optional: str
    checks: dict[str, bool]  # number, birth_date, expiry_date, optional (if used), composite
    repairs: list[str] = []

    @property
    def valid(self) -> bool:
        return all(self.checks.values())

    @property
    def name(self) -> str:
        """'SURNAME, GIVEN NAMES' (DESIGN format for Latin names)."""
        return f"{self.surname}, {self.given_names}" if self.given_names else self.surname


def _yymmdd(s: str, kind: str, today: date | None = None) -> str | None:
    if not re.fullmatch(r"\d{6}", s):
        return None
    yy, mm, dd = int(s[:2]), int(s[2:4]), int(s[4:6])
    now = today or date.today()
    if kind == "birth":
        year = 2000 + yy if yy <= now.year % 100 else 1900 + yy
    else:
        year = 2000 + yy if yy < 70 else 1900 + yy
    try:
        return date(year, mm, dd).isoformat()
    except ValueError:
        return None


def _names(field_: str) -> tuple[str, str]:
    field_ = field_.rstrip("<")
    surname, _, given = field_.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _check(data: str, digit: str) -> bool:
    return digit.isdigit() and mrz_check_digit(data) == digit


def parse_mrz(lines: list[str], today: date | None = None) -> MrzResult | None:
    """Parse 2 or 3 cleaned MRZ lines (format from their count and length)."""
    raw = list(lines)
    cleaned = [clean_line(x) for x in lines]
    if len(cleaned) == 3:
        fmt = "TD1"
    elif len(cleaned) == 2:
        avg = sum(len(x) for x in cleaned) / 2
        fmt = "TD3" if abs(avg - 44) <= abs(avg - 36) else "TD2"
    else:
        return None
    width = FORMATS[fmt][1]
    ls = [_fit(x, width) for x in cleaned]
    if any(len(x) != width for x in ls):
        return None
    repairs: list[str] = []
    return (_parse_td1 if fmt == "TD1" else _parse_td23)(fmt, ls, raw, repairs, today)


def _fix(s: str, kind: str, what: str, repairs: list[str]) -> str:
    fixed = _digits(s) if kind == "digit" else _letters(s)
    if fixed != s:
        repairs.append(f"{what}: {s}→{fixed}")
    return fixed


def _parse_td23(fmt: str, ls: list[str], raw: list[str], repairs: list[str], today: date | None) -> MrzResult:
    l1, l2 = ls
    width = len(l1)
    code = l1[0:2]
    state = _fix(l1[2:5], "letter", "issuing_state", repairs)
    surname, given = _names(_fix(l1[5:], "letter", "name", repairs))
    number = l2[0:9]
    n_chk = _fix(l2[9], "digit", "number_check", repairs)
    nat = _fix(l2[10:13], "letter", "nationality", repairs)
    birth = _fix(l2[13:19], "digit", "birth_date", repairs)
    b_chk = _fix(l2[19], "digit", "birth_check", repairs)
    sex = l2[20]
    expiry = _fix(l2[21:27], "digit", "expiry_date", repairs)
    e_chk = _fix(l2[27], "digit", "expiry_check", repairs)
    checks = {
        "number": _check(number, n_chk),
        "birth_date": _check(birth, b_chk),
        "expiry_date": _check(expiry, e_chk),
    }
    if fmt == "TD3":
        optional = l2[28:42]
        o_chk = l2[42]
        comp = _fix(l2[43], "digit", "composite_check", repairs)
        if o_chk != "<" or optional.strip("<"):
            o_chk = _fix(o_chk, "digit", "optional_check", repairs)
            checks["optional"] = _check(optional, o_chk) or (o_chk == "<" and not optional.strip("<"))
        composite_data = number + n_chk + birth + b_chk + expiry + e_chk + optional + o_chk
    else:
        optional = l2[28:35]
        comp = _fix(l2[35], "digit", "composite_check", repairs)
        composite_data = number + n_chk + birth + b_chk + expiry + e_chk + optional
    checks["composite"] = _check(composite_data, comp)
    fixed_l2 = (number + n_chk + nat + birth + b_chk + sex + expiry + e_chk + l2[28:width - 1] + comp)
    return MrzResult(
        format=fmt, lines=[l1[:2] + state + l1[5:], fixed_l2], raw_lines=raw, document_code=code.rstrip("<"),
        issuing_state=state.replace("<", ""), surname=surname, given_names=given, number=number.rstrip("<"),
        nationality=nat.replace("<", ""), birth_date=_yymmdd(birth, "birth", today),
        sex=sex if sex in ("M", "F") else None, expiry_date=_yymmdd(expiry, "expiry", today),
        optional=optional.strip("<"), checks=checks, repairs=repairs)


def _parse_td1(fmt: str, ls: list[str], raw: list[str], repairs: list[str], today: date | None) -> MrzResult:
    l1, l2, l3 = ls
    code = l1[0:2]
    state = _fix(l1[2:5], "letter", "issuing_state", repairs)
    number = l1[5:14]
    n_chk = _fix(l1[14], "digit", "number_check", repairs)
    opt1 = l1[15:30]
    birth = _fix(l2[0:6], "digit", "birth_date", repairs)
    b_chk = _fix(l2[6], "digit", "birth_check", repairs)
    sex = l2[7]
    expiry = _fix(l2[8:14], "digit", "expiry_date", repairs)
    e_chk = _fix(l2[14], "digit", "expiry_check", repairs)
    nat = _fix(l2[15:18], "letter", "nationality", repairs)
    opt2 = l2[18:29]
    comp = _fix(l2[29], "digit", "composite_check", repairs)
    surname, given = _names(_fix(l3, "letter", "name", repairs))
    checks = {
        "number": _check(number, n_chk),
        "birth_date": _check(birth, b_chk),
        "expiry_date": _check(expiry, e_chk),
        "composite": _check(l1[5:14] + n_chk + opt1 + birth + b_chk + expiry + e_chk + opt2, comp),
    }
    return MrzResult(
        format=fmt, lines=[l1, l2, l3], raw_lines=raw, document_code=code.rstrip("<"),
        issuing_state=state.replace("<", ""), surname=surname, given_names=given, number=number.rstrip("<"),
        nationality=nat.replace("<", ""), birth_date=_yymmdd(birth, "birth", today),
        sex=sex if sex in ("M", "F") else None, expiry_date=_yymmdd(expiry, "expiry", today),
        optional=(opt1 + opt2).strip("<"), checks=checks, repairs=repairs)


# --------------------------------------------------------------------------- finding


R = TypeVar("R")


@dataclass
class MrzCandidate(Generic[R]):
    text: str  # cleaned
    raw: str
    refs: list[R] = field(default_factory=list)  # caller's line objects (for evidence)


def find_mrz(lines: list[tuple[str, R]], today: date | None = None) -> tuple[MrzResult, list[R]] | None:
    """Find and parse the MRZ among OCR lines given as (text, ref) in reading order. Returns the
    parse (preferring one whose checks pass) and the refs of the lines used."""
    cands: list[MrzCandidate[R]] = []
    for text, ref in lines:
        t = clean_line(text)
        if _looks_like_mrz(t):
            # RapidOCR may split one MRZ line into two boxes on one row: glue to the previous one
            if cands and len(cands[-1].text) + len(t) <= 44 and len(cands[-1].text) < 28:
                cands[-1].text += t
                cands[-1].raw += text
                cands[-1].refs.append(ref)
                continue
            cands.append(MrzCandidate(t, text, [ref]))
    best: tuple[MrzResult, list[R]] | None = None
    best_score = -1.0
    for size in (2, 3):
        for i in range(len(cands) - size + 1):
            group = cands[i:i + size]
            # an upside-down page read by an engine that turns lines: the lines come in reverse
            for order in (group, group[::-1]):
                res = parse_mrz([c.raw for c in order], today)
                if res is None:
                    continue
                score = sum(res.checks.values()) + (0.5 if res.document_code[:1] in "PIACV" else 0)
                refs = [r for c in order for r in c.refs]
                if best is None or score > best_score:
                    best, best_score = (res, refs), score
    return best


def make_td3(document_code: str, state: str, surname: str, given: str, number: str, nationality: str,
             birth: str, sex: str, expiry: str, optional: str = "") -> list[str]:
    """Build a valid TD3 MRZ (used by tests and sample rendering). Dates as YYMMDD."""
    names = (surname.replace(" ", "<") + "<<" + given.replace(" ", "<")).upper()
    l1 = (document_code.ljust(2, "<") + state + names)[:44].ljust(44, "<")
    num = number.ljust(9, "<")
    opt = optional.ljust(14, "<")
    o_chk = mrz_check_digit(opt) if optional else "<"
    body = num + mrz_check_digit(num) + nationality + birth + mrz_check_digit(birth) + sex + expiry + mrz_check_digit(expiry) + opt + o_chk
    comp = mrz_check_digit(num + mrz_check_digit(num) + birth + mrz_check_digit(birth) + expiry + mrz_check_digit(expiry) + opt + o_chk)
    return [l1, body + comp]
