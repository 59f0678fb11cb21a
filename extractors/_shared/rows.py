"""Visual rows of a table: one row is one group whether tesseract read it as one line or
RapidOCR as cells."""

from __future__ import annotations

from collections.abc import Sequence

from extractors._shared.context import DocContext, Hit, Line, union_bbox
from extractors._shared.text import compact


def rows_of(ctx: DocContext) -> list[list[Line]]:
    """The document's lines grouped into rows (the context already orders them row by row)."""
    rows: list[list[Line]] = []
    for ln in ctx.lines:
        if rows:
            last = rows[-1]
            ref = last[0]
            if ln.page_index == ref.page_index and abs(ln.cy - ref.cy) <= 0.5 * min(ln.height, ref.height) \
                    and ln.bbox[0] >= last[-1].bbox[0]:
                last.append(ln)
                continue
        rows.append([ln])
    return rows


def row_text(row: Sequence[Line]) -> str:
    return " ".join(compact(ln.text) for ln in row)


def row_hit(row: Sequence[Line], method: str, text: str | None = None, weight: float = 0.9) -> Hit:
    return Hit(text if text is not None else row_text(row), union_bbox(ln.bbox for ln in row), list(row), method, weight)
