"""Identity extractors on stored OCR lines with realistic noise from both engines
(tesseract: spaces inside words, merged rows; RapidOCR: label and value in separate boxes)."""

from __future__ import annotations

import pytest

from extractors import UnknownDocTypeError, extract, get_extractor, registered
from extractors._shared.mrz import make_td3
from pipeline.core.models import DocType, Document, DocumentFile, OcrLine, OcrResult, PageInfo


def L(text: str, x0: int, y0: int, x1: int, y1: int, conf: float = 0.9) -> OcrLine:
    return OcrLine(text=text, bbox=(x0, y0, x1, y1), conf=conf)


def _doc(doc_type: str, pages: dict[str, list[OcrLine]], size: tuple[int, int] = (1000, 630)
         ) -> tuple[Document, list[PageInfo]]:
    infos = [PageInfo(file=f, file_sha256="0" * 64, page=1, width=size[0], height=size[1],
                      ocr=OcrResult(engine="tesseract", text="\n".join(x.text for x in ls), lines=ls,
                                    width=size[0], height=size[1]))
             for f, ls in pages.items()]
    doc = Document(doc_id="D01", doc_type=doc_type, classification_confidence=0.9,
                   files=[DocumentFile(path=f, sha256="0" * 64, pages=[1]) for f in pages])
    return doc, infos


ID_FRONT_TESS = [L("姓 名 张 三", 60, 40, 300, 80), L("性 别 男   民 族 汉", 60, 100, 500, 140),
                 L("出 生 1990 年 1 月 2 日", 60, 160, 560, 200), L("住 址 江苏省泰州市海陵区", 60, 220, 600, 260),
                 L("东风路 12 号", 160, 270, 400, 310), L("公民身份号码 32128319900102123 2", 60, 420, 900, 460)]
ID_BACK = [L("中华人民共和国", 300, 40, 700, 90), L("居民身份证", 300, 100, 700, 150),
           L("签发机关 泰州市公安局海陵分局", 100, 400, 800, 440), L("有效期限 2015.03.01-长期", 100, 460, 800, 500)]
# RapidOCR: each label and value its own box
ID_FRONT_RAPID = [L("姓名", 60, 40, 130, 75), L("李晓明", 170, 38, 330, 80), L("性别", 60, 100, 130, 135),
                  L("女", 170, 98, 200, 138), L("民族", 300, 100, 370, 135), L("汉", 400, 98, 430, 138),
                  L("出生", 60, 160, 130, 195), L("1992年11月30日", 170, 158, 480, 198),
                  L("住址", 60, 220, 130, 255), L("江苏省靖江市人民路8号", 170, 218, 560, 258),
                  L("公民身份号码", 60, 420, 260, 455), L("32128219921130244X", 300, 418, 900, 458)]


def test_id_card_front_and_back_tesseract_noise() -> None:
    doc, pages = _doc("resident_id_card", {"id_front.jpg": ID_FRONT_TESS, "id_back.jpg": ID_BACK})
    f = extract(doc, pages)
    assert f["name"].value == "张三"
    assert f["sex"].value == "M" and f["ethnicity"].value == "汉"
    assert f["birth_date"].value == "1990-01-02"
    assert f["address"].value == "江苏省泰州市海陵区东风路12号"
    assert f["id_number"].value == "321283199001021232"
    assert f["id_checksum_valid"].value is True and f["id_region_known"].value is True
    assert f["id_birth_date"].value == "1990-01-02" and f["id_sex"].value == "M"
    assert f["issuing_authority"].value == "泰州市公安局海陵分局"
    assert f["valid_from"].value == "2015-03-01"
    assert f["valid_until"].value is None and f["valid_until"].raw == "长期"
    assert f["id_number"].evidence[0].file == "id_front.jpg"
    assert f["issuing_authority"].evidence[0].file == "id_back.jpg"
    x0, _, x1, _ = f["id_number"].evidence[0].bbox
    assert x0 > 200 and x1 <= 900  # the number's part of the line, not the label


def test_id_card_rapidocr_boxes() -> None:
    doc, pages = _doc("resident_id_card", {"id.jpg": ID_FRONT_RAPID})
    f = extract(doc, pages)
    assert f["name"].value == "李晓明" and f["name"].method.endswith(">right")
    assert f["sex"].value == "F"
    assert f["birth_date"].value == "1992-11-30"
    assert f["id_number"].value == "32128219921130244X"
    assert f["id_checksum_valid"].value is True
    assert f["address"].value == "江苏省靖江市人民路8号"


def test_wrong_check_character_reported_not_corrected() -> None:
    lines = [*ID_FRONT_RAPID[:-1], L("321282199211302441", 300, 418, 900, 458)]
    doc, pages = _doc("resident_id_card", {"id.jpg": lines})
    f = extract(doc, pages)
    assert f["id_number"].value == "321282199211302441"
    assert f["id_checksum_valid"].value is False
    assert f["id_expected_check"].value == "X"
    assert f["id_number"].confidence < 0.9


def test_unknown_region_and_birth_date_from_number() -> None:
    lines = [L("姓名 王五", 60, 40, 300, 80), L("公民身份号码 990101198001011236", 60, 420, 900, 460)]
    doc, pages = _doc("resident_id_card", {"id.jpg": lines})
    f = extract(doc, pages)
    assert f["id_region_known"].value is False
    assert f["id_birth_date"].value == "1980-01-01"
    assert f["birth_date"].method == "from:id_number"


def _passport_lines(line2: str | None = None) -> list[OcrLine]:
    mrz = make_td3("P", "CHN", "ZHANG", "SAN", "E12345678", "CHN", "900102", "M", "350301")
    return [
        L("中华人民共和国 PEOPLE'S REPUBLIC OF CHINA", 300, 20, 980, 60),
        L("类型/Type 国家码/Country Code 护照号/Passport No.", 300, 80, 980, 100),
        L("P CHN E12345678", 300, 105, 900, 130),
        L("姓/Surname", 300, 150, 420, 170), L("张 ZHANG", 300, 175, 450, 200),
        L("名/Given names", 300, 215, 460, 235), L("三 SAN", 300, 240, 420, 265),
        L("性别/Sex 出生地点/Place of birth", 300, 280, 700, 300), L("男/M JIANGSU", 300, 305, 640, 330),
        L("出生日期/Date of birth", 300, 345, 520, 365), L("02 JAN 1990", 300, 370, 520, 395),
        L("签发日期/Date of issue 有效期至/Date of expiry", 300, 410, 820, 430),
        L("02 MAR 2025 01 MAR 2035", 300, 435, 820, 460),
        L(mrz[0].replace("<<<<<<", "« <<<<"), 40, 520, 1000, 550),
        L(line2 or mrz[1].replace("9001022", "9OO1O22"), 40, 560, 1000, 590),
    ]


def test_passport_visual_and_mrz_agree() -> None:
    doc, pages = _doc("passport", {"passport.jpg": _passport_lines()})
    f = extract(doc, pages)
    assert f["name"].value == "张三" and f["name_latin"].value == "ZHANG, SAN"
    assert f["id_number"].value == "E12345678"
    assert f["birth_date"].value == "1990-01-02"
    assert f["valid_until"].value == "2035-03-01"  # the expiry column, not the issue date beside it
    assert f["issue_date"].value == "2025-03-02"
    assert f["sex"].value == "M" and f["nationality"].value == "CHN"
    assert f["mrz_valid"].value is True and f["mrz_number"].value == "E12345678"
    assert f["mrz_visual_mismatch"].value is False


def test_passport_forged_printed_birth_date_shows_as_mismatch() -> None:
    lines = _passport_lines()
    lines[10] = L("02 JAN 1985", 300, 370, 520, 395)
    doc, pages = _doc("passport", {"passport.jpg": lines})
    f = extract(doc, pages)
    assert f["mrz_valid"].value is True
    assert f["mrz_visual_mismatch"].value is True
    assert f["mrz_visual_mismatch_fields"].value == "birth_date"


def test_passport_mrz_check_digit_failure() -> None:
    mrz = make_td3("P", "CHN", "ZHANG", "SAN", "E12345678", "CHN", "900102", "M", "350301")
    bad = mrz[1][:13] + "910102" + mrz[1][19:]
    doc, pages = _doc("passport", {"passport.jpg": _passport_lines(bad)})
    f = extract(doc, pages)
    assert f["mrz_valid"].value is False
    assert "birth_date" in f["mrz_failed_checks"].value


def _uk_passport_lines(mrz_line1: str | None = None) -> list[OcrLine]:
    """RapidOCR's lines of a generated UK data page (eval corpus A0035): bilingual labels
    'Surname Nom' / 'Given names Prenoms' (accent dropped), values below them."""
    mrz = make_td3("P", "GBR", "JONES", "OLIVIA EMMA", "576711329", "GBR", "890726", "F", "340709")
    return [L("UNITED KINGDOM", 551, 59, 926, 88), L("Type Code of issuing State Passport No.", 438, 158, 1200, 177),
            L("P GBR 576711329", 439, 197, 1240, 219), L("Surname Nom", 439, 258, 585, 272),
            L("JONES", 438, 295, 541, 316), L("Given names Prenoms", 438, 330, 663, 345),
            L("OLIVIA EMMA", 438, 368, 642, 390), L("Sex Place of birth", 439, 404, 952, 418),
            L("F BRISTOL", 439, 441, 963, 463), L("Date of birth Nationality", 439, 478, 930, 496),
            L("26 JUL 1989 BRITISH CITIZEN", 438, 515, 1079, 537),
            L(mrz_line1 or mrz[0], 69, 864, 1229, 898), L(mrz[1], 68, 931, 1229, 979)]


def test_passport_bilingual_labels_are_not_the_name() -> None:
    doc, pages = _doc("passport", {"p.jpg": _uk_passport_lines()}, size=(1300, 1000))
    f = extract(doc, pages)
    assert f["name_latin"].value == "JONES, OLIVIA EMMA"
    assert f["mrz_valid"].value is True and f["mrz_visual_mismatch"].value is False


def test_passport_stray_apostrophe_in_the_bilingual_label_is_not_the_surname() -> None:
    """Eval corpus A0027 (photocopy): RapidOCR read "Surname /'Nom" and the surname became NOM."""
    lines = _uk_passport_lines()
    lines[3] = L("Surname /'Nom", 439, 258, 600, 272)
    doc, pages = _doc("passport", {"p.jpg": lines}, size=(1300, 1000))
    f = extract(doc, pages)
    assert f["name_latin"].value == "JONES, OLIVIA EMMA"
    assert f["mrz_visual_mismatch"].value is False


def test_passport_one_ocr_slip_in_the_mrz_name_is_not_a_mismatch_another_name_is() -> None:
    slip = "P<GBRJIONES<<OLIVIA<EMMA<<<<<<<<<<<<<<<<<<<<<"  # OCR read an I into JONES
    f = extract(*_doc("passport", {"p.jpg": _uk_passport_lines(slip)}, size=(1300, 1000)))
    assert f["mrz_visual_mismatch"].value is False
    other = "P<GBRJAMES<<OLIVER<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    f = extract(*_doc("passport", {"p.jpg": _uk_passport_lines(other)}, size=(1300, 1000)))
    assert f["mrz_visual_mismatch"].value is True


def test_hk_macao_permit_rapidocr_merged_boxes() -> None:
    lines = [L("港澳居民来往内地通行证", 353, 30, 828, 80),
             L("MAINLAND TRAVEL PERMIT FOR HONG KONG AND MACAO RESIDENTS", 261, 96, 922, 119),
             L("姓名Name", 375, 165, 474, 196), L("郭晓远 GUO, XIAOYUAN", 376, 203, 915, 260),
             L("O 1985.12.02出生日期 Date of birth 性女别Sex /F", 134, 219, 864, 388),
             L("有效期限Period of validity", 378, 387, 614, 418), L("2022.05.09-2032.05.08", 374, 418, 773, 452),
             L("签发机关Issuing authority 换证次数", 374, 493, 977, 525), L("出入境管理局 01", 371, 521, 940, 565),
             L("证件号码 M5476094167", 59, 625, 553, 675)]
    doc, pages = _doc("hk_macao_permit", {"permit.jpg": lines}, (1180, 744))
    f = extract(doc, pages)
    assert f["name"].value == "郭晓远" and f["name_latin"].value == "GUO, XIAOYUAN"
    assert f["birth_date"].value == "1985-12-02" and f["sex"].value == "F"
    assert f["id_number"].value == "M5476094167" and f["nationality"].value == "MAC"
    assert f["valid_until"].value == "2032-05-08"
    assert f["issuing_authority"].value == "出入境管理局" and f["renewals"].value == 1


def test_taiwan_permit() -> None:
    lines = [L("台湾居民来往大陆通行证", 356, 30, 831, 80), L("姓名 Name", 377, 165, 475, 196),
             L("陈宇艳 CHEN,YUYAN", 378, 202, 874, 260), L("出生日期Date of birth 性别Sex", 375, 276, 864, 311),
             L("1983.01.01 女/F", 375, 306, 855, 365), L("有效期限Period of validity", 378, 387, 614, 418),
             L("2024.07.09-2029.07.08", 374, 418, 773, 452), L("证件号码 60332417", 59, 623, 460, 674)]
    doc, pages = _doc("taiwan_permit", {"tw.jpg": lines}, (1180, 744))
    f = extract(doc, pages)
    assert f["name"].value == "陈宇艳" and f["name_latin"].value == "CHEN, YUYAN"
    assert f["birth_date"].value == "1983-01-01" and f["sex"].value == "F"
    assert f["id_number"].value == "60332417" and f["valid_until"].value == "2029-07-08"


def test_registry_unknown_and_invalid_types() -> None:
    doc, pages = _doc("unknown", {"x.jpg": [L("nothing", 0, 0, 10, 10)]})
    assert extract(doc, pages) == {}
    assert {DocType.RESIDENT_ID_CARD, DocType.PASSPORT, DocType.HK_MACAO_PERMIT,
            DocType.TAIWAN_PERMIT} <= set(registered())
    with pytest.raises(UnknownDocTypeError) as err:
        get_extractor("no_such_type")
    assert "resident_id_card" in str(err.value)


# --------------------------------------------------------------------------- printed zone vs MRZ: finding or question


def test_a_label_word_read_into_the_given_name_is_a_question_not_a_forgery() -> None:
    """Specimen pages: OCR took the label's other half for part of the given name. The MRZ
    verifies, so its name is reported and the misread kept beside it for the reviewer."""
    lines = _uk_passport_lines()
    lines[6] = L("PRENOMS OLIVIA EMMA", 438, 368, 700, 390)
    f = extract(*_doc("passport", {"p.jpg": lines}, size=(1300, 1000)))
    assert f["mrz_valid"].value is True
    assert f["mrz_visual_mismatch"].value is False and f["mrz_visual_mismatch_fields"].value == ""
    assert f["mrz_visual_uncertain_fields"].value == "name_latin"
    assert f["name_latin_printed"].value == "JONES, PRENOMS OLIVIA EMMA"
    assert f["name_latin"].value == "JONES, OLIVIA EMMA" and f["name_latin"].method == "mrz:TD3"
    assert f["name"].value == "JONES, OLIVIA EMMA"


def test_hyphenated_given_names_against_the_mrz_are_the_same_name() -> None:
    mrz = make_td3("P", "TWN", "LIN", "MEIHUA", "312345678", "TWN", "880512", "F", "330511")
    lines = [L("Surname / Nom", 439, 258, 585, 272), L("LIN", 438, 295, 541, 316),
             L("Given names / Prenoms", 438, 330, 663, 345), L("MEI-HUA", 438, 368, 642, 390),
             L(mrz[0], 69, 864, 1229, 898), L(mrz[1], 68, 931, 1229, 979)]
    f = extract(*_doc("passport", {"p.jpg": lines}, size=(1300, 1000)))
    assert f["name_latin"].value == "LIN, MEI HUA"  # the hyphen is not kept by the printed-zone reader
    assert f["mrz_visual_mismatch"].value is False and f["mrz_visual_uncertain_fields"].value == ""
    mrz = make_td3("P", "TWN", "LIN", "MEI HUA", "312345678", "TWN", "880512", "F", "330511")
    f = extract(*_doc("passport", {"p.jpg": [*lines[:4], L(mrz[0], 69, 864, 1229, 898),
                                              L(mrz[1], 68, 931, 1229, 979)]}, size=(1300, 1000)))
    assert f["mrz_visual_mismatch"].value is False and f["mrz_visual_uncertain_fields"].value == ""


def test_a_low_confidence_printed_date_is_never_a_forgery_finding() -> None:
    """The same forged-looking birth date (1985 against the MRZ's 1990) read at OCR confidence
    0.5: a question; the verified MRZ date is reported."""
    lines = _passport_lines()
    lines[10] = L("02 JAN 1985", 300, 370, 520, 395, conf=0.5)
    f = extract(*_doc("passport", {"passport.jpg": lines}))
    assert f["mrz_visual_mismatch"].value is False
    assert f["mrz_visual_uncertain_fields"].value == "birth_date"
    assert f["birth_date_printed"].value == "1985-01-02"
    assert f["birth_date"].value == "1990-01-02" and f["birth_date"].method == "mrz:TD3"


def test_a_date_one_ocr_digit_slip_away_is_a_question() -> None:
    """1998 printed, 1990 in a valid MRZ: 0 and 8 are a pair OCR confuses; a confident read
    still does not make it a forgery. Three digits apart (1985) it is one."""
    lines = _passport_lines()
    lines[10] = L("02 JAN 1998", 300, 370, 520, 395)
    f = extract(*_doc("passport", {"passport.jpg": lines}))
    assert f["mrz_visual_mismatch"].value is False
    assert f["mrz_visual_uncertain_fields"].value == "birth_date"
    lines[10] = L("02 JAN 1985", 300, 370, 520, 395)
    f = extract(*_doc("passport", {"passport.jpg": lines}))
    assert f["mrz_visual_mismatch_fields"].value == "birth_date" and f["mrz_visual_uncertain_fields"].value == ""


def test_a_disagreement_against_a_failed_mrz_check_is_a_question() -> None:
    """The MRZ birth date fails its check digit (MRZ_CHECK_DIGIT_INVALID tells that): the
    printed date's disagreement with it is no second finding, and the printed date stays."""
    mrz = make_td3("P", "CHN", "ZHANG", "SAN", "E12345678", "CHN", "900102", "M", "350301")
    bad = mrz[1][:13] + "910102" + mrz[1][19:]
    f = extract(*_doc("passport", {"passport.jpg": _passport_lines(bad)}))
    assert f["mrz_valid"].value is False and "birth_date" in f["mrz_failed_checks"].value
    assert f["mrz_visual_mismatch"].value is False
    assert f["mrz_visual_uncertain_fields"].value == "birth_date"
    assert f["birth_date"].value == "1990-01-02" and "birth_date_printed" not in f


def test_a_printed_name_with_its_given_names_not_read_is_a_question() -> None:
    lines = [ln for ln in _uk_passport_lines() if ln.text != "OLIVIA EMMA"]
    f = extract(*_doc("passport", {"p.jpg": lines}, size=(1300, 1000)))
    assert f["mrz_visual_mismatch"].value is False
    assert f["mrz_visual_uncertain_fields"].value == "name_latin"
    assert f["name_latin_printed"].value == "JONES" and f["name_latin"].value == "JONES, OLIVIA EMMA"


def test_plausible_printed_names() -> None:
    from extractors._shared.labels import all_labels
    from extractors._shared.mrz_compare import names_agree, plausible_printed_name
    from extractors._shared.visual_zone import label_words as _label_words

    words = _label_words(all_labels("passport"))
    assert plausible_printed_name("DE BRUIJN, WILLEKE LISELOTTE", words)  # DE is a particle here
    assert plausible_printed_name("O'BRIEN, SEAN", words)
    assert not plausible_printed_name("JONES, PRENOMS OLIVIA", words)
    assert not plausible_printed_name("JONES, GIVEN NAMES", words)
    assert not plausible_printed_name("J0NES, OLIVIA", words)  # a digit: a misread
    assert names_agree("LIN, MEI-HUA", "LIN, MEIHUA") and names_agree("LIN, MEI HUA", "LIN, MEI HUA")
    assert names_agree("JIONES, OLIVIA EMMA", "JONES, OLIVIA EMMA")  # one slip in a token
    # a name cut at the MRZ's last position is a prefix of the printed one
    assert names_agree("KUZNETSOVA, ALEKSANDRA VIKTOROVNA", "KUZNETSOVA, ALEKSANDRA VIK", truncated=True)
    assert not names_agree("KUZNETSOVA, ALEKSANDRA VIKTOROVNA", "KUZNETSOVA, ALEKSANDRA VIK")
    assert not names_agree("JAMES, OLIVER", "JONES, OLIVIA EMMA")
    assert not plausible_printed_name("SPECIMEN, PRENOM", words)  # OCR's cut of the label Prénoms


def test_a_printed_name_with_words_added_lost_or_cut_is_a_partial_read() -> None:
    """Seen on PassportEye's specimen images: a SPECIMEN stamp read into the name, the first
    letters of a surname lost. A forger replaces a name; these keep the MRZ's words."""
    from extractors._shared.mrz_compare import partial_read

    assert partial_read("LIN MEI HUA SPECIMEN, MEI HUA SPECIMEN", "LIN, MEI HUA")
    assert partial_read("ECIMEN, VZOR", "SPECIMEN, VZOR") and partial_read("WANG", "WANG, WEI")
    assert not partial_read("JAMES, OLIVER", "JONES, OLIVIA EMMA")
    assert not partial_read("ZHANG, WEI", "LI, NA")
