"""Inputs → loaded files: walk an applicant's folder, unpack zips safely, identify each file.

What an applicant hands in is untrusted: zips may try `../` paths, absolute paths, symlinks or
bombs; a symlink may point at someone else's files; an extension may lie. Each problem becomes
a typed FileError for that file and the other files go on. Media types come from magic bytes,
never from the extension. Nothing is written outside `workdir`.

Paths shown to reviewers are relative to the applicant folder and NFC-normalised; a zip member
inside the folder is "bundle.zip/inner/name.jpg"; when the applicant *is* a zip, its members are
relative to the zip's root (the zip plays the folder's role).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.core.errors import InputFileError
from pipeline.core.inputs import file_error, input_settings
from pipeline.core.models import FileError, SourceFile
from pipeline.core.stages import LoadedFile
from pipeline.pages import IMAGE_TYPES, PDF_TYPE, probe

log = logging.getLogger(__name__)

ZIP_TYPE = "application/zip"
SKIP_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "__macosx", "ehthumbs.db"})


# --------------------------------------------------------------------------- identification


def sniff_media_type(head: bytes) -> str:
    """Media type from the first bytes of a file."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "image/tiff"
    if head.startswith(b"BM") and len(head) >= 26:
        return "image/bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if b"%PDF-" in head[:1024]:
        return PDF_TYPE
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ZIP_TYPE
    if head[:4] == b"\xd0\xcf\x11\xe0":
        return "application/x-ole-storage"
    if head and all(b in b"\t\n\r\f" or 32 <= b < 127 or b >= 0x80 for b in head[:512]):
        return "text/plain"
    return "application/octet-stream"


def display_name(name: str) -> str:
    """NFC, and undecodable bytes (surrogate escapes) shown as U+FFFD, so JSON can carry it."""
    fixed = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return unicodedata.normalize("NFC", fixed)


def _hash_file(path: Path) -> tuple[str, int, bytes]:
    h = hashlib.sha256()
    size = 0
    head = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if not head:
                head = chunk[:2048]
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size, head


def _skip(name: str) -> bool:
    return name.startswith(".") or name.lower() in SKIP_NAMES or name.startswith("~$")


# --------------------------------------------------------------------------- collection


@dataclass
class _Collector:
    workdir: Path
    files: list[LoadedFile] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    zip_count: int = 0

    def error(self, exc: InputFileError) -> None:
        log.info("input error %s: %s", exc.code, exc.message_en)
        self.errors.append(exc.to_file_error())

    def add_file(self, path: Path, display: str, depth: int = 0) -> None:
        """Identify one regular file; a zip is unpacked, anything unreadable becomes an error."""
        try:
            sha, size, head = _hash_file(path)
        except OSError as exc:
            self.error(file_error(display, "UNKNOWN_FORMAT", f"cannot read: {exc.strerror}"))
            return
        if size == 0:
            self.error(file_error(display, "EMPTY_FILE"))
            return
        media = sniff_media_type(head)
        if media == ZIP_TYPE:
            self.add_zip(path, display, depth)
            return
        if media not in IMAGE_TYPES and media != PDF_TYPE:
            ext = PurePosixPath(display).suffix.lower()
            detail = f"扩展名 {ext} 与内容（{media}）不符 / extension {ext} but content is {media}" \
                if ext in (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".zip") else media
            self.error(file_error(display, "UNKNOWN_FORMAT", detail))
            return
        try:
            pages = probe(path, media, display)
        except InputFileError as exc:
            self.error(exc)
            return
        src = SourceFile(path=display, sha256=sha, size=size, media_type=media, page_count=pages)
        self.files.append(LoadedFile(source=src, local_path=path))

    def walk(self, root: Path, prefix: str) -> None:
        """Sorted, deterministic walk that never leaves `root` (symlinks are checked, not followed)."""
        real_root = root.resolve()
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            if _skip(entry.name):
                continue
            display = display_name(f"{prefix}{entry.name}")
            path = Path(entry.path)
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    self.error(file_error(display, "FILE_OUTSIDE_FOLDER", "broken link"))
                    continue
                if not target.is_relative_to(real_root):
                    self.error(file_error(display, "FILE_OUTSIDE_FOLDER", "→ outside"))
                    continue
                if target.is_dir():
                    continue  # a link to a folder inside the applicant folder: walked there already
            if entry.is_dir(follow_symlinks=False):
                self.walk(path, f"{prefix}{entry.name}/")
            elif entry.is_file(follow_symlinks=True):
                self.add_file(path, display)

    # ----------------------------------------------------------------------- zips

    def add_zip(self, path: Path, display: str, depth: int, as_root: bool = False) -> None:
        lim = input_settings().limits
        if depth >= lim.zip_max_depth:
            self.error(file_error(display, "ZIP_BOMB", f"nested deeper than {lim.zip_max_depth}"))
            return
        self.zip_count += 1
        dest = self.workdir / "unzipped" / f"{self.zip_count:04d}"
        prefix = "" if as_root else f"{display}/"
        try:
            with zipfile.ZipFile(path) as zf:
                members = zf.infolist()
                plan, unsafe = self._plan_zip(members, path.stat().st_size, display)
                if plan is None:
                    return
                extracted = self._extract(zf, plan, dest, display)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError,
                RuntimeError, ValueError) as exc:
            shutil.rmtree(dest, ignore_errors=True)
            self.error(file_error(display, "CORRUPT_ZIP", f"{type(exc).__name__}: {str(exc)[:120]}"))
            return
        if extracted is None:
            shutil.rmtree(dest, ignore_errors=True)
            return
        if unsafe:
            shown = ", ".join(display_name(u) for u in unsafe[:5]) + (" …" if len(unsafe) > 5 else "")
            self.error(file_error(display, "UNSAFE_ZIP_PATH", shown))
        for local, inner in extracted:
            self.add_file(local, display_name(prefix + inner), depth + 1)

    def _plan_zip(self, members: list[zipfile.ZipInfo], archive_size: int, display: str
                  ) -> tuple[list[tuple[zipfile.ZipInfo, str]] | None, list[str]]:
        lim = input_settings().limits
        if len(members) > lim.zip_max_members:
            self.error(file_error(display, "ZIP_BOMB", f"{len(members)} members > {lim.zip_max_members}"))
            return None, []
        total = sum(m.file_size for m in members)
        if total > lim.zip_max_total_bytes:
            self.error(file_error(display, "ZIP_BOMB", f"{total / 1e6:.0f} MB uncompressed"))
            return None, []
        if total > lim.zip_ratio_min_bytes and total / max(1, archive_size) > lim.zip_max_ratio:
            self.error(file_error(display, "ZIP_BOMB", f"ratio {total / max(1, archive_size):.0f}:1"))
            return None, []
        plan: list[tuple[zipfile.ZipInfo, str]] = []
        unsafe: list[str] = []
        for m in members:
            name = _member_name(m)
            if m.is_dir():
                continue
            mode = m.external_attr >> 16
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if (stat.S_ISLNK(mode) or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
                    or ".." in parts or not parts):
                unsafe.append(name)
                continue
            if any(_skip(p) for p in parts):
                continue
            if m.flag_bits & 0x1:
                self.error(file_error(f"{display}/{display_name(name)}", "CORRUPT_ZIP", "encrypted member"))
                continue
            if m.file_size > lim.zip_ratio_min_bytes and m.file_size / max(1, m.compress_size) > lim.zip_max_ratio:
                self.error(file_error(display, "ZIP_BOMB",
                                      f"{display_name(name)}: ratio {m.file_size / max(1, m.compress_size):.0f}:1"))
                return None, []
            plan.append((m, "/".join(parts)))
        plan.sort(key=lambda mi: mi[1])
        return plan, unsafe

    def _extract(self, zf: zipfile.ZipFile, plan: list[tuple[zipfile.ZipInfo, str]], dest: Path,
                 display: str) -> list[tuple[Path, str]] | None:
        """Stream members out under `dest`, counting real bytes (declared sizes can lie)."""
        lim = input_settings().limits
        written = 0
        out: list[tuple[Path, str]] = []
        for i, (m, inner) in enumerate(plan):
            # local names are numbered: odd or overlong member names never reach the file system
            suffix = "".join(c for c in PurePosixPath(inner).suffix[:10] if c.isalnum() or c == ".")
            local = dest / f"{i:05d}{suffix}"
            local.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src, local.open("wb") as dst:
                member_bytes = 0
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    member_bytes += len(chunk)
                    if written > lim.zip_max_total_bytes or member_bytes > max(m.file_size, 1) * 1.01 + 1024:
                        self.error(file_error(display, "ZIP_BOMB", f"{inner}: expands beyond its declared size"))
                        return None
                    dst.write(chunk)
            out.append((local, inner))
        return out


def _member_name(m: zipfile.ZipInfo) -> str:
    """Zips made on Chinese Windows store GBK names without the UTF-8 flag; recover them."""
    name = m.filename
    if not m.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def collect_inputs(inputs: list[Path], workdir: Path) -> tuple[list[LoadedFile], list[FileError]]:
    """All readable files of one applicant, and one FileError per file that cannot be used.

    `inputs`: an applicant folder, a zip, or a list of files. Deterministic order."""
    c = _Collector(workdir=Path(workdir))
    for item in inputs:
        item = Path(item)
        name = display_name(item.name)
        if item.is_dir():
            c.walk(item, "" if len(inputs) == 1 else f"{name}/")
        elif not item.exists():
            c.error(file_error(name, "UNKNOWN_FORMAT", "file not found"))
        elif len(inputs) == 1 and item.is_file() and _is_zip(item):
            c.add_zip(item, name, 0, as_root=True)
        else:
            c.add_file(item, name)
    return c.files, c.errors


def _is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return sniff_media_type(fh.read(8)) == ZIP_TYPE


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A private temporary folder for one applicant's unpacked zips, removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="credcase-"))
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
