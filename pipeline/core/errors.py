"""credcase's own exceptions. The CLI maps them to exit codes; nothing else calls sys.exit.

Two kinds of trouble: these stop something (a usage error, a file that cannot be read) and
name what; findings a reviewer must see are flags (pipeline.core.flags)."""

from __future__ import annotations

from enum import IntEnum

from pipeline.core.models import FileError


class ExitCode(IntEnum):
    """What `credcase` returns (a contract: docs/design.md)."""

    OK = 0
    SOME_INPUTS_FAILED = 1  # their case files are still written, with errors[] and FILE_UNREADABLE
    USAGE = 2  # usage or configuration error: a clear message, nothing done
    INTERRUPTED = 130


class CredcaseError(Exception):
    """Base class. `message_zh` first, `message_en` second, as reviewers read them."""

    exit_code = ExitCode.USAGE

    def __init__(self, message_zh: str, message_en: str | None = None) -> None:
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        super().__init__(f"{message_zh} / {self.message_en}")


class ConfigError(CredcaseError):
    """Bad usage, bad option or a broken data file (exit code 2)."""


class DataFileError(ConfigError):
    """A data file (catalogue batch, keyword list, ...) failed validation; names file and entry."""


class InputFileError(CredcaseError):
    """One input file cannot be read. Recorded per file; the batch goes on."""

    exit_code = ExitCode.SOME_INPUTS_FAILED

    def __init__(self, file: str, code: str, message_zh: str, message_en: str, page: int | None = None,
                 detail: str | None = None) -> None:
        self.file = file
        self.code = code
        self.page = page
        self.detail = detail
        super().__init__(message_zh, message_en)

    def to_file_error(self) -> FileError:
        return FileError(file=self.file, code=self.code, message_zh=self.message_zh,
                         message_en=self.message_en, page=self.page, detail=self.detail)


class OcrEngineError(CredcaseError):
    """An OCR engine failed on a page."""


class OcrEngineMissing(OcrEngineError):
    """An OCR engine is not installed: nothing can be read (a configuration error, exit 2)."""
