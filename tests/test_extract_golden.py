"""Extractors on stored real OCR: every golden file gives the fields it recorded, exactly.

tests/golden/<doc_type>-<layout>.json: one rendered document per layout family, read once by the
real OCR (tests/golden/make_golden.py); every field value is asserted, and no field may appear
or vanish. tests/golden/regressions/<bug>.json: one bug the history records as fixed (`bug`,
`fixed_in` names the commit), the OCR lines that showed it as [text, [x0, y0, x1, y1], conf] per
page, and the values that show it stays fixed (only those fields are asserted).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractors import extract
from pipeline.core.models import DocType, Document, DocumentFile, OcrLine, OcrResult, PageInfo

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))
REGRESSION_FILES = sorted((GOLDEN / "regressions").glob("*.json"))


def _document(doc_type: str, pages: list[PageInfo]) -> Document:
    files: dict[str, list[int]] = {}
    for p in pages:
        files.setdefault(p.file, []).append(p.page)
    return Document(doc_id="D01", doc_type=DocType(doc_type), classification_confidence=1.0,
                    files=[DocumentFile(path=f, sha256="0" * 64, pages=ps) for f, ps in files.items()])


def _values(doc_type: str, pages: list[PageInfo]) -> dict[str, Any]:
    return {k: f.value for k, f in extract(_document(doc_type, pages), pages).items()}


def _regression_page(number: int, page: dict[str, Any]) -> PageInfo:
    """A page of a regression file: its OCR lines as [text, [x0, y0, x1, y1], conf]."""
    lines = [OcrLine(text=t, bbox=tuple(b), conf=c) for t, b, c in page["lines"]]
    engine = page.get("engine", "rapidocr")
    width, height = page.get("width", 1600), page.get("height", 2000)
    return PageInfo(file="scan.png", file_sha256="0" * 64, page=number, width=width, height=height,
                    ocr=OcrResult(engine=engine, text="\n".join(ln.text for ln in lines), lines=lines,
                                  width=width, height=height))


def test_every_layout_family_has_a_golden_file():
    from samples.render.application_form import FORM_LAYOUTS
    from samples.render.education import CSCSE_LAYOUTS, DEGREE_LAYOUTS, DIPLOMA_LAYOUTS
    from samples.render.employment import CONTRACT_LAYOUTS, SI_LAYOUTS, WP_LAYOUTS
    from samples.render.foreign import CARD_LAYOUTS, VISA_LAYOUTS
    from samples.render.identity import ID_LAYOUTS, PASSPORT_LAYOUTS, PERMIT_LAYOUTS
    from samples.render.qualification import QUAL_LAYOUTS

    families = {
        "resident_id_card": ID_LAYOUTS, "passport": PASSPORT_LAYOUTS, "hk_macao_permit": PERMIT_LAYOUTS,
        "taiwan_permit": PERMIT_LAYOUTS, "diploma": DIPLOMA_LAYOUTS, "degree_certificate": DEGREE_LAYOUTS,
        "overseas_degree_certification": CSCSE_LAYOUTS, "qualification_certificate": QUAL_LAYOUTS,
        "social_insurance_record": SI_LAYOUTS, "labor_contract": CONTRACT_LAYOUTS, "work_permit": WP_LAYOUTS,
        "application_form": FORM_LAYOUTS, "visa": VISA_LAYOUTS, "foreign_id_card": CARD_LAYOUTS,
    }
    have = {(d["doc_type"], d["layout"]) for d in (json.loads(p.read_text(encoding="utf-8")) for p in GOLDEN_FILES)}
    missing = [f"{dt}-{lay}" for dt, lays in families.items() for lay in lays if (dt, lay) not in have]
    assert not missing
    assert {dt for dt, _ in have} == {str(d) for d in DocType if d != DocType.UNKNOWN}


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda p: p.stem)
def test_golden(path: Path):
    rec = json.loads(path.read_text(encoding="utf-8"))
    pages = [PageInfo.model_validate(p) for p in rec["pages"]]
    assert _values(rec["doc_type"], pages) == rec["expected"]
    # a disagreement with the truth is recorded, never hidden
    for k, v in rec["truth"].items():
        if k not in rec["disagree"]:
            assert str(rec["expected"][k]) == str(v), k


@pytest.mark.parametrize("path", REGRESSION_FILES, ids=lambda p: p.stem)
def test_regression(path: Path):
    rec = json.loads(path.read_text(encoding="utf-8"))
    pages = [_regression_page(i + 1, p) for i, p in enumerate(rec["pages"])]
    got = _values(rec["doc_type"], pages)
    assert {k: got.get(k) for k in rec["expected"]} == rec["expected"]
