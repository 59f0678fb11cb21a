"""Real OCR end to end for identity documents: image → pipeline.ocr router (real tesseract /
RapidOCR, never mocked) → classify → group → extract. Cards drawn here with PIL and Noto Sans
CJK, and documents from the sample generator (samples.render) with their truth."""

from __future__ import annotations

import os
import random
import zlib

import pytest
from ocr_testpages import as_page
from PIL import Image, ImageDraw, ImageFont

from extractors import extract
from pipeline.classify import group_documents
from pipeline.core.codes import check_char
from pipeline.core.models import DocType, PageInfo
from pipeline.ocr import get_router
from pipeline.run import read_page

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _read(img: Image.Image, file: str) -> PageInfo:
    return read_page(as_page(img.convert("RGB"), file), get_router("auto", None))[0]


def _simple_card(name: str, number: str) -> Image.Image:
    img = Image.new("RGB", (1012, 638), (246, 246, 240))
    d = ImageDraw.Draw(img)
    lab, val = ImageFont.truetype(FONT, 30), ImageFont.truetype(FONT, 40)
    rows = [("姓  名", name), ("性  别", "男      民  族  汉"), ("出  生", "1990 年 1 月 2 日"),
            ("住  址", "江苏省泰州市海陵区东风路12号")]
    for i, (k, v) in enumerate(rows):
        d.text((60, 50 + 90 * i), k, font=lab, fill=(40, 90, 160))
        d.text((190, 42 + 90 * i), v, font=val, fill="black")
    d.text((60, 530), "公民身份号码", font=lab, fill=(40, 90, 160))
    d.text((300, 522), number, font=val, fill="black")
    return img


@pytest.mark.ocr
def test_simple_card_drawn_with_pil() -> None:
    first17 = "32120219900102123"
    number = first17 + check_char(first17)
    info = _read(_simple_card("王建国", number), "card.png")
    assert info.doc_type == DocType.RESIDENT_ID_CARD
    assert info.cues.card_sized is True
    [doc], _ = group_documents([info])
    fields = extract(doc, [info])
    assert fields["name"].value == "王建国"
    assert fields["id_number"].value == number
    assert fields["id_checksum_valid"].value is True
    assert fields["birth_date"].value == "1990-01-02"
    assert fields["name"].evidence[0].file == "card.png"


def _rendered(kind: str, doc_type: str, index: int = 0):
    samples_people = pytest.importorskip("samples.people")
    samples_render = pytest.importorskip("samples.render")
    rng = random.Random(zlib.crc32(f"{kind}{index}".encode()))
    app = samples_people.make_applicant(rng, index, kind=kind)
    return samples_render.render(doc_type, app, rng)


@pytest.mark.ocr
def test_sample_id_card_front_and_back_through_real_ocr() -> None:
    rd = _rendered("chinese", "resident_id_card")
    infos = [_read(img, f"id_{i}.png") for i, img in enumerate(rd.pages)]
    assert [i.doc_type for i in infos] == [DocType.RESIDENT_ID_CARD] * 2
    docs, _ = group_documents(infos)
    assert len(docs) == 1 and len(docs[0].files) == 2  # front and back: one document
    f = extract(docs[0], infos)
    for key in ("name", "sex", "birth_date", "id_number"):
        assert f[key].value == rd.fields[key], key
    assert f["id_checksum_valid"].value is True
    if "valid_until" in rd.fields:
        assert f["valid_until"].value == rd.fields["valid_until"]


@pytest.mark.ocr
@pytest.mark.parametrize("index", [0, 1])
def test_scanned_foreign_passport_is_read_upright(index: int) -> None:
    """Tesseract OSD called these upright, scanned US/Canadian data pages 'Bengali, 180°' with
    high confidence; turned over, their MRZ was lost (eval corpus: every such page)."""
    from samples.degrade import degrade

    rd = _rendered("foreigner", "passport", index)
    rng = random.Random(index)
    scan = degrade(rd.pages[0], "scan", rng, rd.dpi, dpi=200).image
    info = _read(scan, "scan.jpg")
    assert info.ocr is not None and info.ocr.rotation == 0
    assert info.doc_type == DocType.PASSPORT
    [doc], _ = group_documents([info])
    f = extract(doc, [info])
    assert f["mrz_valid"].value is True
    assert f["id_number"].value == rd.fields["id_number"]


@pytest.mark.ocr
def test_sample_passport_through_real_ocr() -> None:
    rd = _rendered("returnee", "passport")
    info = _read(rd.pages[0], "passport.png")
    assert info.doc_type == DocType.PASSPORT
    [doc], _ = group_documents([info])
    f = extract(doc, [info])
    assert f["mrz_valid"].value is True
    for key in ("id_number", "birth_date", "valid_until", "sex", "name_latin"):
        assert f[key].value == rd.fields[key], key
    assert f["mrz_visual_mismatch"].value is False
