"""Appendix 2: 国际职业资格比照认定专业技术资格申报表, the ruled form of the policy, filled in,
with the employer's red seal in the 单位意见 box when application.unit_seal is True."""

from __future__ import annotations

import random

from samples.people import Applicant
from samples.render.base import (
    A4_MM,
    BLACK,
    DocBuilder,
    Table,
    cell_parts,
    d_zh,
    pick_dpi,
    pick_layout,
    seal,
    signature,
)
from samples.render.registry import RenderedDoc, register

SEX_ZH = {"M": "男", "F": "女"}
FORM_LAYOUTS = ("typed", "typed_serif")
TITLE = "国际职业资格比照认定专业技术资格申报表"

# Column x-edges (mm) and the form's rows, as in Appendix 2.
_XS = [18.0, 46.0, 80.0, 104.0, 134.0, 158.0, 192.0]
_ROWS = [13, 13, 15, 15, 17, 17, 15, 46, 38, 34]


@register("application_form")
def render_application_form(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """The filled Appendix 2 form: every value from applicant.application / person / employment."""
    layout = pick_layout(FORM_LAYOUTS, layout, rng)
    p, e, a = applicant.person, applicant.employment, applicant.application
    b = DocBuilder("application_form", layout, dpi=pick_dpi("application_form", layout, rng))
    w, h = A4_MM
    s = b.page(w, h)
    lab = "serif" if layout == "typed_serif" else "sans"
    val = "sans" if layout == "typed_serif" else "serif"
    pt = 10.5
    s.text(18, 14, "附件2", "sans", 10)
    s.text(w / 2, 24, TITLE, "sans_bold" if layout == "typed" else "serif_bold", 16, anchor="mt")
    t = Table(s, _XS, 38, list(_ROWS))
    merged = {
        1: [(3, 5)],
        2: [(0, 1), (2, 5)],
        3: [(2, 3), (4, 5)],
        4: [(2, 3), (4, 5)],
        5: [(0, 1), (2, 3)],
        6: [(0, 2), (3, 5)],
        7: [(1, 2), (4, 5)],
        8: [(1, 5)],
        9: [(1, 5)],
    }
    t.draw_grid(merged)
    name = p.display_name
    # row 0
    t.cell(0, 0, "姓  名", lab, pt)
    b.set("name", name, name, t.cell(0, 1, name, val, pt + 0.5))
    t.cell(0, 2, "性  别", lab, pt)
    sex = SEX_ZH[p.sex]
    b.set("sex", p.sex, sex, t.cell(0, 3, sex, val, pt))
    t.cell(0, 4, "联系电话", lab, pt)
    t.cell(0, 5, p.phone, "dejavu", pt - 1)
    # row 1
    t.cell(1, 0, "证件类型", lab, pt)
    b.set("id_type", a.id_type, a.id_type, t.cell(1, 1, a.id_type, val, pt - 0.5))
    t.cell(1, 2, "证件号码", lab, pt)
    id_no = applicant.id_document_number
    b.set("id_number", id_no, id_no, t.cell(1, 3, id_no, "dejavu", pt, col_end=5))
    # row 2
    t.cell(2, 0, "现工作单位及职务", lab, pt, col_end=1)
    sub = cell_parts(t, 2, 2, [(e.employer, "employer"), ("  ", None), (a.position, None)], val, pt,
                     col_end=5)
    b.set("employer", e.employer, *sub["employer"])
    # row 3
    t.cell(3, 0, "参加工作时间", lab, pt)
    ws = a.work_start_date or e.start_date
    t.cell(3, 1, f"{ws.year}年{ws.month}月", val, pt)
    t.cell(3, 2, "现从事专业及工作年限", lab, pt, col_end=3)
    t.cell(3, 4, f"{a.current_profession}  {a.years_in_profession}年", val, pt, col_end=5)
    # row 4
    t.cell(4, 0, "最高学历", lab, pt)
    t.cell(4, 1, a.highest_education, val, pt)
    t.cell(4, 2, "毕业院校、专业及时间", lab, pt, col_end=3)
    _two_lines(t, 4, 4, 5, a.school_major_time, val, pt - 1)
    # row 5
    t.cell(5, 0, "职业资格译名及目录序号", lab, pt - 0.5, col_end=1)
    sub = cell_parts(t, 5, 2, [(a.qualification_name_zh, None), ("（目录序号", None),
                               (str(a.catalog_number), "catalog_number"), ("）", None)], val, pt, col_end=3)
    b.set("catalog_number", a.catalog_number, *sub["catalog_number"])
    t.cell(5, 4, "取得时间", lab, pt)
    t.cell(5, 5, f"{a.acquired_date.year}年{a.acquired_date.month}月", val, pt)
    # row 6
    t.cell(6, 0, "申请认定专业技术资格名称及所属系列（专业）", lab, pt - 1, col_end=2)
    sep = "  " if layout == "typed" else "（"
    tail = "" if layout == "typed" else "）"
    sub = cell_parts(t, 6, 3, [(a.requested_title, "requested_title"), (sep, None),
                               (a.requested_series, "requested_series"), (tail, None)], val, pt + 0.5, col_end=5)
    b.set("requested_title", a.requested_title, *sub["requested_title"])
    b.set("requested_series", a.requested_series, *sub["requested_series"])
    # row 7: opinions
    ys = t.y_edges
    t.cell(7, 0, "单位意见", lab, pt)
    x_u0, x_u1 = _XS[1], _XS[3]
    s.text(x_u0 + 4, ys[7] + 6, "情况属实，同意推荐。", val, pt)
    s.text(x_u1 - 20, ys[8] - 16, "（公章）", lab, pt - 1)
    s.text(x_u1 - 26, ys[8] - 8, d_zh(a.filled_date), val, pt - 1)
    signature(s, x_u0 + 6, ys[8] - 12, 16, rng, BLACK)
    if a.unit_seal:
        box = seal(s, (x_u0 + x_u1) / 2 + 2, ys[7] + 24, e.employer, rng, diameter_mm=38)
        b.set("unit_seal_present", True, None, box)
    else:
        b.set("unit_seal_present", False, None, (s.px(x_u0), s.px(ys[7]), s.px(x_u1), s.px(ys[8])))
    t.cell(7, 3, "行政主管部门意见", lab, pt - 1)
    s.text(_XS[5] + 6, ys[8] - 16, "（公章）", lab, pt - 1)
    s.text(_XS[5] - 2, ys[8] - 8, "年    月    日", lab, pt - 1)
    # rows 8-9: the officials' boxes (left blank but for the printed wording)
    _two_lines(t, 8, 0, 0, "市（区）职称部门或市直部门意见", lab, pt - 0.5)
    s.wrap(_XS[1] + 4, ys[8] + 5, "经审核，该申报人符合比照认定申报条件，申报材料真实、有效，同意推荐上报。",
           _XS[-1] - _XS[1] - 8, lab, pt - 0.5)
    s.text(_XS[-1] - 50, ys[9] - 16, "（公章）", lab, pt - 1)
    s.text(_XS[-1] - 56, ys[9] - 8, "年    月    日", lab, pt - 1)
    t.cell(9, 0, "泰州市职称部门意见", lab, pt - 1)
    s.text(_XS[1] + 4, ys[9] + 5, "经审议认定，该同志具备                    专业技术资格。", lab, pt - 0.5)
    s.text(_XS[-1] - 50, ys[10] - 16, "（公章）", lab, pt - 1)
    s.text(_XS[-1] - 56, ys[10] - 8, "年    月    日", lab, pt - 1)
    s.text(18, ys[10] + 6, "注：本表一式两份，用A4纸双面打印。", lab, 8.5, (90, 90, 90))
    return b.build()


def _two_lines(t: Table, row: int, c0: int, c1: int, text: str, fnt: str, pt: float) -> None:
    """Long cell text on up to two lines."""
    s = t.sheet
    x0, x1 = t.x_edges[c0] + 1.5, t.x_edges[c1 + 1] - 1.5
    y0, y1 = t.y_edges[row], t.y_edges[row + 1]
    if s.width_of(text, fnt, pt) <= x1 - x0:
        s.text(x0, (y0 + y1) / 2, text, fnt, pt, anchor="lm")
        return
    cut = len(text)
    while cut > 1 and s.width_of(text[:cut], fnt, pt) > x1 - x0:
        cut -= 1
    space = text.rfind(" ", 0, cut)
    if space > cut // 2:
        cut = space
    first, second = text[:cut].rstrip(), text[cut:].strip()
    pt2 = s.fit_pt(second, fnt, pt, x1 - x0)
    s.text(x0, y0 + (y1 - y0) * 0.3, first, fnt, pt, anchor="lm")
    s.text(x0, y0 + (y1 - y0) * 0.72, second, fnt, pt2, anchor="lm")
