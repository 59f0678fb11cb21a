"""`credcase ingest` end to end on a generated archive, with real OCR:
outputs, resume, change detection, SIGKILL safety, and Dask giving the same results."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ocr, pytest.mark.slow]  # whole archives through the real OCR

CLI = [sys.executable, "-m", "pipeline.cli"]


def _run(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, OMP_THREAD_LIMIT="1"))


@pytest.fixture(scope="module")
def archive(small_archive_dir: Path) -> Path:
    return small_archive_dir


@pytest.fixture(scope="module")
def cache(ocr_cache_dir: Path) -> Path:
    return ocr_cache_dir


def _cases(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "cases").glob("*.json"))}


def _applicant_names(archive: Path) -> list[str]:
    return sorted(p.stem for p in archive.iterdir() if not p.name.startswith(("_", ".")) and
                  (p.is_dir() or p.suffix == ".zip"))


@pytest.fixture(scope="module")
def first_run(archive, cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "run"
    t0 = time.monotonic()
    r = _run("ingest", str(archive), "--out", str(out), "--workers", "2", "--cache-dir", str(cache))
    return out, r, time.monotonic() - t0


def test_ingest_writes_every_case_summary_and_index(archive, first_run):
    out, r, _ = first_run
    assert r.returncode in (0, 1), r.stderr[-2000:]
    names = _applicant_names(archive)
    cases = _cases(out)
    assert sorted(cases) == names
    for c in cases.values():
        assert c["schema_version"].startswith("1.")
        assert c["recommendation"] in {"forward_to_panel", "return_for_materials",
                                       "refer_for_investigation", "ineligible"}
        assert c["documents"], "every generated applicant has classified documents"
    for n in names:
        assert (out / "cases" / f"{n}.html").stat().st_size > 1000
    summary = (out / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("case_id,") and len(summary) == len(names) + 1
    assert "index.html" in r.stdout and (out / "index.html").exists()
    assert "forward_to_panel" in r.stdout or "提交专家评审" in r.stdout or "退回" in r.stdout or "移交" in r.stdout
    # identity data: nothing world-readable
    for p in [out / "summary.csv", out / "index.html", *(out / "cases").iterdir()]:
        assert p.stat().st_mode & 0o077 == 0, p


def test_rerun_skips_everything_and_a_change_is_redone(archive, cache, first_run, tmp_path):
    out, _, _ = first_run
    before = {p.name: p.stat().st_mtime_ns for p in (out / "cases").glob("*.json")}
    r = _run("ingest", str(archive), "--out", str(out), "--workers", "2", "--cache-dir", str(cache))
    assert r.returncode in (0, 1)
    assert f"跳过 skipped: {len(before)}" in r.stdout
    after = {p.name: p.stat().st_mtime_ns for p in (out / "cases").glob("*.json")}
    assert after == before


def _recorded_done(out: Path) -> list[str]:
    """Applicants the run store records as done (read-only; the run may be writing)."""
    db = out / "credcase.sqlite"
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return [r[0] for r in con.execute("SELECT case_id FROM cases WHERE status = 'done'")]
    except sqlite3.Error:  # not created yet
        return []


def test_sigkill_loses_no_finished_case_and_leaves_no_partial_file(archive, cache, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([*CLI, "ingest", str(archive), "--out", str(out), "--workers", "1",
                             "--cache-dir", str(cache)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not _recorded_done(out):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    recorded = _recorded_done(out)
    assert recorded, "the first case was finished before the kill"
    on_disk = _cases(out)  # every file present parses: no half-written case
    # a case is finished once the store records it (its files are written first); a case
    # whose files were written when the kill came but not yet recorded is simply redone
    assert set(recorded) <= set(on_disk)
    r = _run("ingest", str(archive), "--out", str(out), "--workers", "2", "--cache-dir", str(cache))
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert f"跳过 skipped: {len(recorded)}" in r.stdout
    assert sorted(_cases(out)) == _applicant_names(archive)
    assert not list(out.rglob("*.tmp"))


def test_killed_coordinator_takes_its_workers_and_leaves_no_temp_files(archive, cache, tmp_path):
    """SIGKILL of the coordinator only (its workers are not told): they end within 10 s; their
    temporary files are inside the output folder, and the next run removes them."""
    import psutil

    out = tmp_path / "orphans"
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    env = dict(os.environ, OMP_THREAD_LIMIT="1", TMPDIR=str(system_tmp))
    proc = subprocess.Popen([*CLI, "ingest", str(archive), "--out", str(out), "--workers", "2",
                             "--cache-dir", str(tmp_path / "cold-cache")],  # cold: the workers are busy
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True) if "python" in c.name()]
        time.sleep(0.5)
    time.sleep(3)  # they are reading pages now
    assert len(workers) >= 2
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [], [p.pid for p in alive]
    assert list(system_tmp.iterdir()) == []  # nothing in the system temp folder
    assert (out / ".credcase-tmp").exists()  # what they left is in the output folder
    r = _run("ingest", str(archive), "--out", str(out), "--workers", "2", "--cache-dir", str(cache))
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert not (out / ".credcase-tmp").exists()


def test_dask_local_cluster_gives_the_same_results(archive, cache, first_run, tmp_path):
    out, _, _ = first_run
    dask_out = tmp_path / "dask"
    r = _run("ingest", str(archive), "--out", str(dask_out), "--engine", "dask", "--workers", "2",
             "--cache-dir", str(cache))
    assert r.returncode in (0, 1), r.stderr[-3000:]
    local, dask = _cases(out), _cases(dask_out)
    assert sorted(local) == sorted(dask)
    for cid in local:
        assert dask[cid]["recommendation"] == local[cid]["recommendation"], cid
        assert sorted(f["code"] for f in dask[cid]["flags"]) == sorted(f["code"] for f in local[cid]["flags"]), cid
        assert [d["doc_type"] for d in dask[cid]["documents"]] == [d["doc_type"] for d in local[cid]["documents"]]
