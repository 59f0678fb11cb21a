"""Where log lines go: the terminal gets credcase's own warnings as one line each; the run's log
file (OUT_DIR/credcase.log) gets everything with tracebacks — what a decoder or a library
said, which a clerk cannot use but a maintainer needs. ID numbers are masked in both.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

from pipeline.core.privacy import mask_text

LOG_NAME = "credcase.log"
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class _Masked(logging.Filter):
    """Long numbers (ID, passport, certificate numbers) masked in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        return True


class _OneLine(logging.Formatter):
    """No traceback on the terminal: it is in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


class _OursOnly(logging.Filter):
    """The terminal hears credcase's own loggers; libraries and Python warnings only in the
    file, unless they report an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name.split(".")[0] in ("pipeline", "extractors", "catalog", "samples", "__main__")
        return ours or record.levelno >= logging.ERROR and record.name != "py.warnings"


def configure(verbose: bool = False) -> None:
    """The terminal handler (called once by the CLI); library warnings are captured as log records."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for h in list(root.handlers):
        root.removeHandler(h)
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(_OneLine("%(levelname)s %(name)s: %(message)s"))
    console.addFilter(_OursOnly())
    console.addFilter(_Masked())
    root.addHandler(console)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    for noisy in ("PIL", "pdfminer", "distributed", "urllib3", "fsspec"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def attach_file(folder: Path) -> Path:
    """Also write the log to `folder`/credcase.log (appending, private), with tracebacks; and
    what C libraries print straight to the process's stderr (libtiff: "TIFFFetchNormalTag …",
    dozens a run) goes there too, while Python's own stderr — the terminal lines — stays on the
    terminal."""
    path = Path(folder) / LOG_NAME
    root = logging.getLogger()
    if any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path.resolve() for h in root.handlers):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8", delay=False)
    os.chmod(path, 0o600)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(_Masked())
    root.addHandler(handler)
    logging.captureWarnings(True)
    _native_stderr_to(path)
    return path


def _native_stderr_to(path: Path) -> None:
    """fd 2 → the log file; sys.stderr (and the terminal handler) keep the original terminal."""
    global _terminal_fd
    if _terminal_fd is not None:
        return
    try:
        if sys.stderr.fileno() != 2:  # stderr is already elsewhere (a test's capture)
            return
        sys.stderr.flush()
        _terminal_fd = os.dup(2)
        terminal = os.fdopen(_terminal_fd, "w", buffering=1, encoding="utf-8", errors="replace")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded, tests capturing): leave it
        return
    sys.stderr = terminal
    for h in logging.getLogger().handlers:
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
            h.setStream(terminal)


_terminal_fd: int | None = None
