"""A value re-typed level onto a tilted scan (pipeline.forensics_lines).

The pages are the sample generator's own certificates (samples.archive.compose on a plan with
only the image_region_tampered defect), turned the way a flatbed scan turns them, degraded and
saved as JPEG; the forgery is the generator's `tamper_patch` (a patch pasted square to the
image, the value re-typed on it).
"""

from __future__ import annotations

import random
from functools import cache

import cv2
import numpy as np
import pytest
from ocr_testpages import as_page
from PIL import Image, ImageDraw

from pipeline.core.models import OcrResult
from pipeline.core.stages import Page
from pipeline.forensics import lines as forensics_lines
from pipeline.forensics import screen_page
from pipeline.forensics.lines import _working_grey, boxed_line_inks, level_lines, text_lines
from pipeline.forensics.settings import config
from pipeline.geometry import to_corrected_bbox, to_decoded_quad
from pipeline.ocr import get_router
from samples.archive import compose, plan_archive, tamper_patch
from tests.test_forensics_tamper import _font, _jpeg, _overlap, _page, degrade

SETTINGS = config().tamper.level_line


@cache
def certificate(i: int) -> tuple[Image.Image, tuple[int, int, int, int], str]:
    """Applicant i's rendered certificate page, the box of its certificate-number line and the
    re-typed line a forger would paste there."""
    plan = plan_archive(4, 90, 1.0, only=["image_region_tampered"])
    doc = next(cd for cd in compose(plan, i).docs if cd.tamper)
    assert doc.tamper is not None
    page_no, box, _, new_text = doc.tamper
    return doc.rendered.pages[page_no].convert("RGB"), box, new_text


def tilted_scan(i: int, tilt: float) -> tuple[Image.Image, tuple[int, int, int, int], str]:
    """Certificate i turned `tilt` degrees counter-clockwise and scanned; the number line's box
    mapped into the turned page (the axis-aligned box around it)."""
    img, box, text = certificate(i)
    turned = img.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    return degrade(turned, "scan", i), to_corrected_bbox(box, img.size, 0, tilt), text


def forge(page: Image.Image, box: tuple[int, int, int, int], text: str) -> Image.Image:
    return _jpeg(tamper_patch(page, box, text, random.Random(7)), 88)


def _grey(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"))


@pytest.mark.parametrize("i,tilt", [(1, -2.5), (2, 1.4), (4, 3.8)])
def test_each_line_is_measured_at_the_page_tilt(i, tilt):
    page, _, _ = tilted_scan(i, tilt)
    lines = text_lines(_working_grey(_grey(page), SETTINGS.work_long_side)[0], SETTINGS)
    assert len(lines) >= 5, lines
    angles = np.array([ln.angle for ln in lines])
    # image y runs down, so a counter-clockwise turn is a negative slope
    assert abs(np.median(angles) + tilt) <= 0.1, angles
    assert np.all(np.abs(angles + tilt) <= 0.3), angles


@pytest.mark.parametrize("i,tilt", [(1, 2.5), (2, -1.6), (3, 3.2), (4, -1.1)])
def test_value_pasted_level_on_a_tilted_scan_is_found_where_it_was_pasted(i, tilt):
    page, box, text = tilted_scan(i, tilt)
    forged = forge(page, box, text)
    found = level_lines(_grey(forged), SETTINGS)
    assert len(found) >= 1, found
    assert all(_overlap(f.bbox, box) > 0.5 for f in found), (found, box)
    assert abs(found[0].page_tilt + tilt) <= 0.1 and abs(found[0].angle) <= SETTINGS.level_max_deg
    flags = [f for f in screen_page(_page(forged), None) if f.code == "IMAGE_REGION_TAMPERED"]
    level = [f for f in flags if "level-line" in f.message_en]
    assert level and all(_overlap(f.evidence[0].bbox, box) > 0.5 for f in level), (flags, box)
    assert "此行文字是水平的" in level[0].message_zh  # the clerk reads why, in Chinese first


@pytest.mark.parametrize("i,tilt", [(1, 2.2), (2, -3.0), (3, 1.2), (4, -1.05)])
def test_clean_tilted_scans_have_no_level_line(i, tilt):
    page, _, _ = tilted_scan(i, tilt)
    assert level_lines(_grey(page), SETTINGS) == []


def test_the_same_patch_on_a_straight_scan_is_not_evidence():
    """No tilt to measure against: a level line on a level page proves nothing."""
    page, box, text = tilted_scan(1, 0.0)
    assert level_lines(_grey(forge(page, box, text)), SETTINGS) == []


def test_level_imprint_counts_in_the_body_but_not_in_the_bottom_margin():
    """Page numbers and fax/scanner imprints are printed level on the already tilted page, in
    the margins: the same line is reported in the body of the page and not at its foot."""
    def with_imprint(y_share: float) -> Image.Image:
        page, _, _ = tilted_scan(2, 2.6)
        d = ImageDraw.Draw(page)
        d.text((page.width // 3, int(page.height * y_share)), "第1页共3页 2025-05-22 13:38 FAX 0523-86610000",
               fill=(30, 30, 30), font=_font(page.height // 45))
        return _jpeg(page, 88)

    in_body = level_lines(_grey(with_imprint(0.55)), SETTINGS)
    assert len(in_body) == 1 and abs(in_body[0].angle) <= SETTINGS.level_max_deg, in_body
    assert level_lines(_grey(with_imprint(0.975)), SETTINGS) == []


def test_phone_photo_with_perspective_is_left_alone():
    """Perspective fans the line angles out: there is no common tilt to hold a line against."""
    img, box, text = certificate(3)
    w, h = img.size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[90, 160], [w - 40, 0], [w - 10, h], [30, h - 190]])
    warped = cv2.warpPerspective(np.asarray(img), cv2.getPerspectiveTransform(src, dst), (w, h),
                                 borderValue=(255, 255, 255))
    photo = forge(degrade(Image.fromarray(warped), "phone", 3), box, text)
    lines = text_lines(_working_grey(_grey(photo), SETTINGS.work_long_side)[0], SETTINGS)
    angles = np.array([ln.angle for ln in lines])
    assert angles.max() - angles.min() >= 1.5, angles  # the photo really fans out
    assert level_lines(_grey(photo), SETTINGS) == []


def test_level_line_test_is_skipped_where_ocr_read_too_few_wide_lines():
    """A page on which OCR read fewer wide lines than the tilt needs (cards, sparse pages) is
    not measured again; the same forged page with OCR's count given (or unknown) is found."""
    from pipeline.core.models import OcrLine, OcrResult
    from pipeline.forensics.image import _wide_lines, find_tampered_regions

    page, box, text = tilted_scan(1, 2.5)
    forged = forge(page, box, text)

    def kinds(wide: int | None) -> list[str]:
        return [r.method for r in find_tampered_regions(forged, measured_tilt=-2.5, ocr_wide_lines=wide)]

    assert "level-line" in kinds(None) and "level-line" in kinds(SETTINGS.min_reference_lines)
    assert "level-line" not in kinds(SETTINGS.min_reference_lines - 1)
    w, h = forged.size
    wide, narrow = int(SETTINGS.min_reference_width * max(w, h)) + 1, 40
    lines = [OcrLine(text="x", bbox=(0, 10 * i, wide if i < 2 else narrow, 10 * i + 8), conf=1.0) for i in range(5)]
    assert _wide_lines(OcrResult(engine="rapidocr", text="", lines=lines, width=w, height=h)) == 2


def _read(img: Image.Image) -> tuple[Page, OcrResult]:
    """The page and what OCR read on it (auto: RapidOCR's own layout path)."""
    page = as_page(img, "scan.jpg")
    return page, get_router("auto", None).read(page).ocr


def _ocr_quads(page: Page, ocr: OcrResult) -> list[np.ndarray]:
    return [to_decoded_quad(ln.bbox, page.image.size, ocr.rotation, ocr.skew) for ln in ocr.lines]


@pytest.mark.ocr
@pytest.mark.parametrize("i,tilt", [(1, 2.5), (3, -1.6)])
def test_ocr_line_boxes_lead_to_the_pasted_value_on_a_read_page(i, tilt, monkeypatch):
    """Where OCR read the page, the test measures the ink inside OCR's line boxes (no page-wide
    search): the re-typed value is still found where it was pasted — though it pokes out of the
    tilted box OCR drew around it — and the flag's box lands in OCR's coordinates."""
    page_img, box, text = tilted_scan(i, tilt)
    forged, ocr = _read(forge(page_img, box, text))
    found = level_lines(_grey(forged.image), SETTINGS, _ocr_quads(forged, ocr))
    assert len(found) >= 1 and all(_overlap(f.bbox, box) > 0.5 for f in found), (found, box)
    assert abs(found[0].page_tilt + tilt) <= 0.1

    boxed: list[int] = []
    real = forensics_lines.boxed_line_inks

    def spy(*args, **kwargs):
        boxed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(forensics_lines, "boxed_line_inks", spy)
    monkeypatch.setattr(forensics_lines, "line_inks", None)  # the page-wide search must not run
    level = [f for f in screen_page(forged, ocr) if "level-line" in f.message_en]
    in_ocr = to_corrected_bbox(box, forged.image.size, ocr.rotation, ocr.skew)
    assert boxed and level and _overlap(level[0].evidence[0].bbox, in_ocr) > 0.5, (level, in_ocr)

    monkeypatch.undo()
    clean, clean_ocr = _read(page_img)
    assert level_lines(_grey(clean.image), SETTINGS, _ocr_quads(clean, clean_ocr)) == []


def test_a_box_with_far_apart_groups_is_measured_group_by_group():
    """A form row OCR joined into one box — a label at the left, a stamp note far right, set
    at slightly different heights — is two short lines, not one line whose 'angle' is the
    layout's; each group stands or falls on its own characters."""
    img = Image.new("L", (2000, 400), 255)
    d = ImageDraw.Draw(img)
    font = _font(34)
    d.text((60, 180), "门或市直部门意见栏目内容", fill=0, font=font)
    d.text((1450, 168), "盖章签字年月日处理完毕", fill=0, font=font)
    quad = np.array([(40, 150), (1960, 150), (1960, 240), (40, 240)], np.float64)
    inks, f, _ = boxed_line_inks(np.asarray(img), [quad], SETTINGS)
    assert f == pytest.approx(1.0)
    assert len(inks) == 2, [i.bbox for i in inks]
    left, right = sorted(inks, key=lambda i: i.bbox[0])
    assert left.bbox[2] < 600 and right.bbox[0] > 1400
    assert all(abs(i.angle(SETTINGS.max_tilt_deg)) <= SETTINGS.level_max_deg for i in inks)


def test_a_line_whose_angle_is_ill_determined_is_not_called_level():
    """A line counts as level only when its ink lines up clearly sharper level than at the
    page's tilt: a re-typed value does (level_gain well above min_level_gain); ink whose
    projection is about as sharp at any angle (on the eval corpus: short form cells of mixed
    script, 1.01-1.03) does not, and a line printed at the tilt is sharper there."""
    page, box, text = tilted_scan(1, 2.5)
    found = level_lines(_grey(forge(page, box, text)), SETTINGS)
    assert found and all(f.gain >= SETTINGS.min_level_gain for f in found)
    assert max(f.gain for f in found) >= 1.15, found

    # ink with no direction of its own (a round blot): level or tilted, it projects the same
    rng = np.random.default_rng(5)
    r, t = 15 * np.sqrt(rng.uniform(0, 1, 3000)), rng.uniform(0, 2 * np.pi, 3000)
    blot = forensics_lines.LineInk((0, 0, 30, 30), 15 + r * np.sin(t), 15 + r * np.cos(t), 1)
    assert abs(blot.level_gain(0.0, 2.5) - 1) < SETTINGS.min_level_gain - 1
    # and a line printed at the page's tilt is sharper there than level
    clean = forensics_lines.line_inks(_working_grey(_grey(page), SETTINGS.work_long_side)[0], SETTINGS)
    assert max(ink.level_gain(0.0, -2.5) for ink in clean) < 1
