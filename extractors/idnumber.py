"""Resident ID numbers in OCR text (the scheme itself — check character, region codes — is
pipeline.core.codes).

OCR look-alikes (O→0, I→1 ...) are repaired only in the 17 digit positions, and only here,
which reports that it did so (`repaired=True`); a wrong check character is never "corrected":
it reaches the reviewer as printed, with `valid_checksum=False` (→ ID_NUMBER_CHECKSUM_INVALID).
"""

from __future__ import annotations

import re

from extractors.normalize import repair_digits
from pipeline.core.codes import IdNumberCheck, check_id_number

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
