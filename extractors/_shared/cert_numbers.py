"""The published structure of Chinese certificate numbers, checked against what the
certificate says (extractors/data/education_numbers.yaml): a mismatch is reported in
`certificate_number_valid` / `certificate_number_reason`, never corrected.

学历证书编号 (diploma): school(5) + 办学类型(1) + year(4) + 培养层次(2) + serial(6, or 5 before 2002).
学位证书编号 (degree, from 2006): unit code(5) + 学位级别(1) + year(4) + serial(6).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from pydantic import BaseModel

from pipeline.core.datafiles import load_bundled


class DiplomaRules(BaseModel):
    lengths: dict[int, int]
    seventeen_until_year: int
    school_types: dict[str, str]
    levels: dict[str, list[str]]
    self_study_first_digit: str
    min_year: int


class DegreeRules(BaseModel):
    length: int
    prefixes: list[str]
    position11_letters: list[str]
    levels: dict[str, list[str]]
    since_year: int
    min_year: int


class NumberRules(BaseModel):
    diploma: DiplomaRules
    degree: DegreeRules


@cache
def number_rules() -> NumberRules:
    return load_bundled("extractors", "data/education_numbers.yaml", NumberRules)


# --------------------------------------------------------------------------- checks


class NumberCheck(BaseModel):
    valid: bool | None  # None: a format that cannot be checked (old or self-study numbers)
    reason: str = ""  # Chinese first, English second; "" when valid
    parts: dict[str, str] = {}


def _level_matches(code_words: list[str], printed_level: str | None) -> bool:
    return printed_level is None or any(w in printed_level or printed_level in w for w in code_words)


def check_diploma_number(number: str, grad_year: int | None = None, level: str | None = None,
                         today: date | None = None) -> NumberCheck:
    """学历证书编号: school(5) + 办学类型(1) + year(4) + 培养层次(2) + serial(6, or 5 before 2002)."""
    r = number_rules().diploma
    n = re.sub(r"\s+", "", number)
    this_year = (today or date.today()).year
    if not n.isdigit():
        return NumberCheck(valid=False, reason="编号含非数字字符 / number contains non-digits")
    if len(n) not in r.lengths:
        return NumberCheck(valid=False, reason=f"编号应为18位（2002年前17位），实为{len(n)}位 / "
                                               f"expected 18 digits (17 before 2002), got {len(n)}")
    if n[0] == r.self_study_first_digit:
        return NumberCheck(valid=None, reason="自学考试编号格式，仅校验长度 / self-study exam format, length checked only",
                           parts={"format": "self_study"})
    parts = {"school_code": n[:5], "school_type": n[5], "year": n[6:10], "level_code": n[10:12], "serial": n[12:]}
    reasons: list[tuple[str, str]] = []
    if n[5] not in r.school_types:
        reasons.append((f"办学类型代码{n[5]}不存在", f"school type code {n[5]} does not exist"))
    year = int(n[6:10])
    if not r.min_year <= year <= this_year:
        reasons.append((f"年份{year}不合理", f"year {year} is implausible"))
    elif grad_year is not None and year != grad_year:
        reasons.append((f"编号年份{year}与毕业年份{grad_year}不符", f"year {year} in the number ≠ graduation year {grad_year}"))
    if len(n) == 17 and year > r.seventeen_until_year:
        reasons.append((f"{year}年的证书编号应为18位", f"a {year} certificate number should have 18 digits"))
    code = n[10:12]
    if code not in r.levels:
        reasons.append((f"培养层次代码{code}不存在", f"level code {code} does not exist"))
    elif not _level_matches(r.levels[code], level):
        reasons.append((f"层次代码{code}（{r.levels[code][0]}）与证书所载“{level}”不符",
                        f"level code {code} ({r.levels[code][0]}) ≠ printed level '{level}'"))
    if not reasons:
        return NumberCheck(valid=True, parts=parts)
    return NumberCheck(valid=False, parts=parts, reason="；".join(z for z, _ in reasons) + " / " + "; ".join(e for _, e in reasons))


def check_degree_number(number: str, grad_year: int | None = None, level: str | None = None,
                        today: date | None = None) -> NumberCheck:
    """学位证书编号: unit code(5) + 学位级别(1: 2 博士/3 硕士/4 学士) + year(4) + serial(6); from 2006."""
    r = number_rules().degree
    n = re.sub(r"\s+", "", number).upper()
    this_year = (today or date.today()).year
    prefix = n[0] if n and n[0] in r.prefixes else ""
    body = n[len(prefix):]
    if len(body) != r.length or not body[:10].isdigit():
        if grad_year is not None and grad_year < r.since_year:
            return NumberCheck(valid=None, reason=f"{r.since_year}年前学位证书编号不统一，未校验 / "
                                                  f"degree numbers before {r.since_year} had no common format")
        return NumberCheck(valid=False, reason=f"编号应为{r.length}位（可带前缀字母{'/'.join(r.prefixes)}），实为“{n}” / "
                                               f"expected {r.length} digits (optional prefix), got '{n}'")
    tail = body[10:]
    if not (tail.isdigit() or (tail[0] in r.position11_letters and tail[1:].isdigit())):
        return NumberCheck(valid=False, reason="序号部分含非数字字符 / serial part contains non-digits")
    parts = {"unit_code": body[:5], "degree_level": body[5], "year": body[6:10], "serial": tail}
    if prefix:
        parts["prefix"] = prefix
    reasons: list[tuple[str, str]] = []
    lv = body[5]
    if lv not in r.levels:
        reasons.append((f"学位级别码{lv}不存在（2博士/3硕士/4学士）", f"degree level code {lv} does not exist"))
    elif not _level_matches(r.levels[lv], level):
        reasons.append((f"学位级别码{lv}（{r.levels[lv][0]}）与证书所载“{level}”不符",
                        f"level code {lv} ({r.levels[lv][0]}) ≠ printed level '{level}'"))
    year = int(body[6:10])
    if not r.min_year <= year <= this_year:
        reasons.append((f"年份{year}不合理", f"year {year} is implausible"))
    elif grad_year is not None and year != grad_year:
        reasons.append((f"编号年份{year}与授予年份{grad_year}不符", f"year {year} in the number ≠ award year {grad_year}"))
    if not reasons:
        return NumberCheck(valid=True, parts=parts)
    return NumberCheck(valid=False, parts=parts, reason="；".join(z for z, _ in reasons) + " / " + "; ".join(e for _, e in reasons))
