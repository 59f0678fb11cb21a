"""Terminal output: tables that line up when cells mix Chinese (two columns wide) and Latin
text, and progress for long runs (a bar on a terminal, plain lines otherwise)."""

from __future__ import annotations

import sys
import time
import unicodedata
from typing import TextIO

from tqdm import tqdm


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



def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    """Applicants and pages done, rate and ETA. `stream` defaults to stderr."""

    def __init__(self, total: int, skipped: int = 0, stream: TextIO | None = None,
                 interval: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.done = 0
        self.pages = 0
        self.failed = 0
        self.start = time.monotonic()
        self.interval = interval
        self._last_line = 0.0
        self.tty = self.stream.isatty()
        self.bar = (tqdm(total=total, unit="人", desc="申请人 applicants", file=self.stream,
                         dynamic_ncols=True) if self.tty and total else None)
        if skipped:
            self._print(f"已完成，跳过 / already done, skipped: {skipped}")

    def advance(self, case_id: str, pages: int, status: str, failed: bool = False) -> None:
        """One applicant finished; `status` is shown (e.g. the recommendation), `failed`
        counts applicants the pipeline could not process at all."""
        self.done += 1
        self.pages += pages
        if failed:
            self.failed += 1
        elapsed = time.monotonic() - self.start
        rate = self.pages / elapsed if elapsed > 0 else 0.0
        if self.bar is not None:
            self.bar.set_postfix_str(f"页 pages={self.pages} {rate:.2f}/s 失败 failed={self.failed}")
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval or self.done == self.total or self.done == 1:
            self._last_line = now
            eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
            self._print(f"[{self.done}/{self.total}] {100 * self.done / max(1, self.total):.0f}%  "
                        f"页 pages {self.pages}  {rate:.2f} 页/秒 pages/s  "
                        f"剩余 ETA {_hms(eta)}  失败 failed {self.failed}  ({case_id}: {status})")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)
