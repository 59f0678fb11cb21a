"""A text line printed level on a tilted scan: the tell of a value re-typed onto a pasted patch.

A flatbed scan tilts every printed line of a page by the same angle (measured on the sample
corpora: the lines of one scan agree within ±0.1°). A forger who pastes a re-typed value onto
the scanned image pastes it square to the image, so on a page tilted by 1° or more that one
line sits level while its neighbours do not. Phone photos (perspective: line angles fan out
across the page) and pages scanned nearly straight are left alone — the test needs a tilt to
measure against and lines that agree on it. Scanner and copier imprints (page numbers, fax
headers) are level by nature and live in the top and bottom margins, which are not searched.

Where OCR read the page, its line boxes (mapped back into the analysed image) say where the
lines are, and only the ink inside each box is looked at; otherwise lines come from connected
components of ink grouped along the row over the whole page. Either way each line's angle is the
shear that makes its character ink's horizontal projection sharpest (the deskew criterion, per
line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.core.models import BBox
from pipeline.forensics.settings import LevelLineSettings


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
        return _as_uint8(grey), 1.0
    size = (max(1, round(grey.shape[1] * f)), max(1, round(grey.shape[0] * f)))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    return cv2.resize(_as_uint8(grey), size, interpolation=interp), f


def _as_uint8(grey: np.ndarray) -> np.ndarray:
    return grey if grey.dtype == np.uint8 else np.clip(grey, 0, 255).astype(np.uint8)


def _median_grey(grey: np.ndarray) -> float:
    """np.median of a uint8 image, from its histogram (a sort of the page took longer)."""
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    n = cum[-1]
    lo, hi = int(np.searchsorted(cum, (n - 1) / 2, side="right")), int(np.searchsorted(cum, n / 2, side="right"))
    return (lo + hi) / 2


def sharpness(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """For each angle, how sharp the points' horizontal projection is once sheared by it (sum
    of squared row counts: highest where the characters' rows line up)."""
    sheared = ys[None, :] - xs[None, :] * np.tan(np.deg2rad(angles))[:, None]
    rows = np.round(sheared - sheared.min(axis=1, keepdims=True)).astype(np.int64)
    # one bincount for all angles: each angle's rows in a band of their own
    span = int(rows.max()) + 1
    counts = np.bincount((rows + span * np.arange(len(angles))[:, None]).ravel(),
                         minlength=span * len(angles)).reshape(len(angles), span).astype(np.float64)
    return (counts ** 2).sum(axis=1)


def line_angle(ys: np.ndarray, xs: np.ndarray, max_deg: float) -> float:
    """Angle (degrees) whose shear gives the sharpest horizontal projection of the points:
    a 0.25° sweep over ±max_deg, then 0.02° around the best."""

    def best(angles: np.ndarray) -> float:
        return float(angles[int(np.argmax(sharpness(ys, xs, angles)))])

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

    def level_gain(self, angle: float, page_tilt: float) -> float:
        """How much sharper the line projects at `angle` than at the page's tilt: near 1 where
        the line's own angle is ill-determined (short lines of mixed script)."""
        at_angle, at_tilt = sharpness(self.ys, self.xs, np.array([angle, page_tilt]))
        return float(at_angle / max(at_tilt, 1.0))


def text_lines(grey: np.ndarray, s: LevelLineSettings) -> list[TextLine]:
    """Lines of character-sized ink components, each with its measured angle."""
    return [TextLine(ink.bbox, ink.angle(s.max_tilt_deg), ink.n_chars) for ink in line_inks(grey, s)]


def _char_components(ink: np.ndarray, long_side: float, s: LevelLineSettings
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Connected components of an ink mask: labels, stats, centroids, and which are
    character-sized (as shares of the working page's long side)."""
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    is_char = (heights >= s.min_char_height * long_side) & (heights <= s.max_char_height * long_side) \
        & (widths <= s.max_char_width * long_side)
    is_char[0] = False
    return labels, stats, centroids, is_char


def _line_points(in_line: np.ndarray, comp: np.ndarray, widths: np.ndarray, heights: np.ndarray,
                 s: LevelLineSettings, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The ink points (sampled) of one line's characters, leaving out what is taller or wider
    than its characters; None when the line has too few characters to measure."""
    ids = np.unique(comp[in_line])
    if len(ids) < s.min_chars:
        return None
    # rules, table borders and stray marks inside the line would steer its angle
    mh = float(np.median(heights[ids]))
    keep = ids[(heights[ids] <= s.stray_max_height * mh) & (widths[ids] <= s.stray_max_width * mh)]
    py, px = np.nonzero(in_line & np.isin(comp, keep))
    if len(px) < s.min_chars * 4:
        return None
    if len(px) > s.max_points:
        pick = rng.choice(len(px), s.max_points, replace=False)
        py, px = py[pick], px[pick]
    return py, px, len(keep)


def line_inks(grey: np.ndarray, s: LevelLineSettings) -> list[LineInk]:
    """Lines of character-sized ink components: connected components grouped along the row."""
    long_side = max(grey.shape)
    ink = (grey < _median_grey(grey) - s.ink_contrast).astype(np.uint8)
    labels, stats, _, is_char = _char_components(ink, long_side, s)
    if not is_char.any():
        return []
    widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
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
        found = _line_points(in_line, labels[y:y + h, x:x + w], widths, heights, s, rng)
        if found is None:
            continue
        py, px, n_chars = found
        out.append(LineInk((int(x), int(y), int(x + w), int(y + h)), py.astype(np.float64), px.astype(np.float64),
                           n_chars))
    return out


def _runs(lefts: np.ndarray, rights: np.ndarray, gap: float) -> np.ndarray:
    """Run number of each span (sorted by left edge) when spans closer than `gap` join: the
    grouping the row dilation of line_inks makes, for the characters of one box."""
    reach = np.maximum.accumulate(rights)
    return np.concatenate([[0], np.cumsum(lefts[1:] - reach[:-1] > gap)])


def _inside(points: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Which points (n×2) lie inside a convex quadrilateral (4×2, corners in order)."""
    edge = np.roll(quad, -1, axis=0) - quad
    rel = points[:, None, :] - quad[None, :, :]
    cross = edge[None, :, 0] * rel[:, :, 1] - edge[None, :, 1] * rel[:, :, 0]
    return np.all(cross >= 0, axis=1) | np.all(cross <= 0, axis=1)


def boxed_line_inks(grey: np.ndarray, quads: Sequence[np.ndarray], s: LevelLineSettings
                    ) -> tuple[list[LineInk], float, tuple[int, int]]:
    """Lines of character ink inside given line boxes (quadrilaterals in `grey`'s pixels, e.g.
    OCR's lines mapped back into the scan): each box's surroundings are scaled to working size
    and only the characters centred inside the box (grown by half its height all round) are
    measured — no full-page resize or component passes. A character is taken whole even where
    it leaves the box: a line pasted level on a tilted page pokes out of the tilted box OCR
    drew around it. Characters join into lines as in line_inks (gaps under join_gap_heights
    × the page's median character height), so a box whose characters stand in groups far
    apart (a form's label and its distant stamp note) gives one line per group.
    Returns the lines at working scale, the factor from `grey` to working coordinates and the
    working page's (height, width)."""
    f = s.work_long_side / max(grey.shape)
    shape = (round(grey.shape[0] * f), round(grey.shape[1] * f))
    long_side = max(shape)
    ink_below = _median_grey(np.ascontiguousarray(_as_uint8(grey[::4, ::4]))) - s.ink_contrast
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    boxes = []  # per box: its characters' labels and stats, and the crop's offset at working scale
    for quad in quads:
        q = np.asarray(quad, np.float64)
        along = q[1] - q[0]
        grow = 0.5 * float(np.hypot(*(q[3] - q[0])))
        ext = along / max(float(np.hypot(*along)), 1e-6) * grow
        q = q + np.array([-ext, ext, ext, -ext])
        x0, y0 = np.maximum(np.floor(q.min(axis=0)).astype(int) - int(grow) - 2, 0)
        x1, y1 = np.minimum(np.ceil(q.max(axis=0)).astype(int) + int(grow) + 2, (grey.shape[1], grey.shape[0]))
        if (x1 - x0) * f < s.min_line_width * long_side or y1 <= y0:
            continue
        size = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
        work = cv2.resize(_as_uint8(grey[y0:y1, x0:x1]), size, interpolation=interp)
        labels, stats, centroids, is_char = _char_components((work < ink_below).astype(np.uint8), long_side, s)
        is_char &= _inside(centroids, (q - (x0, y0)) * (size[0] / (x1 - x0), size[1] / (y1 - y0)))
        chars = np.flatnonzero(is_char)
        if len(chars) >= s.min_chars:
            boxes.append((labels, stats, chars, x0 * f, y0 * f))
    if not boxes:
        return [], f, shape
    gap = s.join_gap_heights * float(np.median(np.concatenate([st[ch, cv2.CC_STAT_HEIGHT] for _, st, ch, _, _ in boxes])))
    half = (int(gap) | 1) // 2  # lines are boxed as line_inks boxes its rows: widened by the dilation
    rng = np.random.default_rng(0)
    out: list[LineInk] = []
    for labels, stats, chars, ox, oy in boxes:
        widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
        chars = chars[np.argsort(stats[chars, cv2.CC_STAT_LEFT], kind="stable")]
        lefts = stats[chars, cv2.CC_STAT_LEFT]
        run = _runs(lefts, lefts + widths[chars], gap)
        run_of = np.zeros(len(stats), np.int32)
        run_of[chars] = run + 1
        runs = run_of[labels]
        for r in range(1, int(run[-1]) + 2):
            found = _line_points(runs == r, labels, widths, heights, s, rng)
            if found is None:
                continue
            py, px, n_chars = found
            lx, ly = int(px.min()) - half, int(py.min())
            w, h = int(px.max()) + half - lx + 1, int(py.max()) - ly + 1
            if w < s.min_line_aspect * h or w < s.min_line_width * long_side:
                continue
            out.append(LineInk((max(0, int(ox) + lx), int(oy) + ly, min(shape[1], int(ox) + lx + w), int(oy) + ly + h),
                               py.astype(np.float64) + oy, px.astype(np.float64) + ox, n_chars))
    return out, f, shape


@dataclass(frozen=True)
class LevelLine:
    """A line printed level on a page whose other lines share a tilt; box in the coordinates
    of the image handed to `level_lines`."""

    bbox: BBox
    angle: float
    page_tilt: float
    tilt_spread: float
    gain: float  # how much sharper its ink projects level than at the page's tilt (LineInk.level_gain)


def level_lines(grey: np.ndarray, s: LevelLineSettings,
                line_boxes: Sequence[np.ndarray] | None = None) -> list[LevelLine]:
    """Lines sitting level (|angle| ≤ level_max_deg, and lining up at least min_level_gain
    sharper level than at the tilt) on a page tilted by at least min_page_tilt_deg whose long
    lines agree on that tilt within max_tilt_spread_deg.
    `line_boxes`: where the lines are (quadrilaterals in `grey`'s pixels), when OCR knows."""
    if line_boxes is None:
        work, f = _working_grey(grey, s.work_long_side)
        inks, shape = line_inks(work, s), work.shape
    else:
        inks, f, shape = boxed_line_inks(grey, line_boxes, s)
    # the long lines' angles first: most pages fail the tilt test, and then no other line
    # needs measuring
    wide = s.min_reference_width * max(shape)
    angles = {i: ink.angle(s.max_tilt_deg) for i, ink in enumerate(inks) if ink.bbox[2] - ink.bbox[0] >= wide}
    ref = np.array(list(angles.values()))
    if len(ref) < s.min_reference_lines:
        return []
    tilt = float(np.median(ref))
    spread = float(np.median(np.abs(ref - tilt))) * 1.4826
    if abs(tilt) < s.min_page_tilt_deg or spread > s.max_tilt_spread_deg:
        return []
    height = shape[0]
    lo, hi = s.margin_fraction * height, (1 - s.margin_fraction) * height
    out = []
    for i, ink in enumerate(inks):
        if not lo <= ink.bbox[1] <= hi:
            continue
        angle = angles[i] if i in angles else ink.angle(s.max_tilt_deg)
        if abs(angle) > s.level_max_deg:
            continue
        gain = ink.level_gain(angle, tilt)
        if gain < s.min_level_gain:
            continue
        x0, y0, x1, y1 = ink.bbox
        out.append(LevelLine((int(x0 / f), int(y0 / f), int(round(x1 / f)), int(round(y1 / f))),
                             angle, tilt, spread, gain))
    return out
