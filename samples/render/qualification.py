"""International qualification certificates, by issuer family: English certificates,
wallet cards, membership certificates and German IHK Prüfungszeugnisse.

Title, issuer, number, holder and dates are drawn exactly as in applicant.certificate,
so a near-miss or expired certificate comes from a modified Certificate, not from here.
"""

from __future__ import annotations

import random
from datetime import date

from samples.people import Applicant, certificates_data
from samples.render.base import (
    A4_MM,
    BLACK,
    CARD_MM,
    DocBuilder,
    Sheet,
    border_pattern,
    d_german,
    d_long,
    guilloche,
    pick_dpi,
    pick_layout,
    round_corners,
    seal,
    signature,
)
from samples.render.registry import RenderedDoc, register

QUAL_LAYOUTS = ("certificate", "certificate_modern", "wallet", "membership", "ihk")
_FAMILY_LAYOUTS = {
    "english": ("certificate", "certificate_modern"),
    "wallet": ("wallet", "certificate"),
    "membership": ("membership", "certificate_modern"),
    "ihk": ("ihk",),
}
_ACCENTS = [(20, 50, 110), (110, 20, 30), (20, 80, 60), (60, 40, 100)]


def d_us(d: date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


@register("qualification_certificate")
def render_qualification_certificate(applicant: Applicant, rng: random.Random,
                                     layout: str | None = None) -> RenderedDoc:
    """The international certificate as its issuer prints it."""
    fam = _FAMILY_LAYOUTS.get(applicant.certificate.layout_family, _FAMILY_LAYOUTS["english"])
    layout = rng.choice(fam) if layout is None else pick_layout(QUAL_LAYOUTS, layout, rng)
    if layout == "wallet":
        return _wallet(applicant, rng)
    if layout == "ihk":
        return _ihk(applicant, rng)
    return _certificate(applicant, rng, layout)


def _centered_parts(s: Sheet, y: float, parts: list[tuple[str, str | None]], fnt: str,
                    pt: float) -> dict[str, tuple[str, tuple[int, int, int, int]]]:
    w = s.width_of("".join(t for t, _ in parts), fnt, pt)
    _, sub = s.text_parts(s.width_mm / 2 - w / 2, y, parts, fnt, pt)
    return sub


def _certificate(applicant: Applicant, rng: random.Random, layout: str) -> RenderedDoc:
    c = applicant.certificate
    b = DocBuilder("qualification_certificate", layout, dpi=pick_dpi("qualification_certificate", layout, rng))
    modern = layout == "certificate_modern"
    member = c.layout_family == "membership"
    w, h = (A4_MM[1], A4_MM[0])
    accent = rng.choice(_ACCENTS)
    s = b.page(w, h, bg=(255, 255, 255) if modern else (252, 249, 238))
    if modern:
        s.rect(0, 0, 16, h, 0.1, outline=None, fill=accent)
        s.rect(16, 0, 19, h, 0.1, outline=None, fill=(200, 170, 80))
        x_c = (w + 19) / 2
    else:
        border_pattern(s, 9, accent, rng)
        x_c = w / 2
    title_font = "lib_serif_bold" if not modern else "lib_sans_bold"
    body_font = "lib_serif_italic" if not modern else "lib_sans"
    pt_iss = s.fit_pt(c.issuer_as_printed, title_font, 24, w - 60)
    box = s.text(x_c, 24, c.issuer_as_printed, title_font, pt_iss, accent, anchor="mt")
    b.set("issuer", c.issuer_as_printed, c.issuer_as_printed, box)
    s.text(x_c, 40, "CERTIFICATE OF MEMBERSHIP" if member else "CERTIFICATE", title_font, 16, BLACK, anchor="mt")
    s.text(x_c, 56, "This is to certify that" if not member else "hereby certifies that", body_font, 14,
           anchor="mt")
    box = s.text(x_c, 68, c.holder_name, "lib_serif_bold", 26, anchor="mt")
    b.set("holder_name", c.holder_name, c.holder_name, box)
    if member:
        s.text(x_c, 86, "has been duly elected and is recognised as", body_font, 14, anchor="mt")
        sub = _centered_parts(s, 96, [(c.title_as_printed, "title")], "lib_serif_bold", 20)
        s.text(x_c, 110, f"of the {c.issuer_as_printed}", body_font, 13, anchor="mt")
    else:
        s.text(x_c, 86, f"has fulfilled the requirements established by the {c.issuing_body_as_printed}",
               body_font, 13, anchor="mt")
        s.text(x_c, 94, "and is hereby certified as", body_font, 13, anchor="mt")
        tpt = s.fit_pt(c.title_as_printed, "lib_serif_bold", 22, w - 70)
        sub = _centered_parts(s, 104, [(c.title_as_printed, "title")], "lib_serif_bold", tpt)
    b.set("title", c.title_as_printed, *sub["title"])
    y = 128.0
    x_l = x_c - 70
    _, sub = s.text_parts(x_l, y, [("Certificate No.: " if not member else "Member No.: ", None),
                                   (c.certificate_number, "certificate_number")], "lib_sans", 12)
    b.set("certificate_number", c.certificate_number, *sub["certificate_number"])
    issue_txt = d_long(c.issue_date)
    _, sub = s.text_parts(x_l, y + 8, [("Date of Issue: " if not member else "Member since: ", None),
                                       (issue_txt, "issue_date")], "lib_sans", 12)
    b.set("issue_date", c.issue_date.isoformat(), *sub["issue_date"])
    if c.expiry_date:
        exp_txt = d_long(c.expiry_date)
        _, sub = s.text_parts(x_l, y + 16, [("Expiration Date: " if not member else "Valid through: ", None),
                                            (exp_txt, "expiry_date")], "lib_sans", 12)
        b.set("expiry_date", c.expiry_date.isoformat(), *sub["expiry_date"])
    for i, role in enumerate(("President", "Chair, Certification Committee" if not member else "Secretary")):
        xs = x_c + 20 + i * 60 - 10
        signature(s, xs, h - 48, 38, rng, BLACK)
        s.line(xs - 4, h - 40, xs + 46, h - 40, 0.25)
        s.text(xs + 21, h - 38, role, "lib_serif", 10, anchor="mt")
    seal(s, x_c - 100, h - 36, c.issuer_as_printed.upper()[:40], rng, diameter_mm=34,
         color=(175, 140, 40), alpha=190)
    return b.build()


def _wallet(applicant: Applicant, rng: random.Random) -> RenderedDoc:
    c = applicant.certificate
    b = DocBuilder("qualification_certificate", "wallet", dpi=pick_dpi("qualification_certificate", "wallet", rng))
    accent = rng.choice(_ACCENTS)
    s = b.page(*CARD_MM, bg=(250, 250, 252))
    guilloche(s, rng, [(225, 230, 240), (235, 230, 215)], density=12)
    s.rect(0, 0, CARD_MM[0], 11, 0.1, outline=None, fill=accent)
    pt = s.fit_pt(c.issuer_as_printed, "lib_sans_bold", 8.5, CARD_MM[0] - 8)
    box = s.text(CARD_MM[0] / 2, 5.5, c.issuer_as_printed, "lib_sans_bold", pt, (255, 255, 255), anchor="mm")
    b.set("issuer", c.issuer_as_printed, c.issuer_as_printed, box)
    tpt = s.fit_pt(c.title_as_printed, "lib_sans_bold", 9, CARD_MM[0] - 8)
    box = s.text(CARD_MM[0] / 2, 15, c.title_as_printed, "lib_sans_bold", tpt, accent, anchor="mt")
    b.set("title", c.title_as_printed, c.title_as_printed, box)
    box = s.text(4, 24, c.holder_name, "lib_sans_bold", 10)
    b.set("holder_name", c.holder_name, c.holder_name, box)
    _, sub = s.text_parts(4, 32, [("Cert. No. ", None), (c.certificate_number, "certificate_number")], "lib_sans", 7.5)
    b.set("certificate_number", c.certificate_number, *sub["certificate_number"])
    _, sub = s.text_parts(4, 37.5, [("Issued ", None), (d_us(c.issue_date), "issue_date")], "lib_sans", 7.5)
    b.set("issue_date", c.issue_date.isoformat(), *sub["issue_date"])
    if c.expiry_date:
        _, sub = s.text_parts(4, 43, [("Expires ", None), (d_us(c.expiry_date), "expiry_date")], "lib_sans", 7.5)
        b.set("expiry_date", c.expiry_date.isoformat(), *sub["expiry_date"])
    signature(s, 52, 44, 24, rng, INK)
    s.line(50, 47.5, 81, 47.5, 0.15)
    s.text(65.5, 48.3, "Holder's signature", "lib_sans", 5, (90, 90, 90), anchor="mt")
    s.img = round_corners(s.img, s.px(3.0))
    return b.build()


INK = (25, 40, 120)


def _ihk(applicant: Applicant, rng: random.Random) -> RenderedDoc:
    c = applicant.certificate
    p = applicant.person
    b = DocBuilder("qualification_certificate", "ihk", dpi=pick_dpi("qualification_certificate", "ihk", rng))
    w, h = A4_MM
    s = b.page(w, h)
    blue = (0, 60, 120)
    s.rect(20, 18, 32, 30, 0.1, outline=None, fill=blue)
    box = s.text(36, 20, c.issuer_as_printed, "lib_sans_bold", s.fit_pt(c.issuer_as_printed, "lib_sans_bold", 13, w - 60),
                 blue)
    b.set("issuer", c.issuer_as_printed, c.issuer_as_printed, box)
    s.line(20, 36, w - 20, 36, 0.4, blue)
    s.text(w / 2, 60, "Prüfungszeugnis", "lib_serif_bold", 30, anchor="mt")
    s.text(w / 2, 76, "nach § 37 Berufsbildungsgesetz", "lib_serif", 13, anchor="mt")
    s.text(w / 2, 96, "Herr" if p.sex == "M" else "Frau", "lib_serif", 14, anchor="mt")
    box = s.text(w / 2, 106, c.holder_name, "lib_serif_bold", 22, anchor="mt")
    b.set("holder_name", c.holder_name, c.holder_name, box)
    s.text(w / 2, 120, f"geboren am {d_german(p.birth_date)}", "lib_serif", 12, anchor="mt")
    s.text(w / 2, 136, "hat die Abschlussprüfung im Ausbildungsberuf", "lib_serif", 13, anchor="mt")
    tpt = s.fit_pt(c.title_as_printed, "lib_serif_bold", 20, w - 40)
    sub = _centered_parts(s, 148, [(c.title_as_printed, "title")], "lib_serif_bold", tpt)
    b.set("title", c.title_as_printed, *sub["title"])
    s.text(w / 2, 164, "mit Erfolg bestanden.", "lib_serif", 13, anchor="mt")
    grade = rng.choice(["befriedigend", "gut", "sehr gut"])
    s.text(w / 2, 180, f"Gesamtergebnis: {grade}", "lib_serif", 12, anchor="mt")
    city = next((ch.city for ch in certificates_data().ihk_chambers if ch.name == c.issuer_as_printed), "Berlin")
    _, sub = s.text_parts(25, 214, [(f"{city}, ", None), (d_german(c.issue_date), "issue_date")], "lib_serif", 12)
    b.set("issue_date", c.issue_date.isoformat(), *sub["issue_date"])
    _, sub = s.text_parts(25, 222, [("Zeugnis-Nr. ", None), (c.certificate_number, "certificate_number")],
                          "lib_sans", 10)
    b.set("certificate_number", c.certificate_number, *sub["certificate_number"])
    for i, role in enumerate(("Präsident/in", "Hauptgeschäftsführer/in")):
        xs = 35 + i * 90
        signature(s, xs, 245, 40, rng, BLACK)
        s.line(xs - 5, 252, xs + 50, 252, 0.25)
        s.text(xs + 22, 254, role, "lib_sans", 9, anchor="mt")
    seal(s, w / 2, 238, c.issuer_as_printed.upper()[:44], rng, diameter_mm=30, color=(40, 40, 40), alpha=120)
    s.text(w / 2, h - 18, "Dieses Zeugnis wurde maschinell erstellt.", "lib_sans", 7, (110, 110, 110), anchor="mt")
    return b.build()
