"""Education documents: Chinese 毕业证书 and 学士学位证书, foreign diplomas in English, and
the CSCSE 国外学历学位认证书 that returnees with foreign degrees hand in."""

from __future__ import annotations

import random

from samples.people import Applicant, Education, names_data, places_data
from samples.render.base import (
    A4_MM,
    BLACK,
    DocBuilder,
    Table,
    border_pattern,
    cell_parts,
    d_long,
    d_zh,
    d_zh_numerals,
    photo_placeholder,
    pick_dpi,
    pick_layout,
    seal,
    signature,
)
from samples.render.registry import RenderedDoc, register

SEX_ZH = {"M": "男", "F": "女"}
YEARS_ZH = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}
ORDINAL_DAYS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
    "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
    "twentieth", "twenty-first", "twenty-second", "twenty-third", "twenty-fourth", "twenty-fifth", "twenty-sixth",
    "twenty-seventh", "twenty-eighth", "twenty-ninth", "thirtieth", "thirty-first",
]


def _official_name(rng: random.Random) -> str:
    """A decorative signatory name (not a truth field)."""
    nd = names_data()
    return rng.choice(nd.surnames_zh).zh + "".join(c.zh for c in rng.sample(nd.given_zh, rng.choice([1, 2])))


def _pick_education(applicant: Applicant, index: int | None, foreign: bool | None) -> Education:
    eds = applicant.education
    if index is not None:
        return eds[index]
    cands = [e for e in eds if foreign is None or e.foreign == foreign]
    if not cands:
        raise ValueError("applicant has no matching education entry")
    return cands[-1]


# ---------------------------------------------------------------------------- diploma

DIPLOMA_LAYOUTS = ("classic", "modern", "trustees", "conferred")
_FOREIGN_DIPLOMA = ("trustees", "conferred")


@register("diploma")
def render_diploma(applicant: Applicant, rng: random.Random, layout: str | None = None,
                   education_index: int | None = None) -> RenderedDoc:
    """毕业证书 for a Chinese education, an English diploma for a foreign one.

    Without education_index the highest education is drawn; the layout must suit it.
    """
    ed = _pick_education(applicant, education_index, None)
    allowed = _FOREIGN_DIPLOMA if ed.foreign else ("classic", "modern")
    if layout is None:
        layout = rng.choice(allowed)
    pick_layout(DIPLOMA_LAYOUTS, layout, rng)
    if layout not in allowed:
        raise ValueError(f"layout {layout!r} does not suit a {'foreign' if ed.foreign else 'Chinese'} education")
    if ed.foreign:
        return _foreign_diploma(applicant, ed, rng, layout)
    return _chinese_diploma(applicant, ed, rng, layout)


def _chinese_diploma(applicant: Applicant, ed: Education, rng: random.Random, layout: str) -> RenderedDoc:
    p = applicant.person
    name = p.display_name
    b = DocBuilder("diploma", layout, dpi=pick_dpi("diploma", layout, rng))
    classic = layout == "classic"
    w, h = (A4_MM[1], A4_MM[0]) if classic else A4_MM
    s = b.page(w, h, bg=(253, 251, 244) if classic else (255, 255, 255))
    border_pattern(s, 8, (170, 60, 50) if classic else (40, 80, 150), rng)
    tf = "serif_bold" if classic else "sans_bold"
    bf = "serif" if classic else "sans"
    start = ed.start_date or ed.graduation_date.replace(year=ed.graduation_date.year - ed.years)
    if classic:
        s.text(w / 2, 24, "普通高等学校", tf, 20, (150, 30, 30), anchor="mt")
        s.text(w / 2, 36, "毕 业 证 书", tf, 30, (150, 30, 30), anchor="mt")
        photo_placeholder(s, 28, 62, 58, 102, rng)
        x0, width, y = 75.0, w - 75 - 30, 64.0
    else:
        s.text(w / 2, 30, "普通高等学校毕业证书", tf, 24, (30, 60, 130), anchor="mt")
        photo_placeholder(s, w / 2 - 16, 50, w / 2 + 16, 92, rng)
        x0, width, y = 28.0, w - 56, 110.0
    sex = SEX_ZH[p.sex]
    parts: list[tuple[str, str | None]] = [
        ("学生", None), (name, "name"), (f"，性别{sex}，{d_zh(p.birth_date)}生，于{start.year}年{start.month}月至"
                                          f"{ed.graduation_date.year}年{ed.graduation_date.month}月在本校", None),
        (ed.major, "major"), (f"专业{YEARS_ZH.get(ed.years, str(ed.years))}年制", None), (ed.level, "level"),
        ("学习，修完教学计划规定的全部课程，成绩合格，准予毕业。", None),
    ]
    y, sub = s.wrap_parts(x0, y, parts, width, bf, 14, leading=2.0, indent_mm=10)
    for k in ("name", "major", "level"):
        b.set(k, {"name": name, "major": ed.major, "level": ed.level}[k], sub[k][0], sub[k][1])
    y += 12
    inst_box, isub = s.text_parts(x0, y, [("校    名：", None), (ed.institution, "institution")], bf, 13)
    b.set("institution", ed.institution, ed.institution, isub["institution"][1])
    seal(s, x0 + 58, y - 3, ed.institution, rng, diameter_mm=36)
    s.text(x0 + width * 0.55, y, "校（院）长：", bf, 13)
    signature(s, x0 + width * 0.55 + 32, y + 3, 28, rng, BLACK)
    y += 16
    num_box, nsub = s.text_parts(x0, y, [("证书编号：", None), (ed.diploma_number or "", "certificate_number")],
                                 bf, 12)
    b.set("certificate_number", ed.diploma_number or "", ed.diploma_number, nsub["certificate_number"][1])
    date_txt = d_zh_numerals(ed.graduation_date) if classic else d_zh(ed.graduation_date)
    box = s.text(x0 + width * 0.55, y, date_txt, bf, 13)
    b.set("graduation_date", ed.graduation_date.isoformat(), date_txt, box)
    s.text(w / 2, h - 20, "中华人民共和国教育部学历证书查询网址：http://www.chsi.com.cn", bf, 8, (90, 90, 90),
           anchor="mt")
    b.set("country", ed.country)
    return b.build()


def _foreign_diploma(applicant: Applicant, ed: Education, rng: random.Random, layout: str) -> RenderedDoc:
    p = applicant.person
    name = f"{p.given_latin} {p.surname_latin.title()}"
    b = DocBuilder("diploma", layout, dpi=pick_dpi("diploma", layout, rng))
    w, h = A4_MM[1], A4_MM[0]
    s = b.page(w, h, bg=(252, 250, 242))
    border_pattern(s, 9, (30, 50, 90), rng)
    gothic = "lib_serif_bold"
    x_c = w / 2
    box = s.text(x_c, 26, ed.institution, gothic, 30, (20, 30, 70), anchor="mt")
    b.set("institution", ed.institution, ed.institution, box)
    y = 52.0
    if layout == "trustees":
        s.text(x_c, y, f"{ed.trustees}", "lib_serif_italic", 14, anchor="mt")
        s.text(x_c, y + 8, "on the recommendation of the Faculty, have conferred upon", "lib_serif_italic", 14,
               anchor="mt")
    else:
        s.text(x_c, y, "Be it known that", "lib_serif_italic", 14, anchor="mt")
        s.text(x_c, y + 8, "having completed the studies and satisfied the requirements, has been admitted to",
               "lib_serif_italic", 13, anchor="mt")
        y += 0
    box = s.text(x_c, y + 22, name, "lib_serif_bold", 26, anchor="mt")
    b.set("name", name, name, box)
    s.text(x_c, y + 40, "the degree of", "lib_serif_italic", 14, anchor="mt")
    box = s.text(x_c, y + 50, ed.level, "lib_serif_bold", 22, anchor="mt")
    b.set("level", ed.level, ed.level, box)
    box_in = s.text(x_c - 40, y + 66, "in", "lib_serif_italic", 14, anchor="mt")
    box = s.text(x_c - 34, y + 65, ed.major, "lib_serif_bold", 16, anchor="lt")
    _ = box_in
    b.set("major", ed.major, ed.major, box)
    s.text(x_c, y + 80, "with all the rights, privileges and honors thereunto appertaining.", "lib_serif_italic", 13,
           anchor="mt")
    g = ed.graduation_date
    if layout == "trustees":
        parts: list[tuple[str, str | None]] = [(f"Given at {ed.city or ''}, on ", None), (d_long(g), "graduation_date")]
    else:
        parts = [("Conferred on ", None), (f"{g.day} {d_long(g).split(' ')[0]} {g.year}", "graduation_date")]
    _, sub = s.text_parts(x_c - s.width_of("".join(t for t, _ in parts), "lib_serif", 12.5) / 2, y + 94, parts,
                          "lib_serif", 12.5)
    b.set("graduation_date", g.isoformat(), *sub["graduation_date"])
    for i, role in enumerate(("President", "Dean of the Faculty" if layout == "trustees" else "Registrar")):
        xs = 55 + i * (w - 150)
        signature(s, xs, h - 45, 40, rng, BLACK)
        s.line(xs - 5, h - 38, xs + 45, h - 38, 0.25)
        s.text(xs + 20, h - 36, role, "lib_serif", 11, anchor="mt")
    seal(s, x_c, h - 36, ed.institution.upper(), rng, diameter_mm=34, color=(160, 130, 40), alpha=170)
    box, sub = s.text_parts(w - 80, h - 20, [("Diploma No. ", None), (ed.diploma_number or "", "certificate_number")],
                            "lib_sans", 9)
    b.set("certificate_number", ed.diploma_number or "", ed.diploma_number, sub["certificate_number"][1])
    b.set("country", ed.country)
    return b.build()


# ---------------------------------------------------------------------------- degree certificate

DEGREE_LAYOUTS = ("classic", "modern")


@register("degree_certificate")
def render_degree_certificate(applicant: Applicant, rng: random.Random, layout: str | None = None,
                              education_index: int | None = None) -> RenderedDoc:
    """学士学位证书 of a Chinese education (the highest Chinese one unless education_index is given)."""
    layout = pick_layout(DEGREE_LAYOUTS, layout, rng)
    ed = _pick_education(applicant, education_index, False if education_index is None else None)
    if ed.foreign:
        raise ValueError("degree_certificate renders Chinese degrees; foreign degrees are on the diploma")
    p = applicant.person
    name = p.display_name
    b = DocBuilder("degree_certificate", layout, dpi=pick_dpi("degree_certificate", layout, rng))
    classic = layout == "classic"
    w, h = A4_MM
    s = b.page(w, h, bg=(255, 253, 247) if classic else (255, 255, 255))
    border_pattern(s, 10, (160, 120, 40) if classic else (40, 90, 60), rng)
    tf = "serif_bold" if classic else "sans_bold"
    bf = "serif" if classic else "sans"
    s.text(w / 2, 32, "学士学位证书", tf, 30, (140, 30, 30) if classic else (30, 70, 50), anchor="mt")
    photo_placeholder(s, w / 2 - 16, 58, w / 2 + 16, 100, rng)
    parts: list[tuple[str, str | None]] = [
        (name, "name"),
        (f"，{SEX_ZH[p.sex]}，{d_zh(p.birth_date)}生。在", None),
        (ed.institution, "institution"),
        ("", None),
        (ed.major, "major"),
        ("专业完成了本科学习计划，业已毕业。经审核符合《中华人民共和国学位条例》的规定，授予", None),
        (ed.degree, "level"),
        ("学位。", None),
    ]
    y, sub = s.wrap_parts(28, 118, parts, w - 56, bf, 14, leading=2.0, indent_mm=10)
    for k, v in (("name", name), ("institution", ed.institution), ("major", ed.major), ("level", ed.degree)):
        b.set(k, v, sub[k][0], sub[k][1])
    y += 18
    s.text(w - 110, y, f"{ed.institution}", bf, 13)
    s.text(w - 110, y + 9, "校  长" if classic else "学位评定委员会主席", bf, 12)
    signature(s, w - 72, y + 12, 26, rng, BLACK)
    seal(s, w - 70, y + 8, ed.institution, rng, diameter_mm=40)
    date_txt = d_zh_numerals(ed.graduation_date) if classic else d_zh(ed.graduation_date)
    box = s.text(w - 110, y + 24, date_txt, bf, 13)
    b.set("graduation_date", ed.graduation_date.isoformat(), date_txt, box)
    box, nsub = s.text_parts(28, h - 30, [("证书编号：", None), (ed.degree_number or "", "certificate_number")], bf, 11)
    b.set("certificate_number", ed.degree_number or "", ed.degree_number, nsub["certificate_number"][1])
    b.set("country", ed.country)
    return b.build()


# ---------------------------------------------------------------------------- CSCSE certification

CSCSE_LAYOUTS = ("table", "letter")


@register("overseas_degree_certification")
def render_overseas_degree_certification(applicant: Applicant, rng: random.Random, layout: str | None = None,
                                         education_index: int | None = None) -> RenderedDoc:
    """教育部留学服务中心 国外学历学位认证书 for the (last) foreign education."""
    layout = pick_layout(CSCSE_LAYOUTS, layout, rng)
    ed = _pick_education(applicant, education_index, True if education_index is None else None)
    if not ed.foreign or not ed.cscse_number:
        raise ValueError("overseas_degree_certification needs a foreign education with a CSCSE number")
    p = applicant.person
    name = p.display_name
    country_zh = places_data().country_names.get(ed.country)
    czh = country_zh.zh if country_zh else ed.country
    b = DocBuilder("overseas_degree_certification", layout, dpi=pick_dpi("overseas_degree_certification", layout, rng))
    w, h = A4_MM
    s = b.page(w, h)
    s.text(w / 2, 22, "教育部留学服务中心", "sans_bold", 14, (30, 60, 120), anchor="mt")
    s.text(w / 2, 30, "Chinese Service Center for Scholarly Exchange, Ministry of Education", "dejavu", 8,
           (30, 60, 120), anchor="mt")
    s.line(25, 38, w - 25, 38, 0.6, (30, 60, 120))
    s.text(w / 2, 48, "国外学历学位认证书", "serif_bold", 22, anchor="mt")
    box, nsub = s.text_parts(w - 25, 64, [("编号：", None), (ed.cscse_number, "certificate_number")], "serif", 11,
                             anchor="ra")
    b.set("certificate_number", ed.cscse_number, ed.cscse_number, nsub["certificate_number"][1])
    start = ed.start_date or ed.graduation_date
    degree_zh = ("硕士" if ed.level.startswith("Master") else "学士") + "学位"
    if layout == "table":
        t = Table(s, [25, 60, w - 25], 74, [12, 12, 12, 12, 12, 14, 12, 12, 40])
        t.draw_grid()
        rows = [
            ("姓    名", name, "name"),
            ("性    别", SEX_ZH[p.sex], None),
            ("出生日期", d_zh(p.birth_date), None),
            ("就读学校", "", "institution"),
            ("学习时间", f"{start.year}年{start.month}月至{ed.graduation_date.year}年{ed.graduation_date.month}月", None),
            ("所学专业", ed.major, "major"),
            ("所获学位", ed.level, "level"),
            ("学位授予日期", d_zh(ed.graduation_date), "graduation_date"),
        ]
        for i, (lab, val, key) in enumerate(rows):
            t.cell(i, 0, lab, "serif", 11)
            if key == "institution":
                sub = cell_parts(t, i, 1, [(f"{czh} ", None), (ed.institution, "institution")], "serif", 11)
                b.set("institution", ed.institution, *sub["institution"])
                continue
            box = t.cell(i, 1, val, "serif", 11, align="left")
            if key == "name":
                b.set("name", name, name, box)
            elif key == "major":
                b.set("major", ed.major, ed.major, box)
            elif key == "level":
                b.set("level", ed.level, ed.level, box)
            elif key == "graduation_date":
                b.set("graduation_date", ed.graduation_date.isoformat(), val, box)
        t.cell(8, 0, "认证意见", "serif", 11)
        yy = t.y_edges[8] + 6
        opinion = (f"经审核，该证书为{ed.institution_zh or czh + ed.institution}颁发的{degree_zh}证书，"
                   f"证书真实有效，所获学位相当于我国{degree_zh}。")
        s.wrap(62, yy, opinion, w - 25 - 64, "serif", 11)
    else:
        parts: list[tuple[str, str | None]] = [
            (name, "name"), (f"，{SEX_ZH[p.sex]}，{d_zh(p.birth_date)}出生，于{start.year}年{start.month}月至"
                             f"{ed.graduation_date.year}年{ed.graduation_date.month}月在{czh}", None),
            (ed.institution, "institution"), ("学习", None), (ed.major, "major"), ("专业，获得", None),
            (ed.level, "level"), ("（", None), (degree_zh, None), ("），学位授予日期为", None),
            (d_zh(ed.graduation_date), "graduation_date"), ("。", None),
        ]
        y, sub = s.wrap_parts(25, 80, parts, w - 50, "serif", 12.5, leading=2.0, indent_mm=9)
        for k, v in (("name", name), ("institution", ed.institution), ("major", ed.major), ("level", ed.level)):
            b.set(k, v, sub[k][0], sub[k][1])
        b.set("graduation_date", ed.graduation_date.isoformat(), sub["graduation_date"][0],
              sub["graduation_date"][1])
        y += 8
        s.text(25, y, "认证意见：", "serif_bold", 12.5)
        s.wrap(25, y + 9, f"该学位证书真实有效，所获学位相当于我国{degree_zh}。", w - 50, "serif", 12.5)
    cdate = ed.cscse_date or ed.graduation_date
    dtxt = d_zh(cdate)
    s.text(w - 75, h - 62, "教育部留学服务中心", "serif", 12)
    s.text(w - 72, h - 52, dtxt, "serif", 12)
    seal(s, w - 55, h - 56, "教育部留学服务中心", rng, diameter_mm=40, bottom_text="认证专用章")
    s.text(25, h - 22, "本认证书可在教育部留学服务中心网站查询验证。", "sans", 8, (90, 90, 90))
    b.set("country", ed.country)
    return b.build()

