"""Proof of working in Taizhou: social-insurance contribution record, labour contract, and
the foreigner's work permit card."""

from __future__ import annotations

import calendar
import random
from datetime import date

from samples.people import Applicant, places_data
from samples.render.base import (
    A4_MM,
    BLACK,
    CARD_MM,
    DocBuilder,
    Table,
    cell_parts,
    d_zh,
    d_zh_padded,
    guilloche,
    photo_placeholder,
    pick_dpi,
    pick_layout,
    round_corners,
    seal,
    signature,
)
from samples.render.registry import RenderedDoc, register

SEX_ZH = {"M": "男", "F": "女"}


def _id_label(applicant: Applicant) -> str:
    return "公民身份号码" if applicant.person.kind in ("chinese", "returnee") else "证件号码"


# ---------------------------------------------------------------------------- social insurance

SI_LAYOUTS = ("detail", "summary")
_RATES = (("养老", 0.08), ("医疗", 0.02), ("失业", 0.005))


@register("social_insurance_record")
def render_social_insurance_record(applicant: Applicant, rng: random.Random,
                                   layout: str | None = None) -> RenderedDoc:
    """泰州市社会保险参保缴费证明: header facts and one ruled row per month paid."""
    layout = pick_layout(SI_LAYOUTS, layout, rng)
    p, e = applicant.person, applicant.employment
    months = e.social_insurance_months
    if not months:
        raise ValueError("social_insurance_record needs at least one month")
    b = DocBuilder("social_insurance_record", layout, dpi=pick_dpi("social_insurance_record", layout, rng))
    w, h = A4_MM
    s = b.page(w, h)
    font = "sans" if layout == "detail" else "serif"
    title = "泰州市社会保险参保缴费证明" if layout == "detail" else "社会保险个人参保证明"
    s.text(w / 2, 16, title, "sans_bold" if layout == "detail" else "serif_bold", 17, anchor="mt")
    s.text(w - 18, 28, f"打印日期：{d_zh_padded(applicant.application.filled_date)}", font, 8.5, anchor="ra")
    name = p.display_name
    id_no = applicant.id_document_number
    first, last = months[0], months[-1]
    start = date(first[0], first[1], 1)
    end = date(last[0], last[1], calendar.monthrange(last[0], last[1])[1])
    start_txt, end_txt = f"{first[0]}年{first[1]:02d}月", f"{last[0]}年{last[1]:02d}月"
    head = Table(s, [18, 42, 95, 125, w - 18], 34, [9, 9, 9])
    head.draw_grid(merged={1: [(1, 3)]})
    head.cell(0, 0, "姓    名", font, 10)
    b.set("name", name, name, head.cell(0, 1, name, font, 10.5, align="left"))
    head.cell(0, 2, _id_label(applicant), font, 9)
    b.set("id_number", id_no, id_no, head.cell(0, 3, id_no, "dejavu", 10, align="left"))
    head.cell(1, 0, "单位名称", font, 10)
    b.set("employer", e.employer, e.employer, head.cell(1, 1, e.employer, font, 10.5, align="left", col_end=3))
    head.cell(2, 0, "参  保  地", font, 10)
    b.set("insured_place", e.insured_place, e.insured_place, head.cell(2, 1, e.insured_place, font, 10, align="left"))
    head.cell(2, 2, "缴费起止", font, 9)
    sub = cell_parts(head, 2, 3, [(start_txt, "period_start"), ("至", None), (end_txt, "period_end")], font, 10)
    b.set("period_start", start.isoformat(), *sub["period_start"])
    b.set("period_end", end.isoformat(), *sub["period_end"])

    row_h = 7.0 if len(months) <= 24 else 5.6
    cols = [18, 30, 58, 88] + [88 + 28 * (i + 1) for i in range(len(_RATES))] + [w - 18]
    t = Table(s, cols, 66, [8] + [row_h] * len(months))
    t.draw_grid()
    for ci, lab in enumerate(["序号", "缴费年月", "缴费基数"] + [f"{n}(个人)" for n, _ in _RATES] + ["缴费状态"]):
        t.cell(0, ci, lab, "sans_bold", 9)
    for i, (y, m, base) in enumerate(months, start=1):
        t.cell(i, 0, str(i), font, 8.5)
        t.cell(i, 1, f"{y}{m:02d}" if layout == "detail" else f"{y}-{m:02d}", "dejavu", 8.5)
        t.cell(i, 2, f"{base:.2f}", "dejavu", 8.5)
        for j, (_, rate) in enumerate(_RATES):
            t.cell(i, 3 + j, f"{base * rate:.2f}", "dejavu", 8.5)
        t.cell(i, 3 + len(_RATES), "已到账" if layout == "detail" else "正常缴费", font, 8.5)
    y_end = t.y_edges[-1] + 6
    _, sub = s.text_parts(18, y_end, [("累计缴费月数：", None), (str(len(months)), "months_paid")], font, 10)
    b.set("months_paid", len(months), *sub["months_paid"])
    s.text(18, y_end + 7, "说明：本证明仅用于证明参保人在本统筹区的参保缴费情况，可通过社保网站核验。", font, 8.5,
           (80, 80, 80))
    agency = f"{e.insured_place}社会保险事业管理中心" if "泰州" in e.insured_place else f"{e.insured_place}社会保险中心"
    s.text(w - 80, y_end + 20, agency, font, 10)
    s.text(w - 70, y_end + 28, d_zh(applicant.application.filled_date), font, 10)
    seal(s, w - 55, y_end + 20, agency, rng, diameter_mm=38, bottom_text="业务专用章")
    return b.build()


# ---------------------------------------------------------------------------- labour contract

CONTRACT_LAYOUTS = ("with_cover", "compact")


@register("labor_contract")
def render_labor_contract(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """劳动合同书 over several pages: parties, term, work place, clauses, seal and signatures."""
    layout = pick_layout(CONTRACT_LAYOUTS, layout, rng)
    p, e = applicant.person, applicant.employment
    b = DocBuilder("labor_contract", layout, dpi=pick_dpi("labor_contract", layout, rng))
    w, h = A4_MM
    font = rng.choice(["serif", "sans"])
    name = p.display_name
    if layout == "with_cover":
        s = b.page(w, h)
        s.text(w / 2, 70, "劳 动 合 同 书", "serif_bold", 32, anchor="mt")
        s.text(w - 30, 30, f"编号：{e.contract_number}", font, 10, anchor="ra")
        s.text(50, 150, "甲方（用人单位）：", font, 14)
        s.text(96, 150, e.employer, font, 14)
        s.line(95, 158, 180, 158, 0.25)
        s.text(50, 170, "乙方（劳动者）：", font, 14)
        s.text(96, 170, name, font, 14)
        s.line(95, 178, 180, 178, 0.25)
        s.text(50, 190, "签订日期：", font, 14)
        s.text(96, 190, d_zh(e.contract_term_start), font, 14)
        s.line(95, 198, 180, 198, 0.25)
        s.text(w / 2, 260, "泰州市人力资源和社会保障局监制", font, 11, anchor="mt")
    s = b.page(w, h)
    s.text(w / 2, 18, "劳动合同书" if layout == "compact" else "劳动合同", "serif_bold", 18, anchor="mt")
    x0, width = 22.0, w - 44
    y = 36.0
    _, sub = s.text_parts(x0, y, [("甲方（用人单位）名称：", None), (e.employer, "employer")], font, 11)
    b.set("employer", e.employer, *sub["employer"])
    s.text(x0, y + 8, f"住所：{e.employer_address}", font, 11)
    s.text(x0, y + 16, f"法定代表人（主要负责人）：{e.legal_rep}", font, 11)
    y += 30
    _, sub = s.text_parts(x0, y, [("乙方（劳动者）姓名：", None), (name, "name")], font, 11)
    b.set("name", name, *sub["name"])
    s.text(x0 + 95, y, f"性别：{SEX_ZH[p.sex]}", font, 11)
    id_no = applicant.id_document_number
    s.text(x0, y + 8, f"{'居民身份证号码' if p.kind in ('chinese', 'returnee') else '有效证件号码'}：{id_no}", font, 11)
    s.text(x0, y + 16, f"联系电话：{p.phone}", font, 11)
    y += 30
    s.text(x0, y, "甲乙双方根据《中华人民共和国劳动法》《中华人民共和国劳动合同法》等法律法规，遵循合法、公平、", font, 10.5)
    s.text(x0, y + 7, "平等自愿、协商一致、诚实信用的原则，订立本合同。", font, 10.5)
    y += 18
    s.text(x0, y, "第一条 合同期限", "sans_bold", 11.5)
    y += 9
    ts = d_zh_padded(e.contract_term_start)
    if e.contract_term_end:
        te = d_zh_padded(e.contract_term_end)
        parts = [("本合同为固定期限劳动合同，合同期限自", None), (ts, "term_start"), ("起至", None), (te, "term_end"),
                 ("止。", None)]
    else:
        parts = [("本合同为无固定期限劳动合同，合同期限自", None), (ts, "term_start"), ("起。", None)]
    y, sub = s.wrap_parts(x0, y, parts, width, font, 10.5, indent_mm=7)
    b.set("term_start", e.contract_term_start.isoformat(), *sub["term_start"])
    if e.contract_term_end:
        b.set("term_end", e.contract_term_end.isoformat(), *sub["term_end"])
    y += 4
    s.text(x0, y, "第二条 工作内容和工作地点", "sans_bold", 11.5)
    y += 9
    parts = [(f"乙方同意根据甲方工作需要，担任{e.position}岗位工作。乙方的工作地点为", None),
             (e.work_location, "work_location"), ("。", None)]
    y, sub = s.wrap_parts(x0, y, parts, width, font, 10.5, indent_mm=7)
    b.set("work_location", e.work_location, *sub["work_location"])
    clauses = [
        ("第三条 工作时间和休息休假", "甲方安排乙方执行标准工时制度，每日工作不超过八小时，每周工作不超过四十小时。"
         "甲方依法安排乙方享受法定节假日、年休假等假期。"),
        ("第四条 劳动报酬", f"乙方月工资为人民币{e.monthly_base}元，甲方每月15日前以货币形式足额支付乙方工资。"),
        ("第五条 社会保险", f"甲方按照国家和省、市有关规定，在{e.insured_place}为乙方办理养老、医疗、失业、"
         "工伤、生育等社会保险，乙方个人缴纳部分由甲方代扣代缴。"),
        ("第六条 劳动保护、劳动条件和职业危害防护", "甲方为乙方提供符合国家规定的劳动安全卫生条件和必要的劳动防护用品。"),
        ("第七条 劳动合同的解除和终止", "双方解除、终止本合同，按照《中华人民共和国劳动合同法》的有关规定执行。"),
        ("第八条 劳动争议处理", "双方因履行本合同发生争议，可以协商解决；协商不成的，可以向劳动人事争议仲裁委员会申请仲裁。"),
    ]
    for head, body in clauses:
        if y > h - 40:
            s = b.page(w, h)
            y = 24.0
        y += 4
        s.text(x0, y, head, "sans_bold", 11.5)
        y += 9
        y = s.wrap(x0 + 7, y, body, width - 7, font, 10.5)
    # signature page
    s = b.page(w, h)
    s.text(x0, 30, "第九条 其他", "sans_bold", 11.5)
    s.wrap(x0 + 7, 39, "本合同一式两份，甲乙双方各执一份，经双方签字盖章后生效。", width - 7, font, 10.5)
    s.text(x0, 80, "甲方（盖章）：", font, 12)
    s.text(x0, 92, e.employer, font, 11)
    s.text(x0, 106, "法定代表人（委托代理人）：", font, 11)
    signature(s, x0 + 58, 105, 26, rng, BLACK)
    s.text(x0, 120, d_zh(e.contract_term_start), font, 11)
    seal(s, x0 + 35, 95, e.employer, rng, diameter_mm=40, bottom_text="合同专用章" if rng.random() < 0.5 else "")
    s.text(x0 + 100, 80, "乙方（签字）：", font, 12)
    signature(s, x0 + 130, 78, 28, rng, (20, 20, 20))
    s.text(x0 + 100, 120, d_zh(e.contract_term_start), font, 11)
    for i, page in enumerate(b.sheets):
        page.text(w / 2, h - 12, f"第 {i + 1} 页 共 {len(b.sheets)} 页", "sans", 8, (100, 100, 100), anchor="mt")
    return b.build()


# ---------------------------------------------------------------------------- work permit

WP_LAYOUTS = ("card", "card_alt")


@register("work_permit")
def render_work_permit(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """中华人民共和国外国人工作许可证 card with bilingual labels."""
    layout = pick_layout(WP_LAYOUTS, layout, rng)
    p, e = applicant.person, applicant.employment
    if not e.work_permit_number or not e.work_permit_valid_until:
        raise ValueError("work_permit needs a permit number and validity")
    b = DocBuilder("work_permit", layout, dpi=pick_dpi("work_permit", layout, rng))
    s = b.page(*CARD_MM, bg=(240, 246, 252))
    guilloche(s, rng, [(200, 220, 245), (230, 215, 235), (215, 235, 225)], density=16)
    s.text(CARD_MM[0] / 2, 2.5, "中华人民共和国外国人工作许可证", "sans_bold", 8.5, (20, 50, 120), anchor="mt")
    s.text(CARD_MM[0] / 2, 7.0, "Foreigner's Work Permit of the People's Republic of China", "dejavu", 4.2,
           (20, 50, 120), anchor="mt")
    alt = layout == "card_alt"
    px0 = 62.0 if alt else 4.0
    photo_placeholder(s, px0, 12, px0 + 19, 36, rng, bg=(240, 246, 252))
    lx = 4.0 if alt else 26.0
    lab_pt, val_pt = 3.9, 6.2
    grey = (70, 70, 100)
    name = p.latin_icao
    s.text(lx, 11.5, "姓名 Name", "sans", lab_pt, grey)
    box = s.text(lx, 13.6, name, "dejavu_bold", s.fit_pt(name, "dejavu_bold", val_pt, 56), BLACK)
    b.set("name", name, name, box)
    s.text(lx, 18.3, "性别 Sex", "sans", lab_pt, grey)
    s.text(lx, 20.4, f"{SEX_ZH[p.sex]}/{p.sex}", "sans", val_pt, BLACK)
    s.text(lx + 16, 18.3, "出生日期 Date of birth", "sans", lab_pt, grey)
    s.text(lx + 16, 20.4, f"{p.birth_date:%Y-%m-%d}", "dejavu", val_pt, BLACK)
    s.text(lx, 25.1, "国籍 Nationality", "sans", lab_pt, grey)
    cn = places_data().country_names.get(p.nationality)
    _, sub = s.text_parts(lx, 27.2, [((cn.zh + " ") if cn else "", None), (p.nationality, "nationality")], "sans",
                          val_pt)
    b.set("nationality", p.nationality, *sub["nationality"])
    s.text(lx + 28, 25.1, "有效期至 Valid until", "sans", lab_pt, grey)
    vu = f"{e.work_permit_valid_until:%Y-%m-%d}"
    box = s.text(lx + 28, 27.2, vu, "dejavu", val_pt, BLACK)
    b.set("valid_until", e.work_permit_valid_until.isoformat(), vu, box)
    s.text(lx, 31.9, "工作单位 Employer", "sans", lab_pt, grey)
    box = s.text(lx, 34.0, e.employer, "sans", s.fit_pt(e.employer, "sans", val_pt, 56), BLACK)
    b.set("employer", e.employer, e.employer, box)
    s.text(4.0, 41.5, "证件号码 Permit No.", "sans", lab_pt, grey)
    box = s.text(4.0, 44.0, e.work_permit_number, "mono", 9.5, (150, 20, 30))
    b.set("permit_number", e.work_permit_number, e.work_permit_number, box)
    s.text(CARD_MM[0] - 4, 50.5, "国家外国专家局 State Administration of Foreign Experts Affairs", "sans", 3.4, grey,
           anchor="rm")
    s.img = round_corners(s.img, s.px(3.2))
    return b.build()
