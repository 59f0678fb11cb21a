"""国外学历学位认证书 (CSCSE, 教育部留学服务中心): who, which foreign degree, and the
certificate's own number and date.

Two layouts are in circulation: the older prose certificate ("张伟，男，……于2015年5月获得美国
麻省理工学院授予的理学硕士学位……", numbered 教留服认美[2016]012345号 with the country's
character and the year) and the newer table with labels (颁证院校, 所获学位, 获得学位时间, a
numeric 认证书编号). Labels are tried first, the prose formula second.
"""

from __future__ import annotations

import re
from datetime import date

from extractors import register
from extractors._shared.context import DocContext, Hit, sub_hit
from extractors._shared.education_words import (
    add_level_code,
    country_of,
    country_zh_prefix,
    level_en,
    level_zh,
    phrases,
)
from extractors._shared.labels import labeled, pattern_for
from extractors._shared.prose import Prose
from extractors._shared.text import clean_name, compact
from pipeline.core.dates import find_dates
from pipeline.core.models import DocType, ExtractedField
from pipeline.core.text import HAN

DT = "overseas_degree_certification"
CSCSE_NUMBER = re.compile(rf"教\s*留\s*服\s*认\s*(?P<c>[{HAN}])\s*[\[(]\s*(?P<y>\d{{4}})\s*[\])]\s*(?P<n>\d{{3,7}})\s*号?")
NUMERIC_NUMBER = re.compile(r"(?:No\.?|编号)\s*:?\s*(?P<n>[A-Z]{0,3}\d{6,12})")


def _number(ctx: DocContext, prose: Prose) -> tuple[Hit | None, str, dict[str, str]]:
    """(hit, normalised number, parts) for either numbering scheme."""
    h = prose.search(CSCSE_NUMBER, 0, "regex:教留服认")
    if h:
        m = CSCSE_NUMBER.search(compact(h.text))
        if m:
            number = f"教留服认{m['c']}[{m['y']}]{m['n']}号"
            return h, number, {"format": "country_year", "country_char": m["c"], "year": m["y"], "serial": m["n"]}
    lab = labeled(ctx, DT, "certificate_number", pattern=pattern_for(DT, "certificate_number"))
    if lab is None:
        lab = prose.search(NUMERIC_NUMBER, "n", "regex:No.")
    if lab:
        number = re.sub(r"\s+", "", lab.text)
        return lab, number, {"format": "numeric"}
    return None, "", {}


@register(DocType.OVERSEAS_DEGREE_CERTIFICATION)
def extract_overseas_degree_certification(ctx: DocContext) -> dict[str, ExtractedField]:
    prose = Prose.of(ctx)
    t = prose.text
    out: dict[str, ExtractedField] = {}

    # name: label 姓名, else the sentence "张伟，男，1990年…出生"
    name = labeled(ctx, DT, "name", pattern=pattern_for(DT, "name"))
    if name is None:
        name = prose.search(rf"(?:^|[\s。号])(?P<n>[{HAN}·]{{2,6}}?)\s*[,，]\s*(?:性别\s*:?\s*)?[男女]\s*[,，]", "n", "prose:姓名，性别")
    if name:
        out["name"] = ctx.field(clean_name(name.text), name)

    hit, number, parts = _number(ctx, prose)
    if hit:
        out["certificate_number"] = ctx.field(number, hit)

    # institution + country: labels; else the sentences "在美国Purdue University学习…专业，获得…" or
    # "获得美国麻省理工学院(…)授予的理学硕士学位"
    inst = (prose.search(r"在\s*(?P<i>[^,，。\d]{2,80}?)\s*学习", "i", "prose:在…学习")
            or prose.search(r"获得\s*(?P<i>[^。]{2,120}?)\s*(?:授予|颁发)\s*的", "i", "prose:获得…授予")
            or labeled(ctx, DT, "institution"))
    country: str | None = None
    ctry_hit = labeled(ctx, DT, "country", pattern=pattern_for(DT, "country"))
    if ctry_hit:
        pz = country_zh_prefix(compact(ctry_hit.text))
        country = pz[0] if pz else None
    if inst:
        school = compact(inst.text)
        pz = country_zh_prefix(school)
        if pz:
            country = country or pz[0]
            school = school[len(pz[1]):].strip()
            inst = sub_hit(inst, len(inst.text) - len(school), len(inst.text)) if inst.text.endswith(school) else inst
        out["institution"] = ctx.field(school, inst)
    if country is None:
        cm = country_of(inst.text if inst else "", t)
        if cm:
            country = cm[0]
    if country is None and parts.get("country_char"):
        country = phrases().cscse_country_chars.get(parts["country_char"])
    if country:
        src = ctry_hit or inst or hit
        out["country"] = ctx.field(country, src, method="label:国家" if ctry_hit else "keyword:country",
                                   confidence=(src.conf if src else 0.5) * (1.0 if ctry_hit else 0.9))

    # degree as printed: label 所获学位, else "获得Master of Science（硕士学位）" / "授予的理学硕士学位"
    deg_hit = (prose.search(r"获得\s*(?P<d>[^,，。()]{2,60}?)\s*\(\s*(?:学士|硕士|博士)学位\s*\)", "d", "prose:获得…(学位)")
               or prose.search(rf"授予\s*的\s*(?P<d>[{HAN}]{{0,10}}(?:学士|硕士|博士))\s*学位", "d", "prose:授予的…学位")
               or labeled(ctx, DT, "level"))
    if deg_hit:
        deg_text = re.sub(r"\s*\(.*$", "", compact(deg_hit.text)).strip()
        deg_text = re.sub(r"学位$", "", deg_text)
        out["level"] = ctx.field(deg_text, deg_hit)
        lz = level_zh(compact(deg_hit.text), degree=True)
        if lz or level_en(deg_text):
            add_level_code(ctx, out)
    mj = (prose.search(r"学习\s*(?P<m>[^,，。\d]{2,60}?)\s*专业", "m", "prose:学习…专业")
          or labeled(ctx, DT, "major", pattern=pattern_for(DT, "major")))
    if mj:
        out["major"] = ctx.field(compact(mj.text), mj)

    # dates: 获得学位时间 (label or "于…获得"), issue date (label or the last date)
    gd = labeled(ctx, DT, "graduation_date")
    gdates = find_dates(gd.text, month_ok=True) if gd else []
    if gd and gdates:
        out["graduation_date"] = ctx.field(gdates[0].iso, gd, confidence=gd.conf * (0.8 if gdates[0].precision == "month" else 1))
    else:
        m = re.search(r"(?:学位授予日期为|获得学位时间为)\s*(?P<d>[^,，。]{6,24})", t) or \
            re.search(r"于\s*(?P<d>[^,，。至]{6,24}?)\s*获得", t)
        if m:
            ds = find_dates(m.group("d"), month_ok=True)
            if ds:
                h = prose.hit(m.start("d"), m.end("d"), "prose:于…获得", 0.8 if ds[0].precision == "day" else 0.65)
                out["graduation_date"] = ctx.field(ds[0].iso, h, raw=m.group("d"))
    idh = labeled(ctx, DT, "issue_date")
    idates = find_dates(idh.text) if idh else []
    if idh and idates:
        out["issue_date"] = ctx.field(idates[0].iso, idh)
    else:
        day_dates = [d for d in find_dates(t) if not t[d.end:d.end + 2].startswith(("出生", "生"))]
        grad = out.get("graduation_date")
        if day_dates and day_dates[-1].iso != (grad.value if grad else None):
            d = day_dates[-1]
            out["issue_date"] = ctx.field(d.iso, prose.hit(d.start, d.end, "prose:last_date", 0.75))

    if hit:
        valid, reason = _check(parts, out)
        out["certificate_number_valid"] = ctx.derived(valid, out["certificate_number"], "rule:cscse_number")
        out["certificate_number_reason"] = ctx.derived(reason, out["certificate_number"], "rule:cscse_number")
    return out


def _check(parts: dict[str, str], out: dict[str, ExtractedField]) -> tuple[bool | None, str]:
    """教留服认美[2016]012345号: the year is the certification year, not before the degree."""
    if parts.get("format") != "country_year":
        return (None, "数字编号，格式未校验 / numeric number, format not checked") if parts else (None, "")
    reasons: list[tuple[str, str]] = []
    year = int(parts["year"])
    if not 1990 <= year <= date.today().year:
        reasons.append((f"编号年份{year}不合理", f"year {year} in the number is implausible"))
    grad = out.get("graduation_date")
    if grad and grad.value and year < int(str(grad.value)[:4]):
        reasons.append((f"认证年份{year}早于获得学位年份", f"certification year {year} before the degree"))
    iss = out.get("issue_date")
    if iss and iss.value and int(str(iss.value)[:4]) != year:
        reasons.append((f"编号年份{year}与认证日期不符", f"year {year} ≠ issue date {iss.value}"))
    cc = parts.get("country_char")
    known = phrases().cscse_country_chars
    ctry = out.get("country")
    if cc in known and ctry and ctry.value and known[cc] != ctry.value:
        reasons.append((f"编号国别“{cc}”与国家“{ctry.value}”不符", f"country character '{cc}' ≠ country '{ctry.value}'"))
    if not reasons:
        return True, ""
    return False, "；".join(z for z, _ in reasons) + " / " + "; ".join(e for _, e in reasons)
