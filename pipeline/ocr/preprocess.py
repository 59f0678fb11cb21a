"""Page pre-processing before OCR: orientation (0/90/180/270), deskew, optional normalisation.

Orientation comes from tesseract OSD on a downscaled copy. OSD cannot judge small pages with
little text (card-sized ID scans) or gives low confidence; it is usually right about the axis
then and unsure between a rotation and its opposite. A direction judge (RapidOCR's 0/180° text
line classifier, where RapidOCR is in use) settles that on a small copy; without one, or when
its vote is unclear, each candidate rotation is read by tesseract on a small copy and the one
with the most confident text wins (about 4× slower: two tesseract runs with chi_sim loaded).
Skew is the angle whose horizontal projection profile is sharpest (text lines become spikes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipeline.geometry import deskew, downscale, rotate_clockwise
from pipeline.ocr.settings import ocr_settings
from pipeline.ocr.tesseract import Osd, TesseractBackend, detect_osd


@dataclass
class Orientation:
    rotate: int  # clockwise degrees that make the page upright
    script: str  # OSD script name ("Han", "Latin", ...) or "" when unknown
    method: str  # "osd" | "direction" | "fallback"
    confidence: float


# Given an image whose text lines run horizontally: (upright, upside-down) evidence.
DirectionJudge = Callable[[Image.Image], tuple[float, float]]


def detect_orientation(img: Image.Image, judge: DirectionJudge | None = None) -> Orientation:
    cfg = ocr_settings().preprocess
    gray = img.convert("L")
    osd: Osd | None = detect_osd(downscale(gray, cfg.osd_max_side))
    trusted = osd is not None and osd.script in cfg.osd_trusted_scripts
    sure = (osd is not None and trusted and osd.orientation_conf >= cfg.osd_min_conf
            and osd.rotate not in cfg.osd_verify_rotations)
    if sure and osd is not None and (judge is None or osd.orientation_conf >= cfg.osd_judge_below_conf):
        return Orientation(osd.rotate, osd.script, "osd", osd.orientation_conf)
    # OSD is usually right about the axis and unsure between a rotation and its opposite
    # (or unsure of the script, or reporting an upside-down page), so only those two are
    # read; with no OSD answer at all, all four.
    script = osd.script if osd is not None and trusted else ""
    if osd is not None and judge is not None:
        small = rotate_clockwise(downscale(img, cfg.direction_max_side), osd.rotate)
        upright, flipped = judge(small)
        best, other = max(upright, flipped), min(upright, flipped)
        if best >= cfg.direction_min_evidence and best >= cfg.direction_min_ratio * other:
            rotate = osd.rotate if upright >= flipped else (osd.rotate + 180) % 360
            return Orientation(rotate, script, "direction", best)
        if sure:  # the judge cannot tell; OSD was confident enough on its own
            return Orientation(osd.rotate, osd.script, "osd", osd.orientation_conf)
    candidates = (osd.rotate, (osd.rotate + 180) % 360) if osd is not None else (0, 90, 180, 270)
    rotate, score = _fallback_orientation(gray, cfg.fallback_max_side, candidates)
    return Orientation(rotate, script, "fallback", score)


def _fallback_orientation(gray: Image.Image, max_side: int,
                          candidates: tuple[int, ...] = (0, 90, 180, 270)) -> tuple[int, float]:
    """Read the page at each rotation; score = confident characters. Upright text wins clearly."""
    small = downscale(gray, max_side)
    if max(small.size) < 600:  # tiny crops: enlarge so tesseract sees letters
        f = 600 / max(small.size)
        small = small.resize((round(small.width * f), round(small.height * f)), Image.Resampling.LANCZOS)
    backend = TesseractBackend(lang=cfg_lang(), config="--oem 1 --psm 6")
    best, best_score = candidates[0], -1.0
    for deg in candidates:
        res = backend.recognize(rotate_clockwise(small, deg))
        score = sum(len(w.text) * w.conf for ln in res.lines for w in ln.words if w.conf >= 0.6)
        if score > best_score:
            best, best_score = deg, score
    return best, best_score


def cfg_lang() -> str:
    """The fallback reads with the first two languages only (chi_sim+eng): cheaper, enough."""
    return "+".join(ocr_settings().tesseract.lang.split("+")[:2])


def estimate_skew(img: Image.Image) -> float:
    """Skew in degrees (positive: text rises to the right... as seen by PIL's rotate sign)."""
    cfg = ocr_settings().preprocess
    gray = np.asarray(downscale(img.convert("L"), cfg.skew_max_side))
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() < 0.5:  # blank page
        return 0.0
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rot = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        prof = rot.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(prof)).sum())

    lim = cfg.skew_max_deg
    coarse = np.arange(-lim, lim + 1e-6, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.5, best + 0.5 + 1e-6, 0.1)
    best = max(fine, key=sharpness)
    return round(float(best), 2)


def normalise_background(img: Image.Image) -> Image.Image:
    """Divide by a blurred background estimate: evens out shadows, yellowed paper and toner."""
    gray = np.asarray(img.convert("L"), dtype=np.float32)
    k = max(15, (min(gray.shape) // 30) | 1)
    bg = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 4)
    # gray / max(bg, 1) * 255, clipped — in place: on a 20-MP page each float copy is 80 MB
    np.maximum(bg, 1.0, out=bg)
    np.divide(gray, bg, out=bg)
    np.multiply(bg, 255.0, out=bg)
    np.clip(bg, 0, 255, out=bg)
    return Image.fromarray(bg.astype(np.uint8), mode="L")


@dataclass
class Prepared:
    image: Image.Image
    rotate: int
    skew: float
    script: str
    orientation_method: str


def prepare(img: Image.Image, normalise: bool | None = None, judge: DirectionJudge | None = None) -> Prepared:
    """Upright and deskew (always); background normalisation only when configured."""
    cfg = ocr_settings().preprocess
    orient = detect_orientation(img, judge)
    upright = rotate_clockwise(img, orient.rotate)
    angle = estimate_skew(upright)
    if abs(angle) < cfg.skew_min_deg:
        angle = 0.0
    out = deskew(upright, angle)
    if cfg.normalise_background if normalise is None else normalise:
        out = normalise_background(out)
    return Prepared(out, orient.rotate, angle, orient.script, orient.method)
