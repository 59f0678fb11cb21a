"""Real tesseract on rendered certificates, then the matcher on the page text (no mocked OCR)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from catalog import get_matcher
from pipeline.core.models import MatchStatus
from pipeline.ocr.tesseract import TesseractBackend

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def render(lines: list[tuple[str, int, bool]], degrade: bool = False) -> Image.Image:
    img = Image.new("L", (1400, 120 + 70 * len(lines)), 255)
    d = ImageDraw.Draw(img)
    y = 60
    for text, size, bold in lines:
        font = ImageFont.truetype(BOLD if bold else FONT, size)
        w = d.textlength(text, font=font)
        d.text(((1400 - w) / 2, y), text, font=font, fill=0)
        y += size + 30
    if degrade:  # a poor photocopy: blur, 30 % resolution, grain, slightly rotated (tesseract garbles
        # the small print: "Ths in ko Cortily that", "AWS OCT", "cip Level i")
        w, h = img.size
        img = img.filter(ImageFilter.GaussianBlur(1.2)).resize((int(w * 0.3), int(h * 0.3))).resize((w, h))
        grain = np.random.default_rng(1).normal(0, 35, (h, w))
        img = Image.fromarray(np.clip(np.asarray(img, dtype=float) + grain, 0, 255).astype("uint8"))
        img = img.rotate(0.8, fillcolor=255)
    return img.convert("RGB")


IHK = [("Industrie- und Handelskammer für München und Oberbayern", 30, False), ("PRÜFUNGSZEUGNIS", 44, True),
       ("Frau Jana Müller, geboren am 03.04.1996", 28, False),
       ("hat die Abschlussprüfung im Ausbildungsberuf", 28, False), ("Industriemechanikerin", 40, True),
       ("Einsatzgebiet Instandhaltung", 26, False), ("mit der Note gut bestanden.", 28, False)]
AWS = [("AMERICAN WELDING SOCIETY", 40, True), ("This is to certify that", 26, False), ("WANG LEI", 34, True),
       ("has complied with the requirements of AWS QC1 and is a", 26, False),
       ("Certified Welding Inspector", 42, True), ("Certification No. 21041231   Expires 06/2027", 24, False)]
CIP1 = [("NACE INTERNATIONAL INSTITUTE", 40, True), ("Coating Inspector Program", 30, False),
        ("This certifies that ZHANG WEI", 28, False), ("has successfully completed", 26, False),
        ("CIP Level 1", 44, True), ("Certification No. 55123", 24, False)]
ZERSP = [("IHK Region Stuttgart", 32, False), ("PRÜFUNGSZEUGNIS", 44, True),
         ("hat die Abschlussprüfung im Ausbildungsberuf", 28, False), ("Zerspanungsmechaniker", 40, True),
         ("bestanden.", 28, False)]


@pytest.fixture(scope="module")
def ocr():
    os.environ["OMP_THREAD_LIMIT"] = "1"
    backend = TesseractBackend(lang="eng+deu")
    return lambda img: backend.recognize(img).text


@pytest.mark.ocr
@pytest.mark.parametrize("lines,degrade,expected", [
    (IHK, False, (MatchStatus.MATCHED, 37)),
    (IHK, True, (MatchStatus.MATCHED, 37)),
    (AWS, True, (MatchStatus.MATCHED, 31)),
], ids=["ihk", "ihk-degraded", "aws-degraded"])
def test_ocr_text_of_certificate_is_matched(ocr, lines, degrade, expected):
    text = ocr(render(lines, degrade))
    assert len(text) > 60  # tesseract really read the page
    r = get_matcher().match("", full_text=text)
    assert (r.status, r.catalog_id) == expected, (text, r.candidates)


@pytest.mark.ocr
@pytest.mark.parametrize("lines", [CIP1, ZERSP], ids=["nace-cip1", "zerspanungsmechaniker"])
def test_ocr_text_of_near_miss_is_not_matched(ocr, lines):
    text = ocr(render(lines, degrade=True))
    assert len(text) > 40
    r = get_matcher().match("", full_text=text)
    assert r.status != MatchStatus.MATCHED, (text, r.candidates)
