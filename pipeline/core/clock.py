"""Seconds this thread has spent in OCR: page reads through the router (orientation, deskew and
recognition) and the forensic re-reads of text-layer crops. The batch reports worker time
outside OCR from it (`make bench`), so every engine call must be on it, and cached reads are not."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


def spent() -> float:
    """OCR seconds so far on this thread."""
    return float(getattr(_local, "seconds", 0.0))


@contextmanager
def ocr_time() -> Iterator[None]:
    """Counts the time inside the block as OCR time."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        _local.seconds = spent() + time.perf_counter() - t0
