"""A text line printed level on a tilted scan: the tell of a value re-typed onto a pasted patch.

A flatbed scan tilts every printed line of a page by the same angle (measured on the sample
corpora: the lines of one scan agree within ±0.1°). A forger who pastes a re-typed value onto
the scanned image pastes it square to the image, so on a page tilted by 1° or more that one
line sits level while its neighbours do not. Phone photos (perspective: line angles fan out
across the page) and pages scanned nearly straight are left alone — the test needs a tilt to
measure against and lines that agree on it. Scanner and copier imprints (page numbers, fax
headers) are level by nature and live in the top and bottom margins, which are not searched.

Lines come from connected components of ink grouped along the row; each line's angle is the
shear that makes its ink's horizontal projection sharpest (the deskew criterion, per line).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.forensics import LevelLineSettings
from pipeline.models import BBox


@dataclass(frozen=True)
class TextLine:
    """One line of ink at working scale: its box, angle (degrees, image y down) and size."""

    bbox: BBox
    angle: float
    n_chars: int


def _working_grey(grey: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """The page at `long_side` pixels on its long side (down by area, small cards up), and the
    factor from original to working coordinates."""
    f = long_side / max(grey.shape)
    if abs(f - 1) < 0.05:
        return grey.astype(np.uint8), 1.0
    size = (max(1, round(grey.shape[1] * f)), max(1, round(grey.shape[0] * f)))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    src = grey if grey.dtype == np.uint8 else np.clip(grey, 0, 255).astype(np.uint8)
    return cv2.resize(src, size, interpolation=interp), f


def _median_grey(grey: np.ndarray) -> float:
    """np.median of a uint8 image, from its histogram (a sort of the page took longer)."""
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    n = cum[-1]
    lo, hi = int(np.searchsorted(cum, (n - 1) / 2, side="right")), int(np.searchsorted(cum, n / 2, side="right"))
    return (lo + hi) / 2


def line_angle(ys: np.ndarray, xs: np.ndarray, max_deg: float) -> float:
    """Angle (degrees) whose shear gives the sharpest horizontal projection of the points:
    a 0.25° sweep over ±max_deg, then 0.02° around the best."""

    def best(angles: np.ndarray) -> float:
        sheared = ys[None, :] - xs[None, :] * np.tan(np.deg2rad(angles))[:, None]
        rows = np.round(sheared - sheared.min(axis=1, keepdims=True)).astype(np.int64)
        # one bincount for all angles: each angle's rows in a band of their own
        span = int(rows.max()) + 1
        counts = np.bincount((rows + span * np.arange(len(angles))[:, None]).ravel(),
                             minlength=span * len(angles)).reshape(len(angles), span).astype(np.float64)
        return float(angles[int(np.argmax((counts ** 2).sum(axis=1)))])

    coarse = best(np.arange(-max_deg, max_deg + 1e-9, 0.25))
    return best(np.arange(coarse - 0.3, coarse + 0.3 + 1e-9, 0.02))


@dataclass(frozen=True)
class LineInk:
    """One line's character ink at working scale (sampled points), before its angle is measured."""

    bbox: BBox
    ys: np.ndarray
    xs: np.ndarray
    n_chars: int

    def angle(self, max_deg: float) -> float:
        return line_angle(self.ys, self.xs, max_deg)


def text_lines(grey: np.ndarray, s: LevelLineSettings) -> list[TextLine]:
    """Lines of character-sized ink components, each with its measured angle."""
    return [TextLine(ink.bbox, ink.angle(s.max_tilt_deg), ink.n_chars) for ink in line_inks(grey, s)]


def line_inks(grey: np.ndarray, s: LevelLineSettings) -> list[LineInk]:
    """Lines of character-sized ink components: connected components grouped along the row."""
    long_side = max(grey.shape)
    ink = (grey < _median_grey(grey) - s.ink_contrast).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 2:
        return []
    widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    is_char = (heights >= s.min_char_height * long_side) & (heights <= s.max_char_height * long_side) \
        & (widths <= s.max_char_width * long_side)
    is_char[0] = False
    if not is_char.any():
        return []
    char_px = is_char[labels]
    char_h = float(np.median(heights[is_char]))
    join = cv2.getStructuringElement(cv2.MORPH_RECT, (int(char_h * s.join_gap_heights) | 1, 1))
    rows = cv2.dilate(char_px.astype(np.uint8), join)
    # rows are fewer than characters: 16-bit labels (a fifth faster) whenever they fit
    ltype = cv2.CV_16U if int(is_char.sum()) < 65535 else cv2.CV_32S
    m, row_labels, row_stats, _ = cv2.connectedComponentsWithStats(rows, connectivity=8, ltype=ltype)
    rng = np.random.default_rng(0)
    out: list[LineInk] = []
    for i in range(1, m):
        x, y, w, h, _ = row_stats[i]
        if w < s.min_line_aspect * h or w < s.min_line_width * long_side:
            continue
        in_line = (row_labels[y:y + h, x:x + w] == i) & char_px[y:y + h, x:x + w]
        comp = labels[y:y + h, x:x + w]
        ids = np.unique(comp[in_line])
        if len(ids) < s.min_chars:
            continue
        # rules, table borders and stray marks inside the line would steer its angle
        mh = float(np.median(heights[ids]))
        keep = ids[(heights[ids] <= s.stray_max_height * mh) & (widths[ids] <= s.stray_max_width * mh)]
        py, px = np.nonzero(in_line & np.isin(comp, keep))
        if len(px) < s.min_chars * 4:
            continue
        if len(px) > s.max_points:
            pick = rng.choice(len(px), s.max_points, replace=False)
            py, px = py[pick], px[pick]
        out.append(LineInk((int(x), int(y), int(x + w), int(y + h)), py.astype(np.float64), px.astype(np.float64),
                           len(keep)))
    return out


@dataclass(frozen=True)
class LevelLine:
    """A line printed level on a page whose other lines share a tilt; box in the coordinates
    of the image handed to `level_lines`."""

    bbox: BBox
    angle: float
    page_tilt: float
    tilt_spread: float


def level_lines(grey: np.ndarray, s: LevelLineSettings) -> list[LevelLine]:
    """Lines sitting level (|angle| ≤ level_max_deg) on a page tilted by at least
    min_page_tilt_deg whose long lines agree on that tilt within max_tilt_spread_deg."""
    work, f = _working_grey(grey, s.work_long_side)
    inks = line_inks(work, s)
    # the long lines' angles first: most pages fail the tilt test, and then no other line
    # needs measuring
    wide = s.min_reference_width * max(work.shape)
    angles = {i: ink.angle(s.max_tilt_deg) for i, ink in enumerate(inks) if ink.bbox[2] - ink.bbox[0] >= wide}
    ref = np.array(list(angles.values()))
    if len(ref) < s.min_reference_lines:
        return []
    tilt = float(np.median(ref))
    spread = float(np.median(np.abs(ref - tilt))) * 1.4826
    if abs(tilt) < s.min_page_tilt_deg or spread > s.max_tilt_spread_deg:
        return []
    height = work.shape[0]
    lo, hi = s.margin_fraction * height, (1 - s.margin_fraction) * height
    out = []
    for i, ink in enumerate(inks):
        if not lo <= ink.bbox[1] <= hi:
            continue
        angle = angles[i] if i in angles else ink.angle(s.max_tilt_deg)
        if abs(angle) > s.level_max_deg:
            continue
        x0, y0, x1, y1 = ink.bbox
        out.append(LevelLine((int(x0 / f), int(y0 / f), int(round(x1 / f)), int(round(y1 / f))),
                             angle, tilt, spread))
    return out
