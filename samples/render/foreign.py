"""A foreigner's other identity papers: the Chinese visa pages in the passport (a Z work visa
with an MRV-A zone, a residence permit with an MRV-B zone) and their national identity card
(a TD1 card, front and back with the 3-line MRZ; a TD2 card, one side). Printed wording is data
(samples/data/foreign_papers.yaml); the MRZ lines come from samples.render.identity."""

from __future__ import annotations

import random
from datetime import date
from functools import cache

from pydantic import BaseModel

from pipeline.core.datafiles import load_bundled
from samples.people import Applicant, Person, places_data
from samples.render.base import (
    BLACK,
    CARD_MM,
    PASSPORT_MM,
    Box,
    DocBuilder,
    Sheet,
    d_german,
    d_icao,
    guilloche,
    photo_placeholder,
    pick_dpi,
    pick_layout,
    round_corners,
)
from samples.render.identity import mrv_mrz, td1_mrz, td2_mrz
from samples.render.registry import RenderedDoc, register

# --------------------------------------------------------------------------- wording


class _CardWords(BaseModel):
    title: str
    surname: str
    given_names: str
    birth_date: str
    sex: str
    nationality: str
    expiry: str
    number: str
    issue_date: str
    authority: str


class _Cards(BaseModel):
    codes: dict[str, str]
    languages: dict[str, str]
    labels: dict[str, _CardWords]


class _PaperData(BaseModel):
    visa: dict[str, dict[str, str | list[str]]]
    cards: _Cards


@cache
def paper_data() -> _PaperData:
    return load_bundled("samples", "data/foreign_papers.yaml", _PaperData)


def _word(layout: str, key: str, sep: str = " ") -> str:
    """The wording of `key` on a visa of `layout`; a Chinese-and-English pair joined by `sep`."""
    w = paper_data().visa[layout][key]
    return w if isinstance(w, str) else sep.join(w)


LABEL_GREY = (70, 70, 90)
NUMBER_RED = (170, 25, 35)
ID2_MM = (105.0, 74.0)  # ICAO ID-2: a TD2 card, an MRV-B visa sticker


def _mrz(s: Sheet, b: DocBuilder, x: float, ys: list[float], lines: tuple[str, ...], pt: float) -> Box:
    """Draw the MRZ lines (truth: mrz_valid); returns their box."""
    boxes = [s.text(x, y, line, "mono", pt) for y, line in zip(ys, lines, strict=True)]
    box = (boxes[0][0], boxes[0][1], max(bx[2] for bx in boxes), boxes[-1][3])
    b.set("mrz_valid", True, None, box)
    return box


def _labelled(s: Sheet, x: float, y: float, label: str, value: str, lab_pt: float, val_pt: float,
              val_font: str = "dejavu_bold", fill: tuple[int, int, int] = BLACK) -> Box:
    """A label with its value printed below it; returns the value's box."""
    s.text(x, y, label, "sans", lab_pt, LABEL_GREY)
    return s.text(x, y + lab_pt * 0.55, value, val_font, val_pt, fill)


# --------------------------------------------------------------------------- visa pages

VISA_LAYOUTS = ("z_visa", "residence_permit")


@register("visa")
def render_visa(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """A passport page with a Chinese Z visa (MRV-A sticker) or residence permit (MRV-B)."""
    layout = pick_layout(VISA_LAYOUTS, layout, rng)
    p = applicant.person
    if p.visa is None or not p.passport_number:
        raise ValueError("visa needs a foreigner's passport and visa facts")
    b = DocBuilder("visa", layout, dpi=pick_dpi("visa", layout, rng))
    page_bg = rng.choice([(238, 232, 244), (232, 240, 236), (244, 238, 228)])
    s = b.page(*PASSPORT_MM, bg=page_bg)
    guilloche(s, rng, [(210, 200, 225), (200, 220, 210)], density=12)
    if layout == "z_visa":
        _z_visa(s, b, p, rng)
    else:
        _residence_permit(s, b, p, rng)
    b.set("nationality", p.nationality)
    return b.build()


def _sticker(s: Sheet, rng: random.Random, x0: float, y0: float, x1: float, y1: float) -> None:
    s.rect(x0, y0, x1, y1, 0.2, outline=(150, 140, 160), fill=(246, 240, 232))
    sub = Sheet(x1 - x0, y1 - y0, s.dpi, (246, 240, 232))
    guilloche(sub, rng, [(226, 206, 214), (206, 222, 232), (232, 222, 196)], density=16)
    s.img.paste(sub.img, (s.px(x0), s.px(y0)))
    s.draw.rectangle([s.px(x0), s.px(y0), s.px(x1), s.px(y1)], outline=(150, 140, 160), width=s.px(0.2))


def _z_visa(s: Sheet, b: DocBuilder, p: Person, rng: random.Random) -> None:
    v = p.visa
    assert v is not None
    L = "z_visa"
    _sticker(s, rng, 2.5, 2.0, PASSPORT_MM[0] - 2.5, PASSPORT_MM[1] - 2.0)
    s.text(6, 4.5, _word(L, "country"), "sans_bold", 6, (120, 30, 40))
    s.text(6, 9.5, _word(L, "title", "  "), "sans_bold", 12, (120, 30, 40))
    s.text(78, 4.5, _word(L, "number"), "sans", 5, LABEL_GREY)
    box = s.text(78, 7.4, v.z_number, "dejavu_bold", 10, NUMBER_RED)
    b.set("id_number", v.z_number, v.z_number, box)
    photo_placeholder(s, 5, 22, 31, 56, rng)
    x1, x2 = 35.0, 78.0
    lab_pt, val_pt = 5.0, 8.0
    _labelled(s, x1, 20, _word(L, "category"), "Z", lab_pt, val_pt)
    _labelled(s, x2, 20, _word(L, "entries"), "01", lab_pt, val_pt)
    until = v.z_enter_before.isoformat()
    box = _labelled(s, x1, 27, _word(L, "enter_before"), until, lab_pt, val_pt)
    b.set("valid_until", v.z_enter_before.isoformat(), until, box)
    _labelled(s, x2, 27, _word(L, "duration"), _word(L, "stay"), lab_pt, val_pt, "sans_bold")
    _labelled(s, x1, 34, _word(L, "issue_date"), v.z_issue.isoformat(), lab_pt, val_pt)
    _labelled(s, x2, 34, _word(L, "issued_at"), v.z_issued_at, lab_pt, val_pt)
    box = _labelled(s, x1, 41, _word(L, "name"), p.latin_icao, lab_pt, val_pt)
    b.set("name", p.latin_icao, p.latin_icao, box)
    birth = p.birth_date.isoformat()
    box = _labelled(s, x1, 48, _word(L, "birth_date"), birth, lab_pt, val_pt)
    b.set("birth_date", birth, birth, box)
    box = _labelled(s, x2, 48, _word(L, "passport_number"), p.passport_number or "", lab_pt, val_pt)
    b.set("passport_number", p.passport_number or "", p.passport_number, box)
    s.text(x1, 55, _word(L, "remarks"), "sans", lab_pt, LABEL_GREY)
    lines = mrv_mrz(p, _word(L, "mrz_code"), "CHN", v.z_number, v.z_enter_before, 44)
    box = _mrz(s, b, 5.5, [PASSPORT_MM[1] - 15.5, PASSPORT_MM[1] - 9.5], lines, 10.5)
    b.set("sex", p.sex, None, box)  # a Chinese visa prints the sex in its MRZ only


def _residence_permit(s: Sheet, b: DocBuilder, p: Person, rng: random.Random) -> None:
    v = p.visa
    assert v is not None
    L = "residence_permit"
    ox, oy = (PASSPORT_MM[0] - ID2_MM[0]) / 2, (PASSPORT_MM[1] - ID2_MM[1]) / 2
    _sticker(s, rng, ox, oy, ox + ID2_MM[0], oy + ID2_MM[1])
    s.text(ox + 4, oy + 2.5, _word(L, "country"), "sans", 5, (30, 60, 110))
    s.text(ox + 4, oy + 6.5, _word(L, "title", "  "), "sans_bold", 10, (30, 60, 110))
    s.text(ox + 70, oy + 2.5, _word(L, "number"), "sans", 4.5, LABEL_GREY)
    box = s.text(ox + 70, oy + 5.0, v.permit_number, "dejavu_bold", 9, NUMBER_RED)
    b.set("id_number", v.permit_number, v.permit_number, box)
    photo_placeholder(s, ox + 4, oy + 15, ox + 25, oy + 43, rng)
    x1, x2 = ox + 29.0, ox + 67.0
    lab_pt, val_pt = 4.6, 7.2
    box = _labelled(s, x1, oy + 13, _word(L, "name"), p.latin_icao, lab_pt, val_pt)
    b.set("name", p.latin_icao, p.latin_icao, box)
    box = _labelled(s, x1, oy + 19, _word(L, "sex"), p.sex, lab_pt, val_pt)
    b.set("sex", p.sex, p.sex, box)
    birth = f"{p.birth_date:%Y.%m.%d}"
    box = _labelled(s, x2, oy + 19, _word(L, "birth_date"), birth, lab_pt, val_pt)
    b.set("birth_date", p.birth_date.isoformat(), birth, box)
    _labelled(s, x1, oy + 25, _word(L, "nationality"), p.nationality, lab_pt, val_pt)
    box = _labelled(s, x2, oy + 25, _word(L, "passport_number"), p.passport_number or "", lab_pt, val_pt)
    b.set("passport_number", p.passport_number or "", p.passport_number, box)
    _labelled(s, x1, oy + 31, _word(L, "purpose"), _word(L, "purpose_work"), lab_pt, val_pt, "sans_bold")
    until = f"{v.permit_valid_until:%Y.%m.%d}"
    box = _labelled(s, x2, oy + 31, _word(L, "valid_until"), until, lab_pt, val_pt)
    b.set("valid_until", v.permit_valid_until.isoformat(), until, box)
    _labelled(s, x1, oy + 37, _word(L, "issue_date"), f"{v.permit_issue:%Y.%m.%d}", lab_pt, val_pt)
    _labelled(s, x2, oy + 37, _word(L, "authority"), v.permit_authority, lab_pt, val_pt * 0.8, "sans")
    lines = mrv_mrz(p, _word(L, "mrz_code"), "CHN", v.permit_number, v.permit_valid_until, 36)
    _mrz(s, b, ox + 4.5, [oy + ID2_MM[1] - 16, oy + ID2_MM[1] - 10], lines, 10)


# --------------------------------------------------------------------------- identity cards

CARD_LAYOUTS = ("td1", "td2")


def _card_words(p: Person) -> _CardWords:
    cards = paper_data().cards
    return cards.labels[cards.languages.get(p.nationality, "en")]


def _card_date(p: Person, d: date) -> str:
    return d_german(d) if paper_data().cards.languages.get(p.nationality) == "de" else d_icao(d)


@register("foreign_id_card")
def render_foreign_id_card(applicant: Applicant, rng: random.Random, layout: str | None = None) -> RenderedDoc:
    """A national identity card: TD1 (card size, MRZ on the back) or TD2 (ID-2 size, one side)."""
    layout = pick_layout(CARD_LAYOUTS, layout, rng)
    p = applicant.person
    card = p.id_card
    if card is None:
        raise ValueError("foreign_id_card needs a foreigner's card facts")
    b = DocBuilder("foreign_id_card", layout, dpi=pick_dpi("foreign_id_card", layout, rng))
    w_mm, h_mm = CARD_MM if layout == "td1" else ID2_MM
    bg = rng.choice([(236, 240, 246), (240, 244, 236), (246, 240, 236)])
    s = b.page(w_mm, h_mm, bg=bg)
    guilloche(s, rng, [(205, 215, 235), (225, 215, 230), (210, 230, 215)], density=16)
    words = _card_words(p)
    country = places_data().country_names.get(p.nationality)
    s.text(w_mm / 2, 2.2, country.en if country else p.nationality, "dejavu_bold", 6.5, (30, 50, 110), anchor="mt")
    s.text(w_mm / 2, 6.4, words.title, "dejavu", 4.6, (30, 50, 110), anchor="mt")
    td1 = layout == "td1"
    photo_placeholder(s, 4, 12, 25 if td1 else 30, 44 if td1 else 50, rng, bg=bg)
    x1, x2 = (28.0, 60.0) if td1 else (34.0, 72.0)
    lab_pt, val_pt, step = (3.8, 6.6, 6.0) if td1 else (4.2, 7.2, 6.4)
    y = 11.0
    box = _labelled(s, x1, y, words.surname, p.surname_latin.upper(), lab_pt, val_pt)
    y += step
    gbox = _labelled(s, x1, y, words.given_names, p.given_latin.upper(), lab_pt, val_pt)
    b.set("name", p.latin_icao, None, (box[0], box[1], max(box[2], gbox[2]), gbox[3]))
    b.set("name_latin", p.latin_icao, None, (box[0], box[1], max(box[2], gbox[2]), gbox[3]))
    y += step
    birth = _card_date(p, p.birth_date)
    box = _labelled(s, x1, y, words.birth_date, birth, lab_pt, val_pt)
    b.set("birth_date", p.birth_date.isoformat(), birth, box)
    box = _labelled(s, x2, y, words.sex, p.sex, lab_pt, val_pt)
    b.set("sex", p.sex, p.sex, box)
    y += step
    _labelled(s, x1, y, words.nationality, country.adj if country else p.nationality, lab_pt, val_pt)
    b.set("nationality", p.nationality)
    y += step
    expiry = _card_date(p, card.expiry)
    box = _labelled(s, x1, y, words.expiry, expiry, lab_pt, val_pt)
    b.set("valid_until", card.expiry.isoformat(), expiry, box)
    y += step
    box = _labelled(s, x1, y, words.number, card.number, lab_pt, val_pt)
    b.set("id_number", card.number, card.number, box)
    code = paper_data().cards.codes[layout]
    if td1:
        s.img = round_corners(s.img, s.px(3.2))
        s = b.page(w_mm, h_mm, bg=bg)
        guilloche(s, rng, [(205, 215, 235), (225, 215, 230)], density=14)
        _labelled(s, 6, 4, words.issue_date, _card_date(p, card.issue), lab_pt, val_pt)
        _labelled(s, 6, 11, words.authority, card.authority, lab_pt, val_pt * 0.9, "dejavu")
        _mrz(s, b, 11, [h_mm - 20, h_mm - 14, h_mm - 8], td1_mrz(p, code, card.number, card.expiry), 10)
        s.img = round_corners(s.img, s.px(3.2))
    else:
        _mrz(s, b, 14, [h_mm - 16, h_mm - 10], td2_mrz(p, code, card.number, card.expiry), 10)
        s.img = round_corners(s.img, s.px(3.2))
    return b.build()
