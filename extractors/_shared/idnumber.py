"""Resident ID numbers in OCR text, and what a number says about itself as fields (the scheme
itself — check character, region codes — is pipeline.core.codes).

OCR look-alikes (O→0, I→1 ...) are repaired only in the 17 digit positions, and only here,
which reports that it did so (`repaired=True`); a wrong check character is never "corrected":
it reaches the reviewer as printed, with `valid_checksum=False` (→ ID_NUMBER_CHECKSUM_INVALID).
"""

from __future__ import annotations

import re

from extractors._shared.context import DocContext, Hit, Line, union_bbox
from pipeline.core.codes import IdNumberCheck, check_id_number
from pipeline.core.digits import repair_digits
from pipeline.core.models import ExtractedField

# 18 characters where the first 17 may carry OCR look-alikes; spaces inside tolerated.
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])((?:[0-9OoIlSZBDQ|]\s?){17}[0-9Xx×OoIl])(?![0-9A-Za-z])")


def find_id_numbers(text: str) -> list[tuple[str, str, IdNumberCheck]]:
    """ID-number candidates in OCR text: (raw as read, number read, check). Look-alikes are
    repaired in the 17 digit positions; the last character keeps X (×, x → X) and O → 0 only.
    A candidate needs at least 15 real digits, so words are not turned into numbers."""
    out: list[tuple[str, str, IdNumberCheck]] = []
    seen: set[str] = set()
    for m in _CANDIDATE.finditer(text):
        raw = m.group(1)
        compact = re.sub(r"\s", "", raw)
        if sum(c.isdigit() for c in compact) < 15:
            continue
        body = repair_digits(compact[:17])
        last = compact[17].upper().replace("×", "X")
        last = {"O": "0", "I": "1", "L": "1"}.get(last, last)
        number = body + last
        if number in seen:
            continue
        seen.add(number)
        chk = check_id_number(number)
        chk.repaired = number != compact.upper()
        out.append((raw, number, chk))
    return out


def find_id_number(ctx: DocContext, labels: list[str]) -> tuple[Hit, str, IdNumberCheck] | None:
    """The ID number: beside its label if printed, else any 18-character candidate; a candidate
    with a valid check character is preferred over one without."""
    found: list[tuple[int, Hit, str, IdNumberCheck]] = []
    label_hit = ctx.find_label(labels)
    for ln in ctx.lines:
        for raw, number, chk in find_id_numbers(ln.text):
            off = ln.text.find(raw)
            bbox = ln.sub_bbox(off, off + len(raw)) if off >= 0 else ln.bbox
            near = label_hit is not None and (ln is label_hit[0] or _near(label_hit[0], ln))
            score = (2 if chk.valid_checksum else 0) + (1 if near else 0) + (1 if chk.well_formed else 0)
            method = f"label:{label_hit[3]}" if near and label_hit else "regex:id_number"
            found.append((score, Hit(raw, bbox, [ln], method, 1.0 if near else 0.9), number, chk))
    if not found:
        # the number split over two boxes: try each line joined with the next on its row
        for a, b in zip(ctx.lines, ctx.lines[1:], strict=False):
            if a.page_index == b.page_index and abs(a.cy - b.cy) < 0.6 * a.height:
                for raw, number, chk in find_id_numbers(a.text + b.text):
                    found.append((1, Hit(raw, union_bbox([a.bbox, b.bbox]), [a, b], "regex:id_number(joined)", 0.85),
                                  number, chk))
    if not found:
        return None
    found.sort(key=lambda t: -t[0])
    _, hit, number, chk = found[0]
    return hit, number, chk


def _near(label: Line, ln: Line) -> bool:
    same_row = abs(label.cy - ln.cy) <= 0.7 * max(label.height, ln.height) and ln.bbox[0] >= label.bbox[0]
    below = 0 <= ln.bbox[1] - label.bbox[3] <= 2.5 * label.height
    return same_row or below


def id_number_fields(ctx: DocContext, found: tuple[Hit, str, IdNumberCheck] | None) -> dict[str, ExtractedField]:
    """id_number plus the number's own facts (checksum, region, birth date, sex)."""
    if found is None:
        return {}
    hit, number, chk = found
    conf = hit.conf * (1.0 if chk.valid_checksum else 0.7) * (0.95 if chk.repaired else 1.0)
    method = hit.method + ("+repaired" if chk.repaired else "")
    f = ctx.field(number, hit, method=method, confidence=conf)
    out = {"id_number": f}
    out["id_checksum_valid"] = ctx.derived(chk.valid_checksum, f, "gb11643:check_char")
    if chk.expected_check is not None and not chk.valid_checksum:
        out["id_expected_check"] = ctx.derived(chk.expected_check, f, "gb11643:check_char")
    out["id_region_known"] = ctx.derived(chk.region_known, f, "gb2260:region_code")
    if chk.region_name:
        out["id_region"] = ctx.derived(chk.region_name, f, "gb2260:region_code")
    out["id_birth_date"] = ctx.derived(chk.birth_date.isoformat() if chk.birth_date else None, f, "gb11643:birth_date")
    out["id_sex"] = ctx.derived(chk.sex, f, "gb11643:sex_digit")
    return out
