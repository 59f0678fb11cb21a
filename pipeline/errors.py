"""credcase's own exceptions. The CLI maps them to exit codes; nothing else calls sys.exit."""

from __future__ import annotations


class CredcaseError(Exception):
    """Base class. `message_zh` first, `message_en` second, as reviewers read them."""

    exit_code = 2

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

    exit_code = 1

    def __init__(self, file: str, code: str, message_zh: str, message_en: str, page: int | None = None) -> None:
        self.file = file
        self.code = code
        self.page = page
        super().__init__(message_zh, message_en)

    def to_file_error(self):  # -> FileError (import here to keep this module dependency-free)
        from pipeline.models import FileError

        return FileError(file=self.file, code=self.code, message_zh=self.message_zh,
                         message_en=self.message_en, page=self.page)


class OcrEngineError(CredcaseError):
    """An OCR engine is missing or failed in a way that is not about one page."""
