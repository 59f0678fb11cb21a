"""What a clerk can get wrong on the command line: each is a usage error (exit 2) in Chinese then
English, checked before any work starts, and it leaves nothing behind — no output folder, no
case file, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipeline.core.folders import FolderLock

CLI = [sys.executable, "-m", "pipeline.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, OMP_THREAD_LIMIT="1"))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive folder with one (empty) applicant: enough to get past discovery."""
    root = tmp_path / "archive"
    (root / "A0001").mkdir(parents=True)
    return root


def _usage_error(r: subprocess.CompletedProcess[str], zh: str, en: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("错误：") and zh in lines[0], r.stderr
    assert lines[1].startswith("Error: ") and en in lines[1], r.stderr


def test_ingest_of_a_missing_archive_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _usage_error(_run("ingest", str(tmp_path / "nowhere"), "--out", str(out)), "档案文件夹不存在", "archive folder not found")
    assert not out.exists()


def test_ingest_given_a_file_says_so(tmp_path: Path) -> None:
    f = tmp_path / "one.zip"
    f.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    _usage_error(_run("ingest", str(f), "--out", str(tmp_path / "out")), "是一个文件", "is a file")
    assert not (tmp_path / "out").exists()


def test_out_pointing_at_an_existing_file(archive: Path, tmp_path: Path) -> None:
    f = tmp_path / "report.txt"
    f.write_text("keep me")
    _usage_error(_run("ingest", str(archive), "--out", str(f)), "是一个文件，不是文件夹", "is a file, not a folder")
    assert f.read_text() == "keep me"


def test_missing_catalogue_file_is_one_usage_error(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _usage_error(_run("ingest", str(archive), "--out", str(out), "--catalog", str(tmp_path / "batch-9.yaml")),
                 "找不到目录批次文件", "catalogue batch file not found")
    assert not out.exists()


@pytest.mark.parametrize("workers", ["0", "-3", "two"])
def test_workers_must_be_a_positive_number(archive: Path, tmp_path: Path, workers: str) -> None:
    _usage_error(_run("ingest", str(archive), "--out", str(tmp_path / "out"), f"--workers={workers}"),
                 "命令用法有误", "must be a positive whole number")
    assert not (tmp_path / "out").exists()


def test_process_of_a_missing_path_writes_no_case(tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    _usage_error(_run("process", str(tmp_path / "张伟"), "--out", str(out)), "找不到申请材料", "no such file or folder")
    assert not out.exists() and not out.with_suffix(".html").exists()


def test_process_out_must_be_a_file(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    _usage_error(_run("process", str(tmp_path / "in"), "--out", str(tmp_path)), "应为案卷文件", "must be the case file")


def test_argparse_complaints_are_usage_errors_in_both_languages() -> None:
    _usage_error(_run("ingest"), "缺少必需的参数", "the following arguments are required")
    _usage_error(_run("process", "x", "--out", "y.json", "--application-date", "30.06.2025"),
                 "命令用法有误", "date must be YYYY-MM-DD")


def test_a_second_run_into_a_held_folder_is_refused(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with FolderLock(out):
        r = _run("ingest", str(archive), "--out", str(out))
    _usage_error(r, "正被另一个运行使用", "is in use by another run")
    assert f"pid {os.getpid()}" in r.stderr
    assert not (out / "cases").exists()


@contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted for the test (it runs as root, as `make test` does)."""
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    with _tmpfs(tmp_path / "tiny", "size=2m") as mnt:
        yield mnt


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as mnt:
        yield mnt


def test_a_full_disk_is_refused_before_any_work(archive: Path, tiny_disk: Path) -> None:
    _usage_error(_run("ingest", str(archive), "--out", str(tiny_disk / "out")), "剩余空间不足",
                 "not enough free disk space")
    assert list(tiny_disk.iterdir()) == []


def test_a_read_only_output_is_refused(archive: Path, read_only: Path) -> None:
    _usage_error(_run("ingest", str(archive), "--out", str(read_only / "out")), "无法写入", "cannot write to")


def _fill(folder: Path) -> Path:
    """Write into `folder` until its disk is full."""
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 2**20)
                fh.flush()
        except OSError:
            pass
    return filler


@pytest.mark.ocr
def test_a_disk_that_fills_during_the_run_stops_it_and_keeps_what_was_written(
        small_archive_dir: Path, ocr_cache_dir: Path, tmp_path: Path) -> None:
    """The free-space check passes, then another program fills the disk while the run works:
    exit 2 with the disk-full message, every case file present is whole, and after space is
    freed the next run completes every applicant."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    with _tmpfs(tmp_path / "disk", "size=80m") as mnt:
        out = mnt / "out"
        args = [*CLI, "ingest", str(small_archive_dir), "--out", str(out), "--workers", "1",
                "--cache-dir", str(ocr_cache_dir)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 120
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        filler = _fill(mnt)
        stdout, stderr = proc.communicate(timeout=900)
        _usage_error(subprocess.CompletedProcess(args, proc.returncode, stdout, stderr), "磁盘已满", "the disk is full")
        for case in (out / "cases").glob("*.json"):
            json.loads(case.read_text(encoding="utf-8"))  # whole, never cut short
        filler.unlink()
        r = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env)
        assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr[-2000:]
        names = {p.stem for p in small_archive_dir.iterdir()
                 if not p.name.startswith(("_", ".")) and (p.is_dir() or p.suffix == ".zip")}
        assert {p.stem for p in (out / "cases").glob("*.json")} == names
