"""PDF_TEXT_LAYER_MISMATCH: the invisible text of a PDF says one number, its pixels another.

The PDFs are written with reportlab: a page image (rendered with PIL) showing the printed
values, and an invisible text layer (render mode 3) on top, as OCR'd or "fixed" scans have.
Pages are read by pipeline.pages (pdfium render + pdfplumber text layer), then screened
with real tesseract on the crops around the numbers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from pipeline import pages
from pipeline.core.models import SourceFile
from pipeline.core.stages import LoadedFile
from pipeline.forensics import screen_page
from pipeline.forensics.pdf import number_tokens

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SHOWN_ID = "320102199001011234"
SHOWN_DATE = "2019-06-18"


def _scan_image() -> Image.Image:
    """The printed page at 150 dpi: labels in Chinese, an ID number and a date."""
    img = Image.new("RGB", (1240, 1754), (250, 250, 248))
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(FONT, 34)
    d.text((120, 200), "社会保险参保缴费证明", fill=(10, 10, 10), font=ImageFont.truetype(FONT, 48))
    d.text((120, 400), "公民身份号码", fill=(10, 10, 10), font=f)
    d.text((520, 400), SHOWN_ID, fill=(10, 10, 10), font=f)
    d.text((120, 500), "参保日期", fill=(10, 10, 10), font=f)
    d.text((520, 500), SHOWN_DATE, fill=(10, 10, 10), font=f)
    return img


def _pdf(path: Path, id_text: str, date_text: str) -> Path:
    """Image page + invisible text at the same places (150 dpi → 72/150 pt per pixel)."""
    c = canvas.Canvas(str(path), pagesize=A4)
    w_pt, h_pt = A4
    c.drawImage(ImageReader(_scan_image()), 0, 0, width=w_pt, height=h_pt)
    k = w_pt / 1240
    t = c.beginText()
    t.setTextRenderMode(3)  # invisible, as an OCR layer
    t.setFont("Helvetica", 34 * k)
    for x, y, s in ((520, 400, id_text), (520, 500, date_text)):
        t.setTextOrigin(x * k, h_pt - (y + 36) * k)
        t.textOut(s)
    c.drawText(t)
    c.showPage()
    c.save()
    return path


def _pages(path: Path):
    data = path.read_bytes()
    src = SourceFile(path=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                     media_type="application/pdf")
    return list(pages.iter_pages(LoadedFile(source=src, local_path=path)))


@pytest.mark.ocr
def test_text_layer_number_differing_from_image_is_flagged(tmp_path):
    p = _pdf(tmp_path / "record.pdf", "320102199001015678", SHOWN_DATE)
    (page,) = _pages(p)
    assert page.text_layer.engine == "text_layer"
    flags = [f for f in screen_page(page, None) if f.code == "PDF_TEXT_LAYER_MISMATCH"]
    assert len(flags) == 1, [f.message_en for f in flags]
    f = flags[0]
    assert f.severity == "critical" and f.evidence[0].file == "record.pdf"
    assert "differs from position 15" in f.message_en
    assert "320102********5678" in f.message_en and "320102********1234" in f.message_en
    # the box is the text-layer word's, in rendered-page pixels, on the ID number's line
    x0, y0, x1, y1 = f.evidence[0].bbox
    scale = page.image.width / 1240
    assert abs(y0 / scale - 400) < 40 and x0 / scale > 450


@pytest.mark.ocr
def test_text_layer_date_differing_from_image_is_flagged(tmp_path):
    p = _pdf(tmp_path / "record.pdf", SHOWN_ID, "2021-06-18")
    (page,) = _pages(p)
    flags = [f for f in screen_page(page, None) if f.code == "PDF_TEXT_LAYER_MISMATCH"]
    assert len(flags) == 1 and "date" in flags[0].message_en and "20210618" in flags[0].message_en


def test_matching_text_layer_is_not_flagged(tmp_path):
    p = _pdf(tmp_path / "record.pdf", SHOWN_ID, SHOWN_DATE)
    (page,) = _pages(p)
    assert [f for f in screen_page(page, None) if f.code == "PDF_TEXT_LAYER_MISMATCH"] == []


def test_number_tokens_shapes():
    toks = number_tokens("号码 3201 0219 9001 01123X 日期 2020年5月1日 金额 12345", 6)
    assert ("num18", "32010219900101123X") in toks and ("date", "20200501") in toks
    assert all(c != "12345" for _, c in toks)
    assert number_tokens("Member No.: ADS-73470 since November 27, 2024", 6) == [
        ("date", "20241127"), ("AAAddddd", "ADS73470")]
    assert number_tokens("Ausgestellt 27.11.2024", 6) == [("date", "20241127")]


def test_code_read_with_a_spaced_separator_is_the_same_code():
    """tesseract read 'ADS-79252' as 'ADS- 79252' at the confirming scale, and the mismatch it
    had seen at the first scale went unconfirmed (eval corpus A0011)."""
    assert number_tokens("ADS- 79252", 6) == number_tokens("ADS -79252", 6) == [("AAAddddd", "ADS79252")]
    assert number_tokens("Reg. No. 12 / 3456", 6) == [("num6", "123456")]
