"""The document an extractor reads: its pages' OCR lines in reading order (`Line`), values
read from them (`Hit`), and the lookup of the value printed with a label.

Why geometry: tesseract and RapidOCR split a card's lines differently — "姓名 张三" may be
one line, or "姓 名" and "张三" two boxes on one row, or the value may sit under its label
(passport data pages). So a value is looked for, in order: on the label's own line after
the label; in the nearest box to the right on the same row; in the nearest box below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from extractors._shared.label_text import SEPARATORS, find_in_line, norm_label
from pipeline.core.models import BBox, Document, Evidence, ExtractedField, OcrLine, PageInfo

_WS = re.compile(r"\s+")

# How much a value found each way is trusted (multiplied by the OCR line confidence).
METHOD_WEIGHT = {"same_line": 1.0, "right": 0.95, "below": 0.85, "regex": 0.8}


@dataclass(frozen=True)
class Line:
    """One OCR line of the document with where it came from."""

    text: str
    bbox: BBox
    conf: float
    file: str
    page: int
    index: int  # reading order across the whole document
    page_index: int = 0  # which of the document's pages (0-based)

    @property
    def compact(self) -> str:
        return _WS.sub("", self.text)

    @property
    def height(self) -> int:
        return max(1, self.bbox[3] - self.bbox[1])

    @property
    def cy(self) -> float:
        return (self.bbox[1] + self.bbox[3]) / 2

    def sub_bbox(self, start: int, end: int) -> BBox:
        """Approximate box of text[start:end] by slicing the line box proportionally."""
        n = max(1, len(self.text))
        x0, y0, x1, y1 = self.bbox
        w = x1 - x0
        return (int(x0 + w * start / n), y0, int(x0 + w * max(end, start + 1) / n), y1)


@dataclass
class Hit:
    """A value read from the page: its text, box, the lines it came from, how it was found."""

    text: str
    bbox: BBox
    lines: list[Line]
    method: str
    weight: float = 1.0

    @property
    def conf(self) -> float:
        if not self.lines:
            return 0.0
        return min(ln.conf for ln in self.lines) * self.weight


# A bracketed qualifier that ends in a colon or a 姓名/名称 is still the label ("乙方（劳动者）姓名：",
# "甲方（用人单位）名称："), also when OCR misreads it so the longer label does not match.
_LABEL_QUALIFIER = re.compile(r"\s*[（(][^（()）\d]{1,8}[）)]\s*(?:(?:姓名|名称)\s*[:：]?|[:：])")


def _snap_space(text: str, pos: int) -> int:
    """Move a cut position to the nearest whitespace (columns are separated by spaces)."""
    pos = max(0, min(len(text), pos))
    spaces = [i for i, c in enumerate(text) if c.isspace()]
    if not spaces:
        return pos
    best = min(spaces, key=lambda i: abs(i - pos))
    return best if abs(best - pos) <= max(3, len(text) // 6) else pos


def union_bbox(boxes: Iterable[BBox]) -> BBox:
    """The box around `boxes` ((0, 0, 0, 0) for none)."""
    bs = list(boxes)
    if not bs:
        return (0, 0, 0, 0)
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def sub_hit(hit: Hit, start: int, end: int, method: str | None = None) -> Hit:
    """The part [start:end] of a hit's text, with the box narrowed when it is one line."""
    text = hit.text[start:end]
    bbox = hit.bbox
    if len(hit.lines) == 1:
        x0, y0, x1, y1 = hit.bbox
        n = max(1, len(hit.text))
        bbox = (x0 + int((x1 - x0) * start / n), y0, x0 + int(round((x1 - x0) * end / n)), y1)
    return Hit(text, bbox, hit.lines, method or hit.method, hit.weight)


@dataclass
class DocContext:
    """The document an extractor reads: its pages' OCR lines in reading order."""

    doc: Document
    pages: list[PageInfo]
    lines: list[Line] = field(default_factory=list)
    flipped: tuple[int, int] | None = None  # (w, h) of the mirror when read upside down (passport)

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = list(_lines_of(self.pages))

    # ------------------------------------------------------------------ basics

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    @staticmethod
    def evidence(lines: Sequence[Line], bbox: BBox | None = None) -> list[Evidence]:
        if not lines:
            return []
        first = lines[0]
        same = all(ln.file == first.file and ln.page == first.page for ln in lines)
        if same:
            return [Evidence(file=first.file, page=first.page, bbox=bbox or union_bbox(ln.bbox for ln in lines))]
        return [Evidence(file=ln.file, page=ln.page, bbox=ln.bbox) for ln in lines]

    # ------------------------------------------------------------------ label lookup

    def find_label(self, labels: Sequence[str], after: int = -1) -> tuple[Line, int, int, str] | None:
        """First line (index > after) containing one of `labels`: (line, start, end, label)."""
        for ln in self.lines:
            if ln.index <= after:
                continue
            for lab in labels:
                span = find_in_line(ln.text, lab)
                if span:
                    return ln, span[0], span[1], lab
        return None

    def value_for(self, labels: Sequence[str], pattern: str | re.Pattern[str] | None = None,
                  stop_labels: Sequence[str] = (), below: bool = True, right: bool = True,
                  max_below: float = 3.0, group: int | str = 0,
                  accept: Callable[[str], object] | None = None) -> Hit | None:
        """The value printed with one of `labels`: after it on its line, else in the nearest box
        to the right, else the nearest box below. `pattern` (regex) must match the value;
        `stop_labels` cut a same-line value short ('性别 男 民族 汉': 性别 → 男); `accept(text)`
        must be truthy for a candidate to be taken (e.g. a date parser)."""
        pat = re.compile(pattern) if isinstance(pattern, str) else pattern
        after = -1
        label_lines: list[tuple[Line, int, int, str]] = []
        while True:
            found = self.find_label(labels, after)
            if not found:
                # last resort: the label's own line, before the label (RapidOCR sometimes merges a
                # value and the label after it into one box: "1976.04.18出生日期 Date of birth")
                if accept is not None:
                    for ln, s0, _e, lab in label_lines:
                        head = self._cut(ln.text[:s0], stop_labels)
                        if head and accept(head):
                            return Hit(head, ln.sub_bbox(0, s0), [ln], f"label:{lab}<line", METHOD_WEIGHT["regex"])
                return None
            label_lines.append(found)
            ln, start, end, lab = found
            after = ln.index
            for hit in self._candidates(ln, start, end, lab, stop_labels, below, right, max_below):
                if accept is not None and not accept(hit.text):
                    continue
                if pat is None:
                    if hit.text:
                        return hit
                    continue
                m = pat.search(hit.text)
                if m:
                    s, e = m.span(group)
                    base_line = hit.lines[0]
                    bbox = hit.bbox
                    if len(hit.lines) == 1 and base_line.text.find(hit.text) >= 0:
                        off = base_line.text.find(hit.text)
                        bbox = base_line.sub_bbox(off + s, off + e)
                    return Hit(m.group(group), bbox, hit.lines, hit.method, hit.weight)

    def _candidates(self, ln: Line, start: int, end: int, lab: str, stop_labels: Sequence[str], below: bool,
                    right: bool, max_below: float) -> Iterable[Hit]:
        rest = ln.text[end:]
        qualifier = _LABEL_QUALIFIER.match(rest)
        if qualifier:  # "乙方（劳动旨）姓名：…": the rest of a label OCR misread, not the value
            end += qualifier.end()
            rest = rest[qualifier.end():]
        cut = len(rest)
        for stop in stop_labels:
            span = find_in_line(rest, stop)
            if span and span[0] < cut and norm_label(stop) != norm_label(lab):
                cut = span[0]
        value = rest[:cut].strip(SEPARATORS)
        if value:
            off = end + rest.find(value)
            yield Hit(value, ln.sub_bbox(off, off + len(value)), [ln], f"label:{lab}", METHOD_WEIGHT["same_line"])
        label_box = ln.sub_bbox(start, end)  # the label's own span: values sit beside or under it
        col_right = self._column_right(ln, end, label_box, stop_labels, lab)
        if right:
            for other in self._right_of(ln, label_box):
                if other.bbox[0] >= col_right:
                    break
                text = self._cut(other.text, stop_labels)
                if text:
                    yield Hit(text, other.bbox, [other], f"label:{lab}>right", METHOD_WEIGHT["right"])
        if below:
            for other in self._below(ln, label_box, max_below):
                if other.bbox[0] >= col_right:
                    continue
                if self._starts_with_label(other.text, stop_labels):
                    break  # the next field's label: its value is not ours
                row = self._row_in_column(other, label_box[0] - ln.height, col_right)
                text, bbox = self._join_row(row, label_box[0] - ln.height, col_right)
                text = self._cut(text, stop_labels)
                if text:
                    yield Hit(text, bbox, row, f"label:{lab}>below", METHOD_WEIGHT["below"])

    def _column_right(self, ln: Line, end: int, label_box: BBox, stop_labels: Sequence[str], lab: str) -> float:
        """Where the next label on the label's row starts: values of this label stay left of it."""
        right = float("inf")
        rest = ln.text[end:]
        for stop in stop_labels:
            span = find_in_line(rest, stop)
            if span and norm_label(stop) != norm_label(lab):
                if not rest[:span[0]].strip(SEPARATORS + "/"):
                    continue  # right after the label: its other language ("有效期限 Period of validity")
                right = min(right, ln.sub_bbox(end + span[0], end + span[1])[0])
        for o in self._right_of(ln, label_box):
            if self._starts_with_label(o.text, stop_labels):
                right = min(right, o.bbox[0])
        return right

    def _row_in_column(self, first: Line, left: float, right: float) -> list[Line]:
        """`first` and the boxes on its row between `left` and `right`, left to right."""
        row = [o for o in self.lines
               if o.page_index == first.page_index and abs(o.cy - first.cy) <= 0.5 * min(o.height, first.height)
               and o.bbox[2] > left and o.bbox[0] < right]
        if first not in row:
            row.append(first)
        return sorted(row, key=lambda o: o.bbox[0])

    @staticmethod
    def _join_row(row: list[Line], left: float, right: float) -> tuple[str, BBox]:
        """Text of the row clipped to [left, right): a wide line is cut at the nearest space."""
        parts: list[str] = []
        boxes: list[BBox] = []
        for o in row:
            text, box = o.text, o.bbox
            x0, x1 = o.bbox[0], o.bbox[2]
            if x1 > right and x1 > x0:
                cut = _snap_space(text, int(len(text) * (right - x0) / (x1 - x0)))
                text, box = text[:cut], o.sub_bbox(0, cut)
            if x0 < left and x1 > x0:
                cut = _snap_space(text, int(len(o.text) * (left - x0) / (x1 - x0)))
                text, box = text[cut:], (int(left), box[1], box[2], box[3])
            text = text.strip()
            if text:
                parts.append(text)
                boxes.append(box)
        if not boxes:
            return "", row[0].bbox
        return " ".join(parts), union_bbox(boxes)

    @staticmethod
    def _starts_with_label(text: str, labels: Sequence[str]) -> bool:
        t = text.lstrip(SEPARATORS)
        return any((sp := find_in_line(t, lab)) is not None and sp[0] == 0 for lab in labels)

    @staticmethod
    def _cut(text: str, stop_labels: Sequence[str]) -> str:
        cut = len(text)
        for stop in stop_labels:
            span = find_in_line(text, stop)
            if span and span[0] < cut:
                cut = span[0]
        return text[:cut].strip(SEPARATORS)

    def _right_of(self, ln: Line, box: BBox) -> list[Line]:
        """Lines on the same row, to the right of `box`, nearest first."""
        out = []
        for o in self.lines:
            if o is ln or o.page_index != ln.page_index:
                continue
            if o.bbox[0] >= box[2] - 0.5 * ln.height and abs(o.cy - ln.cy) <= 0.6 * max(ln.height, o.height):
                out.append(o)
        return sorted(out, key=lambda o: o.bbox[0])

    def _below(self, ln: Line, box: BBox, max_below: float) -> list[Line]:
        """Lines under `box` (overlapping it horizontally or starting near its left edge), nearest first."""
        out = []
        for o in self.lines:
            if o is ln or o.page_index != ln.page_index:
                continue
            gap = o.bbox[1] - ln.bbox[3]
            if gap < -0.3 * ln.height or gap > max_below * ln.height:
                continue
            overlaps = min(o.bbox[2], box[2]) - max(o.bbox[0], box[0]) > 0
            near_left = box[0] - 2 * ln.height <= o.bbox[0] <= box[2] + 2 * ln.height
            if overlaps or near_left:
                out.append(o)
        return sorted(out, key=lambda o: (o.bbox[1], abs(o.bbox[0] - box[0])))

    # ------------------------------------------------------------------ regex over lines

    def search(self, pattern: str | re.Pattern[str], group: int | str = 0,
               transform: None | object = None) -> Hit | None:
        """First line matching `pattern` (searched line by line, then across the joined text
        so a value split over two lines is still found)."""
        pat = re.compile(pattern) if isinstance(pattern, str) else pattern
        for ln in self.lines:
            m = pat.search(ln.text)
            if m:
                s, e = m.span(group)
                return Hit(m.group(group), ln.sub_bbox(s, e), [ln], f"regex:{pat.pattern[:40]}", METHOD_WEIGHT["regex"])
        for ln in self.lines:  # compact: OCR spaces inside numbers
            m = pat.search(ln.compact)
            if m:
                return Hit(m.group(group), ln.bbox, [ln], f"regex:{pat.pattern[:40]}", METHOD_WEIGHT["regex"] * 0.95)
        return None

    def search_all(self, pattern: str | re.Pattern[str], compact: bool = True) -> list[tuple[re.Match[str], Line]]:
        pat = re.compile(pattern) if isinstance(pattern, str) else pattern
        out = []
        for ln in self.lines:
            for m in pat.finditer(ln.compact if compact else ln.text):
                out.append((m, ln))
        return out

    # ------------------------------------------------------------------ fields

    def field(self, value: str | int | float | bool | None, hit: Hit | None, method: str | None = None,
              confidence: float | None = None, raw: str | None = None) -> ExtractedField:
        """An ExtractedField from a Hit; confidence defaults to the hit's (line conf × method weight)."""
        if hit is None:
            return ExtractedField(value=value, raw=raw, confidence=confidence or 0.0, method=method or "")
        return ExtractedField(
            value=value,
            raw=raw if raw is not None else hit.text,
            confidence=round(confidence if confidence is not None else hit.conf, 3),
            evidence=self.evidence(hit.lines, hit.bbox),
            method=method or hit.method,
        )

    def derived(self, value: str | int | float | bool | None, source: ExtractedField | None, method: str,
                confidence: float | None = None) -> ExtractedField:
        """A field computed from another one (e.g. birth date from the ID number): same evidence."""
        if source is None:
            return ExtractedField(value=value, confidence=confidence or 0.0, method=method)
        return ExtractedField(value=value, raw=source.raw, confidence=confidence if confidence is not None
                              else source.confidence, evidence=list(source.evidence), method=method)


def _lines_of(pages: Sequence[PageInfo]) -> Iterable[Line]:
    idx = 0
    for pi, p in enumerate(pages):
        if p.ocr is None:
            continue
        ocr_lines: list[OcrLine] = list(p.ocr.lines)
        if not ocr_lines and p.ocr.text:  # text without boxes (a PDF text layer read flat)
            h = max(1, p.height // max(1, p.ocr.text.count("\n") + 1))
            ocr_lines = [OcrLine(text=t, bbox=(0, i * h, p.width, (i + 1) * h), conf=p.ocr.mean_conf or 0.9)
                         for i, t in enumerate(p.ocr.text.split("\n"))]
        for ol in reading_order(ocr_lines):
            if not ol.text.strip():
                continue
            x0, y0, x1, y1 = ol.bbox
            yield Line(text=ol.text, bbox=(x0, y0, x1, y1), conf=float(ol.conf), file=p.file, page=p.page,
                       index=idx, page_index=pi)
            idx += 1


def reading_order(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Top-to-bottom rows (boxes whose vertical centres are within half a line height join
    a row), left to right within a row: RapidOCR and tesseract then agree on order."""
    rows: list[list[OcrLine]] = []
    for ol in sorted(lines, key=lambda o: (o.bbox[1] + o.bbox[3]) / 2):
        cy = (ol.bbox[1] + ol.bbox[3]) / 2
        h = max(1, ol.bbox[3] - ol.bbox[1])
        if rows:
            last = rows[-1]
            rcy = sum((o.bbox[1] + o.bbox[3]) / 2 for o in last) / len(last)
            rh = max(1, min(o.bbox[3] - o.bbox[1] for o in last))
            if abs(cy - rcy) <= 0.5 * min(h, rh):
                last.append(ol)
                continue
        rows.append([ol])
    return [o for row in rows for o in sorted(row, key=lambda o: o.bbox[0])]


def pages_of(doc: Document, pages: Sequence[PageInfo]) -> list[PageInfo]:
    """The PageInfos belonging to `doc`, in the document's file/page order."""
    by_key = {(p.file, p.page): p for p in pages}
    out = []
    for f in doc.files:
        for n in f.pages:
            p = by_key.get((f.path, n))
            if p is not None:
                out.append(p)
    return out
