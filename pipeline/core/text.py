"""Text knowledge every stage shares: what counts as Chinese, and how read tokens become lines.

Two character classes, defined here once:
- HAN: the ideographs of Chinese text (names, places, labels): the unified block, extension A
  and B, the compatibility ideographs, and 〇 (the zero of dates written in Chinese numerals);
- CJK: HAN plus the CJK and full-width punctuation that is set as wide as a character.

Line assembly: tesseract's chi_sim puts a space between every two Chinese characters; RapidOCR
drops the space between separate fields; a PDF text layer gives words. All become the same
thing here: characters of one Chinese phrase are joined, a real gap (wider than a character)
stays one space, Latin words keep theirs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pipeline.core.models import BBox, OcrLine, OcrWord

# character classes for regular expressions ("[" + HAN + "]")
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df"
CJK = HAN + "\u3000-\u303f\uff00-\uffef"
_HAN_RE = re.compile(f"[{HAN}]")
_CJK_CHAR = re.compile(f"[{CJK}]")
_WS = re.compile(r"\s+")

# A gap wider than this many line heights between two CJK characters is a real field gap.
CJK_FIELD_GAP = 1.2
# Between CJK and Latin/digits, a gap narrower than this is typesetting, not a space.
MIXED_GAP = 0.35


def is_cjk(ch: str) -> bool:
    """A wide CJK character: an ideograph or CJK/full-width punctuation."""
    return bool(_CJK_CHAR.fullmatch(ch))


def is_han(ch: str) -> bool:
    """An ideograph (not punctuation)."""
    return bool(_HAN_RE.fullmatch(ch))


def has_han(text: str | None) -> bool:
    """Does the text contain any ideograph (a Chinese name, place, label)?"""
    return bool(text) and _HAN_RE.search(text or "") is not None


def fold_accents(text: str) -> str:
    """Strip accents: 'März' → 'Marz', 'Müller' → 'Muller'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def compact(text: str) -> str:
    """The text without any whitespace (OCR spaces inside labels and numbers)."""
    return _WS.sub("", text)


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


# --------------------------------------------------------------------------- lines from words


def group_lines(words: Sequence[OcrWord]) -> list[OcrLine]:
    """Words whose vertical centres fall inside the current line's band join that line."""
    ordered = sorted(words, key=lambda w: ((w.bbox[1] + w.bbox[3]) / 2, w.bbox[0]))
    rows: list[list[OcrWord]] = []
    for w in ordered:
        cy = (w.bbox[1] + w.bbox[3]) / 2
        if rows:
            top = min(x.bbox[1] for x in rows[-1])
            bottom = max(x.bbox[3] for x in rows[-1])
            if top <= cy <= bottom:
                rows[-1].append(w)
                continue
        rows.append([w])
    lines = []
    for row in rows:
        row.sort(key=lambda w: w.bbox[0])
        lines.append(make_line(row))
    return lines


def group_segments(segments: list[list[OcrWord]]) -> list[OcrLine]:
    """Lines from an engine's own line segments (RapidOCR's detected text boxes), never cutting
    a segment apart: segments side by side on one row (a label box and its value box) join.

    Regrouping single characters by height instead interleaved two neighbouring lines of a
    tilted phone photo character by character ("成例》了本的司规科马学秀定"): a row's band
    grows with every character that joins it until it swallows the next line."""
    pieces = sorted((make_line(seg) for seg in segments if seg),
                    key=lambda ln: ((ln.bbox[1] + ln.bbox[3]) / 2, ln.bbox[0]))
    rows: list[list[OcrLine]] = []
    for line in pieces:
        cy = (line.bbox[1] + line.bbox[3]) / 2
        for row in reversed(rows[-3:]):  # only the last few rows can share this one's height
            last = row[-1]
            beside = all(line.bbox[0] >= r.bbox[2] or line.bbox[2] <= r.bbox[0] for r in row)
            if beside and last.bbox[1] <= cy <= last.bbox[3]:
                row.append(line)
                break
        else:
            rows.append([line])
    out = []
    for row in rows:
        row.sort(key=lambda ln: ln.bbox[0])
        out.append(make_line([w for ln in row for w in ln.words]))
    out.sort(key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    return out


def make_line(row: list[OcrWord]) -> OcrLine:
    box = (min(w.bbox[0] for w in row), min(w.bbox[1] for w in row),
           max(w.bbox[2] for w in row), max(w.bbox[3] for w in row))
    conf = sum(w.conf for w in row) / len(row)
    return OcrLine(text=join_tokens([(w.text, w.bbox) for w in row]), bbox=box, conf=conf, words=row)
