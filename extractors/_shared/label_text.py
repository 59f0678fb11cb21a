"""Where a printed label sits in a line of OCR text: spaces, case and full/half width ignored
('姓 名' and 'NAME' match the labels '姓名' and 'Name'; '乙方（劳动者)姓名' matches
'乙方(劳动者)姓名')."""

from __future__ import annotations

import re
import unicodedata

# Separators OCR leaves between a label and its value.
SEPARATORS = " \t:：;；|,，.。_-—"
_WS = re.compile(r"\s+")


def norm_label(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _compact_map(text: str) -> tuple[str, list[int]]:
    """Text with whitespace removed, NFKC-folded (OCR mixes full- and half-width brackets and
    colons in one label: "乙方（劳动者)姓名") and case-folded, and the index in `text` of each
    kept char."""
    chars: list[str] = []
    idx: list[int] = []
    for i, c in enumerate(text):
        for f in unicodedata.normalize("NFKC", c).casefold():
            if not f.isspace():
                chars.append(f)
                idx.append(i)
    return "".join(chars), idx


def find_in_line(line_text: str, label: str) -> tuple[int, int] | None:
    """(start, end) in the original text of `label`, ignoring spaces and case."""
    comp, idx = _compact_map(line_text)
    lab = norm_label(label)
    if not lab:
        return None
    pos = comp.find(lab)
    if pos < 0:
        return None
    return idx[pos], idx[pos + len(lab) - 1] + 1
