"""Diplomas and degree certificates, Chinese and foreign (diploma.py and degree_certificate.py:
the two papers carry the same facts in slightly different words).

Chinese certificates are prose ("学生张三，性别男，……在本校机械工程专业四年制本科学习……"), so
fields are read from sentences joined across OCR lines, with labels (校名, 证书编号) where
printed. The certificate number's structure is checked (extractors._shared.cert_numbers).
Foreign diplomas are read from their formulae ("has conferred upon … the degree of …").
"""

from __future__ import annotations

import re

from extractors._shared.cert_numbers import check_degree_number, check_diploma_number, number_rules
from extractors._shared.context import DocContext, Hit, sub_hit
from extractors._shared.education_words import add_level_code, country_of, level_zh, phrases
from extractors._shared.labels import labeled, pattern_for
from extractors._shared.prose import Prose
from extractors._shared.text import cjk_brackets, clean_name, compact
from pipeline.core.dates import DateHit, find_dates
from pipeline.core.digits import digits_only
from pipeline.core.models import ExtractedField
from pipeline.core.text import HAN, has_han

_SCHOOL_END = r"(?:大学|学院|学校|研究院|研究所|科学院|分校|党校)"


def _birth_like(text: str, d: DateHit) -> bool:
    after = text[d.end:d.end + 3]
    before = text[max(0, d.start - 14):d.start].lower()
    return after.startswith(("生", "出生")) or "出生" in before or "geboren" in before or "born" in before \
        or "birth" in before


def _date_field(ctx: DocContext, prose: Prose, d: DateHit, method: str, weight: float = 0.8) -> ExtractedField:
    hit = prose.hit(d.start, d.end, method, weight * (0.8 if d.precision == "month" else 1.0))
    return ctx.field(d.iso, hit)


def extract_education(ctx: DocContext, doc_type: str, degree: bool) -> dict[str, ExtractedField]:
    """Fields of a diploma (`degree=False`) or degree certificate, Chinese or foreign."""
    text = ctx.text
    cjk_chars = len(re.findall(f"[{HAN}]", text))
    latin_chars = len(re.findall(r"[A-Za-z]", text))
    if has_han(text) and cjk_chars * 3 >= latin_chars:
        return _chinese(ctx, doc_type, degree)
    return _foreign(ctx, doc_type)


def _chinese(ctx: DocContext, doc_type: str, degree: bool) -> dict[str, ExtractedField]:
    prose = Prose.of(ctx)
    t = prose.text
    out: dict[str, ExtractedField] = {}

    # name: "学生张三，性别男" / "研究生 张三 性别 男" / "张三，男，一九九〇年三月十二日生"
    name_hit = (prose.search(rf"(?:学生|研究生|姓名)\s*:?\s*(?P<n>[{HAN}·]{{2,6}}?)\s*[,，]?\s*(?:性别|[,，]\s*[男女]\s*[,，])", "n",
                             "prose:学生…性别")
                or prose.search(rf"(?:^|[\s。])(?P<n>[{HAN}·]{{2,6}}?)\s*[,，]\s*(?:性别\s*)?[男女]\s*[,，]", "n",
                                "prose:姓名，性别"))
    if name_hit is None:
        name_hit = labeled(ctx, doc_type, "name")
    if name_hit:
        out["name"] = ctx.field(clean_name(name_hit.text), name_hit)
    sex = prose.search(r"(?:性别\s*:?\s*|[,，]\s*)(?P<s>[男女])\s*[,，]", "s", "prose:性别")
    if sex:
        out["sex"] = ctx.field("M" if sex.text == "男" else "F", sex)

    # institution: label 校名 / 学位授予单位, else "在XX大学…学习", else a line that is a school name
    inst = labeled(ctx, doc_type, "institution")
    if inst is not None and not re.search(_SCHOOL_END + r"$", compact(inst.text)):
        inst = None
    if inst is None:
        inst = prose.search(rf"在\s*(?P<i>[{HAN}()]{{2,30}}?(?:大学|学院|学校|研究院|研究所|科学院|分校)"
                            rf"(?:\s*[(（][{HAN}]{{1,6}}[)）])?)", "i", "prose:在…大学")  # 中国石油大学（华东）
    if inst is None:
        generic = {compact(g) for g in phrases().generic_school_lines}
        for ln in ctx.lines:
            c = compact(ln.text)
            m = re.fullmatch(rf"(?:校名:?)?([{HAN}()]{{2,30}}(?:大学|学院|学校|研究院|科学院|分校))", c)
            if m and m.group(1) not in generic:
                inst = Hit(m.group(1), ln.bbox, [ln], "line:school_name", 0.8)
                break
    if inst:
        out["institution"] = ctx.field(cjk_brackets(compact(inst.text)), inst)

    # major: "在本校机械工程及自动化专业" / "在XX大学 机械工程 学科(专业)" / label 专业
    # "专业" may be broken over two lines ("医学检验技术专\n业完成了…")
    major = prose.search(rf"在\s*(?:本校|本院|[{HAN}()]{{2,30}}?(?:大学|学院|研究院|研究所|科学院|分校)"
                         rf"(?:\s*[(（][{HAN}]{{1,6}}[)）])?)?\s*"
                         rf"(?:[A-Za-z|]\s+)?(?P<m>[{HAN}()A-Za-z]{{2,30}}?)\s*(?:学科\s*\(?\s*专\s*业\s*\)?|专\s*业)", "m",
                         "prose:…专业")
    if major is None:
        major = labeled(ctx, doc_type, "major")
    if major:
        out["major"] = ctx.field(compact(major.text).strip("()"), major)

    # level
    lv = level_zh(t, degree)
    if lv is None and not degree:
        lv = level_zh(t, True)  # graduate diplomas print "硕士" in the title
        if lv is not None:
            lv = (lv[0] + "研究生" if lv[0] in ("硕士", "博士") else lv[0], lv[1], lv[2])
    if lv:
        out["level"] = ctx.field(lv[0], prose.hit(lv[1], lv[2], "prose:level", 0.85))
        add_level_code(ctx, out)
    if degree:  # the level as printed is the degree's name: 授予工学学士学位 → 工学学士
        dn = prose.search(rf"授予\s*(?P<d>[{HAN}]{{0,8}}?(?:学士|硕士|博士))\s*(?:专业)?\s*学位", "d", "prose:授予…学位")
        if dn:
            out["level"] = ctx.field(compact(dn.text), dn)
            add_level_code(ctx, out)

    # dates: graduation = the certificate's date line (last date that is not a birth date),
    # else the end of the study period "至二〇一二年六月"
    dates = find_dates(t, "DMY", month_ok=True)
    day_dates = [d for d in dates if d.precision == "day" and not _birth_like(t, d)]
    study_end = None
    m_end = re.search(r"至\s*", t)
    if m_end:
        study_end = next((d for d in dates if d.start >= m_end.end() and d.start - m_end.end() <= 2), None)
    if day_dates:
        out["graduation_date"] = _date_field(ctx, prose, day_dates[-1], "prose:date_line", 0.85)
    elif study_end:
        out["graduation_date"] = _date_field(ctx, prose, study_end, "prose:study_end", 0.7)
    else:  # OCR lost the day ("二〇〇一年六月"): the last month date that is not a birth date
        months = [d for d in dates if not _birth_like(t, d)]
        if months:
            out["graduation_date"] = _date_field(ctx, prose, months[-1], "prose:date_line_month", 0.6)

    # certificate number
    num_hit = labeled(ctx, doc_type, "certificate_number", pattern=pattern_for(None, "chinese_certificate_number"))
    if num_hit is None:
        num_hit = ctx.search(r"(?<![\d])(?:[A-Z]\s?)?\d(?:\s?\d){15,17}(?!\d)")
    if num_hit:
        raw = num_hit.text
        prefix = raw.strip()[0] if raw.strip()[:1].isalpha() and raw.strip()[:1] in "ZTC" else ""
        number = prefix + _number_groups(raw.strip()[len(prefix):], degree)
        out["certificate_number"] = ctx.field(number, num_hit)
        grad = out.get("graduation_date")
        year = int(str(grad.value)[:4]) if grad and grad.value else None
        printed_level = str(out["level"].value) if "level" in out else None
        chk = (check_degree_number(number, year, printed_level) if degree
               else check_diploma_number(number, year, printed_level))
        out["certificate_number_valid"] = ctx.derived(chk.valid, out["certificate_number"], "rule:number_structure")
        out["certificate_number_reason"] = ctx.derived(chk.reason, out["certificate_number"], "rule:number_structure")
    out["country"] = ctx.field("CHN", inst or name_hit, method="script:chinese",
                               confidence=0.9 if (inst or name_hit) else 0.5)
    return out


# foreign -------------------------------------------------------------------------------------

_NAME_INTRO = (r"(?:conferred\s+up\s*on|admitted\s+to|confers\s+up\s*on|confer\s+up\s*on|conferred\s+on|awarded\s+to|"
               r"certif(?:y|ies)\s+that|verleiht|verliehen\s+an|that)")
_NAME_STOP = (r"(?=\s+(?i:the\s+degree|a\s+degree|has\s|have\s|who\s|having\s|was\s|is\s|with\s|for\s|"
              r"den\s+akademischen|the\s+academic|upon\s|in\s+recognition|the\s+title|born\s|geboren)|\s*,|\s*$)")
_DEGREE = (r"(?P<d>(?:Bachelor|Master|Doctor|Associate|Magister|Diplom-Ingenieur)(?:'s)?\b"
           r"(?:\s+(?:of|in|and|&|der|des)\b|\s+(?!(?:Given|With|Conferred|Dated|Done|This|Signed|President|Dean|"
           r"Registrar|In\s+Witness|Awarded|On|At)\b)[A-Z][\w\-]*|\s*\([A-Za-z.\s]{2,12}\))*)")


def _number_groups(text: str, degree: bool) -> str:
    """The digits of a number OCR may have split by spaces ('1035 9199 …'), but not the date
    printed after it on the same line ('103591997551717319 1997年6月20日'): space-separated
    groups are joined while they fit the longest number of that kind."""
    rules = number_rules()
    longest = rules.degree.length if degree else max(rules.diploma.lengths)
    digits = ""
    for group in text.split():
        d = digits_only(group)
        if digits and len(digits) + len(d) > longest:
            break
        digits += d
    return digits


def _foreign(ctx: DocContext, doc_type: str) -> dict[str, ExtractedField]:
    prose = Prose.of(ctx)
    t = prose.text
    out: dict[str, ExtractedField] = {}

    inst = None
    for ln in ctx.lines:
        c = compact(ln.text)
        if re.search(r"\b(?:University|Universit[äa]t|Institute|College|Hochschule|School\s+of|Polytechnic|"
                     r"Université|Universiteit|Academy)\b", c, re.IGNORECASE) and len(c) <= 90:
            inst = Hit(c.strip(" ,."), ln.bbox, [ln], "line:institution", 0.85)
            break
    if inst:
        out["institution"] = ctx.field(inst.text, inst)

    name = prose.search(r"(?i:" + _NAME_INTRO + r")\s*:?\s*(?:Mr\.?\s+|Ms\.?\s+|Mrs\.?\s+|Herrn?\s+|Frau\s+)?"
                        r"(?P<n>[A-ZÀ-Ý][A-Za-zÀ-ÿ'\-]*(?:[ ,]+[A-ZÀ-Ý][A-Za-zÀ-ÿ'\-]*){0,4})" + _NAME_STOP,
                        "n", "prose:conferred upon")
    if name is None:
        name = labeled(ctx, doc_type, "name")
    if name:
        out["name"] = ctx.field(clean_name(name.text), name)

    deg = prose.search(r"(?i:degree\s+of|akademischen\s+Grad(?:es)?|title\s+of|the\s+degree)\s*:?\s*" + _DEGREE, "d",
                       "prose:degree of")
    if deg is None:
        deg = prose.search(_DEGREE, "d", "prose:degree")
    if deg:
        dname = re.sub(r"\s+(?:of|in|and|&|der|des)$", "", compact(deg.text)).strip()
        mm = re.search(r"\s+in\s+(?P<m>[A-Z][\w&\- ]+)$", dname)
        level_text = dname[:mm.start()] if mm else dname
        out["level"] = ctx.field(level_text, sub_hit(deg, 0, len(level_text)))
        add_level_code(ctx, out)
        if mm:
            out["major"] = ctx.field(mm.group("m").strip(), sub_hit(deg, deg.text.find(mm.group("m")),
                                                                      deg.text.find(mm.group("m")) + len(mm.group("m"))))
    if "major" not in out:
        mj = labeled(ctx, doc_type, "major") or prose.search(
            r"(?:major(?:ing)?\s+in|in\s+the\s+field\s+of|Studiengang|Fachrichtung)\s*:?\s*(?P<m>[A-Z][\w&\- ]{2,60}?)"
            r"(?=\s*(?:,|\.|$|with|on\s|given))", "m", "prose:major in")
        if mj:
            out["major"] = ctx.field(compact(mj.text), mj)

    ctry = country_of(inst.text if inst else "", t)
    if ctry:
        out["country"] = ctx.field(ctry[0], inst, method=f"keyword:{ctry[1]}",
                                   confidence=(inst.conf if inst else 0.6) * 0.9)
    order = "MDY" if ctry and ctry[0] == "USA" else "DMY"
    dates = [d for d in find_dates(t, order) if not _birth_like(t, d)]
    if dates:
        out["graduation_date"] = _date_field(ctx, prose, dates[-1], "prose:date", 0.85)

    num = labeled(ctx, doc_type, "certificate_number", pattern=pattern_for(None, "foreign_certificate_number"))
    if num is None:
        num = prose.search(r"(?:Diploma|Certificate|Serial|Registration)\s*(?:No\.?|Number|#)\s*:?\s*(?P<v>[A-Z0-9][A-Z0-9\-/]{3,24})",
                           "v", "prose:number", re.IGNORECASE)
    if num:
        out["certificate_number"] = ctx.field(re.sub(r"\s+", "", num.text), num)
    return out
