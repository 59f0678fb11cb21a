"""When credcase itself fails on an applicant, or a worker dies: the applicant still gets a case
file that says so (never only a line in summary.csv), and an innocent job is run again."""

from __future__ import annotations

from concurrent.futures import BrokenExecutor, Future
from pathlib import Path
from typing import Any

import pytest

from pipeline import batch
from pipeline.casefile import read_case
from pipeline.core.console import Progress
from pipeline.core.options import RunOptions
from pipeline.store import RunStore


def _job(case_id: str = "A0001") -> batch.ApplicantJob:
    return batch.ApplicantJob(case_id=case_id, source=case_id, inputs=[Path("/nowhere") / case_id], input_hash="h",
                              options=RunOptions())


def test_a_crash_inside_credcase_gives_a_case_file_that_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 ) -> None:
    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in a stage")

    monkeypatch.setattr(batch, "process_applicant", crash)
    res = batch.process_job(_job())
    assert not res.ok and res.case_json is not None and "RuntimeError" in (res.message or "")
    cases = tmp_path / "cases"
    cases.mkdir()
    store = RunStore(tmp_path)
    summary = batch.IngestSummary(total=1)
    batch._finish(res, store, cases, summary, Progress(1, stream=open(tmp_path / "progress.txt", "w")))
    case = read_case(cases / "A0001.json")
    assert case.recommendation == "processing_failed"
    assert [f.code for f in case.flags] == ["PROCESSING_FAILED"] and case.flags[0].severity == "critical"
    assert case.errors[0].code == "PROCESSING_FAILED" and "RuntimeError" in (case.errors[0].detail or "")
    assert (cases / "A0001.html").exists()
    rec = store.get("A0001")
    assert rec is not None and rec.status == "failed" and rec.recommendation == "processing_failed"
    assert summary.failed == 1


class _Engine:
    """Runs jobs in this process; `broken` job ids raise BrokenExecutor the first `times` times."""

    def __init__(self, broken: dict[str, int]) -> None:
        self.broken, self.restarts, self.runs = dict(broken), 0, []

    def submit(self, job: batch.ApplicantJob) -> Future[batch.JobResult]:
        fut: Future[batch.JobResult] = Future()
        self.runs.append(job.case_id)
        if self.broken.get(job.case_id, 0) > 0:
            self.broken[job.case_id] -= 1
            fut.set_exception(BrokenExecutor("a worker died"))
        else:
            fut.set_result(batch.JobResult(case_id=job.case_id, source=job.source, input_hash="h", ok=True,
                                           case_json="{}"))
        return fut

    def wait_first(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        first = next(iter(pending))
        return {first}, pending - {first}

    def restart(self) -> None:
        self.restarts += 1

    def close(self) -> None:
        pass


def test_a_job_whose_worker_died_runs_once_more_then_is_a_failed_case() -> None:
    engine = _Engine({"A0002": 1, "A0003": 2})  # A0002 dies once (innocent), A0003 twice
    got: list[batch.JobResult] = []
    batch._drain(engine, [_job("A0001"), _job("A0002"), _job("A0003")], 1, got.append)
    by_id = {r.case_id: r for r in got}
    assert sorted(by_id) == ["A0001", "A0002", "A0003"]
    assert by_id["A0001"].ok and by_id["A0002"].ok
    failed = by_id["A0003"]
    assert not failed.ok and failed.case_json is not None and "processing_failed" in failed.case_json
    assert engine.runs.count("A0002") == 2 and engine.runs.count("A0003") == 2 and engine.restarts >= 3
