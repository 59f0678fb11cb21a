"""A PDF's own text layer (pdfplumber words) as an OcrResult: exact text, no OCR.

Boxes are scaled from PDF points to the pixels of the page as rendered, so they line up with
page.image (and with OCR boxes, which forensics compares them against)."""

from __future__ import annotations

from typing import Any

from pipeline.models import OcrLine, OcrResult, OcrWord
from pipeline.ocr.settings import ocr_settings
from pipeline.ocr.text import join_tokens, script_of


def text_layer_result(pl_page: Any, scale: float, width: int, height: int) -> OcrResult | None:
    """Words and lines of one pdfplumber page, or None when it has (almost) no text layer."""
    words = pl_page.extract_words(keep_blank_chars=False, use_text_flow=False)
    n_chars = sum(len(w["text"].strip()) for w in words)
    if n_chars < ocr_settings().pdf.text_layer_min_chars:
        return None
    x_off, y_off = float(pl_page.bbox[0]), float(pl_page.bbox[1])
    ocr_words: list[OcrWord] = []
    for w in words:
        box = (int((w["x0"] - x_off) * scale), int((w["top"] - y_off) * scale),
               int(round((w["x1"] - x_off) * scale)), int(round((w["bottom"] - y_off) * scale)))
        ocr_words.append(OcrWord(text=w["text"], bbox=box, conf=1.0))
    lines = group_lines(ocr_words)
    text = "\n".join(line.text for line in lines)
    return OcrResult(engine="text_layer", text=text, lines=lines, mean_conf=1.0 if lines else 0.0,
                     width=width, height=height, language=script_of(text))


def group_lines(words: list[OcrWord]) -> list[OcrLine]:
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
