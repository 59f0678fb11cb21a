"""Page frames and how boxes move between them — the one place that knows.

A page has two frames: the *decoded* image (EXIF-upright, as pipeline.pages yields it) and the
*corrected* image OCR boxes refer to: the decoded image turned `rotate` degrees clockwise
(quarter turns) and then deskewed by `skew` degrees (PIL's sign: positive is counter-clockwise)
about its centre, without expansion. Stages that look at the corrected page take a small copy
(corrected_copy) or just the region they need (corrected_region): deskewing a whole 300-dpi page
costs ~0.1 s.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from pipeline.core.models import BBox


def rotate_clockwise(img: Image.Image, degrees: int) -> Image.Image:
    d = degrees % 360
    if d == 0:
        return img
    return img.transpose({90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                          270: Image.Transpose.ROTATE_90}[d])


def downscale(img: Image.Image, max_side: int) -> Image.Image:
    if max(img.size) <= max_side:
        return img
    f = max_side / max(img.size)
    return img.resize((max(1, round(img.width * f)), max(1, round(img.height * f))), Image.Resampling.LANCZOS)


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
    """`correct(img, rotate, skew)` no larger than `max_side` (area-averaged), and the factor
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


def to_corrected_bbox(bbox: BBox, size: tuple[int, int], rotate: int, skew: float) -> BBox:
    """Map a box of the decoded image into the corrected (upright, deskewed) image the OCR
    boxes refer to: quarter-turn clockwise `rotate`, then PIL's counter-clockwise `skew`
    about the centre without expansion (pipeline.ocr.preprocess)."""
    w, h = size
    pts = [(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[3])]
    r = rotate % 360
    if r == 90:
        pts, (w, h) = [(h - y, x) for x, y in pts], (h, w)
    elif r == 180:
        pts = [(w - x, h - y) for x, y in pts]
    elif r == 270:
        pts, (w, h) = [(y, w - x) for x, y in pts], (h, w)
    if abs(skew) > 1e-6:
        t = np.deg2rad(skew)
        cx, cy, c, s_ = w / 2, h / 2, np.cos(t), np.sin(t)
        pts = [(cx + (x - cx) * c + (y - cy) * s_, cy - (x - cx) * s_ + (y - cy) * c) for x, y in pts]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (max(0, int(min(xs))), max(0, int(min(ys))), min(w, int(round(max(xs)))), min(h, int(round(max(ys)))))


def to_decoded_quad(bbox: BBox, size: tuple[int, int], rotate: int, skew: float) -> np.ndarray:
    """The inverse of to_corrected_bbox for one box: its four corners (x, y), clockwise from
    top left, in the decoded image of `size` (w, h) — a tilted rectangle where the page was
    deskewed."""
    w, h = size
    tw, th = (h, w) if rotate % 180 == 90 else (w, h)  # the turned (and corrected) frame
    pts = np.array([(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[2], bbox[3]), (bbox[0], bbox[3])], np.float64)
    if abs(skew) > 1e-6:
        t = np.deg2rad(skew)
        c, s_ = np.cos(t), np.sin(t)
        dx, dy = pts[:, 0] - tw / 2, pts[:, 1] - th / 2
        pts = np.stack([tw / 2 + dx * c - dy * s_, th / 2 + dx * s_ + dy * c], axis=1)
    u, v = pts[:, 0], pts[:, 1]
    r = rotate % 360
    if r == 90:
        pts = np.stack([v, h - u], axis=1)
    elif r == 180:
        pts = np.stack([w - u, h - v], axis=1)
    elif r == 270:
        pts = np.stack([w - v, u], axis=1)
    return pts


def correct(img: Image.Image, rotate: int, skew: float, interpolation: int = cv2.INTER_CUBIC) -> Image.Image:
    """The corrected image at full size, from a known rotation and skew."""
    return deskew(rotate_clockwise(img, rotate), skew, interpolation)
