"""Identity data stays private: masked in logs, and files we write are not world-readable."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])([0-9A-Z]{3})([0-9A-Z]{6,14})([0-9A-Z]{3,4})(?![0-9A-Za-z])")


def mask_id(number: str | None) -> str | None:
    """'321202199001011234' → '321202********1234' (keep the region, hide birth date and serial)."""
    if not number:
        return number
    n = str(number)
    if len(n) >= 15:
        return n[:6] + "*" * (len(n) - 10) + n[-4:]
    if len(n) > 4:
        return n[:2] + "*" * (len(n) - 4) + n[-2:]
    return "*" * len(n)


def mask_text(text: str) -> str:
    """Mask every long number-like token in free text (for log lines)."""
    return _LONG_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file beside the target, fsync, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
