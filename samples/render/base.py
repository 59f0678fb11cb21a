"""Shared drawing helpers: fonts, pages that remember every word drawn, seals, signatures,
guilloche backgrounds, ruled tables and photo placeholders.

A `Sheet` records each text run with its pixel box, so a renderer gets the words list
and the field boxes for free; `DocBuilder` gathers sheets and truth into a RenderedDoc.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, field_validator

from pipeline.core.datafiles import load_bundled
from pipeline.core.text import has_han
from samples.render.registry import Box, RenderedDoc

A4_MM = (210.0, 297.0)
CARD_MM = (85.6, 54.0)
PASSPORT_MM = (125.0, 88.0)

_NOTO = "/usr/share/fonts/opentype/noto/"
_DEJAVU = "/usr/share/fonts/truetype/dejavu/"
_LIB = "/usr/share/fonts/truetype/liberation2/"
_WQY = "/usr/share/fonts/truetype/wqy/"

# name -> (file, face index in a .ttc). Only fonts installed by the Makefile's APT_PACKAGES.
FONTS: dict[str, tuple[str, int]] = {
    "sans": (_NOTO + "NotoSansCJK-Regular.ttc", 2),
    "sans_bold": (_NOTO + "NotoSansCJK-Bold.ttc", 2),
    "serif": (_NOTO + "NotoSerifCJK-Regular.ttc", 2),
    "serif_bold": (_NOTO + "NotoSerifCJK-Bold.ttc", 2),
    "hei": (_WQY + "wqy-zenhei.ttc", 0),
    "microhei": (_WQY + "wqy-microhei.ttc", 0),
    "dejavu": (_DEJAVU + "DejaVuSans.ttf", 0),
    "dejavu_bold": (_DEJAVU + "DejaVuSans-Bold.ttf", 0),
    "dejavu_serif": (_DEJAVU + "DejaVuSerif.ttf", 0),
    "dejavu_serif_bold": (_DEJAVU + "DejaVuSerif-Bold.ttf", 0),
    "mono": (_DEJAVU + "DejaVuSansMono.ttf", 0),
    "lib_serif": (_LIB + "LiberationSerif-Regular.ttf", 0),
    "lib_serif_bold": (_LIB + "LiberationSerif-Bold.ttf", 0),
    "lib_serif_italic": (_LIB + "LiberationSerif-Italic.ttf", 0),
    "lib_sans": (_LIB + "LiberationSans-Regular.ttf", 0),
    "lib_sans_bold": (_LIB + "LiberationSans-Bold.ttf", 0),
}
CJK_FONTS = ("sans", "sans_bold", "serif", "serif_bold", "hei", "microhei")

BLACK = (20, 20, 20)
SEAL_RED = (215, 30, 35)
INK_BLUE = (25, 40, 120)


@cache
def font(name: str, px: int) -> ImageFont.FreeTypeFont:
    path, index = FONTS[name]
    return ImageFont.truetype(path, max(6, px), index=index)


@dataclass
class Sheet:
    """One page being drawn; millimetre coordinates, pixel bookkeeping."""

    width_mm: float
    height_mm: float
    dpi: int
    bg: tuple[int, int, int] = (255, 255, 255)
    words: list[tuple[str, Box]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.img = Image.new("RGB", (self.px(self.width_mm), self.px(self.height_mm)), self.bg)
        self.draw = ImageDraw.Draw(self.img)

    def px(self, mm: float) -> int:
        return int(round(mm * self.dpi / 25.4))

    def fpx(self, pt: float) -> int:
        return int(round(pt * self.dpi / 72))

    def text(
        self,
        x_mm: float,
        y_mm: float,
        s: str,
        fnt: str = "sans",
        pt: float = 10,
        fill: tuple[int, int, int] = BLACK,
        anchor: str = "la",
        record: bool = True,
    ) -> Box:
        """Draw one text run (never containing a newline) and remember it with its box."""
        f = font(fnt, self.fpx(pt))
        xy = (self.px(x_mm), self.px(y_mm))
        self.draw.text(xy, s, font=f, fill=fill, anchor=anchor)
        x0, y0, x1, y1 = (int(v) for v in self.draw.textbbox(xy, s, font=f, anchor=anchor))
        box = (x0, y0, x1, y1)
        if record and s.strip():
            self.words.append((s, box))
        return box

    def text_parts(
        self,
        x_mm: float,
        y_mm: float,
        parts: list[tuple[str, str | None]],
        fnt: str = "sans",
        pt: float = 10,
        fill: tuple[int, int, int] = BLACK,
        anchor: str = "la",
    ) -> tuple[Box, dict[str, tuple[str, Box]]]:
        """Draw a line built from parts; parts tagged with a field name get their own sub-box."""
        s = "".join(p for p, _ in parts)
        box = self.text(x_mm, y_mm, s, fnt, pt, fill, anchor)
        f = font(fnt, self.fpx(pt))
        sub: dict[str, tuple[str, Box]] = {}
        offset = 0.0
        for p, name in parts:
            w = f.getlength(p)
            if name:
                sub[name] = (p, (int(box[0] + offset), box[1], int(box[0] + offset + w), box[3]))
            offset += w
        return box, sub

    def width_of(self, s: str, fnt: str, pt: float) -> float:
        """Text width in millimetres."""
        return font(fnt, self.fpx(pt)).getlength(s) * 25.4 / self.dpi

    def fit_pt(self, s: str, fnt: str, pt: float, max_mm: float, min_pt: float = 5) -> float:
        """Largest size ≤ pt at which s fits in max_mm."""
        while pt > min_pt and self.width_of(s, fnt, pt) > max_mm:
            pt -= 0.5
        return pt

    def wrap(self, x_mm: float, y_mm: float, s: str, width_mm: float, fnt: str, pt: float, leading: float = 1.6,
             fill: tuple[int, int, int] = BLACK) -> float:
        """Draw s wrapped to width_mm (by character for CJK, by word for Latin); returns the next y."""
        cjk = has_han(s)
        tokens = list(s) if cjk else s.split(" ")
        sep = "" if cjk else " "
        line = ""
        line_h = pt * 25.4 / 72 * leading
        for tok in tokens:
            cand = (line + sep + tok) if line else tok
            if self.width_of(cand, fnt, pt) > width_mm and line:
                self.text(x_mm, y_mm, line, fnt, pt, fill)
                y_mm += line_h
                line = tok
            else:
                line = cand
        if line:
            self.text(x_mm, y_mm, line, fnt, pt, fill)
            y_mm += line_h
        return y_mm

    def wrap_parts(
        self,
        x_mm: float,
        y_mm: float,
        parts: list[tuple[str, str | None]],
        width_mm: float,
        fnt: str,
        pt: float,
        leading: float = 1.7,
        fill: tuple[int, int, int] = BLACK,
        indent_mm: float = 0.0,
    ) -> tuple[float, dict[str, tuple[str, Box]]]:
        """Wrap a paragraph built from parts; a part tagged with a field name is never split,
        so its printed text and box stay whole. Returns the next y and the field sub-boxes."""
        tokens: list[tuple[str, str | None]] = []
        for text, name in parts:
            if name:
                tokens.append((text, name))
            elif has_han(text) or any(c in "，。、；：（）" for c in text):
                tokens.extend((c, None) for c in text)
            else:
                words = text.split(" ")
                for i, w in enumerate(words):
                    tokens.append((w + (" " if i < len(words) - 1 else ""), None))
        lines: list[list[tuple[str, str | None]]] = [[]]
        cur = indent_mm
        for tok in tokens:
            tok_w = self.width_of(tok[0], fnt, pt)
            if cur + tok_w > width_mm and lines[-1]:
                lines.append([])
                cur = 0.0
            lines[-1].append(tok)
            cur += tok_w
        subs: dict[str, tuple[str, Box]] = {}
        line_h = pt * 25.4 / 72 * leading
        for i, ln in enumerate(lines):
            merged: list[tuple[str, str | None]] = []
            for text, name in ln:
                if merged and name is None and merged[-1][1] is None:
                    merged[-1] = (merged[-1][0] + text, None)
                else:
                    merged.append((text, name))
            if merged and merged[-1][1] is None:
                merged[-1] = (merged[-1][0].rstrip(" "), None)
            _, sub = self.text_parts(x_mm + (indent_mm if i == 0 else 0.0), y_mm, merged, fnt, pt, fill)
            subs.update(sub)
            y_mm += line_h
        return y_mm, subs

    def line(self, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.3,
             fill: tuple[int, int, int] = BLACK) -> None:
        self.draw.line([(self.px(x0), self.px(y0)), (self.px(x1), self.px(y1))], fill=fill,
                       width=max(1, self.px(width_mm)))

    def rect(self, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.3,
             outline: tuple[int, int, int] | None = BLACK, fill: tuple[int, int, int] | None = None) -> None:
        self.draw.rectangle([self.px(x0), self.px(y0), self.px(x1), self.px(y1)], outline=outline, fill=fill,
                            width=max(1, self.px(width_mm)))


@dataclass
class DocBuilder:
    """Collects pages and the truth of one document."""

    doc_type: str
    layout: str
    dpi: int
    sheets: list[Sheet] = field(default_factory=list)
    fields: dict[str, str | int | bool] = field(default_factory=dict)
    field_boxes: dict[str, tuple[int, Box]] = field(default_factory=dict)
    field_text: dict[str, str] = field(default_factory=dict)

    def page(self, width_mm: float, height_mm: float, bg: tuple[int, int, int] = (255, 255, 255)) -> Sheet:
        s = Sheet(width_mm, height_mm, self.dpi, bg)
        self.sheets.append(s)
        return s

    def set(self, name: str, value: str | int | bool, printed: str | None = None, box: Box | None = None,
            page: int | None = None) -> None:
        """Record a truth field; `printed` is the exact string drawn at `box` on `page`."""
        self.fields[name] = value
        if box is not None:
            self.field_boxes[name] = (len(self.sheets) - 1 if page is None else page, box)
        if printed is not None:
            self.field_text[name] = printed

    def build(self) -> RenderedDoc:
        return RenderedDoc(
            doc_type=self.doc_type,
            pages=[s.img for s in self.sheets],
            dpi=self.dpi,
            fields=dict(self.fields),
            field_boxes=dict(self.field_boxes),
            words=[list(s.words) for s in self.sheets],
            layout=self.layout,
            field_text=dict(self.field_text),
        )


class _RenderSettings(BaseModel):
    dpi: dict[str, list[int]]
    layout_dpi: dict[str, list[int]] = {}

    @field_validator("dpi", "layout_dpi")
    @classmethod
    def _in_range(cls, v: dict[str, list[int]]) -> dict[str, list[int]]:
        for key, values in v.items():
            if not values or any(not 150 <= d <= 600 for d in values):
                raise ValueError(f"{key}: dpi list must be non-empty, each 150..600")
        return v


@cache
def render_settings() -> _RenderSettings:
    return load_bundled("samples", "data/render.yaml", _RenderSettings)


def pick_dpi(doc_type: str, layout: str, rng: random.Random) -> int:
    """Resolution for one rendering, from samples/data/render.yaml."""
    st = render_settings()
    choices = st.layout_dpi.get(f"{doc_type}/{layout}") or st.dpi.get(doc_type)
    if not choices:
        raise ValueError(f"samples/data/render.yaml: no dpi for {doc_type!r}")
    return rng.choice(choices)


def pick_layout(layouts: tuple[str, ...], layout: str | None, rng: random.Random) -> str:
    if layout is None:
        return rng.choice(layouts)
    if layout not in layouts:
        raise ValueError(f"unknown layout {layout!r}; valid: {', '.join(layouts)}")
    return layout


# ---------------------------------------------------------------------------- date formats

MONTHS_EN = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MONTHS_LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]
_ZH_DIGITS = "〇一二三四五六七八九"


def d_dots(d: date) -> str:
    return f"{d:%Y.%m.%d}"


def d_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def d_zh_padded(d: date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def d_zh_numerals(d: date) -> str:
    """'二〇〇五年六月二十八日' as printed on diplomas."""

    def small(n: int) -> str:
        if n < 10:
            return _ZH_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + ("" if ones == 0 else _ZH_DIGITS[ones])

    return "".join(_ZH_DIGITS[int(c)] for c in str(d.year)) + "年" + small(d.month) + "月" + small(d.day) + "日"


def d_icao(d: date) -> str:
    return f"{d.day:02d} {MONTHS_EN[d.month - 1]} {d.year}"


def d_long(d: date) -> str:
    return f"{MONTHS_LONG[d.month - 1]} {d.day}, {d.year}"


def d_german(d: date) -> str:
    return f"{d:%d.%m.%Y}"


# ---------------------------------------------------------------------------- decorations


def guilloche(sheet: Sheet, rng: random.Random, colors: list[tuple[int, int, int]], density: int = 14) -> None:
    """Fine interleaved sine curves, the security background of cards and certificates."""
    w, h = sheet.img.size
    width = max(1, sheet.dpi // 200)
    for i in range(density):
        col = colors[i % len(colors)]
        amp = h * rng.uniform(0.04, 0.12)
        freq = rng.uniform(1.5, 4.0) * 2 * math.pi / w
        phase = rng.uniform(0, 2 * math.pi)
        y0 = h * (i + 0.5) / density
        pts = [(x, y0 + amp * math.sin(freq * x + phase)) for x in range(0, w + 8, 8)]
        sheet.draw.line(pts, fill=col, width=width)


def border_pattern(sheet: Sheet, margin_mm: float, color: tuple[int, int, int], rng: random.Random) -> None:
    """A double frame with a wavy band between, as on certificates."""
    w, h = sheet.width_mm, sheet.height_mm
    m = margin_mm
    sheet.rect(m, m, w - m, h - m, 0.8, outline=color)
    sheet.rect(m + 4, m + 4, w - m - 4, h - m - 4, 0.3, outline=color)
    step = 3.0
    amp = 1.2
    phase = rng.uniform(0, math.pi)
    for side in range(4):
        pts = []
        length = (w - 2 * m - 4) if side % 2 == 0 else (h - 2 * m - 4)
        n = int(length / step * 4)
        for k in range(n + 1):
            t = k / n * length
            o = amp * math.sin(t / step * 2 * math.pi + phase) + 2
            if side == 0:
                pts.append((m + 2 + t, m + o))
            elif side == 1:
                pts.append((w - m - o, m + 2 + t))
            elif side == 2:
                pts.append((m + 2 + t, h - m - o))
            else:
                pts.append((m + o, m + 2 + t))
        sheet.draw.line([(sheet.px(x), sheet.px(y)) for x, y in pts], fill=color, width=max(1, sheet.dpi // 150))


def photo_placeholder(sheet: Sheet, x0: float, y0: float, x1: float, y1: float, rng: random.Random,
                      bg: tuple[int, int, int] | None = None) -> None:
    """A head-and-shoulders silhouette where the holder's photo would be."""
    bg = bg or rng.choice([(232, 238, 246), (245, 245, 245), (220, 232, 245)])
    sheet.rect(x0, y0, x1, y1, 0.1, outline=None, fill=bg)
    cx = (x0 + x1) / 2
    w, h = x1 - x0, y1 - y0
    tone = rng.choice([(120, 120, 125), (95, 90, 90), (140, 135, 130)])
    head_w, head_h = w * 0.42, h * 0.42
    hy = y0 + h * 0.14
    sheet.draw.ellipse([sheet.px(cx - head_w / 2), sheet.px(hy), sheet.px(cx + head_w / 2), sheet.px(hy + head_h)],
                       fill=tone)
    sheet.draw.chord([sheet.px(x0 + w * 0.05), sheet.px(y0 + h * 0.62), sheet.px(x1 - w * 0.05),
                      sheet.px(y1 + h * 0.35)], 180, 360, fill=tone)


def signature(sheet: Sheet, x_mm: float, y_mm: float, width_mm: float, rng: random.Random,
              color: tuple[int, int, int] = INK_BLUE) -> None:
    """A scribbled handwritten signature: a few loops and a trailing stroke."""
    pts = []
    n = rng.randrange(90, 140)
    loops = rng.randrange(3, 7)
    r = width_mm * rng.uniform(0.05, 0.08)
    h = width_mm * rng.uniform(0.18, 0.3)
    amps = [rng.uniform(0.5, 1.6) for _ in range(loops + 1)]
    for k in range(n):
        t = k / (n - 1)
        a = t * loops * 2 * math.pi
        amp = amps[int(t * loops)]
        x = x_mm + t * width_mm * 0.9 - r * math.cos(a) * 1.4
        y = y_mm - amp * h * 0.5 * math.sin(a) + math.sin(t * 2.2) * h * 0.3
        pts.append((sheet.px(x), sheet.px(y)))
    sheet.draw.line(pts, fill=color, width=max(2, sheet.dpi // 110), joint="curve")
    h = width_mm * 0.25
    sx = x_mm + rng.uniform(-0.1, 0.3) * width_mm
    sheet.draw.line([(sheet.px(sx), sheet.px(y_mm + h * 0.9)), (sheet.px(sx + width_mm * 1.05), sheet.px(y_mm + h * 0.5))],
                    fill=color, width=max(1, sheet.dpi // 150))


def _star(cx: float, cy: float, r: float, rot: float = -math.pi / 2) -> list[tuple[float, float]]:
    pts = []
    for k in range(10):
        rr = r if k % 2 == 0 else r * 0.382
        a = rot + k * math.pi / 5
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def seal(sheet: Sheet, cx_mm: float, cy_mm: float, rim_text: str, rng: random.Random, diameter_mm: float = 40,
         bottom_text: str = "", color: tuple[int, int, int] = SEAL_RED, alpha: int = 200) -> Box:
    """A red round official seal: name around the rim, five-pointed star in the centre.

    Drawn on its own layer and blended, so text below stays visible as with real ink.
    """
    d = sheet.px(diameter_mm)
    layer = Image.new("L", (d + 4, d + 4), 0)
    ld = ImageDraw.Draw(layer)
    c = (d + 4) / 2
    r = d / 2
    ld.ellipse([c - r, c - r, c + r, c + r], outline=255, width=max(2, int(d * 0.035)))
    ld.polygon(_star(c, c, r * 0.27), fill=255)
    n = max(1, len(rim_text))
    span = min(270.0, 30.0 * n) * math.pi / 180
    rr = r * 0.72
    char_px = int(min(r * 0.27, rr * span / n * 0.82))
    f = font("serif_bold" if rng.random() < 0.5 else "sans_bold", max(8, char_px))
    for i, ch in enumerate(rim_text):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
        glyph = Image.new("L", (char_px * 2, char_px * 2), 0)
        ImageDraw.Draw(glyph).text((char_px, char_px), ch, font=f, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a + math.pi / 2), resample=Image.Resampling.BICUBIC)
        gx = int(c + rr * math.cos(a) - char_px)
        gy = int(c + rr * math.sin(a) - char_px)
        layer.paste(255, (gx, gy), glyph)
    if bottom_text:
        fb = font("sans_bold", int(r * 0.17))
        ld.text((c, c + r * 0.55), bottom_text, font=fb, fill=255, anchor="mm")
    # uneven ink, seeded so the same applicant always gets the same stamp
    nrng = np.random.default_rng(rng.randrange(2**32))
    ink = np.clip(nrng.normal(0.92, 0.18, (layer.height, layer.width)), 0.35, 1.0)
    arr = np.asarray(layer, dtype=np.float32) * ink * (alpha / 255)
    layer = Image.fromarray(arr.astype(np.uint8), "L")
    x0 = sheet.px(cx_mm) - layer.width // 2
    y0 = sheet.px(cy_mm) - layer.height // 2
    sheet.img.paste(Image.new("RGB", layer.size, color), (x0, y0), layer)
    return (x0, y0, x0 + layer.width, y0 + layer.height)


@dataclass
class Table:
    """A ruled table: column x-edges and row heights in mm; cells filled with text()."""

    sheet: Sheet
    x_edges: list[float]
    y0: float
    row_heights: list[float]
    width_mm: float = 0.3

    @property
    def y_edges(self) -> list[float]:
        ys = [self.y0]
        for h in self.row_heights:
            ys.append(ys[-1] + h)
        return ys

    def draw_grid(self, merged: dict[int, list[tuple[int, int]]] | None = None) -> None:
        """Outer box, row lines, and column lines; `merged` maps a row to the column spans it merges."""
        s, xs, ys = self.sheet, self.x_edges, self.y_edges
        s.rect(xs[0], ys[0], xs[-1], ys[-1], self.width_mm * 1.6)
        for y in ys[1:-1]:
            s.line(xs[0], y, xs[-1], y, self.width_mm)
        for r in range(len(self.row_heights)):
            spans = (merged or {}).get(r)
            inner = set(range(1, len(xs) - 1))
            if spans:
                for a, b in spans:
                    inner -= set(range(a + 1, b + 1))
            for ci in sorted(inner):
                s.line(xs[ci], ys[r], xs[ci], ys[r + 1], self.width_mm)

    def cell(self, row: int, col: int, text: str, fnt: str = "sans", pt: float = 10, align: str = "center",
             col_end: int | None = None, fill: tuple[int, int, int] = BLACK) -> Box:
        xs, ys = self.x_edges, self.y_edges
        x0, x1 = xs[col], xs[(col_end if col_end is not None else col) + 1]
        ym = (ys[row] + ys[row + 1]) / 2
        pt = self.sheet.fit_pt(text, fnt, pt, x1 - x0 - 2)
        if align == "center":
            return self.sheet.text((x0 + x1) / 2, ym, text, fnt, pt, fill, anchor="mm")
        return self.sheet.text(x0 + 1.5, ym, text, fnt, pt, fill, anchor="lm")


def cell_parts(table: Table, row: int, col: int, parts: list[tuple[str, str | None]], fnt: str = "sans",
               pt: float = 10, col_end: int | None = None) -> dict[str, tuple[str, Box]]:
    """Left-aligned cell text built from parts, returning the tagged parts' boxes."""
    xs, ys = table.x_edges, table.y_edges
    text = "".join(p for p, _ in parts)
    pt = table.sheet.fit_pt(text, fnt, pt, xs[(col_end if col_end is not None else col) + 1] - xs[col] - 3)
    _, sub = table.sheet.text_parts(xs[col] + 1.5, (ys[row] + ys[row + 1]) / 2, parts, fnt, pt, anchor="lm")
    return sub


def compose_photocopy(front: Image.Image, back: Image.Image, dpi: int = 300) -> Image.Image:
    """Front above back, centred on a white A4 page at the same scale as the cards."""
    w, h = int(round(A4_MM[0] * dpi / 25.4)), int(round(A4_MM[1] * dpi / 25.4))
    page = Image.new("RGB", (w, h), (255, 255, 255))
    y = int(h * 0.12)
    for card in (front, back):
        x = (w - card.width) // 2
        page.paste(card.convert("RGB"), (x, y))
        y += card.height + int(h * 0.08)
    return page


def round_corners(img: Image.Image, radius_px: int, bg: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, img.width - 1, img.height - 1], radius_px, fill=255)
    out = Image.new("RGB", img.size, bg)
    out.paste(img, (0, 0), mask)
    return out
