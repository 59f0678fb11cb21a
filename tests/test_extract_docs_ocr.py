"""Rendered documents (samples.render) → real OCR (pipeline.ocr router, auto) → classify →
the extractors of the non-identity documents, compared with the renderer's truth. Real
tesseract/RapidOCR, no mocks.

Three documents keep the runtime modest: a qualification certificate (English, tesseract), a
work-permit card and the application form (Chinese table, RapidOCR, the unit seal found by the
classifier's red-seal cue). Every doc type and layout family is covered without OCR by the
golden files (tests/golden, tests/test_extract_golden.py).
"""

from __future__ import annotations

import os
import random

import pytest
from ocr_testpages import as_page

from extractors import extract
from pipeline.core.models import DocType, Document, DocumentFile, PageInfo
from pipeline.ocr import get_router
from pipeline.run import read_page
from samples.people import make_applicant
from samples.render import render

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _read(doc_type: str, kind: str, seed: int = 100, layout: str | None = None):
    applicant = make_applicant(random.Random(seed), seed, kind=kind)
    rd = render(doc_type, applicant, random.Random(0), layout=layout)
    router = get_router("auto", None)
    infos: list[PageInfo] = []
    for i, img in enumerate(rd.pages):
        info, _flags = read_page(as_page(img, f"{doc_type}.png", i + 1, dpi=rd.dpi), router)
        infos.append(info)
    doc = Document(doc_id="D01", doc_type=DocType(doc_type), classification_confidence=1.0,
                   files=[DocumentFile(path=f"{doc_type}.png", sha256="0" * 64, pages=[p.page for p in infos])])
    return rd, infos, extract(doc, infos)


def _accuracy(truth: dict, fields: dict) -> tuple[float, list[str]]:
    bad = [k for k, v in truth.items() if k not in fields or str(fields[k].value) != str(v)]
    return 1 - len(bad) / len(truth), bad


@pytest.mark.ocr
def test_qualification_certificate_real_ocr():
    rd, infos, f = _read("qualification_certificate", "foreigner")
    assert infos[0].doc_type == DocType.QUALIFICATION_CERTIFICATE
    acc, bad = _accuracy(rd.fields, f)
    assert f["title"].value == rd.fields["title"]
    assert f["issuer"].value == rd.fields["issuer"]
    assert f["holder_name"].value == rd.fields["holder_name"]
    assert acc >= 0.8, bad
    assert f["title"].evidence and f["title"].evidence[0].bbox is not None


@pytest.mark.ocr
def test_work_permit_card_real_ocr():
    rd, infos, f = _read("work_permit", "foreigner")
    acc, bad = _accuracy(rd.fields, f)
    assert f["name"].value == rd.fields["name"]
    assert f["permit_number"].value == rd.fields["permit_number"]
    assert acc >= 0.8, bad


@pytest.mark.ocr
def test_application_form_real_ocr_with_seal():
    rd, infos, f = _read("application_form", "chinese")
    assert infos[0].doc_type == DocType.APPLICATION_FORM
    assert rd.fields["unit_seal_present"] is True
    assert f["unit_seal_present"].value is True
    assert f["catalog_number"].value == rd.fields["catalog_number"]
    assert f["requested_title"].value == rd.fields["requested_title"]
    assert f["requested_series"].value == rd.fields["requested_series"]
    acc, bad = _accuracy(rd.fields, f)
    assert acc >= 0.85, bad
