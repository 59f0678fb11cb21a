"""The sample archive: plan coverage (no rendering), truth vs generator, determinism,
file formats and the traces each forgery defect must leave in the files."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from PIL import Image

from samples.archive import (
    TRUTH_DIR,
    archive_complete,
    archive_data,
    compose,
    plan_archive,
    verify_truth,
    write_applicant,
    write_archive,
)
from samples.defects import defects_data, expected_recommendation

N_SMALL, SEED_SMALL = 3, 40  # Chinese (zipped, text layer), returnee (some files zipped in the folder), HK


# --------------------------------------------------------------------------- plan only (fast)


@pytest.mark.parametrize("n,seed,rate", [(40, 4040, 0.6), (40, 1, 0.5), (57, 99, 0.5)])
def test_every_defect_kind_appears_with_40_applicants(n, seed, rate):
    plan = plan_archive(n, seed, rate)
    kinds = {a.kind for ap in plan.applicants for a in ap.defects}
    assert kinds == {k.id for k in defects_data().kinds}
    defective = [ap for ap in plan.applicants if ap.defects]
    assert len(defective) == round(n * rate)
    for ap in plan.applicants:  # pairs point at each other, partner first
        for a in ap.defects:
            if a.role == "copy":
                partner = plan.by_index(a.partner)
                assert partner.index < ap.index
                assert any(b.kind == a.kind and b.role == "partner" for b in partner.defects)
                assert partner.catalog_id == ap.catalog_id
            k = defects_data().kind(a.kind)
            assert k.kinds is None or ap.kind in k.kinds


@pytest.mark.parametrize("only", [["image_region_tampered"], ["name_mismatch", "pdf_modified"]])
def test_plan_limited_to_some_defect_kinds(only):
    """--defects: every defective applicant carries only the named kinds, each of them dealt."""
    plan = plan_archive(24, 777, 1.0, only)
    kinds = [a.kind for ap in plan.applicants for a in ap.defects]
    assert all(ap.defects for ap in plan.applicants)
    assert set(kinds) == set(only)
    assert plan_archive(24, 777, 1.0) != plan  # the full mix is another archive
    with pytest.raises(ValueError, match="no_such_kind"):
        plan_archive(5, 1, 1.0, ["no_such_kind"])


def test_defect_limited_archive_records_its_kinds(tmp_path):
    """The manifest says which kinds the archive was limited to, so --if-missing, verify and
    ocr_eval re-plan the same archive."""
    import samples.archive as A

    man = A._args(5, 2, 1.0, ["image_region_tampered"])
    assert man["defects"] == ["image_region_tampered"]
    assert "defects" not in A._args(5, 2, 1.0)  # archives made without --defects keep their args
    plan = A.plan_from_args(man)
    assert {a.kind for ap in plan.applicants for a in ap.defects} == {"image_region_tampered"}
    assert not archive_complete(tmp_path, 5, 2, 1.0, ["image_region_tampered"])


def test_plan_is_deterministic_and_cycles_the_catalogue():
    a, b = plan_archive(60, 5, 0.5), plan_archive(60, 5, 0.5)
    assert [(x.kind, x.catalog_id, [d.kind for d in x.defects]) for x in a.applicants] == \
           [(x.kind, x.catalog_id, [d.kind for d in x.defects]) for x in b.applicants]
    assert {ap.expected_catalog_id for ap in a.applicants} - {None} == set(range(1, 53))
    grants = {ap.index: ap for ap in a.applicants if any(d.kind == "title_exceeds_catalog" for d in ap.defects)}
    from samples.people import cert_entry
    for ap in grants.values():
        assert cert_entry(ap.catalog_id).grants == "助理工程师"


def test_recommendation_precedence_from_data():
    assert expected_recommendation([]) == "forward_to_panel"
    assert expected_recommendation(["MISSING_UNIT_SEAL"]) == "return_for_materials"
    assert expected_recommendation(["MISSING_UNIT_SEAL", "SENIOR_TITLE_NOT_SUPPORTED"]) == "ineligible"
    assert expected_recommendation(["NOT_EMPLOYED_IN_TAIZHOU", "PDF_MODIFIED"]) == "refer_for_investigation"
    assert expected_recommendation(["SEX_MISMATCH"]) == "refer_for_investigation"


# --------------------------------------------------------------------------- a small real archive


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("archive")
    write_archive(out, N_SMALL, SEED_SMALL, 0.5)
    return out


def test_truth_matches_generator(small_archive):
    assert verify_truth(small_archive) == []


def test_archive_layout_and_truth(small_archive):
    man = json.loads((small_archive / "manifest.json").read_text(encoding="utf-8"))
    assert man["args"]["seed"] == SEED_SMALL and len(man["applicants"]) == N_SMALL
    assert archive_complete(small_archive, N_SMALL, SEED_SMALL, 0.5)
    assert not archive_complete(small_archive, N_SMALL, SEED_SMALL + 1, 0.5)
    doc_type_names = {"resident_id_card", "application_form", "labor_contract", "qualification_certificate"}
    for row in man["applicants"]:
        assert re.fullmatch(r"A\d{4}_[^/]+", row["folder"])
        t = json.loads((small_archive / TRUTH_DIR / f"{row['folder']}.json").read_text(encoding="utf-8"))
        entry = small_archive / t["entry"]
        assert entry.exists()
        if not t["zipped"]:  # the truth is never inside the applicant's folder
            assert not list(entry.rglob("*.json"))
        assert t["recommendation"] in {"forward_to_panel", "return_for_materials", "refer_for_investigation",
                                       "ineligible"}
        if not t["defects"]:
            assert t["flags_expected"] == [] and "NAME_MISMATCH" in t["flags_forbidden"]
            assert t["recommendation"] == "forward_to_panel" and t["qualification"]["status"] == "matched"
        assert not set(t["flags_expected"]) & set(t["flags_forbidden"])
        if row["index"] == 2:  # this applicant zipped some files inside the folder
            assert any(".zip/" in f["path"] for f in t["files"])
        for f in t["files"]:
            assert Path(f["path"]).stem not in doc_type_names
            for pg in f["pages"]:
                assert pg["degradation"] in {"clean", "scan", "phone", "photocopy"}
                assert pg["rotation"] in {0, 90, 180, 270}
            # each file opens with the page count the truth says
            data = io.BytesIO(_open_file(small_archive, t, f["path"]))
            if f["path"].lower().endswith(".pdf"):
                with pikepdf.open(data) as pdf:
                    assert len(pdf.pages) == len(f["pages"])
            else:
                with Image.open(data) as im:
                    assert getattr(im, "n_frames", 1) == len(f["pages"])


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def test_same_seed_gives_identical_files(small_archive, tmp_path):
    plan = plan_archive(N_SMALL, SEED_SMALL, 0.5)
    again = tmp_path / "again"
    for i in (1, 2):  # applicants re-generated on their own give the same bytes (a zip, a folder)
        t = write_applicant(plan, i, again)
        first = small_archive / t["entry"]
        second = again / t["entry"]
        if first.is_file():
            assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
        else:
            assert _hashes(first) == _hashes(second) and _hashes(first)
        assert (again / TRUTH_DIR / f"{t['folder']}.json").read_bytes() == \
               (small_archive / TRUTH_DIR / f"{t['folder']}.json").read_bytes()


# --------------------------------------------------------------------------- forgery traces


def _applicant_with(plan, kind: str) -> int:
    return next(ap.index for ap in plan.applicants if any(a.kind == kind for a in ap.defects))


def _open_file(out: Path, truth: dict, rel: str) -> bytes:
    if truth["zipped"]:
        with zipfile.ZipFile(out / truth["entry"]) as zf:
            return zf.read(rel)
    outer, sep, inner = rel.partition(".zip/")
    if sep:  # inside a zip the applicant made in the folder
        with zipfile.ZipFile(out / truth["entry"] / f"{outer}.zip") as zf:
            return zf.read(inner)
    return (out / truth["entry"] / rel).read_bytes()


@pytest.fixture(scope="module")
def plan40():
    return plan_archive(40, 4040, 0.6)


def test_mrz_defect_breaks_a_check_digit(plan40):
    from pipeline.core.codes import mrz_check_digit

    c = compose(plan40, _applicant_with(plan40, "mrz_check_digit_invalid"))
    doc = next(d for d in c.docs if d.doc_type == "passport")
    assert doc.rendered.fields["mrz_valid"] is False
    line2 = [w for ws in doc.rendered.words for w, _ in ws if re.fullmatch(r"[A-Z0-9<]{44}", w)][1]
    assert mrz_check_digit(line2[13:19]) != line2[19]
    assert "MRZ_CHECK_DIGIT_INVALID" in c.flags_expected


def test_editor_traces_in_files(plan40, tmp_path):
    i = _applicant_with(plan40, "image_editing_software")
    only = {"qualification_certificate", "diploma", "degree_certificate", "labor_contract", "social_insurance_record"}
    t = write_applicant(plan40, i, tmp_path, only=only)
    assert "IMAGE_EDITING_SOFTWARE" in t["flags_expected"] and t["recommendation"] == "refer_for_investigation"
    edited = [f for f in t["files"] if f["metadata"].get("software")]
    assert edited and edited[0]["format"] == "jpeg"
    import io

    im = Image.open(io.BytesIO(_open_file(tmp_path, t, edited[0]["path"])))
    assert im.getexif()[0x0131] == "Adobe Photoshop 24.1 (Windows)"
    assert b"Adobe Photoshop" in im.info.get("xmp", b"")

    i = _applicant_with(plan40, "pdf_modified")
    t = write_applicant(plan40, i, tmp_path, only=only)
    pdf = next(f for f in t["files"] if f["metadata"].get("edited_by"))
    data = _open_file(tmp_path, t, pdf["path"])
    assert data.count(b"startxref") == 2 and b"/Prev" in data
    with pikepdf.open(io.BytesIO(data)) as p:
        assert str(p.docinfo["/Producer"]).startswith("Adobe Acrobat")
        assert str(p.docinfo["/ModDate"]) > str(p.docinfo["/CreationDate"])


def test_text_layer_disagrees_with_the_truth(plan40, tmp_path):
    import io

    i = _applicant_with(plan40, "pdf_text_layer_mismatch")
    t = write_applicant(plan40, i, tmp_path, only={"qualification_certificate", "social_insurance_record"})
    f = next(f for f in t["files"] if f.get("text_layer_value"))
    doc = next(d for d in t["documents"] if d["doc_id"] == f["pages"][0]["doc_id"])
    with pdfplumber.open(io.BytesIO(_open_file(tmp_path, t, f["path"]))) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace(" ", "")
    assert f["text_layer_value"] in text
    printed = [v for v in doc["field_text"].values() if v and v.replace(" ", "") in text]
    assert f["text_layer_value"] not in doc["field_text"].values()
    assert printed  # the rest of the text layer matches the page


def test_tamper_retypes_the_value_in_the_truth(plan40):
    c = compose(plan40, _applicant_with(plan40, "image_region_tampered"))
    doc = next(d for d in c.docs if d.tamper)
    page, box, old_word, new_word = doc.tamper
    f = "certificate_number"
    assert doc.rendered.fields[f] in new_word and doc.rendered.fields[f] not in old_word
    assert doc.rendered.fields[f] != c.applicant.certificate.certificate_number or doc.doc_type != \
        "qualification_certificate"
    assert "IMAGE_REGION_TAMPERED" in c.flags_expected


@pytest.mark.ocr
def test_scanned_id_card_is_still_readable_by_tesseract(plan40):
    """Scan realism must not destroy the page: real tesseract reads the ID number on a scan."""
    import random

    import pytesseract

    from samples import degrade as dg

    i = next(ap.index for ap in plan40.applicants if ap.kind == "chinese" and not ap.defects)
    c = compose(plan40, i)
    doc = next(d for d in c.docs if d.doc_type == "resident_id_card")
    d = dg.degrade(doc.rendered.pages[0], "scan", random.Random(3), doc.rendered.dpi, 300)
    assert d.level == "scan" and abs(d.skew) >= 0.5
    text = pytesseract.image_to_string(d.image, lang="chi_sim+eng", config="--psm 6")
    digits = re.sub(r"[^0-9X]", "", text.upper())
    assert doc.rendered.fields["id_number"] in digits


def test_makefile_checks_validity_against_the_corpus_date():
    from samples.people import REFERENCE_DATE

    text = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert f"SAMPLE_DATE := {REFERENCE_DATE.isoformat()}" in text


def test_duplicate_image_pair_holds_the_same_pixels(plan40, tmp_path):
    import io

    import imagehash

    copy = next(ap for ap in plan40.applicants if any(a.kind == "duplicate_image" and a.role == "copy"
                                                      for a in ap.defects))
    partner = next(a.partner for a in copy.defects if a.kind == "duplicate_image")
    hashes = []
    for i in (partner, copy.index):
        t = write_applicant(plan40, i, tmp_path, only={"qualification_certificate"})
        assert "DUPLICATE_IMAGE_ACROSS_CASES" in t["flags_expected"]
        f = t["files"][0]
        data = _open_file(tmp_path, t, f["path"])
        hashes.append((hashlib.sha256(data).hexdigest(), imagehash.phash(Image.open(io.BytesIO(data)))))
    assert hashes[0][0] != hashes[1][0]  # re-saved: other bytes
    assert hashes[0][1] - hashes[1][1] <= 2  # same picture


def test_every_file_name_template_formats():
    """Each recipe's name templates only use placeholders the namer fills (a missing
    one crashed generation for whole seeds)."""
    import random

    from samples.archive import _Namer

    namer = _Namer(random.Random(0))
    for recipe in archive_data().recipes:
        for template in recipe.names:
            name = namer.name(template, "证书")
            assert "{" not in name and name.strip(), (recipe.id, template, name)
