"""Real tesseract and RapidOCR on rendered pages: text, orientation, deskew, routing, cache."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from ocr_testpages import EN_LINES, SANS_CJK, ZH_LINES, as_page, render, squash
from PIL import Image

from pipeline.geometry import correct, corrected_copy, rotate_clockwise
from pipeline.ocr import OcrRouter, get_router
from pipeline.ocr.cache import OcrCache
from pipeline.ocr.preprocess import estimate_skew
from pipeline.ocr.rapid import RapidBackend
from pipeline.ocr.tesseract import TesseractBackend


class Counting:
    def __init__(self, inner) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def recognize(self, image):
        self.calls += 1
        return self.inner.recognize(image)


@pytest.fixture(scope="module")
def en_page_img():
    return render(EN_LINES)


@pytest.fixture(scope="module")
def zh_page_img():
    return render(ZH_LINES, size=(900, 360))


@pytest.mark.ocr
@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_english_page_each_engine(engine, en_page_img):
    res = OcrRouter(engine, preprocess=False).read(as_page(en_page_img)).ocr
    assert res.engine == engine
    assert "Certified Welding Inspector" in res.text
    assert "21034567" in res.text
    assert res.text.count("\n") == len(res.lines) - 1
    assert 0.8 < res.mean_conf <= 1.0
    word = next(w for ln in res.lines for w in ln.words if w.text == "21034567")
    x0, y0, x1, y1 = word.bbox
    assert 300 < x0 < x1 < 800 and 250 < y0 < y1 < 400  # fourth line, middle of the page


@pytest.mark.ocr
@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_chinese_page_each_engine_without_spurious_spaces(engine, zh_page_img):
    res = OcrRouter(engine, preprocess=False).read(as_page(zh_page_img)).ocr
    assert "学位证书" in res.text  # no space between the characters
    assert "南京工业大学" in res.text
    assert res.language == "zh"


@pytest.mark.ocr
@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_page_is_turned_upright(degrees, en_page_img):
    turned = en_page_img.rotate(-degrees, expand=True)  # rotate clockwise by `degrees`
    page = as_page(turned)
    res = OcrRouter("tesseract").read(page).ocr
    assert res.rotation == (360 - degrees) % 360
    assert (res.width, res.height) == en_page_img.size  # boxes are in the upright frame
    assert "Certified Welding Inspector" in res.text


@pytest.mark.ocr
def test_small_chinese_card_upside_down_uses_fallback_and_reads(tmp_path):
    card = render(["居民身份证", "姓名 张伟", "住址 江苏省泰州市海陵区"], size=(856, 540), font_px=44, font=SANS_CJK)
    page = as_page(rotate_clockwise(card, 180))
    res = OcrRouter("auto").read(page).ocr
    assert res.rotation == 180
    assert res.engine == "rapidocr"
    assert "江苏省泰州市海陵区" in squash(res.text)


@pytest.mark.ocr
def test_skew_is_measured_and_removed(en_page_img):
    tilted = en_page_img.rotate(2.5, expand=False, fillcolor="white")
    assert abs(estimate_skew(tilted) + 2.5) <= 0.3
    res = OcrRouter("tesseract").read(as_page(tilted)).ocr
    assert abs(res.skew + 2.5) <= 0.3
    assert "Certified Welding Inspector" in res.text


@pytest.mark.ocr
def test_auto_reads_pages_rapidocr_lays_out_from_its_own_detection(en_page_img, zh_page_img):
    """With the layout from RapidOCR's detector, both pages are recognised from that detection:
    no tesseract, no second detection (`recognize` is the detect-again path)."""
    tess, rapid = Counting(TesseractBackend()), Counting(RapidBackend())
    rapid.layout, rapid.read_layout = rapid.inner.layout, rapid.inner.read_layout  # type: ignore[attr-defined]
    rapid.text_direction = rapid.inner.text_direction  # type: ignore[attr-defined]
    router = OcrRouter("auto", backends={"tesseract": tess, "rapidocr": rapid})
    en = router.read(as_page(en_page_img)).ocr
    zh = router.read(as_page(zh_page_img)).ocr
    assert (en.engine, zh.engine, tess.calls, rapid.calls) == ("rapidocr", "rapidocr", 0, 0)
    assert "Certified Welding Inspector" in en.text and "学位证书" in zh.text


@pytest.mark.ocr
def test_auto_without_a_layout_routes_chinese_to_rapidocr_and_clean_latin_to_tesseract(
        monkeypatch, en_page_img, zh_page_img):
    import pipeline.ocr as router_module
    from pipeline.ocr.settings import ocr_settings

    base = ocr_settings()
    no_layout = base.model_copy(update={"preprocess": base.preprocess.model_copy(update={"rapid_layout": False})})
    monkeypatch.setattr(router_module, "ocr_settings", lambda: no_layout)
    tess, rapid = Counting(TesseractBackend()), Counting(RapidBackend())
    router = OcrRouter("auto", backends={"tesseract": tess, "rapidocr": rapid})
    assert router.read(as_page(en_page_img)).ocr.engine == "tesseract"
    assert (tess.calls, rapid.calls) == (1, 0)
    zh = router.read(as_page(zh_page_img)).ocr
    assert zh.engine == "rapidocr" and rapid.calls == 1
    assert "学位证书" in zh.text


@pytest.mark.ocr
def test_cache_second_read_calls_no_engine(tmp_path: Path, en_page_img):
    cache_dir = tmp_path / "cache"
    tess = Counting(TesseractBackend())
    router = OcrRouter("tesseract", cache=OcrCache(cache_dir), backends={"tesseract": tess})
    turned = rotate_clockwise(en_page_img, 90)
    first = router.read(as_page(turned)).ocr
    again = as_page(turned)
    second = router.read(again).ocr
    assert tess.calls == 1
    assert second.text == first.text and second.rotation == first.rotation == 270
    # the cached result's frame is the decoded page turned as it says
    assert corrected_copy(again.image, second.rotation, second.skew, 5000)[0].size == en_page_img.size
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    files = list(cache_dir.rglob("*.json"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    # a different engine mode is a different key: read again, not taken from the cache
    other = OcrRouter("auto", cache=OcrCache(cache_dir))
    other.read(as_page(turned))
    assert sum(other.routed.values()) == 1 and len(list(cache_dir.rglob("*.json"))) == 2


def test_get_router_is_cached_per_process(tmp_path: Path):
    assert get_router("tesseract", tmp_path) is get_router("tesseract", tmp_path)
    assert get_router("tesseract", None) is not get_router("rapidocr", None)
    from pipeline.core.errors import ConfigError

    with pytest.raises(ConfigError):
        get_router("paddle", None)


@pytest.fixture(scope="module")
def zh_card_img():
    return render(["居民身份证", "姓名 张伟", "住址 江苏省泰州市海陵区"], size=(856, 540), font_px=44, font=SANS_CJK)


@pytest.mark.ocr
def test_rapidocr_direction_judge_tells_upright_from_upside_down(zh_card_img):
    backend = RapidBackend()
    up, flipped = backend.text_direction(zh_card_img)
    assert up > 2 * flipped and up >= 2.0
    up, flipped = backend.text_direction(rotate_clockwise(zh_card_img, 180))
    assert flipped > 2 * up and flipped >= 2.0


@pytest.mark.ocr
def test_unsure_osd_is_settled_by_the_direction_judge_before_tesseract(monkeypatch, zh_card_img):
    from pipeline.ocr import preprocess
    from pipeline.ocr.tesseract import Osd

    unsure = Osd(rotate=0, orientation_conf=0.2, script="Han", script_conf=1.0)
    monkeypatch.setattr(preprocess, "detect_osd", lambda img: unsure)
    fallback_calls: list[tuple[int, ...]] = []

    def fallback(gray, max_side, candidates):
        fallback_calls.append(candidates)
        return candidates[1], 1.0

    monkeypatch.setattr(preprocess, "_fallback_orientation", fallback)
    upside_down = rotate_clockwise(zh_card_img, 180)
    got = preprocess.detect_orientation(upside_down, RapidBackend().text_direction)
    assert (got.rotate, got.method, fallback_calls) == (180, "direction", [])
    # an unclear vote (nothing to read) goes on to the tesseract fallback
    got = preprocess.detect_orientation(upside_down, lambda img: (0.6, 0.5))
    assert (got.rotate, got.method, fallback_calls) == (180, "fallback", [(0, 180)])
    # tesseract mode has no judge
    assert OcrRouter("tesseract")._direction_judge() is None
    assert OcrRouter("auto")._direction_judge() is not None


@pytest.mark.ocr
def test_rapidocr_boxes_are_in_page_coordinates_after_downscaling():
    """An A4 page at 300 dpi is read on a copy no larger than rapidocr.max_side; the boxes
    must come back in the page's own pixels, as evidence boxes are drawn on the page."""
    from PIL import ImageDraw, ImageFont

    from pipeline.ocr.settings import ocr_settings

    page = Image.new("RGB", (2480, 3508), "white")
    font = ImageFont.truetype(SANS_CJK, 64)
    ImageDraw.Draw(page).text((1200, 2600), "泰州市人力资源和社会保障局", font=font, fill="black")
    assert max(page.size) > ocr_settings().rapidocr.max_side
    res = RapidBackend().recognize(page)
    assert "泰州市人力资源和社会保障局" in squash(res.text)
    x0 = min(w.bbox[0] for ln in res.lines for w in ln.words)
    y0 = min(w.bbox[1] for ln in res.lines for w in ln.words)
    x1 = max(w.bbox[2] for ln in res.lines for w in ln.words)
    y1 = max(w.bbox[3] for ln in res.lines for w in ln.words)
    text_w = 13 * 64
    assert abs(x0 - 1200) < 40 and abs(x1 - (1200 + text_w)) < 60
    assert 2600 - 10 < y0 < 2600 + 40 and 2600 + 40 < y1 < 2600 + 110


@pytest.mark.ocr
@pytest.mark.parametrize("turn,tilt", [(0, 2.5), (90, -1.5), (180, 3.0), (270, 0.0)])
def test_rapidocr_layout_turns_and_deskews_and_boxes_land_on_the_corrected_page(turn, tilt):
    """RapidOCR's detection gives the page's quarter turns and skew; the words it reads from
    that detection are boxed in the corrected page (turned upright and deskewed), where the
    same words are found when the corrected page is read afresh."""
    from PIL import ImageDraw, ImageFont

    from pipeline.geometry import deskew
    page = Image.new("RGB", (2480, 3508), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(SANS_CJK, 60)
    lines = ["泰州市国际职业资格比照认定申报表", "姓名 张伟  性别 男  出生日期 1988年3月8日",
             "工作单位 泰州瑞康医药有限公司", "证书编号 ACRP-635442  发证日期 2021年5月1日"]
    for i, text in enumerate(lines):
        draw.text((300, 600 + 260 * i), text, font=font, fill="black")
    scanned = rotate_clockwise(page.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor="white"),
                               (360 - turn) % 360)
    backend = RapidBackend()
    layout = backend.layout(scanned)
    assert layout is not None and layout.rotate == turn
    assert abs(layout.skew - (-tilt if tilt else 0.0)) <= 0.3, layout.skew
    corrected = deskew(rotate_clockwise(scanned, layout.rotate), layout.skew)
    laid_out = backend.read_layout(layout, corrected.size)
    assert "泰州瑞康医药有限公司" in squash(laid_out.text)
    afresh = backend.recognize(corrected)

    def box_of(res, needle):
        line = next(ln for ln in res.lines if needle in squash(ln.text))
        return (min(w.bbox[0] for w in line.words), min(w.bbox[1] for w in line.words),
                max(w.bbox[2] for w in line.words), max(w.bbox[3] for w in line.words))

    for needle in ("泰州瑞康医药有限公司", "ACRP-635442"):
        a, b = box_of(laid_out, needle), box_of(afresh, needle)
        assert max(abs(u - v) for u, v in zip(a, b, strict=True)) <= 25, (needle, a, b)


def test_low_confidence_osd_is_checked_by_the_judge_high_confidence_is_not(monkeypatch, zh_card_img):
    from pipeline.ocr import preprocess
    from pipeline.ocr.settings import ocr_settings
    from pipeline.ocr.tesseract import Osd

    cfg = ocr_settings().preprocess
    judged: list[int] = []

    def judge(img):
        judged.append(1)
        return 0.0, 20.0  # "upside down"

    for conf, expect, calls in ((cfg.osd_judge_below_conf - 0.5, (180, "direction"), 1),
                                (cfg.osd_judge_below_conf + 5, (0, "osd"), 0)):
        judged.clear()
        monkeypatch.setattr(preprocess, "detect_osd",
                            lambda img, c=conf: Osd(rotate=0, orientation_conf=c, script="Latin", script_conf=1.0))
        got = preprocess.detect_orientation(zh_card_img, judge)
        assert ((got.rotate, got.method), len(judged)) == (expect, calls)
    # a judge with nothing to say leaves a confident-enough OSD answer standing
    monkeypatch.setattr(preprocess, "detect_osd",
                        lambda img: Osd(rotate=90, orientation_conf=2.0, script="Latin", script_conf=1.0))
    got = preprocess.detect_orientation(zh_card_img, lambda img: (0.0, 0.0))
    assert (got.rotate, got.method) == (90, "osd")


def test_tilted_neighbouring_lines_are_not_interleaved():
    """Two lines of a tilted phone photo, read as two segments of per-character boxes: each
    character's box overlaps the other line's height band. They must stay two lines in order
    (grouping single characters by height gave "成例》了本的司规科马学秀定")."""
    from pipeline.core.models import OcrWord
    from pipeline.core.text import group_segments

    def tilted(text: str, y0: int) -> list[OcrWord]:
        return [OcrWord(text=c, bbox=(100 + 40 * i, y0 - 3 * i, 136 + 40 * i, y0 - 3 * i + 36), conf=0.9)
                for i, c in enumerate(text)]

    upper, lower = tilted("司马秀男生于合肥工业大学", 200), tilted("生物技术专业完成本科学习", 250)
    lines = group_segments([lower, upper])
    assert [ln.text for ln in lines] == ["司马秀男生于合肥工业大学", "生物技术专业完成本科学习"]
    # a label box and its value box side by side are one line
    label = [OcrWord(text="姓名", bbox=(100, 100, 180, 136), conf=0.9)]
    value = [OcrWord(text="张伟", bbox=(260, 102, 340, 138), conf=0.9)]
    assert [ln.text for ln in group_segments([value, label])] == ["姓名 张伟"]


@pytest.mark.ocr
def test_tesseract_reads_transparent_and_bilevel_images_as_paper():
    """Pages go to tesseract as PNM (PNG encoding cost 8% of a worker's time); transparency must
    still be white paper, not black, and 1-bit pages must still read."""
    from PIL import ImageDraw, ImageFont

    img = Image.new("RGBA", (1200, 300), (0, 0, 0, 0))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    ImageDraw.Draw(img).text((40, 100), "Certified Welding Inspector", fill=(0, 0, 0, 255), font=font)
    backend = TesseractBackend()
    assert backend.recognize(img).text == "Certified Welding Inspector"
    flat = Image.new("RGB", img.size, "white")
    flat.paste(img, mask=img.getchannel("A"))
    assert backend.recognize(flat.convert("1")).text == "Certified Welding Inspector"


def test_corrected_copy_is_the_corrected_page_downscaled(en_page_img):
    """Downscale, then turn and deskew: the same picture as the full corrected page made small."""
    import numpy as np

    turned = rotate_clockwise(en_page_img, 90).rotate(2.0, fillcolor="white")
    full = correct(turned, 270, -2.0)
    small, factor = corrected_copy(turned, 270, -2.0, 400)
    assert max(small.size) == 400 and abs(factor - full.width / small.width) < 1e-9
    expected = np.asarray(full.convert("L").resize(small.size, Image.Resampling.BOX), np.float32)
    got = np.asarray(small.convert("L"), np.float32)
    assert float(np.mean(np.abs(expected - got))) < 4.0  # interpolation differences only
    unskewed = np.asarray(corrected_copy(turned, 270, 0.0, 400)[0].convert("L"), np.float32)
    assert float(np.mean(np.abs(expected - unskewed))) > 2 * float(np.mean(np.abs(expected - got)))


@pytest.mark.ocr
def test_ocr_clock_counts_fresh_reads_not_cache_hits(tmp_path: Path, en_page_img):
    from pipeline.core import clock
    router = OcrRouter("tesseract", cache=OcrCache(tmp_path / "cache"))
    t0 = clock.spent()
    first = router.read(as_page(en_page_img))
    t1 = clock.spent()
    assert t1 - t0 >= first.ocr.seconds * 0.99 > 0
    again = router.read(as_page(en_page_img))  # the router hashes the pixels for its cache key
    assert again.pixel_sha256 == first.pixel_sha256 and clock.spent() - t1 < 0.05


@pytest.mark.ocr
def test_rapidocr_runs_on_openvino_when_installed():
    """The shipped settings ask for OpenVINO (installed by make setup); the same bundled ONNX
    models, and the case file's tool versions say which runtime ran them."""
    from pipeline.ocr.rapid import _runtime_params, rapidocr_version

    params: dict = {}
    assert _runtime_params("onnxruntime", params) == "onnxruntime" and params == {}
    backend = RapidBackend()
    backend._load()
    assert backend.runtime == "openvino"
    assert "openvino" in (rapidocr_version() or "")
    assert _runtime_params("openvino", params) == "openvino"
    assert all(str(params[f"{s}.model_path"]).endswith(".onnx") for s in ("Det", "Rec", "Cls"))
    # what the compiled models run with: one thread, not pinned (pinned, parallel workers all
    # landed on one core)
    engine = backend._load()
    for model in (engine._load_det_model(), engine._load_rec_model(), engine._load_cls_model()):
        compiled = model.session.session.get_compiled_model()
        assert int(compiled.get_property("INFERENCE_NUM_THREADS")) == 1
        assert compiled.get_property("ENABLE_CPU_PINNING") is False


def test_openvino_shape_cache_is_bounded_while_sessions_are_built(monkeypatch):
    """OpenVINO caches kernels per input shape (5,000 by default: a worker grew ~150 MB every 20
    pages); the capacity from ocr.yaml reaches the CPU plugin, and only while RapidOCR builds."""
    from rapidocr.inference_engine.openvino import main as ov_session

    from pipeline.ocr.rapid import _openvino_cache_capacity
    from pipeline.ocr.settings import ocr_settings

    seen: list[dict] = []

    class Recording:
        def set_property(self, device, config):
            seen.append(dict(config))

    monkeypatch.setattr(ov_session, "Core", Recording)
    capacity = ocr_settings().rapidocr.openvino_cache_capacity
    with _openvino_cache_capacity(capacity):
        ov_session.Core().set_property("CPU", {"INFERENCE_NUM_THREADS": "1"})
    assert seen == [{"INFERENCE_NUM_THREADS": "1", "CPU_RUNTIME_CACHE_CAPACITY": str(capacity)}]
    assert ov_session.Core is Recording and 0 < capacity < 5000


@pytest.mark.ocr
def test_pixels_are_hashed_only_for_a_cache(tmp_path: Path, en_page_img):
    """The pixel hash is the cache's key: a router without a cache does not spend ~0.03 s a page
    on it; with one, the read carries the hash of its pixels."""
    from pipeline.ocr.cache import pixel_sha256

    assert OcrRouter("tesseract").read(as_page(en_page_img)).pixel_sha256 is None
    cached = OcrRouter("tesseract", cache=OcrCache(tmp_path / "c")).read(as_page(en_page_img))
    assert cached.pixel_sha256 == pixel_sha256(en_page_img)


def test_corrected_region_is_that_region_of_the_deskewed_page(en_page_img):
    """The report deskews only the region a thumbnail shows: the same pixels as cropping the
    whole deskewed page (to the rounding of one grey level), at the page's edges too."""
    import numpy as np

    from pipeline.geometry import corrected_region, deskew
    tilted = en_page_img.rotate(-2.3, fillcolor="white")
    full = deskew(tilted, 2.3)
    w, h = full.size
    for box in [(100, 100, 600, 260), (0, 0, 300, 200), (w - 250, h - 120, w, h), (500, 300, 540, 330)]:
        got = np.asarray(corrected_region(tilted, 2.3, box), np.int16)
        want = np.asarray(full.crop(box), np.int16)
        assert got.shape == want.shape and int(np.abs(got - want).max()) <= 1, box  # rounding only
