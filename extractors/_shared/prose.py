"""The document's lines joined, so sentences that wrap across OCR lines can be matched
("于二〇〇八年九月至二〇一二年六月在本校 / 机械工程 专业学习"), with offsets back to the lines;
border and guilloche noise is skipped."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from extractors._shared.context import DocContext, Hit, Line, union_bbox
from extractors._shared.text import compact
from pipeline.core.text import CJK


def _noise(text: str) -> bool:
    """OCR of borders and guilloches: no word at all ('>', '|'), or one character repeated ('VVVVVVVV')."""
    t = compact(text)
    if re.search(r"(.)\1{5,}", t.replace(" ", "")) and len(set(t.replace(" ", ""))) <= 3:
        return True
    return not (re.search(rf"[{CJK}]", t) or re.search(r"[A-Za-z0-9]{2,}", t))


@dataclass
class Prose:
    """The document's lines compacted and joined with spaces."""

    text: str
    starts: list[int]
    lines: list[Line]

    @classmethod
    def of(cls, ctx: DocContext) -> Prose:
        parts: list[str] = []
        starts: list[int] = []
        pos = 0
        lines = [ln for ln in ctx.lines if not _noise(ln.text)]
        for ln in lines:
            t = compact(ln.text)
            starts.append(pos)
            parts.append(t)
            pos += len(t) + 1
        return cls(" ".join(parts), starts, lines)

    def hit(self, start: int, end: int, method: str, weight: float = 0.8) -> Hit:
        """Hit for text[start:end] with the lines it covers (box narrowed on a single line)."""
        idx = [i for i, s in enumerate(self.starts)
               if s < max(end, start + 1) and s + len(compact(self.lines[i].text)) >= start]
        if not idx:
            idx = [max(0, bisect_right(self.starts, start) - 1)]
        lines = [self.lines[i] for i in idx]
        if len(lines) == 1:
            ln, off = lines[0], self.starts[idx[0]]
            n = max(1, len(compact(ln.text)))
            x0, y0, x1, y1 = ln.bbox
            w = x1 - x0
            bbox = (x0 + int(w * max(0, start - off) / n), y0, x0 + int(round(w * min(n, end - off) / n)), y1)
        else:
            bbox = union_bbox(ln.bbox for ln in lines)
        return Hit(self.text[start:end].strip(), bbox, lines, method, weight)

    def search(self, pattern: str | re.Pattern[str], group: int | str = 0, method: str = "",
               flags: int = 0, weight: float = 0.8) -> Hit | None:
        rg = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        m = rg.search(self.text)
        if not m or not m.group(group) or not m.group(group).strip():
            return None
        s, e = m.span(group)
        return self.hit(s, e, method or f"prose:{rg.pattern[:30]}", weight)

    def line_at(self, pos: int) -> int:
        """Index of the line that holds text position `pos`."""
        k = 0
        for i, s in enumerate(self.starts):
            if s <= pos:
                k = i
        return k
