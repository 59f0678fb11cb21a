"""credcase evaluate on hand-written truth and case files: known numbers, regression diff."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.cli import main
from pipeline.measure.evaluate import diff, evaluate, norm_value, run

CLEAN_FORBIDDEN = ["MISSING_UNIT_SEAL", "NAME_MISMATCH", "QUALIFICATION_NOT_IN_CATALOG", "PDF_MODIFIED"]


def _truth(folder: str, *, defects: list, expected: list, forbidden: list, rec: str, cid: int | None) -> dict:
    return {
        "folder": folder, "entry": folder, "zipped": False, "index": 1, "kind": "chinese",
        "defects": defects,
        "files": [
            {"path": "IMG_0001.JPG", "pages": [{"page": 1, "doc_id": "d01", "doc_type": "resident_id_card",
                                                "doc_pages": [0], "degradation": "phone", "rotation": 0}]},
            {"path": "scan0002.pdf", "pages": [
                {"page": 1, "doc_id": "d02", "doc_type": "labor_contract", "doc_pages": [0], "degradation": "scan"},
                {"page": 2, "doc_id": "d02", "doc_type": "labor_contract", "doc_pages": [1], "degradation": "scan"}]},
        ],
        "documents": [
            {"doc_id": "d01", "doc_type": "resident_id_card", "fields": {"name": "张伟", "id_number": "32120219900101123X"},
             "field_pages": {"name": 0, "id_number": 0},
             "files": [{"path": "IMG_0001.JPG", "pages": [1]}]},
            {"doc_id": "d02", "doc_type": "labor_contract",
             "fields": {"employer": "泰州华信医药有限公司", "term_start": "2021-03-01"},
             "field_pages": {"employer": 0, "term_start": 1},
             "files": [{"path": "scan0002.pdf", "pages": [1, 2]}]},
        ],
        "qualification": {"catalog_id": cid, "status": "matched" if cid else "no_match"},
        "flags_expected": expected, "flags_tolerated": [], "flags_forbidden": forbidden, "recommendation": rec,
    }


def _case(folder: str, *, id_type: str, name: str, id_number: str, employer: str, flags: list, rec: str,
          cid: int | None) -> dict:
    return {
        "schema_version": "1.0", "case_id": folder, "source": folder,
        "documents": [
            {"doc_id": "x1", "doc_type": id_type, "files": [{"path": "IMG_0001.JPG", "sha256": "0", "pages": [1]}],
             "fields": {"name": {"value": name, "confidence": 0.9, "evidence": []},
                        "id_number": {"value": id_number, "confidence": 0.9, "evidence": []}}},
            {"doc_id": "x2", "doc_type": "labor_contract",
             "files": [{"path": "scan0002.pdf", "sha256": "0", "pages": [1, 2]}],
             "fields": {"employer": {"value": employer}, "term_start": {"value": "2021-03-01"}}},
        ],
        "qualification": {"catalog_id": cid, "status": "matched" if cid else "no_match"},
        "flags": [{"code": c, "severity": s} for c, s in flags],
        "recommendation": rec, "errors": [],
    }


def _write(archive: Path, out: Path, truths: list[dict], cases: list[dict]) -> None:
    (archive / "_truth").mkdir(parents=True, exist_ok=True)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    for t in truths:
        (archive / "_truth" / f"{t['folder']}.json").write_text(json.dumps(t, ensure_ascii=False), encoding="utf-8")
    for c in cases:
        (out / "cases" / f"{c['source']}.json").write_text(json.dumps(c, ensure_ascii=False), encoding="utf-8")


def _fixture(tmp_path: Path, second_case: bool = True) -> tuple[Path, Path]:
    archive, out = tmp_path / "archive", tmp_path / "out"
    truths = [
        _truth("A0001_张伟", defects=[], expected=[], forbidden=CLEAN_FORBIDDEN, rec="forward_to_panel", cid=31),
        _truth("A0002_李娜", defects=[{"kind": "missing_unit_seal"}], expected=["MISSING_UNIT_SEAL"],
               forbidden=["NAME_MISMATCH", "PDF_MODIFIED"], rec="return_for_materials", cid=12),
        _truth("A0003_王芳", defects=[{"kind": "missing_unit_seal"}], expected=["MISSING_UNIT_SEAL"],
               forbidden=[], rec="return_for_materials", cid=5),
    ]
    cases = [
        # clean applicant: id card right, name has extra spaces (normalised), employer wrong;
        # a false NAME_MISMATCH (critical severity) and a wrong recommendation
        _case("A0001_张伟", id_type="resident_id_card", name=" 张伟 ", id_number="32120219900101123x",
              employer="泰州华信", flags=[("NAME_MISMATCH", "critical")], rec="refer_for_investigation", cid=31),
    ]
    if second_case:
        # defective applicant: classified passport (wrong), fields right, flag found, recommendation right
        cases.append(_case("A0002_李娜", id_type="passport", name="李娜", id_number="32120219900101123X",
                           employer="泰州华信医药有限公司", flags=[("MISSING_UNIT_SEAL", "warning")],
                           rec="return_for_materials", cid=12))
    # A0003 has no case file at all: everything about it counts as wrong
    _write(archive, out, truths, cases)
    return archive, out


def test_norm_value_whitespace_and_case_only():
    assert norm_value("  Zhang   Wei ") == norm_value("zhang wei")
    assert norm_value(True) == "true"
    assert norm_value("2021-03-01") != norm_value("2021-3-1")


def test_evaluate_counts_on_hand_written_cases(tmp_path):
    archive, out = _fixture(tmp_path)
    ev = evaluate(out, archive)
    s = ev["summary"]
    assert s["applicants"] == 3 and s["cases_missing"] == 1
    # pages: 3 per applicant = 9; A0001 all right (3), A0002 id page wrong (2 right), A0003 none
    assert ev["classification"]["n"] == 9 and ev["classification"]["correct"] == 5
    assert ev["classification"]["confusion"]["resident_id_card"] == {"resident_id_card": 1, "passport": 1,
                                                                      "(missing)": 1}
    assert ev["classification"]["per_type"]["labor_contract"]["accuracy"] == round(4 / 6, 4)
    # fields: 4 per applicant = 12; A0001: 3 right (employer wrong); A0002: id fields not matched
    # (classified passport) → 2 right; A0003: 0
    assert ev["fields"]["n"] == 12 and ev["fields"]["correct"] == 5
    assert ev["fields"]["by_level"]["phone"] == {"n": 6, "correct": 2, "accuracy": round(2 / 6, 4)}
    assert ev["fields"]["by_level"]["scan"]["correct"] == 3
    assert ev["fields"]["by_field"]["labor_contract.employer"]["correct"] == 1
    assert s["catalog_accuracy"] == round(2 / 3, 4)
    mus = ev["flags"]["MISSING_UNIT_SEAL"]
    assert (mus["tp"], mus["fn"], mus["fp"], mus["recall"]) == (1, 1, 0, 0.5)
    nm = ev["flags"]["NAME_MISMATCH"]
    assert (nm["tp"], nm["fp"], nm["precision"]) == (0, 1, 0.0)
    assert s["clean_applicants"] == 1 and s["clean_with_false_flags"] == 1
    assert s["clean_with_false_flags_pct"] == 100.0 and s["false_critical_flags_on_clean"] == 1
    assert s["recommendation_accuracy"] == round(1 / 3, 4)
    assert ev["defects"]["missing_unit_seal"] == {"n": 2, "correct": 1, "accuracy": 0.5}


def test_regression_diff_and_prev_file(tmp_path, capsys):
    archive, out = _fixture(tmp_path, second_case=False)
    first = run(out, archive)
    assert first["changes"] == {"improved": [], "worse": []}
    _fixture(tmp_path, second_case=True)  # the pipeline got better: A0002 now has a case file
    assert main(["evaluate", str(out), "--truth", str(archive)]) == 0
    text = capsys.readouterr().out
    assert "improved" in text and "summary.cases_missing 2 → 1" in text
    assert (out / "evaluation.prev.json").is_file()
    cur = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    worse = {c["metric"] for c in cur["changes"]["worse"]}
    improved = {c["metric"] for c in cur["changes"]["improved"]}
    assert "summary.recommendation_accuracy" in improved
    assert "classification.resident_id_card" not in worse  # 1/3 before and after (wrong type now)
    assert diff(cur, cur) == {"improved": [], "worse": []}


def test_evaluate_json_and_empty_run_never_crash(tmp_path, capsys):
    archive, out = _fixture(tmp_path)
    for c in (out / "cases").glob("*.json"):
        c.write_text("{not json", encoding="utf-8")
    assert main(["evaluate", str(out), "--truth", str(archive), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["cases_missing"] == 3 and data["summary"]["recommendation_accuracy"] == 0.0
