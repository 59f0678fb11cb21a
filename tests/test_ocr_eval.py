"""The CER measurement itself: reading order, spaces, and the error count."""

from __future__ import annotations

from pipeline.core.models import OcrLine, OcrResult, OcrWord
from pipeline.measure.ocr_eval import (
    EvalPage,
    _interleave,
    cer_counts,
    format_report,
    hypothesis_text,
    reading_order_text,
)


def w(text: str, x0: int, y0: int, x1: int, y1: int) -> OcrWord:
    return OcrWord(text=text, bbox=(x0, y0, x1, y1), conf=1.0)


def test_reading_order_ignores_draw_order_and_spaces():
    drawn = [w("编号", 300, 100, 380, 130), w("姓名", 10, 10, 90, 40), w("张 伟", 100, 12, 180, 42),
             w("证书", 10, 100, 90, 130)]
    assert reading_order_text(drawn) == "姓名张伟证书编号"


def test_cer_counts_edits_over_reference_length():
    assert cer_counts("姓名张伟", "姓名张伟") == (0, 4)
    assert cer_counts("姓名张伟", "姓名张讳") == (1, 4)
    assert cer_counts("abc", "") == (3, 3)


def test_hypothesis_uses_word_boxes_not_engine_line_order():
    res = OcrResult(engine="tesseract", text="", lines=[
        OcrLine(text="second", bbox=(0, 100, 50, 120), conf=1, words=[w("second", 0, 100, 50, 120)]),
        OcrLine(text="first", bbox=(0, 0, 50, 20), conf=1, words=[w("first", 0, 0, 50, 20)])])
    assert hypothesis_text(res) == "firstsecond"


def test_interleave_spreads_a_short_limit_over_types_and_levels():
    refs = {("a", f"f{i}", 1): EvalPage("a", f"f{i}", 1, t, lv, 0, "x")
            for i, (t, lv) in enumerate([("diploma", "clean"), ("diploma", "clean"), ("passport", "phone")])}
    picked = _interleave(sorted(refs), refs)[:2]
    assert {refs[k].doc_type for k in picked} == {"diploma", "passport"}


def test_report_formats_every_mode():
    score = {"cer": 0.1, "pages": 1, "chars": 10, "seconds_per_page": 1.0, "engines": {"tesseract": 1}}
    rep = {"archive": "A", "pages": 1, "modes": ["tesseract"], "total": {"tesseract": score},
           "by_doc_type": {"tesseract": {"diploma": score}}, "by_degradation": {"tesseract": {"scan": score}},
           "by_rotation": {"tesseract": {"0": score}}}
    text = format_report(rep)
    assert "diploma (1)" in text and "0.100" in text
