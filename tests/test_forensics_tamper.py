"""Local tampering (IMAGE_REGION_TAMPERED) on synthetic pages, clean and with a pasted patch.

The pages are rendered here with PIL (text in Noto CJK, a table, a photo box), degraded like
a flatbed scan, a phone photo or a photocopy, and saved as JPEG. The tampered variant pastes
a patch with a different noise/compression history over one value and re-types it, then
re-saves the page, the way a forger's editor would.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from ocr_testpages import as_page
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pipeline.core.stages import Page
from pipeline.forensics import screen_page
from pipeline.forensics.image import find_tampered_regions

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
LABELS = ["姓名", "性别", "出生日期", "证件号码", "工作单位", "证书编号", "发证日期", "有效期至", "专业", "学历"]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


def render_page(seed: int, size: tuple[int, int] = (1654, 2339)) -> tuple[Image.Image, list[tuple]]:
    """A form-like page; returns the image and the value boxes (x0, y0, x1, y1, text)."""
    rnd = random.Random(seed)
    w, h = size
    paper = rnd.randint(236, 250)
    img = Image.new("RGB", size, (paper, paper, paper - rnd.randint(0, 6)))
    d = ImageDraw.Draw(img)
    s = w / 1654
    d.text((int(w * 0.25), int(90 * s)), "泰州市国际职业资格比照认定申报表", fill=(20, 20, 20), font=_font(int(56 * s)))
    y = int(260 * s)
    fields = []
    fsize = int(rnd.choice([34, 38, 42]) * s)
    for i, label in enumerate(LABELS):
        d.rectangle((int(100 * s), y - int(12 * s), w - int(100 * s), y + int(70 * s)), outline=(40, 40, 40), width=2)
        d.text((int(130 * s), y), label, fill=(25, 25, 25), font=_font(fsize))
        value = (str(rnd.randint(10**17, 10**18 - 1)) if i in (3, 5) else
                 f"{rnd.randint(1970, 2020)}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日" if i in (2, 6, 7)
                 else rnd.choice(["张伟", "李娜", "泰州医药有限公司", "机械工程", "硕士研究生", "男", "女"]))
        x = int(520 * s)
        d.text((x, y), value, fill=(15, 15, 15), font=_font(fsize))
        bb = d.textbbox((x, y), value, font=_font(fsize))
        fields.append((*bb, value))
        y += int(120 * s)
    # a photo-like box (smooth gradient with texture) and a red seal
    px0, py0 = int(w * 0.68), int(260 * s)
    grad = np.linspace(90, 200, int(360 * s))[None, :].repeat(int(280 * s), 0)
    photo = Image.fromarray(np.clip(grad.T + np.random.default_rng(seed).normal(0, 6, grad.T.shape), 0, 255)
                            .astype(np.uint8)).convert("RGB")
    img.paste(photo, (px0, py0))
    cx, cy, r = int(w * 0.7), int(h * 0.8), int(150 * s)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(200, 30, 30), width=int(8 * s))
    d.text((cx - int(90 * s), cy - int(20 * s)), "单位公章", fill=(200, 30, 30), font=_font(int(44 * s)))
    for k in range(6):
        d.text((int(130 * s), int(h * 0.62) + k * int(52 * s)),
               "本人承诺所提交材料真实有效，如有虚假，自愿承担相应责任。" [: rnd.randint(14, 27)],
               fill=(30, 30, 30), font=_font(int(30 * s)))
    return img, fields


def _jpeg(img: Image.Image, q: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def degrade(img: Image.Image, kind: str, seed: int) -> Image.Image:
    """'scan': mild blur + sensor noise; 'phone': uneven light, vignetting, blur, stronger
    brightness-dependent noise; 'photocopy': clipped white, toner speckle, hard contrast."""
    rng = np.random.default_rng(seed)
    a = np.asarray(img).astype(np.float32)
    h, w = a.shape[:2]
    if kind == "scan":
        a = np.asarray(img.filter(ImageFilter.GaussianBlur(0.6))).astype(np.float32)
        a += rng.normal(0, 2.5, a.shape[:2])[..., None]
        q = 85
    elif kind in ("phone", "phone_shadow"):
        a = np.asarray(img.filter(ImageFilter.GaussianBlur(1.0))).astype(np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        light = 0.78 + 0.22 * (xx / w) * 0.6 + 0.22 * (1 - yy / h) * 0.4
        vign = 1 - 0.25 * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 2
        a = a * (light * vign)[..., None] + np.array([6, 2, -6], np.float32)
        if kind == "phone_shadow":  # the phone's shadow: a soft-edged dark wedge over one corner
            shade = ((xx / w + yy / h) < rng.uniform(0.5, 0.9)).astype(np.float32)
            shade = np.asarray(Image.fromarray((shade * 255).astype(np.uint8))
                               .filter(ImageFilter.GaussianBlur(8))).astype(np.float32) / 255
            a = a * (1 - 0.35 * shade)[..., None]
        a += rng.normal(0, 1, (h, w, 1)) * (1.5 + 0.02 * a)  # shot noise grows with brightness
        q = 80
    elif kind == "photocopy":
        a = (a - 60) * 1.35
        a += rng.normal(0, 6, a.shape[:2])[..., None]
        speck = rng.random((h, w)) < 0.0006
        a[speck] = 30
        q = 85
    else:
        raise ValueError(kind)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return _jpeg(out, q)


def tamper(img: Image.Image, box: tuple, seed: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Paste a flat patch (other noise, other JPEG quality) over a value, re-type it, re-save q90."""
    rnd = random.Random(seed)
    x0, y0, x1, y1 = (int(v) for v in box[:4])
    pad = rnd.randint(6, 14)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad + rnd.randint(0, 60), y1 + pad
    region = np.asarray(img.crop((x0, y0, x1, y1))).astype(np.float32)
    bgc = np.percentile(region.reshape(-1, 3), 80, axis=0)  # paper colour under the value
    ph, pw = y1 - y0, x1 - x0
    noise_sigma = rnd.choice([0.0, 0.5, 1.0])
    patch = np.tile(bgc, (ph, pw, 1)) + np.random.default_rng(seed).normal(0, noise_sigma, (ph, pw, 1))
    patch_img = Image.fromarray(np.clip(patch, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(patch_img)
    text = str(rnd.randint(10**17, 10**18 - 1)) if len(box[4]) > 12 else "2019年3月8日"
    d.text((pad, pad - 2), text, fill=(20, 20, 20), font=_font(int((y1 - y0 - 2 * pad) * 0.95)))
    patch_img = _jpeg(patch_img, rnd.choice([60, 75, 95, 100]))
    out = img.copy()
    out.paste(patch_img, (x0, y0))
    return _jpeg(out, 90), (x0, y0, x1, y1)


def _page(img: Image.Image, name: str = "page.jpg") -> Page:
    return as_page(img, name, dpi=200)


def _overlap(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(1, min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])))


@pytest.mark.parametrize("kind", ["scan", "phone"])
def test_pasted_value_is_found_where_it_was_pasted(kind):
    img, fields = render_page(11)
    page = degrade(img, kind, 11)
    forged, patch_box = tamper(page, fields[3], 5)
    flags = screen_page(_page(forged), None)
    tampered = [f for f in flags if f.code == "IMAGE_REGION_TAMPERED"]
    assert tampered, f"pasted patch at {patch_box} not found ({kind})"
    boxes = [f.evidence[0].bbox for f in tampered]
    assert any(_overlap(b, patch_box) > 0.3 for b in boxes), (boxes, patch_box)
    assert tampered[0].severity == "critical" and "bbox" in tampered[0].message_en


@pytest.mark.parametrize("kind", ["scan", "phone", "phone_shadow", "photocopy"])
def test_clean_pages_are_not_flagged(kind):
    for seed in (21, 22):
        img, _ = render_page(seed)
        page = degrade(img, kind, seed)
        regions = find_tampered_regions(page)
        assert regions == [], (kind, seed, [r.detail for r in regions])


def test_clean_born_digital_page_is_not_flagged(tmp_path: Path):
    img, _ = render_page(3)
    p = tmp_path / "clean.jpg"
    img.save(p, quality=85)
    assert screen_page(_page(Image.open(p).convert("RGB")), None) == []


@pytest.mark.parametrize("rotate,skew", [(0, 0.0), (90, 0.0), (180, 2.5), (270, -3.1), (0, 4.0)])
def test_boxes_map_into_the_corrected_image(rotate, skew):
    from pipeline.geometry import deskew, rotate_clockwise, to_corrected_bbox

    img = Image.new("L", (600, 400), 255)
    box = (350, 80, 420, 130)
    ImageDraw.Draw(img).rectangle(box, fill=0)
    corrected = deskew(rotate_clockwise(img, rotate), skew)
    ys, xs = np.nonzero(np.asarray(corrected) < 128)
    truth = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    got = to_corrected_bbox(box, img.size, rotate, skew)
    assert max(abs(a - b) for a, b in zip(got, truth, strict=True)) <= 3, (got, truth)


@pytest.mark.parametrize("rotate,skew", [(0, 0.0), (90, 1.5), (180, 2.5), (270, -3.1), (0, 4.0)])
def test_ocr_boxes_map_back_into_the_decoded_image(rotate, skew):
    """to_decoded_quad undoes to_corrected_bbox: a box drawn in the corrected image comes back
    as the tilted rectangle around the same ink in the decoded one."""
    from pipeline.geometry import deskew, rotate_clockwise, to_corrected_bbox, to_decoded_quad

    img = Image.new("L", (600, 400), 255)
    ImageDraw.Draw(img).rectangle((350, 80, 420, 130), fill=0)
    corrected = deskew(rotate_clockwise(img, rotate), skew)
    ys, xs = np.nonzero(np.asarray(corrected) < 128)
    ink_box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    quad = to_decoded_quad(ink_box, img.size, rotate, skew)
    assert quad.shape == (4, 2)
    for x, y in quad:  # each corner maps forward onto the box's own corners
        fx, fy = to_corrected_bbox((x, y, x, y), img.size, rotate, skew)[:2]
        assert min(abs(fx - cx) + abs(fy - cy) for cx in ink_box[::2] for cy in ink_box[1::2]) <= 2
    # and the quadrilateral holds the drawn rectangle
    inside = np.zeros((400, 600), np.uint8)
    cv2.fillPoly(inside, [np.round(quad).astype(np.int32)], 1)
    assert inside[80:130, 350:420].mean() >= 0.97


def test_phone_photo_of_a_page_on_a_dark_desk_is_not_flagged():
    """Regression: the desk's texture around the sheet once made nearby paper look 'too smooth'."""
    img, _ = render_page(31)
    sheet = degrade(img, "phone_shadow", 31).resize((1240, 1754))
    rng = np.random.default_rng(31)
    desk = np.clip(70 + rng.normal(0, 18, (2000, 2600, 1)) + np.zeros((1, 1, 3)), 0, 255).astype(np.uint8)
    photo = Image.fromarray(desk).filter(ImageFilter.GaussianBlur(1.5))
    photo.paste(sheet.rotate(4, expand=True, fillcolor=(70, 70, 70)), (600, 60))
    photo = _jpeg(photo, 85)
    assert find_tampered_regions(photo) == []
