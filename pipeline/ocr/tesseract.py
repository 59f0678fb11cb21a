"""tesseract through pytesseract: word boxes (image_to_data) and orientation/script (OSD).

tesseract errors become OcrEngineError (engine missing or broken); OSD's "too few characters"
is not an error, it just means OSD cannot judge this page (None)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import pytesseract
from PIL import Image

from pipeline.core.errors import OcrEngineError, OcrEngineMissing
from pipeline.core.models import OcrResult, OcrWord
from pipeline.core.text import is_cjk, make_line, script_of
from pipeline.ocr.settings import ocr_settings

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract's OpenMP threads fight the workers


def _missing(exc: Exception) -> OcrEngineMissing:
    return OcrEngineMissing("未找到 tesseract 程序，请安装 tesseract-ocr（见 Makefile）",
                          f"tesseract is not installed or not on PATH: {exc}")


def tesseract_version() -> str | None:
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError):
        return None


class TesseractBackend:
    """Word-level OCR; `lang` defaults to the configured chi_sim+eng+deu."""

    name = "tesseract"

    def __init__(self, lang: str | None = None, config: str | None = None) -> None:
        cfg = ocr_settings().tesseract
        self.lang = lang or cfg.lang
        self.config = config or cfg.config

    def recognize(self, image: Image.Image) -> OcrResult:
        os.environ["OMP_THREAD_LIMIT"] = "1"
        t0 = time.perf_counter()
        try:
            data = pytesseract.image_to_data(_uncompressed(image), lang=self.lang, config=self.config,
                                             output_type=pytesseract.Output.DICT)
        except pytesseract.TesseractNotFoundError as exc:
            raise _missing(exc) from exc
        except pytesseract.TesseractError as exc:
            raise OcrEngineError(f"tesseract 识别失败：{exc.message}", f"tesseract failed: {exc.message}") from exc
        min_conf = ocr_settings().tesseract.min_word_conf
        groups: dict[tuple[int, int, int], list[OcrWord]] = {}
        for i, raw in enumerate(data["text"]):
            text = (raw or "").strip()
            conf = float(data["conf"][i])
            if not text or conf < 0 or conf / 100.0 < min_conf or not _has_content(text):
                continue
            x, y, w, h = (int(data[k][i]) for k in ("left", "top", "width", "height"))
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            groups.setdefault(key, []).append(OcrWord(text=text, bbox=(x, y, x + w, y + h), conf=conf / 100.0))
        lines = [make_line(sorted(ws, key=lambda w: w.bbox[0])) for ws in groups.values()]
        lines.sort(key=lambda ln: (ln.bbox[1], ln.bbox[0]))
        words = [w for ln in lines for w in ln.words]
        mean = sum(w.conf for w in words) / len(words) if words else 0.0
        text = "\n".join(ln.text for ln in lines)
        return OcrResult(engine=self.name, text=text, lines=lines, mean_conf=round(mean, 4),
                         width=image.width, height=image.height, language=script_of(text),
                         seconds=round(time.perf_counter() - t0, 3))


def _uncompressed(image: Image.Image) -> Image.Image:
    """pytesseract hands the page to tesseract as a temporary file, PNG unless the image says
    otherwise; PNG encoding took ~0.16 s of each call on a 300-dpi page (8% of a worker's
    time, profiled on the eval corpus). PNM is written as is; tesseract reads it just as well."""
    if image.mode in ("1", "L", "RGB"):
        out = image.copy()
    elif "A" in image.getbands():  # transparent parts are white paper, as pytesseract does it
        out = Image.new("RGB", image.size, "white")
        out.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
    else:
        out = image.convert("RGB")
    out.format = "PPM"
    return out


def _has_content(text: str) -> bool:
    """Borders, rules and guilloches come back as runs of '>', '~', '|': not words."""
    return any(c.isalnum() or is_cjk(c) for c in text)


@dataclass(frozen=True)
class Osd:
    rotate: int  # degrees clockwise to turn the image upright
    orientation_conf: float
    script: str
    script_conf: float


def detect_osd(image: Image.Image) -> Osd | None:
    """tesseract's orientation and script detection; None when it cannot judge the page."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        d = pytesseract.image_to_osd(_uncompressed(image), output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError as exc:
        raise _missing(exc) from exc
    except pytesseract.TesseractError:
        return None  # "Too few characters", "Invalid resolution": OSD cannot judge
    return Osd(rotate=int(d.get("rotate", 0)) % 360, orientation_conf=float(d.get("orientation_conf", 0.0)),
               script=str(d.get("script", "")), script_conf=float(d.get("script_conf", 0.0)))
