"""RapidOCR (PP-OCR ONNX models bundled with rapidocr 3.10): strong on Chinese and on poor scans.

Loaded once per process with the default bundled models, one onnxruntime thread per session
(the workers already use the cores) and quiet logging."""

from __future__ import annotations

import logging
import time
from typing import Any

from PIL import Image

from pipeline.errors import OcrEngineError
from pipeline.models import OcrResult, OcrWord
from pipeline.ocr.settings import ocr_settings
from pipeline.ocr.text import is_cjk, script_of
from pipeline.ocr.textlayer import group_segments

log = logging.getLogger(__name__)


def rapidocr_version() -> str | None:
    try:
        from rapidocr._version import __version__ as v  # type: ignore[import-not-found]

        return str(v)
    except ImportError:
        return None


class RapidBackend:
    name = "rapidocr"

    def __init__(self) -> None:
        self._engine: Any = None

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr import RapidOCR

                conf = ocr_settings().rapidocr
                self._engine = RapidOCR(params={
                    "Global.log_level": "error",
                    "Global.return_word_box": True,
                    "Global.text_score": conf.text_score,
                    "Global.use_cls": conf.use_cls,
                    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                })
            except Exception as exc:  # missing models / onnxruntime: not about one page
                raise OcrEngineError(f"RapidOCR 无法加载：{exc}", f"RapidOCR cannot be loaded: {exc}") from exc
        return self._engine

    def text_direction(self, image: Image.Image) -> tuple[float, float]:
        """(upright, upside-down) evidence for an image whose text runs horizontally: RapidOCR's
        line detector finds the lines and its 0/180° line classifier votes, each vote weighted by
        its confidence. Lines no wider than `direction_min_aspect` × their height (single
        characters, stamps) are left out: they read the same either way up.

        Uses the pinned rapidocr 3.10's own detector and classifier objects directly (no public
        call runs detection and classification without recognition)."""
        engine = self._load()
        conf = ocr_settings().preprocess
        try:
            arr = engine.load_img(image.convert("RGB"))
            det = engine._load_det_model()(arr)
            boxes = det.boxes if det.boxes is not None else []
            crops = [c for c in (engine.crop_text_regions(arr, boxes) if len(boxes) else [])
                     if c.shape[1] >= conf.direction_min_aspect * c.shape[0]]
            votes = engine._load_cls_model()(crops).cls_res if crops else []
        except Exception as exc:
            raise OcrEngineError(f"RapidOCR 方向判断失败：{exc}", f"RapidOCR direction check failed: {exc}") from exc
        upright = sum(float(score) for label, score in votes or () if str(label) == "0")
        flipped = sum(float(score) for label, score in votes or () if str(label) == "180")
        return upright, flipped

    def recognize(self, image: Image.Image) -> OcrResult:
        engine = self._load()
        t0 = time.perf_counter()
        max_side = ocr_settings().rapidocr.max_side
        scale = 1.0
        src = image.convert("RGB")
        if max(src.size) > max_side:
            scale = max(src.size) / max_side
            src = src.resize((round(src.width / scale), round(src.height / scale)), Image.Resampling.LANCZOS)
        try:
            out = engine(src)
        except Exception as exc:
            raise OcrEngineError(f"RapidOCR 识别失败：{exc}", f"RapidOCR failed: {exc}") from exc
        segments: list[list[OcrWord]] = []
        boxes = out.boxes if out.boxes is not None else []
        word_results = out.word_results or ()
        for k, (quad, txt, score) in enumerate(zip(boxes, out.txts or (), out.scores or (), strict=False)):
            parts = word_results[k] if k < len(word_results) else ()
            if parts:
                seg = _merge_chars([OcrWord(text=str(t), bbox=_box(q, scale), conf=float(c))
                                    for t, c, q in parts], str(txt))
            else:
                seg = [OcrWord(text=str(txt), bbox=_box(quad, scale), conf=float(score))]
            segments.append([w for w in seg if w.text.strip()])
        words = [w for seg in segments for w in seg]
        lines = group_segments(segments)
        text = "\n".join(ln.text for ln in lines)
        mean = sum(w.conf for w in words) / len(words) if words else 0.0
        return OcrResult(engine=self.name, text=text, lines=lines, mean_conf=round(mean, 4),
                         width=image.width, height=image.height, language=script_of(text),
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


def _box(quad: Any, scale: float) -> tuple[int, int, int, int]:
    xs = [float(p[0]) * scale for p in quad]
    ys = [float(p[1]) * scale for p in quad]
    return (int(min(xs)), int(min(ys)), int(round(max(xs))), int(round(max(ys))))
