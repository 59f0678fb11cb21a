"""外国人工作许可证 (Foreigner's Work Permit): holder, permit number, nationality, employer and
validity — the checks compare the employer with the other documents and the validity with the
application date (WORK_PERMIT_EXPIRED).

The card is bilingual (姓名 Name, 国籍 Nationality …), values beside or under the labels.
`nationality` is an ISO 3166 alpha-3 code when the printed country is recognised (raw as
printed); a Latin name is given as "SURNAME, GIVEN NAMES" (surname first, as the card prints it,
or before the comma).
"""

from __future__ import annotations

import re

from extractors import register
from extractors._shared.context import DocContext, Hit, sub_hit
from extractors._shared.education_words import country_of, phrases
from extractors._shared.employer import employer_pattern
from extractors._shared.labels import labeled, pattern_for
from extractors._shared.sex import parse_sex
from extractors._shared.text import clean_name, compact
from pipeline.core.dates import find_dates
from pipeline.core.models import DocType, ExtractedField
from pipeline.core.names import format_latin_name
from pipeline.core.text import has_han

DT = "work_permit"


def latin_name(text: str) -> str:
    """'SMITH, JOHN PAUL' / 'SMITH JOHN PAUL' → 'SMITH, JOHN PAUL' (the card prints the surname first)."""
    t = clean_name(text)
    if "," in t:
        s, _, g = t.partition(",")
        return format_latin_name(s, g)
    parts = t.split()
    return format_latin_name(parts[0], " ".join(parts[1:])) if parts else t


def nationality_code(text: str) -> str | None:
    c = compact(text)
    m = re.search(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])", c)
    if m and m.group(1) in phrases().countries:
        return m.group(1)
    for code, ctry in phrases().countries.items():
        if ctry.zh in c:
            return code
    found = country_of(c)
    return found[0] if found else (m.group(1) if m else None)


@register(DocType.WORK_PERMIT)
def extract_work_permit(ctx: DocContext) -> dict[str, ExtractedField]:
    out: dict[str, ExtractedField] = {}
    name = labeled(ctx, DT, "name", pattern=pattern_for(DT, "name"))
    if name:
        raw = compact(name.text)
        if has_han(raw):
            out["name"] = ctx.field(clean_name(raw), name)
        else:
            out["name"] = ctx.field(latin_name(raw), name)
    # the permit number is the card's only long run of digits: a line of its own is safest
    own_line = pattern_for(DT, "permit_number_line")
    num = next((Hit(compact(ln.text), ln.bbox, [ln], "line:permit_number", 0.9) for ln in ctx.lines
                if re.fullmatch(own_line, compact(ln.text).replace(" ", ""))), None)
    num = num or labeled(ctx, DT, "permit_number", pattern=pattern_for(DT, "permit_number"))
    if num:
        out["permit_number"] = ctx.field(re.sub(r"[\s\-]", "", num.text).upper(), num)
    nat = labeled(ctx, DT, "nationality")
    if nat:
        code = nationality_code(nat.text)
        out["nationality"] = ctx.field(code or compact(nat.text), nat, confidence=nat.conf * (1.0 if code else 0.6))
    emp = labeled(ctx, DT, "employer", pattern=employer_pattern(DT).pattern) or labeled(ctx, DT, "employer")
    if emp:
        out["employer"] = ctx.field(compact(emp.text), emp)
    for fname in ("valid_until", "issue_date"):
        h = labeled(ctx, DT, fname)
        ds = find_dates(h.text) if h else []
        if h and ds:
            out[fname] = ctx.field(ds[-1].iso if fname == "valid_until" else ds[0].iso,
                                   sub_hit(h, ds[-1].start, ds[-1].end) if fname == "valid_until"
                                   else sub_hit(h, ds[0].start, ds[0].end))
    if "valid_until" not in out:  # the latest date on the card that is not the birth date
        bd_hit = labeled(ctx, DT, "birth")
        birth = {d.iso for d in find_dates(bd_hit.text)} if bd_hit else set()
        cands = [(d, ln) for ln in ctx.lines for d in find_dates(compact(ln.text)) if d.iso not in birth]
        if cands:
            d, ln = max(cands, key=lambda t: t[0].iso)
            if not birth or d.iso > min(birth):
                out["valid_until"] = ctx.field(d.iso, Hit(d.iso, ln.bbox, [ln], "latest_date", 0.7))
    sex = labeled(ctx, DT, "sex")
    if sex and parse_sex(sex.text):
        out["sex"] = ctx.field(parse_sex(sex.text), sex)
    bd = labeled(ctx, DT, "birth")
    bds = find_dates(bd.text) if bd else []
    if bd and bds:
        out["birth_date"] = ctx.field(bds[0].iso, bd)
    return out
