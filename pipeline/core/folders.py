"""Output folders: checked before any work starts, held by one run at a time, and home to the
run's temporary files.

A clerk's mistake with a path (a file where a folder should be, a read-only share, a full disk)
must be a clear usage error before anything is read or written — never a traceback halfway,
never a half-made output folder. Two runs into one folder would do all the work twice and race
on the same files; the second one is refused and told who holds the folder.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from pipeline.core.errors import ConfigError
from pipeline.core.inputs import input_settings

LOCK_NAME = ".credcase.lock"


def check_output_folder(path: Path, min_free: int | None = None) -> None:
    """`path` can be the output folder: not a file, writable, with room (inputs.yaml
    `output.min_free_bytes`). Creates nothing."""
    if min_free is None:
        min_free = input_settings().output.min_free_bytes
    if path.exists() and not path.is_dir():
        raise ConfigError(f"输出位置“{path}”是一个文件，不是文件夹：请给出文件夹",
                          f"the output location '{path}' is a file, not a folder: give a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"无法写入“{existing}”（只读或没有权限）：请换一个输出文件夹",
                          f"cannot write to '{existing}' (read-only or no permission): choose another output folder")
    try:  # access() can be wrong on network and read-only mounts: write a probe file
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".credcase-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(f"无法写入“{existing}”：{exc.strerror}；请换一个输出文件夹",
                          f"cannot write to '{existing}': {exc.strerror}; choose another output folder") from exc
    free = shutil.disk_usage(existing).free
    if free < min_free:
        raise ConfigError(f"“{existing}”所在磁盘剩余空间不足（{free // 2**20} MB，至少需要 {min_free // 2**20} MB）",
                          f"not enough free disk space at '{existing}' ({free // 2**20} MB; "
                          f"at least {min_free // 2**20} MB needed)")


def disk_full(exc: OSError) -> ConfigError:
    """The usage error for a disk that filled up during a run (what was written is whole)."""
    return ConfigError("磁盘已满，运行已停止；已写入的案卷完整可用，腾出空间后重新运行将从中断处继续",
                       f"the disk is full ({exc.strerror}); the run stopped. Case files already written are "
                       "complete; free some space and run again to continue where it stopped")


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


class FolderLock:
    """An exclusive lock on a folder for the length of a run (flock on a file inside it; the
    kernel releases it when the process dies, so a killed run never leaves a stale lock)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._fh: IO[str] | None = None

    def __enter__(self) -> FolderLock:
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open while locked
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = _holder(fh.read())
            fh.close()
            raise ConfigError(f"输出文件夹“{self.path.parent}”正被另一个运行使用（{holder}）；请等它结束或换一个文件夹",
                              f"the output folder '{self.path.parent}' is in use by another run ({holder}); "
                              "wait for it to end or choose another folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "since": datetime.now(UTC).isoformat(timespec="seconds")}))
        fh.flush()
        os.chmod(self.path, 0o600)
        self._fh = fh
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fh is not None:
            self._fh.close()  # closing releases the lock; the file stays (it may be locked again)
            self._fh = None


def _holder(text: str) -> str:
    try:
        h = json.loads(text)
        return f"pid {h['pid']} @ {h['host']}, since {h['since']}"
    except (ValueError, KeyError, TypeError):
        return "pid unknown"


TEMP_NAME = ".credcase-tmp"


def use_scratch(folder: Path) -> Path:
    """Make this process's temporary files (credcase's, tesseract's, every library's) live in
    `folder`/.credcase-tmp/<pid>, not the system temp folder, and remove what processes that are
    gone (killed runs, killed workers) left there. Returns this process's folder."""
    base = Path(folder) / TEMP_NAME
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o700)
    for old in base.iterdir():
        if not (old.name.isdigit() and _alive(int(old.name))):
            shutil.rmtree(old, ignore_errors=True)
    mine = base / str(os.getpid())
    mine.mkdir(exist_ok=True)
    os.chmod(mine, 0o700)
    tempfile.tempdir = str(mine)
    os.environ["TMPDIR"] = str(mine)  # child processes (tesseract) too
    return mine


@contextmanager
def scratch(folder: Path) -> Iterator[Path]:
    """use_scratch for the length of a run; afterwards the temporary folder is removed and the
    process's own temp settings are as before."""
    saved_dir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    mine = use_scratch(folder)
    try:
        yield mine
    finally:
        tempfile.tempdir = saved_dir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(mine, ignore_errors=True)
        try:
            mine.parent.rmdir()  # when no other process's folder is left
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
