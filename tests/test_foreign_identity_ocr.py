"""Real OCR of a foreigner's visa pages and national ID cards from the sample generator: image →
pipeline.ocr router (real tesseract / RapidOCR, never mocked) → classify → group → extract →
the rules. The same pages read from their drawn words are tests/test_foreign_identity.py."""

from __future__ import annotations

import os
import random

import pytest
from ocr_testpages import as_page
from test_checks_rules import run

from extractors import extract
from pipeline.classify import group_documents
from pipeline.core.models import DocType, Document, PageInfo
from pipeline.ocr import get_router
from pipeline.run import read_page
from samples.degrade import Level, degrade
from samples.people import Applicant, make_applicant
from samples.render import RenderedDoc, render

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

IDENTITY_FIELDS = ("name", "birth_date", "id_number", "valid_until", "mrz_valid")


def _foreigner(seed: int) -> Applicant:
    return make_applicant(random.Random(seed), seed, kind="foreigner")


def _read(rd: RenderedDoc, stem: str, level: Level = "clean") -> tuple[list[PageInfo], list[Document]]:
    router = get_router("auto", None)
    infos = []
    for i, img in enumerate(rd.pages):
        if level != "clean":
            img = degrade(img, level, random.Random(i), rd.dpi, dpi=rd.dpi).image
        infos.append(read_page(as_page(img.convert("RGB"), f"{stem}_{i + 1}.png", dpi=rd.dpi), router)[0])
    docs, pages = group_documents(infos)
    for d in docs:
        d.fields = extract(d, pages)
    return pages, docs


@pytest.mark.ocr
@pytest.mark.parametrize(("layout", "level"), [("z_visa", "clean"), ("residence_permit", "clean"),
                                               ("z_visa", "scan")])
def test_a_visa_page_through_real_ocr(layout: str, level: Level) -> None:
    a = _foreigner(11)
    rd = render("visa", a, random.Random(11), layout=layout)
    pages, docs = _read(rd, "visa", level)
    assert [p.doc_type for p in pages] == [DocType.VISA]
    [visa] = docs
    for key in IDENTITY_FIELDS:
        assert visa.fields[key].value == rd.fields[key], key
    assert visa.fields["mrz_format"].value == ("MRVA" if layout == "z_visa" else "MRVB")
    assert visa.fields["mrz_failed_checks"].value == ""  # no composite digit asked of a visa
    assert visa.fields["passport_number"].value == a.person.passport_number


@pytest.mark.ocr
def test_a_td1_card_front_and_back_through_real_ocr() -> None:
    rd = render("foreign_id_card", _foreigner(12), random.Random(12), layout="td1")
    pages, docs = _read(rd, "card")
    assert [(p.doc_type, p.side) for p in pages] == [(DocType.FOREIGN_ID_CARD, "front"),
                                                    (DocType.FOREIGN_ID_CARD, "back")]
    [card] = docs  # the two sides, handed in as two files, are one document
    assert len(card.files) == 2
    for key in (*IDENTITY_FIELDS, "sex", "name_latin"):
        assert card.fields[key].value == rd.fields[key], key
    assert card.fields["mrz_format"].value == "TD1" and card.fields["mrz_visual_mismatch"].value is False


@pytest.mark.ocr
def test_a_td2_card_through_real_ocr() -> None:
    rd = render("foreign_id_card", _foreigner(13), random.Random(13), layout="td2")
    pages, [card] = _read(rd, "card")
    assert pages[0].doc_type == DocType.FOREIGN_ID_CARD
    for key in (*IDENTITY_FIELDS, "sex"):
        assert card.fields[key].value == rd.fields[key], key
    assert card.fields["mrz_format"].value == "TD2"


@pytest.mark.ocr
def test_a_visa_beside_the_passport_through_real_ocr() -> None:
    """The passport and its visa page, both read: the visa raises no MRZ flag (its missing
    composite digit is no failure), agrees with the passport and is not the identity document."""
    a = _foreigner(14)
    docs: list[Document] = []
    for i, (dt, layout) in enumerate((("passport", None), ("visa", "z_visa"))):
        _, [d] = _read(render(dt, a, random.Random(14), layout=layout), dt)
        docs.append(d.model_copy(update={"doc_id": f"D1{i}"}))
    assert [d.doc_type for d in docs] == [DocType.PASSPORT, DocType.VISA]
    case = run(docs)
    raised = {f.code for f in case.flags}
    assert not raised & {"MRZ_CHECK_DIGIT_INVALID", "MRZ_VISUAL_MISMATCH", "NAME_MISMATCH", "BIRTH_DATE_MISMATCH",
                         "SEX_MISMATCH"}
    assert case.materials.identity == "present" and case.applicant.id_type == "passport"
    case = run(docs[1:])  # the visa page alone
    assert case.materials.identity == "missing" and "MISSING_IDENTITY_DOCUMENT" in {f.code for f in case.flags}
