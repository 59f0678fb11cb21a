"""Identity documents: resident ID card (front + back), passport data page with a TD3 MRZ,
Hong Kong/Macao and Taiwan residents' travel permits."""

from __future__ import annotations

import math
import random
from datetime import date

from PIL import ImageDraw

from pipeline.core.codes import mrz_check_digit
from samples.people import Applicant, Person, places_data, split_name_zh
from samples.render.base import (
    BLACK,
    CARD_MM,
    PASSPORT_MM,
    DocBuilder,
    Sheet,
    _star,
    d_dots,
    d_icao,
    guilloche,
    photo_placeholder,
    pick_dpi,
    pick_layout,
    round_corners,
)
from samples.render.registry import RenderedDoc, register

SEX_ZH = {"M": "男", "F": "女"}
LABEL_BLUE = (40, 90, 160)

# ---------------------------------------------------------------------------- MRZ (ICAO 9303)

_MRZ_TRANSLIT = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "É": "E", "È": "E", "Ç": "C", "Å": "AA", "Ñ": "N"}



def mrz_name(s: str) -> str:
    s = "".join(_MRZ_TRANSLIT.get(c, c) for c in s.upper())
    return "".join(c if "A" <= c <= "Z" else "<" for c in s.replace("-", " ").replace(" ", "<"))


def _mrz_names(person: Person, width: int) -> str:
    return f"{mrz_name(person.surname_latin)}<<{mrz_name(person.given_latin)}"[:width].ljust(width, "<")


def _mrz_field(value: str, width: int) -> str:
    return value.upper()[:width].ljust(width, "<")


def _dated(d: date | None) -> str:
    return f"{d:%y%m%d}" if d else "<<<<<<"


def _numbered(value: str) -> str:
    """A field followed by its check digit (ICAO 9303 7-3-1)."""
    return value + mrz_check_digit(value)


def _two_line_mrz(code: str, state: str, person: Person, number: str, expiry: date | None, width: int,
                  composite: bool) -> tuple[str, str]:
    """TD3 (44), TD2 (36) and the visas MRV-A (44) / MRV-B (36): line 1 code, state and names;
    line 2 number, nationality, birth date, sex, expiry (each checked) and optional data — a
    passport's and a card's ending in a composite check digit, a visa's without one."""
    line1 = _mrz_field(code, 2) + state + _mrz_names(person, width - 5)
    num, birth, exp = _numbered(_mrz_field(number, 9)), _numbered(_dated(person.birth_date)), _numbered(_dated(expiry))
    head = num + person.nationality + birth + person.sex + exp
    if not composite:
        line2 = head.ljust(width, "<")
    elif width == 44:  # TD3: 14 personal-number characters and their check ('<' when unused)
        line2 = head + "<" * 15
        line2 += mrz_check_digit(num + birth + exp + line2[28:43])
    else:
        line2 = head + "<" * 7
        line2 += mrz_check_digit(num + birth + exp + line2[28:35])
    assert len(line1) == width and len(line2) == width, (line1, line2)
    return line1, line2


def td3_mrz(person: Person, doc_type: str = "P") -> tuple[str, str]:
    """The two 44-character lines of a passport's machine-readable zone."""
    return _two_line_mrz(doc_type, person.nationality, person, person.passport_number or "",
                         person.passport_expiry, 44, composite=True)


def td2_mrz(person: Person, code: str, number: str, expiry: date) -> tuple[str, str]:
    """The two 36-character lines of a TD2 identity card."""
    return _two_line_mrz(code, person.nationality, person, number, expiry, 36, composite=True)


def mrv_mrz(person: Person, code: str, state: str, number: str, expiry: date, width: int) -> tuple[str, str]:
    """A machine-readable visa: MRV-A (width 44) or MRV-B (36), issued by `state`."""
    return _two_line_mrz(code, state, person, number, expiry, width, composite=False)


def td1_mrz(person: Person, code: str, number: str, expiry: date) -> tuple[str, str, str]:
    """The three 30-character lines of a TD1 identity card (printed on its back)."""
    line1 = _mrz_field(code, 2) + person.nationality + _numbered(_mrz_field(number, 9)) + "<" * 15
    line2 = _numbered(_dated(person.birth_date)) + person.sex + _numbered(_dated(expiry)) + person.nationality
    line2 += "<" * 11
    line2 += mrz_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3 = _mrz_names(person, 30)
    assert all(len(x) == 30 for x in (line1, line2, line3)), (line1, line2, line3)
    return line1, line2, line3


# ---------------------------------------------------------------------------- resident ID card

ID_LAYOUTS = ("standard", "hei")
NAME_PT = 9.0
LABEL_PT = 7.5
NAME_FONT: dict[str, str] = {}


@register("resident_id_card")
def render_resident_id_card(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """Second-generation resident ID card, front (page 0) and back (page 1), card size."""
    layout = pick_layout(ID_LAYOUTS, layout, rng)
    p = applicant.person
    if not p.id_number or not p.name_zh:
        raise ValueError("resident_id_card needs a Chinese name and an ID number")
    b = DocBuilder("resident_id_card", layout, dpi=pick_dpi("resident_id_card", layout, rng))
    lf = "hei" if layout == "hei" else "sans"
    vf = "hei" if layout == "hei" else "serif"
    dx, dy = rng.uniform(-0.6, 0.6), rng.uniform(-0.6, 0.6)

    # front
    s = b.page(*CARD_MM, bg=(246, 246, 240))
    guilloche(s, rng, [(220, 228, 238), (236, 222, 214), (214, 232, 226)], density=18)
    photo_placeholder(s, 55.5 + dx, 7.5 + dy, 80.5 + dx, 39 + dy, rng, bg=(246, 246, 240))
    x_l, x_v = 6.0 + dx, 16.5 + dx
    s.text(x_l, 7.5 + dy, "姓  名", lf, LABEL_PT, LABEL_BLUE)
    box = s.text(x_v, 7.0 + dy, p.name_zh, NAME_FONT.get(layout, vf), NAME_PT, BLACK)
    b.set("name", p.name_zh, p.name_zh, box)
    s.text(x_l, 14.0 + dy, "性  别", lf, LABEL_PT, LABEL_BLUE)
    box = s.text(x_v, 13.7 + dy, SEX_ZH[p.sex], vf, 8, BLACK)
    b.set("sex", p.sex, SEX_ZH[p.sex], box)
    s.text(28.0 + dx, 14.0 + dy, "民  族", lf, LABEL_PT, LABEL_BLUE)
    s.text(37.0 + dx, 13.7 + dy, p.ethnicity or "汉", vf, 8, BLACK)
    s.text(x_l, 20.5 + dy, "出  生", lf, LABEL_PT, LABEL_BLUE)
    bd = p.birth_date
    y_box = s.text(x_v, 20.2 + dy, str(bd.year), vf, 8, BLACK)
    s.text(26.0 + dx, 20.5 + dy, "年", lf, LABEL_PT, LABEL_BLUE)
    m_box = s.text(30.5 + dx, 20.2 + dy, str(bd.month), vf, 8, BLACK)
    s.text(34.5 + dx, 20.5 + dy, "月", lf, LABEL_PT, LABEL_BLUE)
    d_box = s.text(38.5 + dx, 20.2 + dy, str(bd.day), vf, 8, BLACK)
    s.text(42.5 + dx, 20.5 + dy, "日", lf, LABEL_PT, LABEL_BLUE)
    b.set("birth_date", bd.isoformat(), None, (y_box[0], y_box[1], d_box[2], max(y_box[3], m_box[3], d_box[3])))
    s.text(x_l, 27.0 + dy, "住  址", lf, LABEL_PT, LABEL_BLUE)
    addr = p.id_address or ""
    y = 26.7 + dy
    per_line = 11
    for i in range(0, len(addr), per_line):
        s.text(x_v, y, addr[i : i + per_line], vf, 8, BLACK)
        y += 4.0
    s.text(x_l, 45.5 + dy, "公民身份号码", lf, LABEL_PT, LABEL_BLUE)
    box = s.text(26.0 + dx, 44.8 + dy, p.id_number, "mono" if layout == "standard" else "dejavu_bold", 10, BLACK)
    b.set("id_number", p.id_number, p.id_number, box)
    s.img = round_corners(s.img, s.px(3.2))
    s.draw = ImageDraw.Draw(s.img)

    # back
    s = b.page(*CARD_MM, bg=(244, 246, 240))
    guilloche(s, rng, [(214, 226, 240), (238, 226, 204)], density=16)
    _emblem(s, 13.5 + dx, 14.5 + dy, 9.5)
    s.text(29.0 + dx, 10.0 + dy, "中华人民共和国", "serif_bold", 12.5, BLACK)
    s.text(26.0 + dx, 20.0 + dy, "居民身份证", "serif_bold", 18, BLACK)
    s.text(15.0 + dx, 38.0 + dy, "签发机关", lf, 6.5, BLACK)
    s.text(29.0 + dx, 37.7 + dy, p.id_authority or "", vf, 8, BLACK)
    s.text(15.0 + dx, 45.0 + dy, "有效期限", lf, 6.5, BLACK)
    vf_from = d_dots(p.id_valid_from) if p.id_valid_from else ""
    until = d_dots(p.id_valid_until) if p.id_valid_until else "长期"
    validity = f"{vf_from}-{until}"
    box, sub = s.text_parts(29.0 + dx, 44.7 + dy, [(vf_from + "-", None), (until, "valid_until")], vf, 8, BLACK)
    if p.id_valid_until:
        b.set("valid_until", p.id_valid_until.isoformat(), until, sub["valid_until"][1])
    _ = validity
    s.img = round_corners(s.img, s.px(3.2))
    b.set("nationality", "CHN")
    return b.build()


def _emblem(s: Sheet, cx: float, cy: float, r: float) -> None:
    """A simplified national emblem: red disc, gold ring and stars (a drawing, not a reproduction)."""
    s.draw.ellipse([s.px(cx - r), s.px(cy - r), s.px(cx + r), s.px(cy + r)], fill=(200, 40, 40),
                   outline=(220, 170, 40), width=s.px(0.8))
    s.draw.polygon([(s.px(x), s.px(y)) for x, y in _star(cx, cy - r * 0.35, r * 0.32)], fill=(240, 200, 60))
    for k in range(4):
        ang = -1.2 + k * 0.45
        sx, sy = cx + r * 0.6 * math.cos(ang), cy - r * 0.1 + r * 0.6 * math.sin(ang)
        s.draw.polygon([(s.px(x), s.px(y)) for x, y in _star(sx, sy, r * 0.1)], fill=(240, 200, 60))
    s.rect(cx - r * 0.5, cy + r * 0.2, cx + r * 0.5, cy + r * 0.5, 0.1, outline=None, fill=(240, 200, 60))


# ---------------------------------------------------------------------------- passport

PASSPORT_LAYOUTS = ("standard", "compact")


@register("passport")
def render_passport(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """Passport data page: visual zone plus a two-line TD3 MRZ; Chinese passports bilingual."""
    layout = pick_layout(PASSPORT_LAYOUTS, layout, rng)
    p = applicant.person
    if not p.passport_number or not p.passport_expiry:
        raise ValueError("passport needs a passport number and expiry")
    pd = places_data()
    chn = p.nationality == "CHN"
    b = DocBuilder("passport", layout, dpi=pick_dpi("passport", layout, rng))
    tint = rng.choice([(238, 232, 244), (232, 240, 236), (244, 238, 228)])
    s = b.page(*PASSPORT_MM, bg=tint)
    guilloche(s, rng, [(210, 200, 225), (200, 220, 210), (225, 210, 200)], density=22)
    country = pd.country_names.get(p.nationality)
    header = "中华人民共和国  PEOPLE'S REPUBLIC OF CHINA" if chn else (country.en if country else p.nationality)
    s.text(PASSPORT_MM[0] / 2, 5.0, header, "sans_bold" if chn else "dejavu_bold", 9, (60, 40, 90), anchor="mt")
    compact = layout == "compact"
    lab_pt, val_pt = (5.0, 8.0) if not compact else (4.6, 7.5)
    lf = "sans" if chn else "dejavu"
    vf = "dejavu_bold" if not compact else "lib_sans_bold"
    photo_placeholder(s, 5, 14, 33, 50, rng)

    def lab(x: float, y: float, zh: str, en: str) -> None:
        s.text(x, y, f"{zh}/{en}" if chn else en, lf, lab_pt, (70, 70, 90))

    x1, x2, x3 = 37.0, 62.0, 92.0
    lab(x1, 13, "类型", "Type")
    s.text(x1, 16, "P", vf, val_pt)
    lab(x2, 13, "国家码", "Code of issuing State" if not chn else "Country Code")
    nat_box = s.text(x2, 16, p.nationality, vf, val_pt)
    lab(x3, 13, "护照号", "Passport No.")
    box = s.text(x3, 16, p.passport_number, vf, val_pt, (150, 20, 30) if chn else BLACK)
    b.set("id_number", p.passport_number, p.passport_number, box)
    y = 21.5
    step = 6.6 if not compact else 6.2
    if chn:
        lab(x1, y, "姓", "Surname")
        sur_zh, given_zh = split_name_zh(p.name_zh or "")
        sb = s.text(x1, y + 2.8, sur_zh, "sans", val_pt)
        sl = s.text(x1 + 10, y + 2.8, p.surname_latin.upper(), vf, val_pt)
        y += step
        lab(x1, y, "名", "Given names")
        gb = s.text(x1, y + 2.8, given_zh, "sans", val_pt)
        gl = s.text(x1 + 10, y + 2.8, p.given_latin.upper(), vf, val_pt)
        b.set("name", p.name_zh or "", None, (sb[0], sb[1], gb[2], gb[3]))
        b.set("name_latin", p.latin_icao, None, (sl[0], sl[1], max(sl[2], gl[2]), gl[3]))
    else:
        lab(x1, y, "", "Surname / Nom")
        sl = s.text(x1, y + 2.8, p.surname_latin.upper(), vf, val_pt)
        y += step
        lab(x1, y, "", "Given names / Prénoms")
        gl = s.text(x1, y + 2.8, p.given_latin.upper(), vf, val_pt)
        b.set("name", p.latin_icao, None, (sl[0], sl[1], max(sl[2], gl[2]), gl[3]))
        b.set("name_latin", p.latin_icao, None, (sl[0], sl[1], max(sl[2], gl[2]), gl[3]))
    y += step
    lab(x1, y, "性别", "Sex")
    sex_txt = f"{SEX_ZH[p.sex]}/{p.sex}" if chn else p.sex
    box = s.text(x1, y + 2.8, sex_txt, "sans" if chn else vf, val_pt)
    b.set("sex", p.sex, sex_txt, box)
    lab(x2 + 8, y, "出生地点", "Place of birth")
    pob = p.birth_place if not chn else f"{p.birth_place}"
    s.text(x2 + 8, y + 2.8, pob, vf, val_pt)
    y += step
    lab(x1, y, "出生日期", "Date of birth")
    box = s.text(x1, y + 2.8, d_icao(p.birth_date), vf, val_pt)
    b.set("birth_date", p.birth_date.isoformat(), d_icao(p.birth_date), box)
    if not chn:
        lab(x2 + 8, y, "", "Nationality")
        s.text(x2 + 8, y + 2.8, country.adj if country else p.nationality, vf, val_pt)
    y += step
    lab(x1, y, "签发日期", "Date of issue")
    if p.passport_issue:
        s.text(x1, y + 2.8, d_icao(p.passport_issue), vf, val_pt)
    lab(x2 + 8, y, "有效期至", "Date of expiry")
    box = s.text(x2 + 8, y + 2.8, d_icao(p.passport_expiry), vf, val_pt)
    b.set("valid_until", p.passport_expiry.isoformat(), d_icao(p.passport_expiry), box)
    y += step
    lab(x1, y, "签发机关", "Authority")
    auth = rng.choice(pd.passport_authorities.get(p.nationality, [""]))
    s.text(x1, y + 2.8, auth, "sans" if chn else vf, val_pt * 0.85)
    b.set("nationality", p.nationality, p.nationality, nat_box)

    l1, l2 = td3_mrz(p)
    mrz_pt = 10.5
    b1 = s.text(5.5, PASSPORT_MM[1] - 15.5, l1, "mono", mrz_pt)
    b2 = s.text(5.5, PASSPORT_MM[1] - 9.5, l2, "mono", mrz_pt)
    b.set("mrz_valid", True, None, (b1[0], b1[1], max(b1[2], b2[2]), b2[3]))
    return b.build()


# ---------------------------------------------------------------------------- travel permits

PERMIT_LAYOUTS = ("card2019", "classic")


def _permit(applicant: Applicant, rng: random.Random, layout: str | None, doc_type: str) -> RenderedDoc:
    layout = pick_layout(PERMIT_LAYOUTS, layout, rng)
    p = applicant.person
    if not p.permit_number or not p.name_zh:
        raise ValueError(f"{doc_type} needs a permit number and a Chinese name")
    hk = doc_type == "hk_macao_permit"
    b = DocBuilder(doc_type, layout, dpi=pick_dpi(doc_type, layout, rng))
    bg = (236, 242, 250) if hk else (240, 246, 236)
    s = b.page(*CARD_MM, bg=bg)
    guilloche(s, rng, [(205, 220, 240), (225, 215, 235)] if hk else [(210, 230, 210), (230, 225, 205)], density=16)
    title_zh = "港澳居民来往内地通行证" if hk else "台湾居民来往大陆通行证"
    title_en = (
        "MAINLAND TRAVEL PERMIT FOR HONG KONG AND MACAO RESIDENTS"
        if hk
        else "MAINLAND TRAVEL PERMIT FOR TAIWAN RESIDENTS"
    )
    classic = layout == "classic"
    s.text(CARD_MM[0] / 2, 2.5, title_zh, "serif_bold" if classic else "sans_bold", 9, (30, 50, 110), anchor="mt")
    s.text(CARD_MM[0] / 2, 7.3, title_en, "dejavu", 4.0, (30, 50, 110), anchor="mt")
    photo_placeholder(s, 4, 13, 24, 39, rng, bg=bg)
    lx = 27.0
    lab_pt, val_pt = 4.2, 7.0
    vf = "sans" if not classic else "serif"
    s.text(lx, 12.0, "姓名 Name", "sans", lab_pt, (60, 60, 90))
    box = s.text(lx, 14.4, p.name_zh, vf, 9, BLACK)
    b.set("name", p.name_zh, p.name_zh, box)
    box = s.text(lx + 20, 15.4, p.latin_icao, "dejavu_bold", 6.2, BLACK)
    b.set("name_latin", p.latin_icao, p.latin_icao, box)
    s.text(lx, 20.2, "出生日期 Date of birth", "sans", lab_pt, (60, 60, 90))
    box = s.text(lx, 22.4, d_dots(p.birth_date), "dejavu", val_pt, BLACK)
    b.set("birth_date", p.birth_date.isoformat(), d_dots(p.birth_date), box)
    s.text(lx + 30, 20.2, "性别 Sex", "sans", lab_pt, (60, 60, 90))
    sex_txt = f"{SEX_ZH[p.sex]}/{p.sex}"
    box = s.text(lx + 30, 22.4, sex_txt, "sans", val_pt, BLACK)
    b.set("sex", p.sex, sex_txt, box)
    s.text(lx, 28.0, "有效期限 Period of validity", "sans", lab_pt, (60, 60, 90))
    frm = d_dots(p.permit_issue) if p.permit_issue else ""
    until = d_dots(p.permit_valid_until) if p.permit_valid_until else ""
    box, sub = s.text_parts(lx, 30.2, [(frm + "-", None), (until, "valid_until")], "dejavu", val_pt, BLACK)
    if p.permit_valid_until:
        b.set("valid_until", p.permit_valid_until.isoformat(), until, sub["valid_until"][1])
    s.text(lx, 35.8, "签发机关 Issuing authority", "sans", lab_pt, (60, 60, 90))
    s.text(lx, 38.0, p.permit_authority or "公安部出入境管理局", "sans", 6.0, BLACK)
    count = f"{rng.randrange(0, 4):02d}"
    s.text(lx + 38, 35.8, "换证次数" if hk else "签发次数", "sans", lab_pt, (60, 60, 90))
    s.text(lx + 38, 38.0, count, "dejavu", val_pt, BLACK)
    s.text(4.0, 46.0, "证件号码", "sans", 5.0, (60, 60, 90))
    box = s.text(15.0, 45.0, p.permit_number, "mono", 11, (170, 20, 30) if classic else BLACK)
    b.set("id_number", p.permit_number, p.permit_number, box)
    b.set("nationality", p.nationality)
    s.img = round_corners(s.img, s.px(3.2))
    return b.build()


@register("hk_macao_permit")
def render_hk_macao_permit(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """港澳居民来往内地通行证 (card type), name in Chinese and Latin letters."""
    return _permit(applicant, rng, layout, "hk_macao_permit")


@register("taiwan_permit")
def render_taiwan_permit(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """台湾居民来往大陆通行证 (card type), 8-digit number."""
    return _permit(applicant, rng, layout, "taiwan_permit")
