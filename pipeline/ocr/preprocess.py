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


def rotate_clockwise(img: Image.Image, degrees: int) -> Image.Image:
    d = degrees % 360
    if d == 0:
        return img
    return img.transpose({90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                          270: Image.Transpose.ROTATE_90}[d])


def _downscale(img: Image.Image, max_side: int) -> Image.Image:
    if max(img.size) <= max_side:
        return img
    f = max_side / max(img.size)
    return img.resize((max(1, round(img.width * f)), max(1, round(img.height * f))), Image.Resampling.LANCZOS)


def detect_orientation(img: Image.Image, judge: DirectionJudge | None = None) -> Orientation:
    cfg = ocr_settings().preprocess
    gray = img.convert("L")
    osd: Osd | None = detect_osd(_downscale(gray, cfg.osd_max_side))
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
        small = rotate_clockwise(_downscale(img, cfg.direction_max_side), osd.rotate)
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
    small = _downscale(gray, max_side)
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
    gray = np.asarray(_downscale(img.convert("L"), cfg.skew_max_side))
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


def deskew(img: Image.Image, angle: float, interpolation: int = cv2.INTER_CUBIC) -> Image.Image:
    """Rotate by `angle` degrees counter-clockwise (PIL sign), filling with white."""
    if abs(angle) < 1e-6:
        return img
    # cv2's warp took half the time of PIL's bicubic rotate on a 300-dpi A4 page (same
    # geometry: positive angle = counter-clockwise about the centre)
    arr = np.asarray(img.convert("L") if img.mode not in ("L", "RGB") else img)
    return Image.fromarray(deskew_array(arr, angle, 255 if arr.ndim == 2 else (255, 255, 255), interpolation))


def deskew_array(arr: np.ndarray, angle: float, fill: float | tuple[float, ...],
                 interpolation: int = cv2.INTER_CUBIC) -> np.ndarray:
    """`deskew` on an array (any dtype cv2 warps), about the centre, without expansion."""
    if abs(angle) < 1e-6:
        return arr
    h, w = arr.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
    return cv2.warpAffine(arr, m, (w, h), flags=interpolation, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def turn_array(arr: np.ndarray, rotate: int) -> np.ndarray:
    """`rotate_clockwise` on an array."""
    return np.rot90(arr, k=-((rotate % 360) // 90)) if rotate % 360 else arr


def turned_size(size: tuple[int, int], rotate: int) -> tuple[int, int]:
    """Size of an image of `size` after `rotate` clockwise quarter turns (deskew keeps it)."""
    return (size[1], size[0]) if rotate % 180 else size


def corrected_region(upright: Image.Image, skew: float, box: tuple[int, int, int, int]) -> Image.Image:
    """Region `box` of `deskew(upright, skew)`, warping only that region (the evidence crops of
    a report: deskewing the whole 300-dpi page for each took ~0.1 s)."""
    x0, y0, x1, y1 = box
    if abs(skew) < 1e-6:
        return upright.crop(box)
    w, h = upright.size
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), skew, 1.0)
    inv = cv2.invertAffineTransform(m)
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float64) @ inv.T
    sx0, sy0 = (max(0, int(np.floor(v)) - 2) for v in corners.min(axis=0))
    sx1, sy1 = min(w, int(np.ceil(corners[:, 0].max())) + 2), min(h, int(np.ceil(corners[:, 1].max())) + 2)
    src = upright.crop((sx0, sy0, max(sx0 + 1, sx1), max(sy0 + 1, sy1)))
    arr = np.asarray(src.convert("L") if src.mode not in ("L", "RGB") else src)
    shifted = m.copy()
    shifted[:, 2] = m[:, :2] @ np.array([sx0, sy0], np.float64) + m[:, 2] - np.array([x0, y0], np.float64)
    fill = 255 if arr.ndim == 2 else (255, 255, 255)
    out = cv2.warpAffine(arr, shifted, (max(1, x1 - x0), max(1, y1 - y0)), flags=cv2.INTER_CUBIC,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return Image.fromarray(out)


def corrected_copy(img: Image.Image, rotate: int, skew: float, max_side: int) -> tuple[Image.Image, float]:
    """`apply_known(img, rotate, skew)` no larger than `max_side` (area-averaged), and the factor
    from the copy's pixels to the full corrected image's. Downscaled first, then turned and
    deskewed: deskewing the full 300-dpi page took ~0.1 s, and the stages that look at the
    corrected page (classification's layout cues) only need a small copy."""
    small = img
    k = max(img.size) // max_side
    if k >= 2:  # whole-factor block means first: a third of the time of a box resize
        small = img.reduce(k)
    if max(small.size) > max_side:
        f = max_side / max(small.size)
        small = small.resize((max(1, round(small.width * f)), max(1, round(small.height * f))), Image.Resampling.BOX)
    out = deskew(rotate_clockwise(small, rotate), skew)
    full = turned_size(img.size, rotate)
    return out, full[0] / out.width


def normalise_background(img: Image.Image) -> Image.Image:
    """Divide by a blurred background estimate: evens out shadows, yellowed paper and toner."""
    gray = np.asarray(img.convert("L"), dtype=np.float32)
    k = max(15, (min(gray.shape) // 30) | 1)
    bg = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 4)
    norm = np.clip(gray / np.maximum(bg, 1.0) * 255.0, 0, 255).astype(np.uint8)
    return Image.fromarray(norm, mode="L")


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


def apply_known(img: Image.Image, rotate: int, skew: float, normalise: bool = False,
                interpolation: int = cv2.INTER_CUBIC) -> Image.Image:
    """The corrected image from a known rotation and skew (cached, or measured by RapidOCR's
    layout) without detecting them again."""
    out = deskew(rotate_clockwise(img, rotate), skew, interpolation)
    return normalise_background(out) if normalise else out
