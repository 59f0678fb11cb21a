"""Visas (MRV-A/MRV-B) and foreign identity cards (TD1/TD2) as documents: the generator's MRZ
lines against the ICAO 9303 specimens, classification and extraction of rendered pages read
through their drawn words (a text layer: fast, no OCR — tests/test_foreign_identity_ocr.py
reads the same pages with the real engines), and the rules: a visa beside a passport is checked
on its own three digits and does not satisfy Art. 5(1), which is policy data."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest
from pydantic import ValidationError
from test_checks_rules import doc, foreign_docs, run, serious

from extractors import extract
from extractors._shared.mrz import find_mrz
from pipeline.checks.policy import check_materials
from pipeline.checks.view import CaseView
from pipeline.classify import group_documents
from pipeline.classify.cues import card_cue, mrz_cues
from pipeline.classify.data import DocTypeData, doc_type_data
from pipeline.classify.scoring import classify_page, cue_on
from pipeline.core.models import DocType, Document, OcrLine, OcrResult, PageCues, PageInfo
from samples.people import Applicant, Person, make_applicant
from samples.render import RenderedDoc, render
from samples.render.identity import mrv_mrz, td1_mrz, td2_mrz

# ---------------------------------------------------------------------------- MRZ lines


def _specimen_person() -> Person:
    """ICAO 9303's specimen holder: ERIKSSON, ANNA MARIA of Utopia, born 1974-08-12."""
    p = make_applicant(random.Random(1), 1, kind="foreigner").person
    return replace(p, surname_latin="ERIKSSON", given_latin="ANNA MARIA", nationality="UTO",
                   birth_date=date(1974, 8, 12), sex="F")


def test_card_mrz_lines_are_the_icao_specimens() -> None:
    p = _specimen_person()
    assert td1_mrz(p, "I<", "D23145890", date(2012, 4, 15)) == (
        "I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
    assert td2_mrz(p, "I<", "D23145890", date(2012, 4, 15)) == (
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")


def test_visa_mrz_lines_are_the_icao_specimens_without_composite() -> None:
    # the visa specimen's holder is a national of XXX born 1940-09-07
    p = replace(_specimen_person(), nationality="XXX", birth_date=date(1940, 9, 7))
    l1, l2 = mrv_mrz(p, "V<", "UTO", "L8988901C", date(1996, 12, 10), 36)
    assert (l1, l2) == ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<")
    l1, l2 = mrv_mrz(p, "V<", "UTO", "L8988901C", date(1996, 12, 10), 44)
    assert len(l1) == len(l2) == 44 and l2.startswith("L8988901C4XXX4009078F9612109") and l2.endswith("<" * 16)


def test_a_visa_is_held_to_its_three_check_digits() -> None:
    p = replace(_specimen_person(), nationality="XXX", birth_date=date(1940, 9, 7))
    for width, fmt in ((44, "MRVA"), (36, "MRVB")):
        lines = mrv_mrz(p, "V<", "UTO", "L8988901C", date(1996, 12, 10), width)
        found = find_mrz([(ln, i) for i, ln in enumerate(lines)])
        assert found is not None
        mrz = found[0]
        assert mrz.format == fmt and mrz.valid
        assert set(mrz.checks) == {"number", "birth_date", "expiry_date"}
        bad = lines[1][:19] + "5" + lines[1][20:]  # the birth date's check digit altered
        found = find_mrz([(lines[0], 0), (bad, 1)])
        assert found is not None
        mrz = found[0]
        assert not mrz.valid and [k for k, v in mrz.checks.items() if not v] == ["birth_date"]


# ---------------------------------------------------------------------------- MRZ cues (doc_types.yaml)


@pytest.mark.parametrize(("code", "width", "on"), [
    ("P<", 44, {"mrz_passport"}), ("V<", 44, {"mrz_visa"}), ("VR", 36, {"mrz_visa"}),
    ("ID", 30, {"mrz_card", "mrz_td1_card"}), ("I<", 36, {"mrz_card"}), ("AR", 30, {"mrz_card", "mrz_td1_card"}),
    ("CS", 30, set()),  # the mainland travel permit of Hong Kong/Macao residents: its own doc type
    ("I<", 44, set()),  # no card has 44-character lines
])
def test_mrz_cues_come_from_the_document_code_and_line_length(code: str, width: int, on: set[str]) -> None:
    cues = PageCues(has_mrz=True, mrz_type=code[0], mrz_code=code, mrz_lines=2, mrz_width=width)
    assert {c for c in doc_type_data().mrz_cues if cue_on(cues, c)} == on


def test_a_layout_cue_the_data_does_not_define_is_refused() -> None:
    raw = doc_type_data().model_dump(mode="json")
    raw["types"]["visa"]["layout"]["mrz_vsia"] = 1.0
    with pytest.raises(ValidationError, match="mrz_vsia"):
        DocTypeData.model_validate(raw)


# ---------------------------------------------------------------------------- pages read from their words


def _foreigner(seed: int) -> Applicant:
    return make_applicant(random.Random(seed), seed, kind="foreigner")


def _page(rd: RenderedDoc, i: int, file: str) -> PageInfo:
    """Page `i` of a rendered document as a text-layer page: the words drawn, nothing else."""
    w, h = rd.pages[i].size
    lines = [OcrLine(text=t, bbox=b, conf=0.97) for t, b in rd.words[i]]
    ocr = OcrResult(engine="text_layer", text="\n".join(ln.text for ln in lines), lines=lines, mean_conf=0.97,
                    width=w, height=h)
    cues = PageCues.model_validate({**card_cue(w, h, doc_type_data().settings), **mrz_cues(ocr)})
    pc = classify_page(ocr, cues)
    return PageInfo(file=file, file_sha256="0" * 64, page=1, width=w, height=h, ocr=ocr, doc_type=pc.doc_type,
                    classification_confidence=pc.confidence, cues=cues, side=pc.side)


def _read(rd: RenderedDoc, stem: str) -> tuple[list[PageInfo], list[Document]]:
    pages = [_page(rd, i, f"{stem}_{i + 1}.png") for i in range(len(rd.pages))]
    docs, pages = group_documents(pages)
    for d in docs:
        d.fields = extract(d, pages)
    return pages, docs


IDENTITY_FIELDS = ("name", "sex", "birth_date", "id_number", "nationality", "valid_until", "mrz_valid")


@pytest.mark.parametrize("layout", ["z_visa", "residence_permit"])
def test_a_visa_page_is_a_visa_with_its_own_number_and_no_composite(layout: str) -> None:
    a = _foreigner(3)
    rd = render("visa", a, random.Random(3), layout=layout)
    pages, [visa] = _read(rd, "visa")
    assert pages[0].doc_type == DocType.VISA and pages[0].cues.mrz_code in ("V<", "VR")
    assert pages[0].cues.mrz_width == (44 if layout == "z_visa" else 36)
    for key in IDENTITY_FIELDS:
        assert visa.fields[key].value == rd.fields[key], key
    assert visa.fields["id_number"].value != a.person.passport_number  # the visa's number, not the passport's
    assert visa.fields["passport_number"].value == a.person.passport_number == rd.fields["passport_number"]
    assert visa.fields["mrz_format"].value == ("MRVA" if layout == "z_visa" else "MRVB")
    assert visa.fields["mrz_failed_checks"].value == ""
    assert visa.fields["mrz_visual_mismatch"].value is False


def test_a_td1_card_is_one_document_front_and_back() -> None:
    rd = render("foreign_id_card", _foreigner(4), random.Random(4), layout="td1")
    pages, [card] = _read(rd, "card")
    assert [(p.doc_type, p.side) for p in pages] == [(DocType.FOREIGN_ID_CARD, "front"),
                                                    (DocType.FOREIGN_ID_CARD, "back")]
    assert pages[1].cues.mrz_lines == 3 and pages[1].cues.mrz_width == 30
    assert [f.path for f in card.files] == ["card_1.png", "card_2.png"]
    for key in (*IDENTITY_FIELDS, "name_latin"):
        assert card.fields[key].value == rd.fields[key], key
    assert card.fields["mrz_format"].value == "TD1"
    assert card.fields["mrz_visual_mismatch"].value is False


def test_a_td1_card_copied_onto_one_a4_page_is_one_card() -> None:
    from samples.archive import _composite

    rd = render("foreign_id_card", _foreigner(4), random.Random(4), layout="td1")
    page, words = _composite(rd)
    sheet = replace(rd, pages=[page], words=[words], field_boxes={})
    pages, [card] = _read(sheet, "copy")
    assert pages[0].doc_type == DocType.FOREIGN_ID_CARD
    for key in IDENTITY_FIELDS:
        assert card.fields[key].value == rd.fields[key], key


def test_a_td2_card_is_a_foreign_id_card_with_its_composite_checked() -> None:
    rd = render("foreign_id_card", _foreigner(5), random.Random(5), layout="td2")
    pages, [card] = _read(rd, "card")
    assert pages[0].doc_type == DocType.FOREIGN_ID_CARD and pages[0].cues.mrz_width == 36
    for key in IDENTITY_FIELDS:
        assert card.fields[key].value == rd.fields[key], key
    assert card.fields["mrz_format"].value == "TD2"


def test_a_passport_data_page_stays_a_passport() -> None:
    rd = render("passport", _foreigner(3), random.Random(3))
    pages, [passport] = _read(rd, "passport")
    assert pages[0].doc_type == DocType.PASSPORT
    assert passport.fields["mrz_valid"].value is True and passport.fields["mrz_format"].value == "TD3"


def _papers(seed: int) -> dict[str, Document]:
    """A foreign applicant's passport, visa page and ID card, read from their pages."""
    a = _foreigner(seed)
    out: dict[str, Document] = {}
    for i, (dt, layout) in enumerate((("passport", None), ("visa", "z_visa"), ("foreign_id_card", "td1"))):
        _, [d] = _read(render(dt, a, random.Random(seed), layout=layout), dt)
        out[dt] = d.model_copy(update={"doc_id": f"D1{i}"})
    return out


def test_a_visa_beside_the_passport_agrees_and_raises_no_mrz_flag() -> None:
    papers = _papers(6)
    case = run(list(papers.values()))
    raised = {f.code for f in case.flags}
    assert "MRZ_CHECK_DIGIT_INVALID" not in raised and "MRZ_VISUAL_MISMATCH" not in raised
    assert not raised & {"NAME_MISMATCH", "BIRTH_DATE_MISMATCH", "SEX_MISMATCH", "ID_NUMBER_MISMATCH"}
    assert case.materials.identity == "present"
    assert case.applicant.id_type == "passport"  # the reference identity document, never the visa


def test_a_visa_and_an_id_card_without_the_passport_are_no_identity_document() -> None:
    papers = _papers(6)
    case = run([papers["visa"], papers["foreign_id_card"]])
    assert case.materials.identity == "missing"
    assert "MISSING_IDENTITY_DOCUMENT" in {f.code for f in case.flags}
    assert case.materials.work_permit == "missing"  # a foreign national all the same (Art. 5(4))
    assert case.applicant.id_type is None and case.applicant.name == papers["visa"].fields["name"].value


# ---------------------------------------------------------------------------- rules on hand-built documents


def _visa(**fields: object) -> Document:
    base: dict[str, object] = {"name": "SMITH, JOHN", "sex": "M", "birth_date": "1985-03-12", "id_number": "029313758",
                               "nationality": "USA", "valid_until": "2016-10-31", "mrz_valid": True}
    return doc("D09", DocType.VISA, **{**base, **fields})


def test_a_visa_failing_its_own_check_digit_is_flagged() -> None:
    d = foreign_docs()
    d["visa"] = _visa(mrz_valid=False, mrz_failed_checks="birth_date")
    flags = [f for f in run(d).flags if f.code == "MRZ_CHECK_DIGIT_INVALID"]
    assert len(flags) == 1 and flags[0].evidence[0].file == "D09.jpg"
    assert flags[0].message_zh.startswith("签证（居留许可）机读区校验位错误：birth_date")
    assert flags[0].message_en.startswith("Visa / residence permit MRZ check digit wrong: birth_date")


def test_a_visa_takes_part_in_the_consistency_checks() -> None:
    d = foreign_docs()
    d["visa"] = _visa(birth_date="1986-03-12", name="SMITH, PETER")
    raised = serious(run(d))
    assert {"BIRTH_DATE_MISMATCH", "NAME_MISMATCH"} <= raised
    d["visa"] = _visa()  # the same person: nothing to say (an expired Z visa is no expired passport)
    assert serious(run(d)) == {"MISSING_WORK_PERMIT"}


def test_a_form_quoting_the_passport_number_printed_on_the_visa_agrees_with_it() -> None:
    d = foreign_docs()  # the form quotes passport 531234567
    del d["passport"]
    d["visa"] = _visa(passport_number="531234567")
    raised = {f.code for f in run(d).flags}
    assert "MISSING_IDENTITY_DOCUMENT" in raised and "ID_NUMBER_MISMATCH" not in raised
    d["visa"] = _visa(passport_number="539999999")
    assert "ID_NUMBER_MISMATCH" in {f.code for f in run(d).flags}


def test_which_documents_satisfy_the_identity_item_is_policy_data() -> None:
    from pipeline.checks import load_policy

    policy = load_policy()
    assert DocType.VISA not in policy.materials["identity"]
    assert DocType.FOREIGN_ID_CARD not in policy.materials["identity"]
    docs = [_visa(), doc("D10", DocType.FOREIGN_ID_CARD, name="SMITH, JOHN", nationality="USA")]
    view = CaseView(documents=docs, application_date=date(2024, 6, 1), policy=policy)
    assert check_materials(view)[0].identity == "missing"
    widened = policy.model_copy(update={"materials": {**policy.materials,
                                                      "identity": [*policy.materials["identity"], DocType.VISA]}})
    view = CaseView(documents=docs, application_date=date(2024, 6, 1), policy=widened)
    assert check_materials(view)[0].identity == "present"
