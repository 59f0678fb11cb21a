"""Terminal tables that line up when cells mix Chinese (two columns wide) and Latin text."""

from __future__ import annotations

import unicodedata


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def cell(s: str, width: int, right: bool = False) -> str:
    """`s` cut (with …) or padded to `width` terminal columns."""
    out, used = "", 0
    for ch in s:
        cw = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + cw > width:
            out = out[:-1] + "…" if out else out
            used = display_width(out)
            break
        out += ch
        used += cw
    pad = " " * (width - used)
    return pad + out if right else out + pad
