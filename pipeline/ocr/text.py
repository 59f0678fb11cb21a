"""Text assembly shared by all engines: joining tokens into lines without spurious spaces.

tesseract's chi_sim puts a space between every two Chinese characters; RapidOCR drops the
space between separate fields. Both become the same thing here: characters of one Chinese
phrase are joined, a real gap (wider than a character) stays one space, Latin words keep theirs.
"""

from __future__ import annotations

from pipeline.models import BBox

# A gap wider than this many line heights between two CJK characters is a real field gap.
CJK_FIELD_GAP = 1.2
# Between CJK and Latin/digits, a gap narrower than this is typesetting, not a space.
MIXED_GAP = 0.35


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x2A6DF or 0xF900 <= o <= 0xFAFF)


def join_tokens(tokens: list[tuple[str, BBox]]) -> str:
    """Join left-to-right tokens of one line, deciding each space from scripts and the gap."""
    out = ""
    prev: tuple[str, BBox] | None = None
    for text, box in tokens:
        text = text.strip()
        if not text:
            continue
        if prev is None:
            out = text
        else:
            ptext, pbox = prev
            height = max(1, pbox[3] - pbox[1], box[3] - box[1])
            gap = box[0] - pbox[2]
            a, b = is_cjk(ptext[-1]), is_cjk(text[0])
            if a and b:
                sep = " " if gap > CJK_FIELD_GAP * height else ""
            elif a or b:
                sep = "" if gap < MIXED_GAP * height else " "
            else:
                sep = " "
            out += sep + text
        prev = (text, box)
    return out


def strip_cjk_spaces(text: str) -> str:
    """Remove single spaces between two CJK characters in already-joined text."""
    chars = list(text)
    keep = [c for i, c in enumerate(chars)
            if not (c == " " and 0 < i < len(chars) - 1 and is_cjk(chars[i - 1]) and is_cjk(chars[i + 1]))]
    return "".join(keep)


def cjk_fraction(text: str) -> float:
    letters = [c for c in text if c.isalnum() or is_cjk(c)]
    if not letters:
        return 0.0
    return sum(1 for c in letters if is_cjk(c)) / len(letters)


def script_of(text: str) -> str:
    """'zh' when CJK characters make up at least a quarter of the letters, 'latin' otherwise."""
    if not text.strip():
        return ""
    return "zh" if cjk_fraction(text) >= 0.25 else "latin"
