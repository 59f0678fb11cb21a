"""`credcase match` JSON contract, --batch, --text-file, and `credcase catalog list|show|validate`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from catalog import DEFAULT_CATALOG
from pipeline.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_match_json_contract(capsys):
    rc, out, _ = run(capsys, "match", "CERTIFlED WELDlNG lNSPECTOR", "--issuer", "American Welding Society", "--json")
    assert rc == 0
    d = json.loads(out)
    assert list(d) == ["catalog_id", "status", "score", "candidates"]
    assert (d["catalog_id"], d["status"], d["score"]) == (31, "matched", 100.0)
    assert d["candidates"][0]["catalog_id"] == 31 and "American Welding Society" in d["candidates"][0]["reason"]
    assert set(d["candidates"][0]) == {"catalog_id", "name", "score", "reason"}


def test_match_json_no_match_and_review(capsys):
    _, out, _ = run(capsys, "match", "Senior Certified Welding Inspector", "--json")
    d = json.loads(out)
    assert d["status"] == "no_match" and d["catalog_id"] is None and isinstance(d["score"], float)
    _, out, _ = run(capsys, "match", "Member", "--json")
    assert json.loads(out)["status"] == "review"


def test_match_text_file_and_human_output(capsys, tmp_path):
    f = tmp_path / "cert.txt"
    f.write_text("IHK Chemnitz\nAbschlusszeugnis\nAusbildungsberuf: Pharmakantin\nbestanden", encoding="utf-8")
    rc, out, _ = run(capsys, "match", "--text-file", str(f))
    assert rc == 0
    assert out.startswith("匹配 matched") and "45. Pharmakant/-in / 药物生产技术员" in out


def test_match_batch_in_order(capsys, tmp_path):
    lines = [{"text": "CWI", "issuer": "AWS"}, {"text": "Industriemechanikerin"},
             {"text": "NACE CIP Level 1"}, {"text": "Ordinary Membership", "issuer": "Australian Diabetes Society"},
             {"text": "执业药师"}]
    f = tmp_path / "q.jsonl"
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    rc, out, _ = run(capsys, "match", "--batch", str(f), "--json")
    assert rc == 0
    got = [json.loads(line) for line in out.splitlines()]
    assert [(g["catalog_id"], g["status"]) for g in got] == [
        (31, "matched"), (37, "matched"), (None, "no_match"), (10, "matched"), (6, "review")]


def test_match_batch_bad_line_keeps_order_and_exit_1(capsys, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"text": "Chemikant"}\n{broken\n{"text": "Mechatroniker"}\n', encoding="utf-8")
    rc, out, _ = run(capsys, "match", "--batch", str(f), "--json")
    got = [json.loads(line) for line in out.splitlines()]
    assert rc == 1 and len(got) == 3
    assert got[0]["catalog_id"] == 52 and "line 2" in got[1]["error"] and got[2]["catalog_id"] == 38


def test_match_without_text_is_usage_error(capsys):
    rc, _, err = run(capsys, "match")
    assert rc == 2 and err.startswith("错误：") and "Error:" in err


def test_catalog_list_and_show(capsys):
    rc, out, _ = run(capsys, "catalog", "list")
    assert rc == 0
    rows = [line for line in out.splitlines() if line[:2].strip().isdigit()]
    assert len(rows) == 52
    assert rows[34].startswith("35") and "Elektroniker/-in -Betriebsstechnik" in rows[34] and "DIHK" in rows[34]
    rc, out, _ = run(capsys, "catalog", "show", "14")
    assert rc == 0
    assert "International Medical Technologist, MT (ASCP)" in out and "MLS(ASCP)i" in out
    assert "Medical Laboratory Scientist MLS(ASCP) → review" in out  # its near misses are listed
    rc, _, err = run(capsys, "catalog", "show", "99")
    assert rc == 2 and "没有序号 99" in err


def test_catalog_validate_cli_reports_every_problem_without_traceback(tmp_path):
    raw = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    raw["entries"][1]["id"] = 1
    raw["entries"][5]["series"] = "化学工程"
    p = tmp_path / "b.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "catalog", "validate", str(p)],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    zh_at, en_at = r.stderr.index("目录批次文件无效"), r.stderr.index("Invalid catalogue batch file")
    assert zh_at < en_at
    assert "序号 1 重复" in r.stderr and "unknown series '化学工程'" in r.stderr
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "catalog", "validate", str(DEFAULT_CATALOG)],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert r.returncode == 0 and "taizhou-2022-batch-1" in r.stdout


def test_match_with_other_catalog_file(capsys, tmp_path):
    raw = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    raw["batch_id"] = "test-batch"
    raw["entries"] = [e for e in raw["entries"] if e["id"] != 31]
    raw["near_misses"] = [n for n in raw["near_misses"] if 31 not in n["near"]]
    p = tmp_path / "b.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    _, out, _ = run(capsys, "match", "Certified Welding Inspector", "--catalog", str(p), "--json")
    assert json.loads(out)["catalog_id"] != 31
