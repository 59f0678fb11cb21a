"""What a page looks like beyond its words: card-sized, an MRZ, a ruled table, red seals, or
the dark rings a seal leaves on a grey photocopy (PageCues).

Image cues are found on small copies of the corrected page — the decoded image turned and
deskewed as OCR measured it (pipeline.geometry) — and their boxes are given in the full
corrected page's pixels, the frame OCR boxes are in: the application-form extractor looks for
a seal over its 单位意见 box there.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import cv2
import numpy as np
from PIL import Image

from pipeline.classify.data import Settings, doc_type_data
from pipeline.core.codes import mrz_header, mrz_layout, mrz_line_structure
from pipeline.core.models import OcrResult, PageCues
from pipeline.core.stages import Page
from pipeline.geometry import corrected_copy, deskew_array, turn_array, turned_size

log = logging.getLogger(__name__)


def page_cues(page: Page, ocr: OcrResult | None) -> PageCues:
    """The cues of one page as read (`ocr` gives the corrected frame and the MRZ lines)."""
    rotate, skew = (ocr.rotation, ocr.skew) if ocr is not None else (0, 0.0)
    w, h = turned_size(page.image.size, rotate)
    found: dict[str, Any] = {**card_cue(w, h, doc_type_data().settings), **mrz_cues(ocr)}
    try:
        found.update(image_cues(page.image, rotate, skew))
    except Exception as exc:  # noqa: BLE001 — a cue we cannot compute must not lose the page
        log.warning("layout cues failed on %s p%s: %s", page.name, page.number, exc)
    return PageCues.model_validate(found)


def _mrz_text(text: str) -> str:
    return re.sub(r"\s+", "", text).upper().replace("«", "<<")


def mrz_cues(ocr: OcrResult | None) -> dict[str, Any]:
    """has_mrz: a line with an MRZ's structure (pipeline.core.codes.mrz_line_structure — the
    predicate the extractors' search shares); the document code ("P<", "V<", "ID") and its first
    letter from the zone's header line (a TD3's data line may come first on a page read upside
    down); how many lines, and the ICAO width nearest to the longest line read (OCR loses trailing
    fillers more often than it adds characters)."""
    lines = [ln.text for ln in ocr.lines] if ocr else []
    if ocr and not lines:
        lines = ocr.text.splitlines()
    mrz = [t for t in map(_mrz_text, lines) if mrz_line_structure(t)]
    if not mrz:
        return {"has_mrz": False, "mrz_type": None}
    header = next((h for h in map(mrz_header, mrz) if h), None)
    longest = max(len(t) for t in mrz)
    width = min(mrz_layout().widths, key=lambda w: abs(w - longest))
    return {"has_mrz": True, "mrz_type": header[0] if header else None, "mrz_code": header, "mrz_lines": len(mrz),
            "mrz_width": width}


def card_cue(width: int, height: int, s: Settings) -> dict[str, Any]:
    if not width or not height:
        return {"card_sized": False, "aspect": None}
    aspect = max(width, height) / min(width, height)
    return {"card_sized": abs(aspect - s.card_aspect) <= s.card_aspect_tolerance, "aspect": round(aspect, 3)}


def image_cues(img: Image.Image, rotate: int = 0, skew: float = 0.0) -> dict[str, Any]:
    """Ruled table and seals of the corrected page — `img` turned `rotate` clockwise and
    deskewed by `skew` — found on small copies; boxes in the full corrected page's pixels."""
    s = doc_type_data().settings
    small, f = corrected_copy(img.convert("RGB") if img.mode not in ("RGB", "L") else img, rotate, skew,
                              s.cues_max_side)
    arr = np.asarray(small.convert("RGB"))
    h_lines, v_lines = _table_lines(arr)
    seals = [tuple(int(round(c * f)) for c in box) for box in _red_seals(arr)]
    cues: dict[str, Any] = {"ruled_table": h_lines >= 4 and v_lines >= 2, "table_lines": {"h": h_lines, "v": v_lines},
                            "red_seal": bool(seals), "red_seals": [list(b) for b in seals]}
    cues["grey_page"] = _colour_fraction(arr) < s.grey_page_max_colour
    if cues["grey_page"]:  # a grey photocopy: a seal survives only as a dark ring
        cues["grey_seals"] = [list(b) for b in _grey_seal_rings(img, small, f, rotate, skew, s)]
    return cues


def _colour_fraction(arr: Any) -> float:
    hsv = cv2.cvtColor(arr, cv2.COLOR_RGB2HSV)
    return float(np.count_nonzero((hsv[..., 1] > 70) & (hsv[..., 2] > 60))) / max(1, hsv[..., 1].size)


def _grey_seal_rings(img: Image.Image, small: Image.Image, f: float, rotate: int, skew: float, s: Settings) -> list[tuple[int, int, int, int]]:
    """Seal-sized circles whose circumference is dark almost all the way round. Measured on the
    eval corpus's grey photocopied forms: the seal's ring scores 1.0, text and table corners at
    most 0.95. A ring filter per radius (dark mask convolved with a circle) scores every centre.
    `small` is the corrected page `f` times smaller than full size; `img` the decoded page."""
    k = min(1.0, s.grey_seal_max_side / max(small.size))
    g = np.asarray(small.convert("L").resize((max(1, int(small.width * k)), max(1, int(small.height * k))),
                                             Image.Resampling.BICUBIC))
    blur = cv2.GaussianBlur(g, (0, 0), 1.5)
    dark = blur < float(np.percentile(blur, 90)) - s.grey_seal_dark_delta
    if _bilevel(img, s):  # dithered specks exist only on 1-bit copies
        dark |= _dithered_ink(img, rotate, skew, g.shape, s)
    ink = cv2.dilate(dark.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))).astype(np.float32)
    short = min(g.shape)
    found = []  # (score, x, y, r) arrays per radius
    for r in range(max(4, int(short * s.grey_seal_radius[0])), int(short * s.grey_seal_radius[1]) + 1, 2):
        ring = np.zeros((2 * r + 3, 2 * r + 3), np.uint8)
        cv2.circle(ring, (r + 1, r + 1), r, 1, 1)
        cover = cv2.filter2D(ink, -1, ring.astype(np.float32) / ring.sum(), borderType=cv2.BORDER_CONSTANT)
        ys, xs = np.nonzero(cover >= s.grey_seal_min_ring)
        found.append(np.stack([cover[ys, xs].astype(np.float64), xs, ys, np.full(len(xs), r)], axis=1))
    boxes: list[tuple[int, int, int, int]] = []
    if found:
        cand = np.concatenate(found)
        # strongest first (ties: larger x, y, r first); one box per seal: a centre inside a box
        # already taken is that seal again
        cand = cand[np.lexsort((-cand[:, 3], -cand[:, 2], -cand[:, 1], -cand[:, 0]))]
        free = np.ones(len(cand), bool)
        while free.any():
            i = int(np.argmax(free))
            x, y, r = (int(v) for v in cand[i, 1:])
            boxes.append((x - r, y - r, x + r, y + r))
            free &= ~((cand[:, 1] >= x - r) & (cand[:, 1] <= x + r) & (cand[:, 2] >= y - r) & (cand[:, 2] <= y + r))
    back = f / k
    return [(round(x0 * back), round(y0 * back), round(x1 * back), round(y1 * back)) for x0, y0, x1, y1 in boxes]


def _bilevel(img: Image.Image, s: Settings) -> bool:
    """A 1-bit page (a Group 4 fax or photocopy): nearly every pixel pure black or white."""
    hist = img.convert("L").histogram() if img.mode != "L" else img.histogram()
    return (hist[0] + hist[255]) >= s.grey_seal_bilevel_min_share * max(1, sum(hist))


def _dithered_ink(img: Image.Image, rotate: int, skew: float, shape: tuple[int, int], s: Settings) -> Any:
    """Where isolated specks are dense, on the corrected page at the working `shape`. A light
    red seal on a 1-bit (Group 4) photocopy survives only as a dithered band of single dots, too
    faint for the darkness test; text strokes are large connected blobs and stay out. Measured
    on the eval corpus's grey forms: both G4 forms' seal rings found, none on a grey form
    without a seal. The specks are counted on the decoded page at full size (a copy would blur
    them away); the density map, smooth by nature, is turned and deskewed once small."""
    ink = (np.asarray(img.convert("L")) < 128).astype(np.uint8)
    _n, labels, stats, _c = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= s.grey_seal_dot_max_area
    small[0] = False  # the background
    win = max(3, int(min(ink.shape) * s.grey_seal_dot_window) | 1)
    density = cv2.blur(small[labels].astype(np.float32), (win, win))
    uh, uw = (shape[1], shape[0]) if rotate % 180 else shape
    density = turn_array(cv2.resize(density, (uw, uh), interpolation=cv2.INTER_AREA), rotate)
    density = deskew_array(np.ascontiguousarray(density), skew, 0.0, cv2.INTER_LINEAR)
    return density >= s.grey_seal_dot_min_density


def _table_lines(arr: Any) -> tuple[int, int]:
    gray = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    bw = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    h, w = bw.shape
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(10, w // 4), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(10, h // 10)))
    horiz = cv2.morphologyEx(bw, cv2.MORPH_OPEN, hk)
    vert = cv2.morphologyEx(bw, cv2.MORPH_OPEN, vk)
    n_h = _count_runs(np.any(horiz > 0, axis=1))
    n_v = _count_runs(np.any(vert > 0, axis=0))
    return n_h, n_v


def _count_runs(mask: Any) -> int:
    """Separate lines: runs of True in a 1-D mask (a thick line counts once)."""
    runs = 0
    prev = False
    for v in mask.tolist():
        if v and not prev:
            runs += 1
        prev = bool(v)
    return runs


def _red_seals(arr: Any) -> list[tuple[int, int, int, int]]:
    """Red roughly-round blobs (official seals are red circles or ovals with red text inside)."""
    hsv = cv2.cvtColor(arr, cv2.COLOR_RGB2HSV)
    lo = cv2.inRange(hsv, (0, 70, 60), (12, 255, 255))
    hi = cv2.inRange(hsv, (160, 70, 60), (180, 255, 255))
    mask = cv2.bitwise_or(lo, hi)
    h, w = mask.shape
    k = max(3, min(h, w) // 60)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_side = max(12, int(min(h, w) * 0.05))
    out = []
    for c in contours:
        x, y, bw, bh = cv2.boundingRect(c)
        if bw < min_side or bh < min_side:
            continue
        if not 0.6 <= bw / bh <= 1.67:
            continue
        fill = cv2.countNonZero(mask[y:y + bh, x:x + bw]) / float(bw * bh)
        if fill < 0.05:
            continue
        out.append((x, y, x + bw, y + bh))
    return out


