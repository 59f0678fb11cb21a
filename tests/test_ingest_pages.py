"""Files → pages: PDFs (text layer, image-only, mixed), multi-page TIFF incl. G4, EXIF orientation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from ocr_testpages import EN_LINES, render, squash
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline.core.models import OcrResult
from pipeline.ingest import collect_inputs
from pipeline.ocr import OcrRouter
from pipeline.ocr.cache import pixel_sha256
from pipeline.pages import iter_pages


class Counting:
    """Wraps a backend and counts recognise calls (the engine itself is real)."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def recognize(self, image):
        self.calls += 1
        return self.inner.recognize(image)


def make_pdf(path: Path) -> None:
    """Page 1: real text layer (Latin + Chinese); page 2: a scanned image only."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica", 14)
    c.drawString(72, 770, "Labour Contract between Taizhou Pharma Co Ltd and Zhang Wei")
    c.setFont("STSong-Light", 14)
    c.drawString(72, 740, "劳动合同 工作地点 泰州市医药高新区")
    c.showPage()
    buf = io.BytesIO()
    render(EN_LINES, size=(1240, 620)).save(buf, "PNG")
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 40, 400, width=500, height=250)
    c.showPage()
    c.save()


@pytest.mark.ocr
def test_pdf_text_layer_page_and_image_only_page(tmp_path: Path):
    folder = tmp_path / "app"
    folder.mkdir()
    make_pdf(folder / "contract.pdf")
    files, errors = collect_inputs([folder], tmp_path / "w")
    assert errors == [] and len(files) == 1
    assert files[0].source.media_type == "application/pdf" and files[0].source.page_count == 2

    pages = iter_pages(files[0])
    p1 = next(pages)
    assert p1.text_layer is not None and p1.number == 1 and p1.dpi == 300
    assert p1.image.size == (2480, 3509)
    layer = p1.text_layer
    assert layer.engine == "text_layer"
    assert "Taizhou Pharma Co Ltd" in layer.text
    assert "泰州市医药高新区" in layer.text
    word = next(w for ln in layer.lines for w in ln.words if w.text == "Labour")
    # 72 pt from the left edge at 300 dpi = 300 px; baseline 770 pt from the bottom
    assert abs(word.bbox[0] - 300) <= 3
    assert 250 < word.bbox[1] < 300

    tess = Counting(__import__("pipeline.ocr.tesseract", fromlist=["x"]).TesseractBackend())
    router = OcrRouter("tesseract", backends={"tesseract": tess}, preprocess=False)
    r1 = router.read(p1)
    assert r1.ocr is layer and tess.calls == 0 and r1.pixel_sha256 is None  # no OCR for a text layer

    p2 = next(pages)
    assert p2.text_layer is None
    r2 = router.read(p2).ocr
    assert tess.calls == 1 and r2.engine == "tesseract"
    assert "Welding Inspector" in r2.text
    with pytest.raises(StopIteration):
        next(pages)


@pytest.mark.ocr
def test_multipage_tiffs_including_1bit_group4(tmp_path: Path):
    folder = tmp_path / "app"
    folder.mkdir()
    frames = [render(["Page one of the record"]).convert("L"),
              render(["Page two Group Four fax"]).convert("1"),
              render(["Page three colour"])]
    frames[0].save(folder / "record.tif", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    fax = [render([f"Fax page {n} Group Four"]).convert("1") for n in ("one", "two")]
    fax[0].save(folder / "fax.tif", save_all=True, append_images=fax[1:], compression="group4", dpi=(200, 200))
    with Image.open(folder / "fax.tif") as g4:
        assert g4.info.get("compression") == "group4" and g4.n_frames == 2
    files, errors = collect_inputs([folder], tmp_path / "w")
    assert errors == []
    by_name = {f.source.path: f for f in files}
    assert by_name["record.tif"].source.page_count == 3
    got = list(iter_pages(by_name["record.tif"]))
    assert [p.number for p in got] == [1, 2, 3]
    assert [p.image.mode for p in got] == ["L", "L", "RGB"]
    assert len({pixel_sha256(p.image) for p in got}) == 3
    fax_pages = list(iter_pages(by_name["fax.tif"]))
    assert [(p.number, p.dpi, p.image.mode) for p in fax_pages] == [(1, 200, "L"), (2, 200, "L")]
    res = OcrRouter("tesseract", preprocess=False).read(fax_pages[1]).ocr
    assert "Fax page two Group Four" in res.text


@pytest.mark.ocr
def test_exif_orientation_is_honoured(tmp_path: Path):
    upright = render(["EXIF rotated scan of a passport page"], size=(1240, 400))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # camera stored it sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    folder = tmp_path / "app"
    folder.mkdir()
    stored.save(folder / "phone.jpg", "JPEG", quality=92, exif=exif)
    files, _ = collect_inputs([folder], tmp_path / "w")
    page = next(iter_pages(files[0]))
    assert page.image.size == (1240, 400)
    res = OcrRouter("tesseract", preprocess=False).read(page).ocr  # upright from EXIF alone
    assert "passport page" in res.text


@pytest.mark.ocr
def test_webp_and_bmp_are_read(tmp_path: Path):
    folder = tmp_path / "app"
    folder.mkdir()
    img = render(["BMP and WebP"], size=(600, 200))
    img.save(folder / "a.bmp")
    img.save(folder / "b.webp", lossless=True)
    files, errors = collect_inputs([folder], tmp_path / "w")
    assert errors == []
    assert [f.source.media_type for f in files] == ["image/bmp", "image/webp"]
    assert squash(OcrRouter("tesseract", preprocess=False).read(next(iter_pages(files[0]))).ocr.text) == "BMPandWebP"


def test_text_layer_result_type():
    assert OcrResult(engine="text_layer", text="").engine == "text_layer"


def test_page_image_is_the_same_page_as_iter_pages_yields(tmp_path: Path):
    """pages.page_image (the report's redraw of one page) decodes that page alone and gives the
    pixels iter_pages gave: a frame of a multi-page TIFF, a PDF page, an EXIF-rotated JPEG."""
    import numpy as np

    from pipeline.pages import page_image

    folder = tmp_path / "app"
    folder.mkdir()
    frames = [render([f"Frame {n} of the record"]).convert("L") for n in ("one", "two", "three")]
    frames[0].save(folder / "record.tif", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    make_pdf(folder / "mixed.pdf")
    exif = Image.Exif()
    exif[0x0112] = 6
    render(["Sideways phone photo"], size=(800, 300)).transpose(Image.Transpose.ROTATE_90).save(
        folder / "phone.jpg", "JPEG", quality=92, exif=exif)
    files, errors = collect_inputs([folder], tmp_path / "w")
    assert errors == []
    for f in files:
        for page in iter_pages(f):
            alone = page_image(f, page.number)
            assert alone is not None and alone.size == page.image.size
            assert pixel_sha256(alone) == pixel_sha256(page.image), (f.source.path, page.number)
        assert page_image(f, f.source.page_count + 1) is None
    jpeg = next(f for f in files if f.source.path == "phone.jpg")
    assert np.asarray(page_image(jpeg, 1)).shape[:2] == (300, 800)  # EXIF turn applied
