"""OCR for one page: orientation, deskew, engine choice, cache. Other stages call only this
package; it is the only one that talks to tesseract and RapidOCR.

    router = get_router("auto", cache_dir)
    read = router.read(page)            # PageRead: read.ocr has the text and boxes
    text = recognise(crop, "tesseract", lang="eng", config="--psm 6")   # one image as it is

`auto` routes by what was measured (see pipeline/data/ocr.yaml, `preprocess.rapid_layout` and
`routing`). Text-layer PDF pages need no OCR. RapidOCR's line detector turns a page upright and
measures its skew, and RapidOCR recognises the page from that same detection: on Latin pages
too this was both faster and more accurate than tesseract (8 certificate/passport pages: CER
0.004 at 0.80 s/page against 0.21 at 1.41 s). Where the detector cannot tell (no text lines,
unclear direction), tesseract OSD decides orientation and script: Han pages go to RapidOCR,
others are read by tesseract first and handed to RapidOCR only when tesseract is unsure or
finds Chinese.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PIL import Image

from pipeline.core.clock import ocr_time
from pipeline.core.errors import ConfigError
from pipeline.core.models import OcrEngineName, OcrResult
from pipeline.core.stages import Page, PageRead
from pipeline.core.text import cjk_fraction
from pipeline.geometry import turned_size
from pipeline.ocr.base import LayoutReader, OcrBackend
from pipeline.ocr.cache import OcrCache, pixel_sha256
from pipeline.ocr.preprocess import DirectionJudge, normalise_background, prepare
from pipeline.ocr.rapid import PageLayout, RapidBackend, rapidocr_version
from pipeline.ocr.settings import ocr_settings
from pipeline.ocr.tesseract import TesseractBackend, tesseract_version

log = logging.getLogger(__name__)

__all__ = ["OcrBackend", "OcrRouter", "engine_versions", "get_router", "recognise"]

_BACKENDS: dict[str, OcrBackend] = {}
_ROUTERS: dict[tuple[str, str, bool], OcrRouter] = {}


def _backend(name: str) -> OcrBackend:
    """Engines are created once per process (RapidOCR's models load once per worker)."""
    if name not in _BACKENDS:
        if name == OcrEngineName.TESSERACT:
            _BACKENDS[name] = TesseractBackend()
        elif name == OcrEngineName.RAPIDOCR:
            _BACKENDS[name] = RapidBackend()
        else:
            raise ConfigError(f"未知 OCR 引擎：{name}", f"unknown OCR engine {name!r}; valid: tesseract, rapidocr")
    return _BACKENDS[name]


class OcrRouter:
    """Reads pages with one engine mode. `backends` may override engines (tests count calls)."""

    def __init__(self, mode: OcrEngineName | str = OcrEngineName.AUTO, cache: OcrCache | None = None,
                 backends: dict[str, OcrBackend] | None = None, preprocess: bool = True,
                 normalise: bool | None = None) -> None:
        try:
            self.mode = OcrEngineName(mode)
        except ValueError as exc:
            raise ConfigError(f"未知 OCR 方式：{mode}",
                              f"unknown --ocr {mode!r}; valid: auto, tesseract, rapidocr") from exc
        if self.mode == OcrEngineName.TEXT_LAYER:
            raise ConfigError("text_layer 不是 OCR 引擎", "text_layer is not an OCR engine")
        self.cache = cache
        self.preprocess = preprocess
        cfg_norm = ocr_settings().preprocess.normalise_background
        self.normalise = preprocess and (cfg_norm if normalise is None else normalise)
        self._backends = dict(backends or {})
        self.routed: dict[str, int] = {}  # engine → pages read, for reports

    def backend(self, name: str) -> OcrBackend:
        if name not in self._backends:
            self._backends[name] = _backend(name)
        return self._backends[name]

    @property
    def cache_version(self) -> str:
        norm = "n" if self.normalise else ""
        return f"{ocr_settings().settings_version}{'-pp' + norm if self.preprocess else '-raw'}"

    def read(self, page: Page) -> PageRead:
        """OCR one page, or take its text layer (no OCR): the text with boxes in the corrected
        frame, and the pixel hash where the cache needed one."""
        if page.text_layer is not None:
            return PageRead(page.text_layer)
        with ocr_time():
            key = pixel_sha256(page.image) if self.cache is not None else None  # ~0.03 s a page
            hit = self.cache.get(key, self.mode.value, self.cache_version) if self.cache and key else None
            if hit is not None:
                return PageRead(hit, key)
            result = self._read_fresh(page.image)
            if self.cache is not None and key:
                self.cache.put(key, self.mode.value, self.cache_version, result)
        self.routed[result.engine] = self.routed.get(result.engine, 0) + 1
        return PageRead(result, key)

    def _read_fresh(self, page_image: Image.Image) -> OcrResult:
        """Orientation, deskew and recognition of one page image."""
        t0 = time.perf_counter()
        layout = self._rapid_layout(page_image) if self.preprocess else None
        if layout is not None:  # read from RapidOCR's own small copy: no full-size deskew
            rotate, skew = layout.rotate, layout.skew
            size = turned_size(page_image.size, rotate)
            rapid = self.backend(OcrEngineName.RAPIDOCR)
            assert isinstance(rapid, LayoutReader)  # a layout comes only from such an engine
            result = rapid.read_layout(layout, size)
        else:
            if self.preprocess:
                prep = prepare(page_image, normalise=False, judge=self._direction_judge())
                image, rotate, skew, script = prep.image, prep.rotate, prep.skew, prep.script
            else:
                image, rotate, skew, script = page_image, 0, 0.0, ""
            result = self._recognise(image, script, self.normalise)
        result.rotation, result.skew = rotate, skew
        result.seconds = round(time.perf_counter() - t0, 3)
        return result

    def _rapid_layout(self, image: Image.Image) -> PageLayout | None:
        """Where RapidOCR reads pages anyway (auto, rapidocr), its own detection also gives
        orientation and skew; None (→ tesseract OSD) when it cannot tell or is not in use."""
        if self.mode == OcrEngineName.TESSERACT or not ocr_settings().preprocess.rapid_layout:
            return None
        backend = self.backend(OcrEngineName.RAPIDOCR)
        return backend.layout(image) if isinstance(backend, LayoutReader) else None

    def _direction_judge(self) -> DirectionJudge | None:
        """RapidOCR's line classifier settles 0° vs 180° where RapidOCR is in use anyway."""
        if self.mode == OcrEngineName.TESSERACT or not ocr_settings().preprocess.direction_judge:
            return None
        backend = self.backend(OcrEngineName.RAPIDOCR)
        return backend.text_direction if isinstance(backend, LayoutReader) else None

    def _recognise(self, image: Image.Image, script: str, normalise: bool) -> OcrResult:
        # Background normalisation is measured to help tesseract (phone photos above all);
        # RapidOCR reads the deskewed image as is. Pixels do not move, so boxes agree.
        def for_tesseract() -> Image.Image:  # only built when tesseract reads the page
            return normalise_background(image) if normalise else image

        if self.mode == OcrEngineName.TESSERACT:
            return self.backend(OcrEngineName.TESSERACT).recognize(for_tesseract())
        if self.mode == OcrEngineName.RAPIDOCR:
            return self.backend(OcrEngineName.RAPIDOCR).recognize(image)
        rules = ocr_settings().routing
        if script in rules.han_scripts:
            return self.backend(OcrEngineName.RAPIDOCR).recognize(image)
        first = self.backend(OcrEngineName.TESSERACT).recognize(for_tesseract())
        if tesseract_is_enough(first):
            return first
        log.debug("auto: tesseract unsure (mean %.2f) → RapidOCR", first.mean_conf)
        return self.backend(OcrEngineName.RAPIDOCR).recognize(image)


def tesseract_is_enough(result: OcrResult) -> bool:
    """A Latin page tesseract read confidently; anything else goes to RapidOCR."""
    rules = ocr_settings().routing
    words = [w for ln in result.lines for w in ln.words]
    n_chars = sum(len(w.text) for w in words)
    if n_chars < rules.min_chars_for_tesseract:
        return False
    if cjk_fraction(result.text) > rules.max_cjk_fraction_for_tesseract:
        return False
    low = sum(1 for w in words if w.conf < rules.tesseract_low_word_conf) / max(1, len(words))
    return result.mean_conf >= rules.tesseract_accept_mean_conf and low <= rules.tesseract_max_low_fraction


def get_router(engine: OcrEngineName | str, cache_dir: Path | None, preprocess: bool = True) -> OcrRouter:
    """One router per (engine, cache folder) per process; engines inside are loaded once."""
    key = (str(engine), str(cache_dir) if cache_dir else "", preprocess)
    if key not in _ROUTERS:
        cache = OcrCache(cache_dir) if cache_dir is not None else None
        _ROUTERS[key] = OcrRouter(engine, cache=cache, preprocess=preprocess)
    return _ROUTERS[key]


def engine_versions() -> dict[str, str | None]:
    return {"tesseract": tesseract_version(), "rapidocr": rapidocr_version()}


def recognise(image: Image.Image, engine: str, lang: str | None = None, config: str | None = None) -> OcrResult:
    """Read one image as it is (no orientation, deskew or cache): the forensic re-reads of
    small crops. Counted as OCR time."""
    if engine != OcrEngineName.TESSERACT:
        raise ConfigError(f"不支持的引擎：{engine}", f"recognise() reads with tesseract only, not {engine!r}")
    with ocr_time():
        return TesseractBackend(lang=lang, config=config).recognize(image)
