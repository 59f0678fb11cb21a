"""PDF forensics: edited metadata, revisions appended after creation, text layer vs image.

A scanned certificate turned into a PDF is written once. Editing tools leave their name in
Producer/Creator, push ModDate past CreationDate, or append an incremental update (another
xref section and %%EOF). A text layer that says one number while the pixels show another
is the classic "edited the OCR layer" or "pasted an image over the text" forgery.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline import ocr
from pipeline.core import dates
from pipeline.core.flags import make_flag
from pipeline.core.models import BBox, Evidence, Flag, OcrResult
from pipeline.core.privacy import mask_id
from pipeline.core.stages import Page
from pipeline.forensics.settings import Signature, classify_software, config
from pipeline.pages import pdf_metadata

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- metadata


@dataclass
class Revisions:
    """Incremental-update structure read from the raw bytes."""

    eof_markers: int
    linearized: bool
    appended: int  # revisions appended after the first complete one
    signature_only: bool  # every appended revision carries a /ByteRange (an e-signature)


def count_revisions(raw: bytes, linearized: bool) -> Revisions:
    """Each save-by-append adds an xref/trailer and a %%EOF; a linearized file has two by design."""
    ends = [m.end() for m in re.finditer(rb"%%EOF", raw)]
    base = 2 if linearized else 1
    appended = max(0, len(ends) - base)
    sections = [raw[ends[i - 1]:ends[i]] for i in range(base, len(ends))] if appended else []
    sig_only = bool(sections) and all(b"/ByteRange" in s for s in sections)
    return Revisions(len(ends), linearized, appended, sig_only)


def _match(text: str, sigs: list[Signature]) -> str | None:
    kind, name = classify_software(text, sigs)
    return name if kind == "editor" else None


def pdf_findings(path: Path) -> list[str]:
    """Human-readable reasons (Chinese / English) the PDF was modified; empty when it looks clean."""
    cfg = config()
    meta = pdf_metadata(path)
    if meta is None:
        return []
    created, modified, software = meta.created, meta.modified, meta.software
    revs = count_revisions(path.read_bytes(), meta.linearized)

    strong: list[str] = []
    weak: list[str] = []
    for key, value in software.items():
        if name := _match(value, cfg.pdf_editors.strong):
            strong.append(f"{key}={value!r} → {name}")
        elif name := _match(value, cfg.pdf_editors.weak):
            weak.append(f"{key}={value!r} → {name}")

    other: list[str] = []
    if revs.appended and not (revs.signature_only and cfg.pdf.signature_updates_ok):
        other.append(f"增量更新 {revs.appended} 次 / {revs.appended} incremental update(s) "
                     f"({revs.eof_markers} %%EOF{', linearized' if revs.linearized else ''})")
    if created and modified:
        gap = modified - created
        if gap > timedelta(hours=cfg.pdf.mod_after_creation_hours):
            other.append(f"修改时间晚于创建时间 {_fmt_gap(gap)} / ModDate {_fmt_gap(gap)} after CreationDate "
                         f"({created.date().isoformat()} → {modified.date().isoformat()})")
    reasons = [f"编辑软件 / editing software: {s}" for s in strong] + other
    if weak and (other or strong):
        reasons += [f"软件 / software: {s}" for s in weak]
    return reasons


def _fmt_gap(gap: timedelta) -> str:
    return f"{gap.days}d" if gap.days >= 1 else f"{gap.seconds // 3600}h"


def screen_pdf_file(path: Path, rel: str) -> list[Flag]:
    """PDF_MODIFIED when editing software, a late ModDate or appended revisions show."""
    try:
        reasons = pdf_findings(path)
    except OSError as exc:
        log.info("forensics: %s not screened (%s)", rel, type(exc).__name__)
        return []
    if not reasons:
        return []
    return [make_flag("PDF_MODIFIED", [Evidence(file=rel, page=1)], detail="; ".join(reasons))]


# --------------------------------------------------------------------------- text layer vs image

_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_DMY = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d{2})(?!\d)")
_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9](?:[A-Za-z0-9]|[-/](?=[A-Za-z0-9]))*)")


@functools.cache
def _month_word_dates() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """'March 5, 2021' and '5 Mar 2021', with the month names of pipeline.core.dates."""
    mon = f"({dates.month_pattern()})"
    return (re.compile(rf"(?i)\b{mon}\s+(\d{{1,2}}),?\s+((?:19|20)\d{{2}})\b"),
            re.compile(rf"(?i)\b(\d{{1,2}})\s+{mon}\s+((?:19|20)\d{{2}})\b"))


def _dates(text: str) -> list[str]:
    mdy_en, dmy_en = _month_word_dates()
    out: list[str] = []
    for y, mo, d in _DATE.findall(text):
        out.append(f"{y}{int(mo):02d}{int(d):02d}")
    for a, b, y in _DMY.findall(text):
        out.append(f"{y}{int(b):02d}{int(a):02d}")
    for mon, d, y in mdy_en.findall(text):
        out.append(f"{y}{dates.month_number(mon):02d}{int(d):02d}")
    for d, mon, y in dmy_en.findall(text):
        out.append(f"{y}{dates.month_number(mon):02d}{int(d):02d}")
    return out


def number_tokens(text: str, min_digits: int, min_code_digits: int = 4) -> list[tuple[str, str]]:
    """(shape, canonical) pairs for the values worth checking: dates → ('date', 'YYYYMMDD');
    numbers of ≥ min_digits digits and letter+digit codes (ADS-73470) of ≥ min_code_digits
    digits → (shape, value) with shape letters→A, digits→d ('AAAddddd'), separators dropped.
    Spaces between digits are ignored; an OCR read of a different shape never counts."""
    out = [("date", d) for d in _dates(text)]
    mdy_en, dmy_en = _month_word_dates()
    rest = mdy_en.sub(" ", dmy_en.sub(" ", _DMY.sub(" ", _DATE.sub(" ", text))))
    rest = re.sub(r"(?<=\d) (?=\d)", "", rest)
    # OCR spaces a code's separator apart ("ADS- 79252" read at a larger scale)
    rest = re.sub(r"(?<=[A-Za-z0-9]) ?([-/]) ?(?=[A-Za-z0-9])", r"\1", rest)
    for m in _CODE.finditer(rest):
        tok = re.sub(r"[-/]", "", m.group(1)).upper()
        digits = sum(c.isdigit() for c in tok)
        letters = len(tok) - digits
        if (letters == 0 and digits >= min_digits) or (0 < letters <= 8 and digits >= min_code_digits):
            if letters == 1 and tok[-1] == "X" and digits >= min_digits:
                shape = f"num{len(tok)}"  # an ID number ending in the check character X
            elif letters == 0:
                shape = f"num{len(tok)}"
            else:
                shape = re.sub(r"[A-Z]", "A", re.sub(r"\d", "d", tok))
            out.append((shape, tok))
    return out


def _word_candidates(tl: OcrResult, min_digits: int, min_code_digits: int
                     ) -> list[tuple[str, str, BBox, str]]:
    """Text-layer values with their boxes: (shape, canonical, bbox, as printed). Words first;
    dates usually span words ("November 27, 2024"), so lines add what words did not give."""
    cands: list[tuple[str, str, BBox, str]] = []
    seen: set[tuple[str, str]] = set()
    for line in tl.lines:
        units = [(w.text, w.bbox) for w in line.words] + [(line.text, line.bbox)]
        for text, bbox in units:
            for shape, canon in number_tokens(text, min_digits, min_code_digits):
                if (shape, canon) not in seen:
                    seen.add((shape, canon))
                    cands.append((shape, canon, bbox, text))
    return cands


def _ocr_crops(crops: list[Image.Image], lang: str, text_height: float) -> list[str]:
    """One tesseract call (through pipeline.ocr's backend) for all crops of a page: each crop is
    scaled to a common text height and stacked with white gaps; OCR lines go back to the crop
    they fall in. One process start per page instead of one per number."""
    if not crops:
        return []
    gap = 24
    scaled = []
    for crop, h in crops_with_heights(crops):
        f = max(0.5, min(4.0, text_height / h))
        scaled.append(crop.resize((max(1, int(crop.width * f)), max(1, int(crop.height * f))),
                                  Image.Resampling.LANCZOS) if abs(f - 1) > 0.05 else crop)
    width = max(c.width for c in scaled) + 2 * gap
    height = sum(c.height + gap for c in scaled) + gap
    canvas = Image.new("L", (width, height), 255)
    spans: list[tuple[int, int]] = []
    y = gap
    for c in scaled:
        canvas.paste(c, (gap, y))
        spans.append((y, y + c.height))
        y += c.height + gap
    result = ocr.recognise(canvas, "tesseract", lang=lang, config="--psm 6")
    texts = [""] * len(scaled)
    for line in result.lines:
        cy = (line.bbox[1] + line.bbox[3]) / 2
        for i, (a, b) in enumerate(spans):
            if a - gap / 2 <= cy <= b + gap / 2:
                texts[i] += line.text + "\n"
                break
    return texts


def crops_with_heights(crops: list[Image.Image]) -> list[tuple[Image.Image, float]]:
    """Crops carry their text height in .info (set by screen_text_layer)."""
    return [(c, float(c.info.get("text_height", c.height / 2.2))) for c in crops]


def _shown(value: str) -> str:
    return mask_id(value) or value if len(value) >= 15 else value


def _first_diff(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i + 1
    return min(len(a), len(b)) + 1


def screen_text_layer(page: Page) -> list[Flag]:
    """PDF_TEXT_LAYER_MISMATCH: a long number, a code or a date in the text layer that the pixels
    at the same place do not show, while they do show another value of the same shape.

    Only the regions around those values are OCRed (tesseract, all crops of a page in one
    call), and a disagreement is confirmed by a second read at twice the scale.
    """
    tl = page.text_layer
    image = page.image
    if tl is None or not tl.lines:
        return []
    cfg = config().text_layer
    grey = image.convert("L")
    sx = grey.width / tl.width if tl.width else 1.0
    sy = grey.height / tl.height if tl.height else 1.0
    items: list[tuple[str, str, BBox, Image.Image]] = []
    for shape, canon, bbox, _printed in _word_candidates(tl, cfg.min_digits, cfg.min_code_digits):
        if len(items) >= cfg.max_tokens:
            break
        x0, y0, x1, y1 = bbox[0] * sx, bbox[1] * sy, bbox[2] * sx, bbox[3] * sy
        h = max(8.0, y1 - y0)
        m = cfg.crop_margin * h
        box = (int(max(0, x0 - 2 * m)), int(max(0, y0 - m)), int(min(grey.width, x1 + 2 * m)),
               int(min(grey.height, y1 + m)))
        if box[2] - box[0] < 4 or box[3] - box[1] < 4:
            continue
        crop = grey.crop(box)
        if float(np.asarray(crop).std()) < 2.0:
            # blank pixels under the text: a hidden text layer over nothing is its own kind of
            # mismatch, but blank crops also come from white-on-white form fields; skip
            continue
        crop.info["text_height"] = h
        items.append((shape, canon, (int(x0), int(y0), int(x1), int(y1)), crop))

    def differs(texts: list[str], idx: list[int]) -> list[tuple[int, str]]:
        out = []
        for i, text in zip(idx, texts, strict=True):
            shape, canon = items[i][0], items[i][1]
            seen = [c for sh, c in number_tokens(text, cfg.min_digits, cfg.min_code_digits) if sh == shape]
            if seen and canon not in seen:
                out.append((i, seen[0]))
        return out

    first = differs(_ocr_crops([it[3] for it in items], cfg.tesseract_lang, 36.0), list(range(len(items))))
    if not first:
        return []
    # confirm with a second read at twice the scale before accusing anyone
    idx = [i for i, _ in first]
    confirmed = differs(_ocr_crops([items[i][3] for i in idx], cfg.tesseract_lang, 72.0), idx)
    flags: list[Flag] = []
    for i, shown in confirmed:
        shape, canon, ev_box, _ = items[i]
        kind = ("日期 / date" if shape == "date" else f"{len(canon)} 位号码 / {len(canon)}-digit number"
                if shape.startswith("num") else "编号 / code")
        pos = _first_diff(canon, shown)
        detail = (f"{kind}: 文字层 / text layer {_shown(canon)} ≠ 图像 / image {_shown(shown)}, "
                  f"第 {pos} 位起不同 / differs from position {pos}; bbox in rendered page pixels")
        flags.append(make_flag("PDF_TEXT_LAYER_MISMATCH",
                               [Evidence(file=page.name, page=page.number, bbox=ev_box)],
                               detail=detail))
    return flags
