"""RapidOCR (PP-OCR ONNX models bundled with rapidocr 3.10): strong on Chinese and on poor scans.

Loaded once per process with the default bundled models, one onnxruntime thread per session
(the workers already use the cores) and quiet logging. `layout` runs RapidOCR's detector (and
its 0/180° line classifier) once per page to turn it upright and measure its skew, and
`read_layout` recognises the lines of that same detection; both step through the pinned
rapidocr 3.10's own pipeline objects, which its public call does not expose."""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from pipeline.core.errors import OcrEngineError, OcrEngineMissing
from pipeline.core.models import OcrResult, OcrWord
from pipeline.core.text import group_segments, is_cjk, script_of
from pipeline.ocr.settings import ocr_settings

log = logging.getLogger(__name__)


def rapidocr_version() -> str | None:
    """rapidocr's version and the runtime that runs its models here ("3.10.0 (openvino 2026.4.1)")."""
    try:
        from rapidocr._version import __version__ as v
    except ImportError:
        return None
    if ocr_settings().rapidocr.runtime == "openvino" and _openvino_ready():
        return f"{v} (openvino {_openvino_version()})"
    try:
        import onnxruntime

        return f"{v} (onnxruntime {onnxruntime.__version__})"
    except ImportError:
        return str(v)


@functools.cache
def _import_openvino() -> Any:
    """Import OpenVINO without its telemetry: on import it counts runs in ~/intel/stats (outside
    credcase's folders, on every run). The telemetry finds no home folder while this runs, so it
    declines and writes nothing; OpenVINO itself does not read HOME."""
    home = os.environ.get("HOME")
    os.environ["HOME"] = "/nonexistent-credcase-home"
    try:
        import openvino

        return openvino
    finally:
        if home is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = home


def _openvino_version() -> str | None:
    try:
        _import_openvino()
        from openvino import get_version
    except ImportError:
        return None
    return str(get_version()).split("-")[0]


def _openvino_ready() -> bool:
    """OpenVINO is installed and the bundled models are found: what `runtime: openvino` needs."""
    return _openvino_version() is not None and _bundled_models() is not None


def _bundled_models() -> dict[str, str] | None:
    """The det/rec/cls ONNX files rapidocr ships ({"Det": path, ...}); None unless each is
    unambiguous."""
    try:
        import rapidocr
    except ImportError:
        return None
    folder = Path(rapidocr.__file__).parent / "models"
    found = {stage: sorted(folder.glob(f"*_{stage.lower()}_*.onnx")) for stage in ("Det", "Rec", "Cls")}
    if any(len(files) != 1 for files in found.values()):
        return None
    return {stage: str(files[0]) for stage, files in found.items()}


@contextmanager
def _openvino_cache_capacity(capacity: int | None) -> Iterator[None]:
    """While RapidOCR builds its OpenVINO sessions, give the CPU plugin a bounded shape cache.

    OpenVINO keeps compiled kernels and buffers for every input shape it has seen (5,000 by
    default); pages and text lines come in many sizes, so a worker grew by ~150 MB every 20
    pages. rapidocr 3.10 (pinned) passes only some CPU properties through, so its module's
    `Core` is briefly replaced by one that adds CPU_RUNTIME_CACHE_CAPACITY."""
    if capacity is None:
        yield
        return
    from rapidocr.inference_engine.openvino import main as ov_session

    real = ov_session.Core

    class BoundedCore(real):  # type: ignore[misc,valid-type]
        def set_property(self, device: str, config: dict[str, Any]) -> None:
            super().set_property(device, {**config, "CPU_RUNTIME_CACHE_CAPACITY": str(capacity)})

    ov_session.Core = BoundedCore
    try:
        yield
    finally:
        ov_session.Core = real


def _runtime_params(runtime: str, params: dict[str, Any]) -> str:
    """Point `params` at OpenVINO when the settings ask for it and it is installed (the same
    bundled ONNX models, one inference thread); otherwise onnxruntime runs them. Returns the
    runtime chosen."""
    if runtime != "openvino":
        return "onnxruntime"
    if not _openvino_ready():
        log.warning("OpenVINO 不可用，RapidOCR 改用 onnxruntime / OpenVINO unavailable: RapidOCR runs on onnxruntime")
        return "onnxruntime"
    from rapidocr import EngineType

    for stage, path in (_bundled_models() or {}).items():
        params[f"{stage}.engine_type"] = EngineType.OPENVINO
        params[f"{stage}.model_path"] = path
    params["EngineConfig.openvino.inference_num_threads"] = 1
    params["EngineConfig.openvino.num_streams"] = 1
    params["EngineConfig.openvino.performance_hint"] = "LATENCY"
    # OpenVINO pins its thread to a core by default, and every worker picked the same one:
    # two workers ran at the speed of one (measured: 10.8 s wall for 6.4 s of CPU each)
    params["EngineConfig.openvino.enable_cpu_pinning"] = False
    return "openvino"


class RapidBackend:
    name = "rapidocr"

    def __init__(self) -> None:
        self._engine: Any = None
        self.runtime = "onnxruntime"  # what runs the models, once loaded

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr import RapidOCR

                conf = ocr_settings().rapidocr
                params = {
                    "Global.log_level": "error",
                    "Global.return_word_box": True,
                    "Global.text_score": conf.text_score,
                    "Global.use_cls": conf.use_cls,
                    "Rec.rec_batch_num": conf.rec_batch_num,
                    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                }
                self.runtime = _runtime_params(conf.runtime, params)
                with _openvino_cache_capacity(conf.openvino_cache_capacity if self.runtime == "openvino" else None):
                    engine = RapidOCR(params=params)
                    for load in (engine._load_det_model, engine._load_cls_model, engine._load_rec_model):
                        load()  # rapidocr builds its sessions on first use: build them here
                self._engine = engine
            except Exception as exc:  # missing models / onnxruntime: not about one page
                raise OcrEngineMissing(f"RapidOCR 无法加载：{exc}", f"RapidOCR cannot be loaded: {exc}") from exc
        return self._engine

    def text_direction(self, image: Image.Image) -> tuple[float, float]:
        """(upright, upside-down) evidence for an image whose text runs horizontally: RapidOCR's
        line detector finds the lines and its 0/180° line classifier votes, each vote weighted by
        its confidence. Lines no wider than `direction_min_aspect` × their height (single
        characters, stamps) are left out: they read the same either way up.

        Uses the pinned rapidocr 3.10's own detector and classifier objects directly (no public
        call runs detection and classification without recognition)."""
        engine = self._load()
        try:
            arr = engine.load_img(image.convert("RGB"))
            det = engine._load_det_model()(arr)
            boxes = det.boxes if det.boxes is not None else []
            crops = engine.crop_text_regions(arr, boxes) if len(boxes) else []
            return _direction_votes(engine, crops)
        except Exception as exc:
            raise OcrEngineError(f"RapidOCR 方向判断失败：{exc}", f"RapidOCR direction check failed: {exc}") from exc

    def recognize(self, image: Image.Image) -> OcrResult:
        engine = self._load()
        t0 = time.perf_counter()
        src, scale = _reading_copy(image)
        try:
            out = engine(src)
        except Exception as exc:
            raise OcrEngineError(f"RapidOCR 识别失败：{exc}", f"RapidOCR failed: {exc}") from exc
        return _result(out, lambda x, y: (x * scale, y * scale), image.size, t0)

    def layout(self, image: Image.Image) -> PageLayout | None:
        """Orientation and skew from RapidOCR's own line detector, on the copy it reads.

        The detected lines say the axis (a page turned a quarter has tall text boxes), the line
        classifier says which way up, and the lines' slope is the skew. The detection is kept,
        so reading the page afterwards (`read_layout`) does not detect again: that replaces
        tesseract OSD, the direction check and the projection-profile skew search, about
        0.8 s of every page. None when there is too little text to tell (the caller falls
        back to OSD)."""
        engine = self._load()
        conf = ocr_settings().preprocess
        small, scale = _reading_copy(image)
        rotate = 0
        try:
            det = _detect(engine, small)
            if det is None:
                return None
            if _turned_a_quarter(det.boxes):
                rotate, small = 90, small.transpose(Image.Transpose.ROTATE_270)
                det = _detect(engine, small)
                if det is None:
                    return None
            upright, flipped = _direction_votes(engine, det.crops)
            best, other = max(upright, flipped), min(upright, flipped)
            if best < conf.direction_min_evidence or best < conf.direction_min_ratio * other:
                return None
            if flipped > upright:
                rotate, small = (rotate + 180) % 360, small.transpose(Image.Transpose.ROTATE_180)
                det = _detect(engine, small)
                if det is None:
                    return None
        except Exception as exc:
            raise OcrEngineError(f"RapidOCR 版面分析失败：{exc}", f"RapidOCR layout failed: {exc}") from exc
        skew = _skew_of(det.boxes)
        if abs(skew) < conf.skew_min_deg or abs(skew) > conf.skew_max_deg:
            skew = 0.0
        return PageLayout(det, rotate, skew, scale)

    def read_layout(self, layout: PageLayout, size: tuple[int, int]) -> OcrResult:
        """Read the lines `layout` detected; boxes land in the upright, deskewed page of `size`
        (deskew turns about the centre, exactly as geometry.deskew does)."""
        from rapidocr.ch_ppocr_cls import TextClsOutput

        engine = self._load()
        t0 = time.perf_counter()
        det = layout.det
        try:
            rec = engine.recognize_txt(det.crops)
            out = engine.build_final_output(det.image, det.result, TextClsOutput(), rec, det.crops, det.op_record)
        except Exception as exc:
            raise OcrEngineError(f"RapidOCR 识别失败：{exc}", f"RapidOCR failed: {exc}") from exc
        w, h = size
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), layout.skew, 1.0)
        f = layout.scale

        def to_page(x: float, y: float) -> tuple[float, float]:
            x, y = x * f, y * f
            return m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2]

        return _result(out, to_page, size, t0)


@dataclass
class Detection:
    """RapidOCR's detection on one image, kept so that recognition can follow without
    detecting again (the arguments its own pipeline passes from step to step)."""

    image: Any  # the array RapidOCR loaded
    op_record: dict[str, Any]
    result: Any  # TextDetOutput; boxes in `image` coordinates
    crops: list[Any]

    @property
    def boxes(self) -> list[Any]:
        return list(self.result.boxes) if self.result.boxes is not None else []


@dataclass
class PageLayout:
    """What `RapidBackend.layout` found: the detection on the upright reading copy, the
    quarter turns (clockwise) and the deskew angle (PIL/cv2 sign) that make the page upright,
    and the factor from the copy to the page."""

    det: Detection
    rotate: int
    skew: float
    scale: float


def _direction_votes(engine: Any, crops: list[Any]) -> tuple[float, float]:
    """RapidOCR's 0/180° line classifier on the detected lines: (upright, upside-down) summed
    confidence. Lines no wider than `direction_min_aspect` × their height (single characters,
    stamps) are left out: they read the same either way up."""
    min_aspect = ocr_settings().preprocess.direction_min_aspect
    wide = [c for c in crops if c.shape[1] >= min_aspect * c.shape[0]]
    votes = engine._load_cls_model()(wide).cls_res if wide else []
    upright = sum(float(sc) for label, sc in votes or () if str(label) == "0")
    flipped = sum(float(sc) for label, sc in votes or () if str(label) == "180")
    return upright, flipped


def _reading_copy(image: Image.Image) -> tuple[Image.Image, float]:
    """The RGB copy RapidOCR reads (long side at most `max_side`) and the factor back."""
    max_side = ocr_settings().rapidocr.max_side
    src = image.convert("RGB")
    if max(src.size) <= max_side:
        return src, 1.0
    scale = max(src.size) / max_side
    return src.resize((round(src.width / scale), round(src.height / scale)), Image.Resampling.LANCZOS), scale


def _detect(engine: Any, image: Image.Image) -> Detection | None:
    """RapidOCR's own load → preprocess → detect-and-crop steps (rapidocr 3.10, pinned)."""
    arr = engine.load_img(image)
    img, op_record = engine.preprocess_img(arr)
    det_model = engine._load_det_model()
    if engine.cfg.Global.use_vertical_padding:
        from rapidocr.utils.process_img import apply_vertical_padding

        img, op_record = apply_vertical_padding(img, op_record, engine.width_height_ratio, engine.min_height)
    else:
        op_record["padding_1"] = {"top": 0, "left": 0}
    result = det_model(img)
    if result.boxes is None or len(result.boxes) == 0:
        return None
    return Detection(arr, op_record, result, engine.crop_text_regions(img, result.boxes))


def _edges(quad: Any) -> tuple[float, float, float, float]:
    """(dx, dy) of the top edge and (dx, dy) of the left edge of a detected quadrilateral."""
    p = np.asarray(quad, dtype=np.float64)
    return p[1, 0] - p[0, 0], p[1, 1] - p[0, 1], p[3, 0] - p[0, 0], p[3, 1] - p[0, 1]


def _turned_a_quarter(quads: list[Any]) -> bool:
    """Most text (by length) runs in tall boxes: the page lies on its side."""
    wide = tall = 0.0
    for q in quads:
        tx, ty, lx, ly = _edges(q)
        across, down = float(np.hypot(tx, ty)), float(np.hypot(lx, ly))
        if across >= 1.5 * down:
            wide += across
        elif down >= 1.5 * across:
            tall += down
    return tall > wide


def _skew_of(quads: list[Any]) -> float:
    """Median slope (degrees) of the long lines' top edges, weighted by length: the angle that
    turns them level (positive: counter-clockwise, the sign geometry.deskew takes)."""
    angles, weights = [], []
    for q in quads:
        tx, ty, lx, ly = _edges(q)
        across = float(np.hypot(tx, ty))
        if tx > 0 and across >= 4 * float(np.hypot(lx, ly)) and across >= 40:
            angles.append(float(np.degrees(np.arctan2(ty, tx))))
            weights.append(across)
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    return round(float(np.asarray(angles)[order][int(np.searchsorted(cum, cum[-1] / 2))]), 2)


def _result(out: Any, to_page: Callable[[float, float], tuple[float, float]], size: tuple[int, int],
            t0: float) -> OcrResult:
    """RapidOCR's output as an OcrResult; `to_page` maps a point of the image RapidOCR read
    into the page the boxes must refer to."""
    segments: list[list[OcrWord]] = []
    boxes = out.boxes if out.boxes is not None else []
    word_results = out.word_results or ()
    for k, (quad, txt, score) in enumerate(zip(boxes, out.txts or (), out.scores or (), strict=False)):
        parts = word_results[k] if k < len(word_results) else ()
        if parts:
            seg = _merge_chars([OcrWord(text=str(t), bbox=_box(q, to_page), conf=float(c))
                                for t, c, q in parts], str(txt))
        else:
            seg = [OcrWord(text=str(txt), bbox=_box(quad, to_page), conf=float(score))]
        segments.append([w for w in seg if w.text.strip()])
    words = [w for seg in segments for w in seg]
    lines = group_segments(segments)
    text = "\n".join(ln.text for ln in lines)
    mean = sum(w.conf for w in words) / len(words) if words else 0.0
    return OcrResult(engine=RapidBackend.name, text=text, lines=lines, mean_conf=round(mean, 4),
                     width=size[0], height=size[1], language=script_of(text),
                     seconds=round(time.perf_counter() - t0, 3))


def _merge_chars(parts: list[OcrWord], line_text: str) -> list[OcrWord]:
    """RapidOCR boxes digits and CJK one character at a time; its line text keeps the real
    spaces. Non-CJK pieces not separated by a space in the line text are one word
    ("21034567", not "2 1 0 3 4 5 6 7")."""
    out: list[OcrWord] = []
    pos = 0
    for w in parts:
        found = line_text.find(w.text, pos)
        spaced = found < 0 or " " in line_text[pos:found] or found == 0
        if found >= 0:
            pos = found + len(w.text)
        if out and not spaced:
            prev = out[-1]
            if not is_cjk(prev.text[-1]) and not is_cjk(w.text[0]):
                out[-1] = OcrWord(text=prev.text + w.text,
                                  bbox=(prev.bbox[0], min(prev.bbox[1], w.bbox[1]), max(prev.bbox[2], w.bbox[2]),
                                        max(prev.bbox[3], w.bbox[3])),
                                  conf=min(prev.conf, w.conf))
                continue
        out.append(w)
    return out


def _box(quad: Any, to_page: Callable[[float, float], tuple[float, float]]) -> tuple[int, int, int, int]:
    pts = [to_page(float(p[0]), float(p[1])) for p in quad]
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    return (max(0, int(min(xs))), max(0, int(min(ys))), int(round(max(xs))), int(round(max(ys))))
