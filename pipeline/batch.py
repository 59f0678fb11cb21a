"""`credcase ingest`: many applicants, in parallel, resumable, on one machine or a Dask cluster.

Workers (processes, or Dask workers) turn one applicant into a case file and its HTML report
and send both back as text; only this coordinating process writes OUT_DIR and the run store,
so a run killed at any moment leaves finished cases intact and no half-written file
(atomic writes), and the cross-applicant duplicate checks see every case exactly once.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import logging
import multiprocessing as mp
import os
import resource
import shutil
import sqlite3
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

import cv2
from pydantic import BaseModel

from pipeline import __version__, casefile, checks, qualify
from pipeline.core import clock as ocr_clock
from pipeline.core import logs
from pipeline.core.console import Progress, cell
from pipeline.core.errors import ConfigError, ExitCode
from pipeline.core.folders import (
    TEMP_NAME,
    FolderLock,
    check_output_folder,
    disk_full,
    is_disk_full,
    scratch,
    use_scratch,
)
from pipeline.core.labels import label
from pipeline.core.models import CaseFile, Flag
from pipeline.core.options import RunOptions, SubCommands, add_run_options, positive_int, run_options_from
from pipeline.core.privacy import atomic_write_text, mask_text, private_dir
from pipeline.core.stages import StoredFingerprint
from pipeline.forensics.corpus import find_collisions
from pipeline.report import IndexRow, render_case_html, render_index_html
from pipeline.run import process_applicant
from pipeline.store import CaseRecord, RunStore

log = logging.getLogger(__name__)

SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


class ApplicantJob(BaseModel):
    """What a worker needs to process one applicant (plain data: it crosses processes/machines)."""

    case_id: str
    source: str
    inputs: list[Path]
    input_hash: str
    options: RunOptions


class JobResult(BaseModel):
    case_id: str
    source: str
    input_hash: str
    ok: bool
    case_json: str | None = None
    html: str | None = None
    message: str | None = None
    n_pages: int = 0
    seconds: float = 0.0
    ocr_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    worker_pid: int = 0
    inputs: list[Path] = []


@dataclass
class IngestSummary:
    total: int = 0
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    pages: int = 0
    seconds: float = 0.0
    ocr_seconds: float = 0.0
    worker_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    by_recommendation: Counter = field(default_factory=Counter)
    by_flag: Counter = field(default_factory=Counter)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.SOME_INPUTS_FAILED if self.failed else ExitCode.OK


# --------------------------------------------------------------------------- discovery


def discover_applicants(archive: Path, manifest: Path | None = None) -> list[tuple[str, list[Path]]]:
    """(case_id, inputs) per applicant: one sub-folder or zip each, or groups from a manifest CSV
    (columns `file`, `applicant`; paths relative to the archive) for flat scanned archives."""
    if archive.is_file():
        raise ConfigError(f"“{archive}”是一个文件：请给出档案文件夹（每位申请人一个子文件夹或 zip）",
                          f"'{archive}' is a file: give the archive folder (one sub-folder or zip per applicant)")
    if not archive.is_dir():
        raise ConfigError(f"档案文件夹不存在：{archive}", f"archive folder not found: {archive}")
    if manifest is not None:
        return _from_manifest(archive, manifest)
    found: list[tuple[str, list[Path]]] = []
    for entry in sorted(archive.iterdir(), key=lambda p: p.name):
        if entry.name.startswith((".", "_")) or entry.name in SKIP_NAMES:
            continue
        if entry.is_dir():
            found.append((entry.name, [entry]))
        elif entry.suffix.lower() == ".zip" and zipfile.is_zipfile(entry):
            found.append((entry.stem, [entry]))
        elif entry.suffix.lower() == ".zip":
            found.append((entry.stem, [entry]))  # a corrupt zip: the worker records the error
    return found


def _from_manifest(archive: Path, manifest: Path) -> list[tuple[str, list[Path]]]:
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"无法读取清单：{manifest}", f"cannot read manifest {manifest}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"file", "applicant"} <= set(reader.fieldnames):
        raise ConfigError("清单需要 file 与 applicant 两列", "manifest needs the columns `file` and `applicant`")
    groups: dict[str, list[Path]] = {}
    for n, row in enumerate(reader, start=2):
        applicant = (row.get("applicant") or "").strip()
        rel = (row.get("file") or "").strip()
        if not applicant or not rel:
            raise ConfigError(f"清单第{n}行缺少内容", f"manifest line {n} is incomplete")
        groups.setdefault(applicant, []).append(archive / rel)
    return sorted(groups.items())


def input_hash(inputs: list[Path], options: RunOptions) -> str:
    """Hash of everything that decides the result: file contents, options, tool version."""
    h = hashlib.sha256()
    h.update(f"credcase {__version__}\n{options.model_dump_json()}\n".encode())
    for path in _walk(inputs):
        h.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except OSError as exc:
            h.update(f"unreadable:{exc.errno}".encode())
    return h.hexdigest()


def _walk(inputs: list[Path]) -> Iterator[Path]:
    for p in inputs:
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*") if q.is_file() or q.is_symlink())
        else:
            yield p


# --------------------------------------------------------------------------- the worker side


def process_job(job: ApplicantJob) -> JobResult:
    """Runs in a worker: one applicant → case JSON + HTML report (as text). Never raises."""
    t0, ocr0 = time.monotonic(), ocr_clock.spent()
    try:
        case = process_applicant(job.inputs, job.options, source=job.source, case_id=job.case_id)
        html = render_case_html(case, job.inputs)
        ocr_seconds = ocr_clock.spent() - ocr0
        return JobResult(case_id=job.case_id, source=job.source, input_hash=job.input_hash, ok=True,
                         inputs=job.inputs,
                         case_json=casefile.case_json(case), html=html, n_pages=len(case.pages),
                         seconds=time.monotonic() - t0, ocr_seconds=ocr_seconds,
                         peak_rss_mb=_peak_rss_mb(), worker_pid=os.getpid())
    except Exception as exc:  # noqa: BLE001 — one applicant's failure must not stop the batch
        log.exception("case %s failed", job.case_id)
        return _failure(job, exc, time.monotonic() - t0)


def _failure(job: ApplicantJob, exc: BaseException, seconds: float = 0.0) -> JobResult:
    """The result of an applicant credcase failed on: a case file that says so."""
    case = casefile.failed_case(job.case_id, job.source, exc)
    return JobResult(case_id=job.case_id, source=job.source, input_hash=job.input_hash, ok=False,
                     inputs=job.inputs, case_json=casefile.case_json(case), message=mask_text(f"{type(exc).__name__}: {exc}"),
                     seconds=seconds, peak_rss_mb=_peak_rss_mb(), worker_pid=os.getpid())


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_init(log_dir: str | None = None, parent_pid: int | None = None) -> None:
    """Set a worker up: engines' own threading off (the workers already use the cores), private
    files, the run's log file — and, for a local pool, a watchdog that ends the worker when the
    coordinator is gone (killed, it cannot tell its workers; orphans kept working for minutes)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.umask(0o077)
    cv2.setNumThreads(1)
    logs.configure()
    if log_dir:
        logs.attach_file(Path(log_dir))
        use_scratch(Path(log_dir))  # its temporary files beside the run's, removed at the next start
    if parent_pid is not None:
        threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True, name="watchdog").start()


def _exit_with_parent(parent_pid: int, every: float = 1.0) -> None:
    while os.getppid() == parent_pid:
        time.sleep(every)
    os._exit(3)  # the coordinator is gone: nothing would read this worker's results


# --------------------------------------------------------------------------- engines


class Engine(Protocol):
    """Runs ApplicantJobs somewhere (a local process pool, a Dask cluster)."""

    def submit(self, job: ApplicantJob) -> Any: ...

    def wait_first(self, pending: set[Any]) -> tuple[set[Any], set[Any]]: ...

    def restart(self) -> None: ...

    def close(self) -> None: ...


class LocalEngine:
    """A pool of spawned worker processes on this machine."""

    def __init__(self, workers: int, log_dir: Path | None = None) -> None:
        # spawn: no inherited locks or engine state; each worker loads its OCR engines once
        self._workers, self._initargs = workers, (str(log_dir) if log_dir else None, os.getpid())
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                        initializer=worker_init, initargs=self._initargs)

    def submit(self, job: ApplicantJob) -> Future[JobResult]:
        return self.pool.submit(process_job, job)

    @staticmethod
    def wait_first(pending: set[Any]) -> tuple[set[Any], set[Any]]:
        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        return set(done), set(rest)

    def restart(self) -> None:
        """A worker died (killed, out of memory): the pool is broken; start a new one."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=mp.get_context("spawn"),
                                        initializer=worker_init, initargs=self._initargs)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskEngine:
    """The same per-applicant work on a Dask cluster: `scheduler` address or a local cluster."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a declared dependency
            raise ConfigError("未安装 dask.distributed", "dask.distributed is not installed") from exc
        logging.getLogger("distributed").setLevel(logging.WARNING)  # its INFO chatter drowns the progress
        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"无法连接 Dask 调度器 {scheduler}：{exc}",
                                  f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.client.run(worker_init)

    def submit(self, job: ApplicantJob) -> Any:  # a distributed.Future
        return self.client.submit(process_job, job, key=f"case-{job.case_id}-{job.input_hash[:12]}", pure=False)

    @staticmethod
    def wait_first(pending: set[Any]) -> tuple[set[Any], set[Any]]:
        """distributed futures are not concurrent.futures ones: wait with Dask's own wait."""
        from distributed import wait as dask_wait

        done, rest = dask_wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done), set(rest)

    def restart(self) -> None:
        """Dask replaces a dead worker itself."""

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


# --------------------------------------------------------------------------- the coordinator


def ingest(archive: Path, out_dir: Path, options: RunOptions, workers: int | None = None,
           engine: str = "local", scheduler: str | None = None, manifest: Path | None = None,
           force: bool = False, stream: TextIO | None = None) -> IngestSummary:
    """Process every applicant of `archive` into `out_dir`. Everything a clerk can get wrong
    (paths, options, the catalogue file, a folder another run holds) is checked before any
    work: a ConfigError (exit 2) that leaves nothing behind."""
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise ConfigError(f"--workers 应为正整数（收到 {workers}）", f"--workers must be a positive number (got {workers})")
    archive = archive.resolve()
    applicants = discover_applicants(archive, manifest)
    qualify.check_catalog(options.catalog_file)
    check_output_folder(out_dir)
    private_dir(out_dir)
    with FolderLock(out_dir), scratch(out_dir):
        logs.attach_file(out_dir)
        try:
            return _ingest(applicants, archive, out_dir, options, workers, engine, scheduler, force, stream)
        except (OSError, sqlite3.OperationalError) as exc:
            if is_disk_full(exc) or "disk is full" in str(exc):
                raise disk_full(exc if isinstance(exc, OSError) else OSError(28, str(exc))) from exc
            raise
        finally:
            shutil.rmtree(out_dir / TEMP_NAME, ignore_errors=True)  # every worker has ended


def _ingest(applicants: list[tuple[str, list[Path]]], archive: Path, out_dir: Path, options: RunOptions,
            workers: int, engine: str, scheduler: str | None, force: bool, stream: TextIO | None) -> IngestSummary:
    cases_dir = private_dir(out_dir / "cases")
    _remove_stale_temp_files(out_dir)
    store = RunStore(out_dir)
    summary = IngestSummary()
    t0 = time.monotonic()
    try:
        summary.total = len(applicants)
        jobs: list[ApplicantJob] = []
        for case_id, inputs in applicants:
            h = input_hash(inputs, options)
            rec = store.get(case_id)
            if (not force and rec and rec.input_hash == h and rec.status == "done"
                    and (cases_dir / f"{case_id}.json").exists()):
                summary.skipped += 1
                continue
            jobs.append(ApplicantJob(case_id=case_id, source=_source_name(inputs, archive), inputs=inputs,
                                     input_hash=h, options=options))
        progress = Progress(len(jobs), skipped=summary.skipped, stream=stream)
        if jobs:
            runner = DaskEngine(workers, scheduler) if engine == "dask" else LocalEngine(workers, out_dir)
            try:
                _drain(runner, jobs, workers, lambda r: _finish(r, store, cases_dir, summary, progress))
            finally:
                runner.close()
                progress.close()
        _write_outputs(out_dir, store, summary)
    finally:
        store.close()
    summary.seconds = time.monotonic() - t0
    return summary


def _drain(runner: Engine, jobs: list[ApplicantJob], workers: int, on_result: Callable[[JobResult], None]) -> None:
    """Keep a bounded number of jobs in flight so memory stays flat however large the archive.
    A job whose worker died is run once more in a new pool (the jobs beside it died with the
    pool through no fault of their own); failing again, it is a failed case."""
    inflight: dict[Any, tuple[ApplicantJob, int]] = {}
    queue = iter(jobs)
    limit = workers * 2

    def submit(job: ApplicantJob, attempt: int) -> None:
        try:
            inflight[runner.submit(job)] = (job, attempt)
        except BrokenExecutor:
            runner.restart()
            inflight[runner.submit(job)] = (job, attempt)

    for job in itertools.islice(queue, limit):
        submit(job, 0)
    while inflight:
        done, _rest = runner.wait_first(set(inflight))
        for fut in done:
            job, attempt = inflight.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 — the worker died, or Dask lost it
                log.warning("case %s: worker lost (%s)%s", job.case_id, type(exc).__name__,
                            "; running it again" if attempt == 0 else "")
                if isinstance(exc, BrokenExecutor):
                    runner.restart()
                if attempt == 0:
                    submit(job, 1)
                    continue
                res = _failure(job, exc)
            on_result(res)
            nxt = next(queue, None)
            if nxt is not None:
                submit(nxt, 0)


def _finish(res: JobResult, store: RunStore, cases_dir: Path, summary: IngestSummary,
            progress: Progress) -> None:
    summary.pages += res.n_pages
    summary.ocr_seconds += res.ocr_seconds
    summary.worker_seconds += res.seconds
    summary.peak_rss_mb = max(summary.peak_rss_mb, res.peak_rss_mb)
    if not res.ok:
        summary.failed += 1
        if res.case_json is not None:  # the case file says it failed: never only a line in summary.csv
            failed = CaseFile.model_validate_json(res.case_json)
            casefile.write_case(failed, cases_dir / f"{res.case_id}.json", sources=res.inputs)
        store.record(CaseRecord(res.case_id, res.source, res.input_hash, "failed", "processing_failed", 0, 1,
                                ["PROCESSING_FAILED"], res.message, [str(p) for p in res.inputs]))
        progress.advance(res.case_id, 0, "failed", failed=True)
        return
    assert res.case_json is not None
    case = CaseFile.model_validate_json(res.case_json)
    changed, _earlier = flag_collisions(case, store, cases_dir)
    html: str | bool = True if changed or not res.html else res.html  # a new flag: render again
    casefile.write_case(case, cases_dir / f"{case.case_id}.json", html=html, sources=res.inputs)
    store.record(
        CaseRecord(case.case_id, case.source, res.input_hash, "done", str(case.recommendation), len(case.pages),
                   len(case.errors), [f.code for f in case.flags], None, [str(p) for p in res.inputs]),
        [StoredFingerprint(case.case_id, fp.kind, fp.value, fp.holder_name,
                           fp.evidence.model_dump() if fp.evidence else None) for fp in case.fingerprints])
    summary.processed += 1
    if case.errors:
        summary.failed += 1
    progress.advance(case.case_id, len(case.pages), str(case.recommendation))


def flag_collisions(case: CaseFile, store: RunStore, cases_dir: Path) -> tuple[bool, list[str]]:
    """The corpus duplicate checks of a new case against every case in the store: the new case
    gets its flags (and a new recommendation), and each earlier case it collides with gets
    them too, its files in `cases_dir` rewritten. Returns (new case changed, earlier ids changed)."""
    found = find_collisions(case.case_id, case.fingerprints, store)
    changed = casefile.add_flags(case, found.own)
    if changed:
        case.recommendation = checks.recommend(case.flags)
    earlier = [cid for cid, flags in found.others.items() if _flag_earlier_case(cid, flags, store, cases_dir)]
    return changed, earlier


def _flag_earlier_case(case_id: str, flags: list[Flag], store: RunStore, cases_dir: Path) -> bool:
    path = cases_dir / f"{case_id}.json"
    try:
        other = casefile.read_case(path)
    except (OSError, ValueError):
        return False
    if not casefile.add_flags(other, flags):
        return False
    other.recommendation = checks.recommend(other.flags)
    rec = store.get(case_id)
    casefile.write_case(other, path, sources=[Path(p) for p in rec.inputs] if rec else None)
    store.update_flags(case_id, str(other.recommendation), [f.code for f in other.flags])
    return True


def _source_name(inputs: list[Path], archive: Path) -> str:
    if len(inputs) == 1:
        return inputs[0].name
    return f"{archive.name} (manifest, {len(inputs)} files)"


def _remove_stale_temp_files(out_dir: Path) -> None:
    """A run killed mid-write leaves `.name.XXXX.tmp` beside the target: never a real output."""
    for tmp in out_dir.rglob(".*.tmp"):
        try:
            tmp.unlink()
        except OSError:
            pass


# --------------------------------------------------------------------------- outputs


SUMMARY_COLUMNS = ["case_id", "source", "status", "recommendation", "n_pages", "n_errors", "n_flags",
                   "flag_codes", "message"]


def _write_outputs(out_dir: Path, store: RunStore, summary: IngestSummary) -> None:
    records = store.all_cases()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(SUMMARY_COLUMNS)
    rows: list[IndexRow] = []
    summary.by_recommendation.clear()
    summary.by_flag.clear()
    for rec in records:
        summary.by_recommendation[rec.recommendation or "failed"] += 1
        summary.by_flag.update(set(rec.flag_codes))
        w.writerow([rec.case_id, rec.source, rec.status, rec.recommendation or "", rec.n_pages, rec.n_errors,
                    len(rec.flag_codes), " ".join(sorted(set(rec.flag_codes))), rec.message or ""])
        rows.append(IndexRow.from_record(rec, out_dir / "cases"))
    atomic_write_text(out_dir / "summary.csv", buf.getvalue())
    atomic_write_text(out_dir / "index.html", render_index_html(rows))


def _recommendation_label(key: str) -> str:
    lab = label("recommendation", key)
    return f"{lab.zh} {lab.en}" if lab else key


def format_summary(summary: IngestSummary, out_dir: Path) -> str:
    lines = [
        f"申请人 applicants: {summary.total}  处理 processed: {summary.processed}  "
        f"跳过 skipped: {summary.skipped}  失败 failed: {summary.failed}  页 pages: {summary.pages}  "
        f"用时 time: {summary.seconds:.1f}s",
        "",
        cell("建议 recommendation", 48) + cell("人数 count", 10, right=True),
    ]
    for rec, n in sorted(summary.by_recommendation.items(), key=lambda kv: -kv[1]):
        lines.append(cell(_recommendation_label(rec), 48) + cell(str(n), 10, right=True))
    if summary.by_flag:
        lines += ["", cell("标记 flag", 40) + cell("申请人 applicants", 18, right=True)]
        for code, n in sorted(summary.by_flag.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(cell(code, 40) + cell(str(n), 18, right=True))
    lines += ["", f"汇总 summary: {out_dir / 'summary.csv'}", f"报告 report: {out_dir / 'index.html'}"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI


def _cmd_ingest(args: argparse.Namespace) -> int:
    out: Path = args.out
    options = run_options_from(args, out / "cache")
    summary = ingest(args.archive, out, options, workers=args.workers, engine=args.engine,
                     scheduler=args.scheduler, manifest=args.manifest, force=args.force)
    print(format_summary(summary, out))
    return summary.exit_code


def register(sub: SubCommands) -> None:
    p = sub.add_parser("ingest", help="批量处理档案 / bulk-ingest an archive (one sub-folder or zip per applicant)")
    p.add_argument("archive", type=Path, help="ARCHIVE_DIR")
    p.add_argument("--out", type=Path, required=True, help="OUT_DIR (cases/, summary.csv, index.html, store)")
    p.add_argument("--workers", type=positive_int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--engine", choices=["local", "dask"], default="local", help="local process pool or Dask")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT")
    p.add_argument("--manifest", type=Path, default=None,
                   help="CSV with columns file,applicant for a flat archive / 平铺档案的清单")
    p.add_argument("--force", action="store_true", help="redo every applicant / 全部重做")
    add_run_options(p)
    p.set_defaults(handler=_cmd_ingest)

