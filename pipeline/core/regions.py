"""GB/T 2260 administrative division codes: the first six digits of a resident ID number.

An ID number keeps the code of the place where it was first issued for life, so a code
abolished decades ago is genuine on a card handed in today, and a card issued at a later
re-registration keeps the old code: a code is known if it was ever in use, and the birth year
is never held against the years a code was in use (they are reported for the reviewer).

The table is the union of two sources:
- python-stdnum's `cn/loc.dat` (a maintained dependency, read where it is installed): every
  code since 1980 with the years it was in use and its names over time;
- pipeline/data/region_codes.yaml: what loc.dat lacks — the residence-permit codes of Hong
  Kong, Macao and Taiwan, codes of the ministry's revisions that it does not list, the classes
  of codes GB/T 2260 reserves (province-administered county-level units, development zones'
  statistical codes) and name corrections, each entry with its source.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from pydantic import BaseModel, field_validator

from pipeline.core.datafiles import load_bundled

_SIX = re.compile(r"\d{6}")
_YEARS = re.compile(r"\[(\d{4})?-(\d{4})?\]")


class Region(BaseModel):
    """One code: its names (newest last) and the years it was in use (None: open-ended)."""

    code: str
    names: list[str]
    first_year: int | None = None
    last_year: int | None = None
    source: str = "python-stdnum cn/loc.dat"

    @property
    def years(self) -> str:
        if self.first_year is None and self.last_year is None:
            return ""
        return f"{self.first_year or ''}–{self.last_year or ''}"


class _Entry(BaseModel):
    name: str
    years: str = ""  # "1995-1996", "1983-", "-1986"
    source: str

    @field_validator("years")
    @classmethod
    def _years(cls, v: str) -> str:
        if v and not _YEARS.fullmatch(f"[{v}]"):
            raise ValueError(f"years {v!r} is not 'YYYY-YYYY', 'YYYY-' or '-YYYY'")
        return v


class _Reserved(BaseModel):
    """A class of codes GB/T 2260 reserves (a regex over the six digits); it applies only under
    a listed parent, the code's first four digits and 00 (329000 for 329015)."""

    pattern: str
    meaning: str
    source: str


class RegionSources(BaseModel):
    special: dict[str, _Entry]
    supplement: dict[str, _Entry]
    reserved: list[_Reserved]
    corrections: dict[str, _Entry]  # a name loc.dat gives wrong
    generic_names: list[str]  # a parent's name that says only what kind of unit it is (市辖区)

    @field_validator("special", "supplement", "corrections")
    @classmethod
    def _six_digits(cls, v: dict[str, _Entry]) -> dict[str, _Entry]:
        for code in v:
            if not _SIX.fullmatch(code):
                raise ValueError(f"region code {code!r} is not six digits")
        return v


@cache
def region_sources() -> RegionSources:
    return load_bundled("pipeline", "data/region_codes.yaml", RegionSources)


def _span(text: str) -> tuple[int | None, int | None]:
    m = _YEARS.fullmatch(f"[{text}]") if text else None
    if not m:
        return None, None
    return (int(m.group(1)) if m.group(1) else None), (int(m.group(2)) if m.group(2) else None)


def _parse_loc_dat(text: str) -> dict[str, Region]:
    """loc.dat: a province line `11 province="北京市"`, then `  0101 county="[1983-]东城区,…"`."""
    out: dict[str, Region] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, attrs = line.strip().partition(" ")
        if not line.startswith(" "):
            province = code
            continue
        m = re.search(r'county="([^"]*)"', attrs)
        if not m or len(province + code) != 6:
            continue
        names: list[str] = []
        spans: list[tuple[int | None, int | None]] = []
        for part in m.group(1).split(","):
            years = _YEARS.match(part)
            spans.append(_span(years.group(0)[1:-1]) if years else (None, None))
            names.append(part[years.end():] if years else part)
        starts = [a for a, _ in spans if a is not None]
        ends = [b for _, b in spans if b is not None]
        first = min(starts) if len(starts) == len(spans) else None
        last = max(ends) if len(ends) == len(spans) else None
        out[province + code] = Region(code=province + code, names=names, first_year=first, last_year=last)
    return out


@cache
def region_table() -> dict[str, Region]:
    """Every known code: loc.dat, then the data file's supplement, special codes and corrections."""
    loc = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    table = _parse_loc_dat(loc)
    src = region_sources()
    for code, e in {**src.supplement, **src.special, **src.corrections}.items():
        first, last = _span(e.years)
        table[code] = Region(code=code, names=[e.name], first_year=first, last_year=last, source=e.source)
    return table


class RegionInfo(BaseModel):
    code: str
    known: bool
    name: str | None = None
    level: str = ""  # "province" | "prefecture" | "county" | "special" | "" (unknown)
    years: str = ""  # the years the code was in use ("1983–1986"), "" when still in use
    historical: bool = False  # no longer in use
    source: str = ""


def _level(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    return "prefecture" if code[4:] == "00" else "county"


def region_info(code: str) -> RegionInfo:
    """Look a six-digit code up: listed, or in a reserved class under a listed parent."""
    table = region_table()
    src = region_sources()
    hit = table.get(code)
    if hit is not None:
        if code in src.special:
            return RegionInfo(code=code, known=True, name=hit.names[-1], level="special", source=hit.source)
        return RegionInfo(code=code, known=True, name=_full_name(code, hit.names[-1]), level=_level(code),
                          years=hit.years, historical=hit.last_year is not None, source=hit.source)
    for r in src.reserved:
        if re.fullmatch(r.pattern, code) and code[:4] + "00" in table:
            return RegionInfo(code=code, known=True, name=_full_name(code, r.meaning), level="county", source=r.source)
    return RegionInfo(code=code, known=False)


def _full_name(code: str, own: str) -> str:
    """'江苏省泰州市海陵区': the province's and the prefecture's names before the code's own."""
    table = region_table()
    generic = set(region_sources().generic_names)
    parts = [table[p].names[-1] for p in dict.fromkeys((code[:2] + "0000", code[:4] + "00"))
             if p != code and p in table and table[p].names[-1] not in generic]
    return "".join(dict.fromkeys([*parts, own]))
