"""Run store, discovery and the corpus-level duplicate checks (no OCR needed)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.batch import discover_applicants, flag_collisions, input_hash
from pipeline.casefile import read_case
from pipeline.core.errors import ConfigError
from pipeline.core.models import CaseFile, Evidence, Fingerprint
from pipeline.core.options import RunOptions
from pipeline.core.stages import StoredFingerprint
from pipeline.forensics import fingerprint_distance
from pipeline.store import CaseRecord, RunStore


def _case(case_id: str, fps: list[Fingerprint]) -> CaseFile:
    return CaseFile(case_id=case_id, source=case_id, processed_at=datetime.now(UTC),
                    recommendation="forward_to_panel", fingerprints=fps)


def _store_case(store: RunStore, cases_dir: Path, case: CaseFile) -> None:
    (cases_dir / f"{case.case_id}.json").write_text(case.model_dump_json())
    store.record(CaseRecord(case.case_id, case.source, "h", "done", str(case.recommendation), 1, 0, [], None),
                 [StoredFingerprint(case.case_id, f.kind, f.value, f.holder_name,
                                    f.evidence.model_dump() if f.evidence else None) for f in case.fingerprints])


def test_store_roundtrip_and_resume_record(tmp_path):
    store = RunStore(tmp_path)
    store.record(CaseRecord("A1", "A1", "abc", "done", "ineligible", 3, 0, ["X"], None, ["/a/b"]))
    rec = store.get("A1")
    assert rec is not None and rec.input_hash == "abc" and rec.flag_codes == ["X"] and rec.inputs == ["/a/b"]
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"
    store.close()
    again = RunStore(tmp_path)  # survives a reopen (a new run)
    assert again.get("A1").recommendation == "ineligible"


def test_duplicate_certificate_number_flags_both_cases(tmp_path):
    store = RunStore(tmp_path)
    cases = tmp_path / "cases"
    cases.mkdir()
    ev = Evidence(file="cert.png", page=1, bbox=(1, 2, 3, 4))
    first = _case("A1", [Fingerprint(kind="cert_number", value="CWI-1234567", holder_name="Wei ZHANG", evidence=ev)])
    _store_case(store, cases, first)
    second = _case("A2", [Fingerprint(kind="cert_number", value="CWI-1234567", holder_name="Li NA", evidence=ev)])
    changed_self, others = flag_collisions(second, store, cases)
    assert changed_self
    assert [f.code for f in second.flags] == ["DUPLICATE_CERTIFICATE_NUMBER"]
    assert "A1" in second.flags[0].message_en
    assert others == ["A1"]
    earlier = read_case(cases / "A1.json")  # its case file was rewritten with the flag
    assert earlier.flags[0].code == "DUPLICATE_CERTIFICATE_NUMBER" and "A2" in earlier.flags[0].message_zh
    assert earlier.recommendation == "refer_for_investigation" == store.get("A1").recommendation
    assert second.recommendation == "refer_for_investigation"


def test_same_id_number_same_name_is_not_a_duplicate(tmp_path):
    store = RunStore(tmp_path)
    cases = tmp_path / "cases"
    cases.mkdir()
    _store_case(store, cases, _case("A1", [Fingerprint(kind="id_number", value="321202199001011234",
                                                       holder_name="张伟")]))
    same = _case("A2", [Fingerprint(kind="id_number", value="321202199001011234", holder_name="张伟")])
    assert flag_collisions(same, store, cases) == (False, [])
    other = _case("A3", [Fingerprint(kind="id_number", value="321202199001011234", holder_name="李娜")])
    changed, _ = flag_collisions(other, store, cases)
    assert changed and other.flags[0].code == "DUPLICATE_CERTIFICATE_NUMBER"
    assert "199001011234" not in other.flags[0].message_zh  # masked


def test_near_identical_certificate_images_are_duplicates(tmp_path):
    store = RunStore(tmp_path)
    cases = tmp_path / "cases"
    cases.mkdir()
    base = "ffd8a0b0c0d0e0f0" * 4
    _store_case(store, cases, _case("A1", [Fingerprint(kind="cert_image", value=base)]))
    near = _case("A2", [Fingerprint(kind="cert_image", value=base[:-1] + "1")])
    far = _case("A3", [Fingerprint(kind="cert_image", value="0027f5f3f2f1f0f0" * 4)])
    assert fingerprint_distance(base, base[:-1] + "1") == 1
    assert flag_collisions(near, store, cases)[0]
    assert near.flags[0].code == "DUPLICATE_IMAGE_ACROSS_CASES"
    assert flag_collisions(far, store, cases) == (False, [])


def test_discover_folders_zips_and_manifest(tmp_path):
    (tmp_path / "A0001").mkdir()
    (tmp_path / "A0001" / "x.jpg").write_bytes(b"x")
    (tmp_path / "_truth").mkdir()
    (tmp_path / "B.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    found = discover_applicants(tmp_path)
    assert [c for c, _ in found] == ["A0001", "B"]
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("p1.jpg", "p2.jpg", "q1.jpg"):
        (flat / name).write_bytes(b"x")
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,applicant\np1.jpg,P\nq1.jpg,Q\np2.jpg,P\n")
    groups = dict(discover_applicants(flat, manifest))
    assert sorted(p.name for p in groups["P"]) == ["p1.jpg", "p2.jpg"] and len(groups["Q"]) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("path,who\n")
    with pytest.raises(ConfigError):
        discover_applicants(flat, bad)


def test_input_hash_changes_with_content_and_options(tmp_path):
    d = tmp_path / "A"
    d.mkdir()
    (d / "a.jpg").write_bytes(b"one")
    h1 = input_hash([d], RunOptions())
    assert h1 == input_hash([d], RunOptions())
    (d / "a.jpg").write_bytes(b"two")
    h2 = input_hash([d], RunOptions())
    assert h2 != h1
    assert input_hash([d], RunOptions(ocr="tesseract")) != h2
