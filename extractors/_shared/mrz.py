"""Machine-readable zones (ICAO Doc 9303): find, parse and verify TD3 (passports, 2×44),
TD2 (2×36), TD1 (cards, 3×30) and machine-readable visas, MRV-A (2×44) and MRV-B (2×36).

OCR noise is repaired by position, from a table of confusions (extractors/data/mrz.yaml):
filler look-alikes anywhere, O→0 only where a digit must stand, 0→O only where a letter must
stand. The document number is alphanumeric, so it is never repaired — its check digit then
tells whether it was read right. Every check digit the format has is verified, the composite
one included (visas have none: Part 7 gives check digits to the number and the two dates only,
and none to the optional data); a failed check is reported, never "fixed".

Lines are found by their structure (pipeline.core.codes: width near 30/36/44, the MRZ's
character set), not by how many fillers they show; a group of lines is an MRZ only when its
parse shows a zone's structure — two of its number's and dates' check digits verify, or it has
an MRZ header, a name field with fillers and dates where dates stand (_accepted) — so a
30-character heading or an ID number line is not one. Among groups, the one with the most
valid (and fewest failed) checks wins (_score); an upside-down page's reversed lines and one
line split into two boxes are tried too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Generic, TypeVar

from pydantic import BaseModel

from pipeline.core.codes import mrz_check_digit, mrz_header, mrz_layout, mrz_width
from pipeline.core.datafiles import load_bundled

# format → (lines, characters per line)
FORMATS = {"TD3": (2, 44), "TD2": (2, 36), "TD1": (3, 30), "MRVA": (2, 44), "MRVB": (2, 36)}
VISA_FORMATS = {44: "MRVA", 36: "MRVB"}
VISA_CODE = "V"
FIELD_CHECKS = ("number", "birth_date", "expiry_date")  # every format has these three  # ICAO 9303 Part 7: a visa's document code starts with V


class MrzSearch(BaseModel):
    min_piece: int  # a shorter box is not glued to its neighbour
    max_gap_lines: int  # OCR lines allowed between two lines of one zone
    min_valid_checks: int  # a group without an MRZ header needs this many valid check digits


class MrzVisual(BaseModel):
    min_confidence: float  # printed-zone reads below this never make a forgery finding
    name_edits_per_token: int  # OCR slips allowed per name token ...
    name_edit_min_letters: int  # ... in a name part at least this long
    date_digit_confusions: list[str]  # digit pairs OCR mistakes for each other ("0 8")
    min_fragment_letters: int  # a printed word this long that is a piece of a word is a cut read


class MrzConfusions(BaseModel):
    filler: dict[str, str]
    filler_between: list[str]
    lookalike: dict[str, str]
    stray: list[str]
    to_digit: dict[str, str]
    to_letter: dict[str, str]
    search: MrzSearch
    visual: MrzVisual


@cache
def confusions() -> MrzConfusions:
    return load_bundled("extractors", "data/mrz.yaml", MrzConfusions)


# --------------------------------------------------------------------------- cleaning


def clean_line(text: str) -> str:
    """Upper-case, spaces and stray marks out, filler look-alikes → '<', other scripts'
    look-alikes of letters → the letter. Digits/letters are left for the position-aware
    repair."""
    conf = confusions()
    t = "".join(conf.filler.get(c, conf.lookalike.get(c, c)) for c in text.strip() if c not in conf.stray)
    t = re.sub(r"\s+", "", t).upper()
    between = "".join(re.escape(c.upper()) for c in conf.filler_between)
    t = re.sub(rf"(?<=<<)[{between}](?=<<)", "<", t)
    return t


def _looks_like_mrz(t: str) -> bool:
    """A cleaned line shaped like an MRZ line (width and character set; see mrz_width)."""
    return mrz_width(t) is not None


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
    format: str  # TD1 | TD2 | TD3 | MRVA | MRVB
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
    # number, birth_date, expiry_date; TD3 also optional (if used); TD1/TD2/TD3 composite.
    # Only the check digits the format has: a visa has the first three.
    checks: dict[str, bool]
    repairs: list[str] = []

    @property
    def valid(self) -> bool:
        return all(self.checks.values())

    @property
    def is_visa(self) -> bool:
        return self.format in VISA_FORMATS.values()

    @property
    def name(self) -> str:
        """'SURNAME, GIVEN NAMES' (DESIGN format for Latin names)."""
        return f"{self.surname}, {self.given_names}" if self.given_names else self.surname

    @property
    def name_truncated(self) -> bool:
        """The name field is full to the line's end: the name may be cut (Doc 9303 truncates)."""
        line = self.lines[2] if self.format == "TD1" else self.lines[0]
        return not line.endswith("<")


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


def _date_check(data: str, digit: str) -> bool:
    """A date's check: the date is six digits (a letter left after repair is no date, though
    the 7-3-1 sum would give it a check digit too)."""
    return bool(re.fullmatch(r"\d{6}", data)) and _check(data, digit)


def _long_number(number: str, n_chk: str, optional: str) -> tuple[str, str, str] | None:
    """Doc 9303 Parts 5 and 6 (TD1, TD2): a document number longer than nine characters has a
    filler in its check digit's place, and its remaining characters, then its check digit,
    open the optional data. (full number, check digit, the rest of the optional data), or None."""
    if n_chk != "<":
        return None
    ext = optional.split("<", 1)[0]
    if len(ext) < 2:
        return None
    return number + ext[:-1], _digits(ext[-1]), optional[len(ext):]


def _format(cleaned: list[str]) -> str | None:
    """The format from the line count, the lines' width and the document code."""
    if len(cleaned) == 3:
        return "TD1"
    if len(cleaned) != 2:
        return None
    # the longer line: line 1 often lost its trailing fillers (a TD3's
    # "P<UTOERIKSSON<<ANNA<MARIA" is 25 characters)
    longest = max(len(x) for x in cleaned)
    width = 44 if abs(longest - 44) <= abs(longest - 36) else 36
    if cleaned[0][:1] == VISA_CODE:
        return VISA_FORMATS[width]
    return "TD3" if width == 44 else "TD2"


def parse_mrz(lines: list[str], today: date | None = None) -> MrzResult | None:
    """Parse 2 or 3 MRZ lines as OCR read them (format from their count, length and the
    document code: V… on two lines is a visa, MRV-A or MRV-B)."""
    raw = list(lines)
    cleaned = [clean_line(x) for x in lines]
    fmt = _format(cleaned)
    if fmt is None:
        return None
    width = FORMATS[fmt][1]
    ls = [_fit(x, width) for x in cleaned]
    if any(len(x) != width for x in ls):
        return None
    repairs: list[str] = []
    return (_parse_td1 if fmt == "TD1" else _parse_two_lines)(fmt, ls, raw, repairs, today)


def _fix(s: str, kind: str, what: str, repairs: list[str]) -> str:
    fixed = _digits(s) if kind == "digit" else _letters(s)
    if fixed != s:
        repairs.append(f"{what}: {s}→{fixed}")
    return fixed


def _parse_two_lines(fmt: str, ls: list[str], raw: list[str], repairs: list[str], today: date | None) -> MrzResult:
    """TD3, TD2, MRV-A and MRV-B: line 1 code, state, name; line 2 number … expiry, then the
    optional data (TD3: with its own check digit; visas: none) and the composite (not visas)."""
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
        "birth_date": _date_check(birth, b_chk),
        "expiry_date": _date_check(expiry, e_chk),
    }
    head = number + n_chk + nat + birth + b_chk + sex + expiry + e_chk
    if fmt in ("MRVA", "MRVB"):
        optional = l2[28:width]  # no check digit, no composite
        fixed_l2 = head + optional
    elif fmt == "TD3":
        optional = l2[28:42]
        o_chk = l2[42]
        comp = _fix(l2[43], "digit", "composite_check", repairs)
        if o_chk != "<" or optional.strip("<"):
            o_chk = _fix(o_chk, "digit", "optional_check", repairs)
            checks["optional"] = _check(optional, o_chk) or (o_chk == "<" and not optional.strip("<"))
        checks["composite"] = _check(number + n_chk + birth + b_chk + expiry + e_chk + optional + o_chk, comp)
        fixed_l2 = head + optional + o_chk + comp
    else:  # TD2
        optional = l2[28:35]
        comp = _fix(l2[35], "digit", "composite_check", repairs)
        checks["composite"] = _check(number + n_chk + birth + b_chk + expiry + e_chk + optional, comp)
        fixed_l2 = head + optional + comp
        long = _long_number(number, l2[9], optional)
        if long:
            number, digit, optional = long
            checks["number"] = _check(number, digit)
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
    long = _long_number(number, l1[14], opt1)
    number_full, number_digit, opt1_rest = long or (number, n_chk, opt1)
    checks = {
        "number": _check(number_full, number_digit),
        "birth_date": _date_check(birth, b_chk),
        "expiry_date": _date_check(expiry, e_chk),
        "composite": _check(l1[5:14] + n_chk + opt1 + birth + b_chk + expiry + e_chk + opt2, comp),
    }
    return MrzResult(
        format=fmt, lines=[l1, l2, l3], raw_lines=raw, document_code=code.rstrip("<"),
        issuing_state=state.replace("<", ""), surname=surname, given_names=given, number=number_full.rstrip("<"),
        nationality=nat.replace("<", ""), birth_date=_yymmdd(birth, "birth", today),
        sex=sex if sex in ("M", "F") else None, expiry_date=_yymmdd(expiry, "expiry", today),
        optional=(opt1_rest.strip("<") + opt2).strip("<"), checks=checks, repairs=repairs)


# --------------------------------------------------------------------------- finding


R = TypeVar("R")


@dataclass
class MrzCandidate(Generic[R]):
    """One MRZ line as found: one OCR box, or two boxes of one row glued."""

    text: str  # cleaned
    raw: str
    refs: list[R] = field(default_factory=list)  # caller's line objects (for evidence)
    first: int = 0  # index of its first and last OCR line
    last: int = 0


def _candidates(lines: list[tuple[str, R]]) -> list[MrzCandidate[R]]:
    """Every line shaped like an MRZ line, and every pair of neighbouring boxes that together
    are one (RapidOCR splits a line into boxes on one row), each pair as an alternative to its
    boxes alone: the parse decides which reading holds."""
    min_piece = confusions().search.min_piece
    cleaned = [clean_line(text) for text, _ in lines]
    out: list[MrzCandidate[R]] = []
    for i, ((text, ref), t) in enumerate(zip(lines, cleaned, strict=True)):
        if _looks_like_mrz(t):
            out.append(MrzCandidate(t, text, [ref], i, i))
        if i + 1 < len(lines):
            u = cleaned[i + 1]
            # glued, the two are one line's width (not a width with fillers to spare: a label
            # box before a full line is no part of it)
            lay = mrz_layout()
            if (min(len(t), len(u)) >= min_piece and re.fullmatch(r"[A-Z0-9<]+", t + u)
                    and not (_looks_like_mrz(t) and _looks_like_mrz(u))
                    and any(abs(len(t + u) - w) <= lay.width_slack for w in lay.widths)):
                out.append(MrzCandidate(t + u, text + lines[i + 1][0], [ref, lines[i + 1][1]], i, i + 1))
    return out


def _groups(cands: list[MrzCandidate[R]], size: int) -> list[list[MrzCandidate[R]]]:
    """In-order groups of `size` candidates that share no OCR line, at most max_gap_lines OCR
    lines apart."""
    gap = confusions().search.max_gap_lines
    groups: list[list[MrzCandidate[R]]] = [[c] for c in cands]
    for _ in range(size - 1):
        groups = [[*g, c] for g in groups for c in cands if 0 < c.first - g[-1].last <= gap + 1]
    return groups


def _accepted(res: MrzResult) -> bool:
    """A zone, not text shaped like one: enough of its fields' check digits verify (the
    composite alone is a 1-in-10 chance on any text), or — every check
    failed, as on a re-typed zone — an MRZ header, a name field with fillers and two dates
    where the dates stand (ordinary text has none of the three)."""
    if sum(res.checks.get(k, False) for k in FIELD_CHECKS) >= confusions().search.min_valid_checks:
        return True
    names = res.lines[2] if res.format == "TD1" else res.lines[0][5:]
    return (bool(mrz_header(res.lines[0])) and "<" in names.rstrip("<")
            and res.birth_date is not None and res.expiry_date is not None)


def _score(res: MrzResult, gaps: int) -> float:
    """Valid check digits less failed ones (formats have different numbers of checks: a visa
    read as a TD3 gains a composite by chance and fails its optional data's); then an MRZ
    header, a name field with fillers (an all-caps heading of the right length has neither) and
    lines that follow each other."""
    names = res.lines[2] if res.format == "TD1" else res.lines[0][5:]
    valid = sum(res.checks.values())
    return (2 * valid - len(res.checks) + (0.5 if mrz_header(res.lines[0]) else 0.0)
            + (0.5 if "<" in names.rstrip("<") else 0.0) - 0.25 * gaps)


def find_mrz(lines: list[tuple[str, R]], today: date | None = None) -> tuple[MrzResult, list[R]] | None:
    """Find and parse the MRZ among OCR lines given as (text, ref) in reading order. Returns the
    parse (preferring one whose checks pass) and the refs of the lines used; None when no group
    of lines parses as a zone (see _accepted)."""
    cands = _candidates(lines)
    best: tuple[MrzResult, list[R]] | None = None
    best_score = -1.0
    for size in (2, 3):
        for group in _groups(cands, size):
            # an upside-down page read by an engine that turns lines: the lines come in reverse
            for order in (group, group[::-1]):
                res = parse_mrz([c.raw for c in order], today)
                if res is None or not _accepted(res):
                    continue
                # a line glued from two boxes counts like a gap: on a tie, the boxes as read win
                gaps = sum(b.first - a.last - 1 for a, b in zip(group, group[1:], strict=False))
                score = _score(res, gaps + sum(c.last - c.first for c in group))
                if best is None or score > best_score:
                    best, best_score = (res, [r for c in order for r in c.refs]), score
    return best


# --------------------------------------------------------------------------- building


def _name_field(surname: str, given: str) -> str:
    return (surname.replace(" ", "<") + ("<<" + given.replace(" ", "<") if given else "")).upper()


def _data_line(number: str, nationality: str, birth: str, sex: str, expiry: str) -> str:
    """Line 2's first 28 characters (TD2, TD3 and visas): number, nationality, dates, sex."""
    num = number.ljust(9, "<")
    return (num + mrz_check_digit(num) + nationality.ljust(3, "<") + birth + mrz_check_digit(birth) + sex
            + expiry + mrz_check_digit(expiry))


def make_td3(document_code: str, state: str, surname: str, given: str, number: str, nationality: str,
             birth: str, sex: str, expiry: str, optional: str = "") -> list[str]:
    """Build a valid TD3 MRZ (used by tests and sample rendering). Dates as YYMMDD."""
    l1 = (document_code.ljust(2, "<") + state.ljust(3, "<") + _name_field(surname, given))[:44].ljust(44, "<")
    head = _data_line(number, nationality, birth, sex, expiry)
    opt = optional.ljust(14, "<")
    o_chk = mrz_check_digit(opt) if optional else "<"
    comp_data = head[0:10] + head[13:20] + head[21:28] + opt + o_chk
    return [l1, head + opt + o_chk + mrz_check_digit(comp_data)]


def make_td2(document_code: str, state: str, surname: str, given: str, number: str, nationality: str,
             birth: str, sex: str, expiry: str, optional: str = "") -> list[str]:
    """Build a valid TD2 MRZ (2×36, ICAO 9303 Part 6). Dates as YYMMDD."""
    l1 = (document_code.ljust(2, "<") + state.ljust(3, "<") + _name_field(surname, given))[:36].ljust(36, "<")
    head = _data_line(number[:9], nationality, birth, sex, expiry)
    if len(number) > 9:  # Part 6: the rest of the number and its check digit open the optional data
        head, optional = head[:9] + "<" + head[10:], number[9:] + mrz_check_digit(number) + "<" + optional
    opt = optional.ljust(7, "<")
    comp_data = head[0:10] + head[13:20] + head[21:28] + opt
    return [l1, head + opt + mrz_check_digit(comp_data)]


def make_td1(document_code: str, state: str, surname: str, given: str, number: str, nationality: str,
             birth: str, sex: str, expiry: str, optional1: str = "", optional2: str = "") -> list[str]:
    """Build a valid TD1 MRZ (3×30, ICAO 9303 Part 5: cards). Dates as YYMMDD."""
    if len(number) > 9:  # Part 5: the rest of the number and its check digit open optional data 1
        num, chk, optional1 = number[:9], "<", number[9:] + mrz_check_digit(number) + "<" + optional1
    else:
        num = number.ljust(9, "<")
        chk = mrz_check_digit(num)
    opt1, opt2 = optional1.ljust(15, "<"), optional2.ljust(11, "<")
    l1 = (document_code.ljust(2, "<") + state.ljust(3, "<") + num + chk + opt1)[:30]
    dates = birth + mrz_check_digit(birth) + sex + expiry + mrz_check_digit(expiry)
    l2 = dates + nationality.ljust(3, "<") + opt2
    comp = mrz_check_digit(l1[5:30] + dates[0:7] + dates[8:15] + opt2)
    l3 = _name_field(surname, given)[:30].ljust(30, "<")
    return [l1, l2 + comp, l3]


def make_mrv(kind: str, document_code: str, state: str, surname: str, given: str, number: str,
             nationality: str, birth: str, sex: str, expiry: str, optional: str = "") -> list[str]:
    """Build a valid machine-readable visa zone (ICAO 9303 Part 7): `kind` "A" (MRV-A, 2×44) or
    "B" (MRV-B, 2×36). `document_code` starts with V; dates as YYMMDD; the optional data (16
    characters on MRV-A, 8 on MRV-B) has no check digit and there is no composite."""
    width = {"A": 44, "B": 36}[kind]
    if not document_code.startswith(VISA_CODE):
        raise ValueError(f"a visa's document code starts with {VISA_CODE}: {document_code!r}")
    l1 = (document_code.ljust(2, "<") + state.ljust(3, "<") + _name_field(surname, given))[:width].ljust(width, "<")
    head = _data_line(number, nationality, birth, sex, expiry)
    return [l1, (head + optional)[:width].ljust(width, "<")]
