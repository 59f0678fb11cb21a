"""One applicant through pipeline.run with the real OCR: the stages in order, and what happens
when one page or one file fails in a stage (it becomes that page's or file's error; the rest of
the applicant is read and the case file is complete)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline import classify, run
from pipeline.core.options import RunOptions

pytestmark = pytest.mark.ocr


def _options(cache: Path, truth: dict) -> RunOptions:
    return RunOptions(cache_dir=cache, application_date=date.fromisoformat(truth["application_date"]))


def _expected_types(truth: dict) -> set[str]:
    return {d["doc_type"] for d in truth["documents"]}


def test_generated_applicant_is_read_to_its_recommendation(generated_applicant, ocr_cache_dir):
    path, truth = generated_applicant
    case = run.process_applicant([path], _options(ocr_cache_dir, truth))
    assert case.errors == []
    assert {d.doc_type for d in case.documents} >= _expected_types(truth)
    assert case.recommendation == truth["recommendation"]
    # every page the truth lists was read and recorded, with its cues
    pages = {(p.file, p.page) for p in case.pages}
    assert {(f["path"], pg["page"]) for f in truth["files"] for pg in f["pages"]} <= pages
    assert case.comparison is not None and case.comparison.rows


def test_a_stage_failing_on_one_page_costs_that_page_only(generated_applicant, ocr_cache_dir, tmp_path,
                                                          monkeypatch):
    path, truth = generated_applicant
    folder = tmp_path / "applicant"
    shutil.copytree(path, folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nothing else")  # a file that cannot be read at all
    victim = sorted(p.name for p in folder.iterdir() if p.suffix in (".jpg", ".png"))[0]
    real = classify.page_cues

    def failing(page, ocr):  # an unexpected crash inside one stage, on one file's pages
        if page.name == victim:
            raise RuntimeError("a detector bug")
        return real(page, ocr)

    monkeypatch.setattr(classify, "page_cues", failing)
    case = run.process_applicant([folder], _options(ocr_cache_dir, truth))
    by_file = {e.file: e for e in case.errors}
    assert by_file[victim].code == "READ_FAILED" and by_file[victim].page == 1
    assert by_file[victim].detail == "RuntimeError" and "scan it again" in by_file[victim].message_en
    assert by_file["broken.pdf"].code == "CORRUPT_PDF"
    read = {p.file for p in case.pages}
    assert victim not in read and len(read) == len({f["path"] for f in truth["files"]}) - 1
    assert {"FILE_UNREADABLE"} <= {f.code for f in case.flags}
