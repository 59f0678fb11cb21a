"""Digits read where a digit must stand: OCR look-alikes (O→0, I→1, S→5 ...) mapped back.

Only for positions known to hold digits (an ID number's first 17 characters, a date, a permit
number's body); elsewhere an O is a letter. The table is data (pipeline/data/digits.yaml).
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, field_validator

from pipeline.core.datafiles import load_bundled


class DigitLookAlikes(BaseModel):
    look_alikes: dict[str, str]

    @field_validator("look_alikes")
    @classmethod
    def _one_to_digit(cls, v: dict[str, str]) -> dict[str, str]:
        for k, d in v.items():
            if len(k) != 1 or not (len(d) == 1 and d.isdigit()):
                raise ValueError(f"entry {k!r}: {d!r} must map one character to one digit")
        return v


@cache
def look_alikes() -> dict[str, str]:
    return load_bundled("pipeline", "data/digits.yaml", DigitLookAlikes).look_alikes


def repair_digits(text: str) -> str:
    """Every look-alike in `text` as its digit ('32O1Il' → '320111')."""
    table = look_alikes()
    return "".join(table.get(c, c) for c in text)


def digits_only(text: str) -> str:
    """The digits of a number printed with OCR noise: look-alikes repaired, the rest dropped."""
    return re.sub(r"\D", "", repair_digits(text))
