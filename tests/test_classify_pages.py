"""Page classification on realistic OCR text (with the noise tesseract and RapidOCR leave),
grouping of pages into documents, and the layout cues on rendered images."""

from __future__ import annotations

import pytest
from ocr_testpages import as_page
from PIL import Image, ImageDraw

from pipeline.classify import classify_page, group_documents, image_cues, page_cues, score_text
from pipeline.core.models import DocType, OcrLine, OcrResult, PageCues, PageInfo
from pipeline.core.stages import PageRead
from pipeline.run import page_info

TEXTS: dict[DocType, str] = {
    DocType.RESIDENT_ID_CARD: "姓 名 张 三\n性 别 男 民 族 汉\n出 生 1990 年 1 月 2 日\n住 址 江苏省泰州市海陵区东风路12号\n"
                              "公民身份号码 321283199001021232",
    DocType.PASSPORT: "中华人民共和国\nPEOPLE'S REPUBLIC OF CHINA\n护照 PASSPORT\n类型/Type 国家码/Country Code 护照号/Passport No.\n"
                      "P CHN E12345678\n姓/Surname\n张/ZHANG\n名/Given names\n三/SAN\n性别/Sex 出生地点/Place of birth\n"
                      "男/M 江苏/JIANGSU\nP<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nE123456782CHN9001022M3503018<<<<<<<<<<<<<<<8",
    DocType.HK_MACAO_PERMIT: "港澳居民来往内地通行证\nMAINLAND TRAVEL PERMIT FOR HONG KONG AND MACAO RESIDENTS\n姓名 陈大文\n"
                             "CHAN, TAI MAN\n出生日期 1985.03.12 性别 男\n有效期限 2018.05.01-2028.04.30\nH12345678 换证次数 01",
    DocType.TAIWAN_PERMIT: "台湾居民来往大陆通行证\nMAINLAND TRAVEL PERMIT FOR TAIWAN RESIDENTS\n姓 名 林志明\nLIN, CHIH-MING\n"
                           "出生日期 1988.07.21 性别 男\n有效期限 2019.01.10-2024.01.09\n证件号码 01234567",
    DocType.DIPLOMA: "普 通 高 等 学 校\n毕 业 证 书\n学生 张三，性别男，一九九〇年一月二日生，于二〇〇八年九月至二〇一二年六月\n"
                     "在本校机械工程专业四年制本科学习，修完教学计划规定的全部课程，成绩合格，准予毕业。\n校长：李四\n"
                     "证书编号：102871201205001234",
    DocType.DEGREE_CERTIFICATE: "学 士 学 位 证 书\n张三，男，一九九〇年一月二日生。在南京理工大学机械工程专业完成了本科学习计划，"
                                "业已毕业，经审核符合《中华人民共和国学位条例》的规定，授予工学学士学位。\n南京理工大学学位评定委员会主席",
    DocType.OVERSEAS_DEGREE_CERTIFICATION: "国外学历学位认证书\n教留服认美[2016]01234号\n张三，男，1990年1月2日出生，"
                                           "于2013年9月至2015年5月在美国普渡大学学习，获得硕士学位。\n认证结论：该学位证书真实。\n"
                                           "教育部留学服务中心",
    DocType.QUALIFICATION_CERTIFICATE: "AMERICAN WELDING SOCIETY\nThis is to certify that\nSAN ZHANG\nhas met the requirements "
                                       "as a\nCertified Welding Inspector\nCertificate Number 12345678\nExpiration Date 2027-03-01",
    DocType.SOCIAL_INSURANCE_RECORD: "江苏省社会保险参保缴费证明（个人）\n姓名 张三 公民身份号码 321283199001021232\n"
                                     "参保单位 泰州市某某机械有限公司\n年月 养老保险 医疗保险 失业保险 缴费基数\n"
                                     "2022-01 已缴 已缴 已缴 6000\n泰州市社会保险基金管理中心",
    DocType.LABOR_CONTRACT: "劳 动 合 同 书\n甲方（用人单位）：泰州市某某机械有限公司\n乙方（劳动者）：张三\n"
                            "第一条 合同期限 本合同为固定期限劳动合同，自2021年3月1日起至2024年2月29日止。\n"
                            "第二条 工作内容和工作地点 工作地点：江苏省泰州市",
    DocType.WORK_PERMIT: "中华人民共和国外国人工作许可证\nFOREIGNER'S WORK PERMIT OF THE PEOPLE'S REPUBLIC OF CHINA\n"
                         "姓名 Name MUELLER HANS\n国籍 Nationality DEU\n许可证号 Permit No. 132000123456789012\n"
                         "工作单位 Employer 泰州某某医药有限公司",
    DocType.APPLICATION_FORM: "国际职业资格比照认定专业技术资格申报表\n姓 名 张三 性 别 男 联系电话 13800000000\n"
                              "证件类型 居民身份证 证件号码 321283199001021232\n现工作单位及职务 泰州市某某机械有限公司 工程师\n"
                              "职业资格译名及目录序号 注册焊接检验师 31\n单位意见 （公章） 年 月 日\n行政主管 部门意见",
}


def _classified(text: str, file: str = "f.jpg", page: int = 1, img: Image.Image | None = None) -> PageInfo:
    """A page OCR read as `text` (on a blank sheet unless `img`), classified as the run does."""
    lines = [OcrLine(text=t, bbox=(10, 10 + 40 * i, 900, 40 + 40 * i), conf=0.9) for i, t in enumerate(text.splitlines())]
    pg = as_page(img if img is not None else Image.new("RGB", (1240, 1754), "white"), file, page)
    read = PageRead(OcrResult(engine="tesseract", text=text, lines=lines))
    cues = page_cues(pg, read.ocr)
    return page_info(pg, read, classify_page(read.ocr, cues), cues, None)


@pytest.mark.parametrize("doc_type", list(TEXTS))
def test_each_type_is_recognised(doc_type: DocType) -> None:
    info = _classified(TEXTS[doc_type])
    assert info.doc_type == doc_type, info.type_scores
    assert 0.3 <= info.classification_confidence <= 1.0


def test_foreign_university_diploma_is_the_diploma() -> None:
    """A foreign diploma confers the degree on one sheet: it is the education document (diploma);
    degree_certificate is the Chinese 学位证书."""
    info = _classified("Purdue University\nThe Trustees of Purdue University\non the recommendation of the Faculty, "
              "have conferred upon\nWei Zhang\nthe degree of\nMaster of Science\nin Mechanical Engineering\n"
              "Given at West Lafayette, Indiana, on the fifteenth day of May, 2015\nDiploma No. PU123456")
    assert info.doc_type == DocType.DIPLOMA


def test_unrelated_page_stays_unknown() -> None:
    info = _classified("会议纪要\n今天天气晴朗，项目组讨论了下周的工作安排。\nMeeting notes: lunch at noon.")
    assert info.doc_type == DocType.UNKNOWN
    assert info.classification_confidence == 0.0


def test_blank_page_is_unknown() -> None:
    info = _classified("")
    assert info.doc_type == DocType.UNKNOWN


def test_id_card_back_alone_is_an_id_card_back() -> None:
    info = _classified("中华人民共和国\n居 民 身 份 证\n签发机关 泰州市公安局海陵分局\n有效期限 2015.03.01-2035.03.01",
              img=Image.new("RGB", (856, 540), "white"))
    assert info.doc_type == DocType.RESIDENT_ID_CARD
    assert info.side == "back"
    assert info.cues.card_sized is True


def test_fuzzy_keyword_survives_one_misread_character() -> None:
    scores = score_text("国外学历学位认征书\n教育部留学服务中心", PageCues())
    assert scores[0].doc_type == DocType.OVERSEAS_DEGREE_CERTIFICATION
    assert any(h.startswith("~") for h in scores[0].hits)


def test_front_and_back_in_two_files_make_one_document() -> None:
    card = Image.new("RGB", (856, 540), "white")
    front = _classified(TEXTS[DocType.RESIDENT_ID_CARD], "id_front.jpg", img=card)
    back = _classified("居民身份证\n签发机关 泰州市公安局\n有效期限 2015.03.01-长期", "id_back.jpg", img=card)
    form = _classified(TEXTS[DocType.APPLICATION_FORM], "form.pdf")
    docs, _ = group_documents([front, back, form])
    assert [d.doc_type for d in docs] == [DocType.RESIDENT_ID_CARD, DocType.APPLICATION_FORM]
    assert [f.path for f in docs[0].files] == ["id_front.jpg", "id_back.jpg"]
    assert [d.doc_id for d in docs] == ["D01", "D02"]


def test_contract_clause_pages_continue_the_contract_and_a_new_type_splits() -> None:
    p1 = _classified(TEXTS[DocType.LABOR_CONTRACT], "bundle.pdf", 1)
    p2 = _classified("第五条 社会保险和福利待遇\n第六条 本合同未尽事宜按国家有关规定执行。", "bundle.pdf", 2)
    p3 = _classified(TEXTS[DocType.SOCIAL_INSURANCE_RECORD], "bundle.pdf", 3)
    assert p2.doc_type in (DocType.UNKNOWN, DocType.LABOR_CONTRACT)
    docs, grouped = group_documents([p1, p2, p3])
    assert [d.doc_type for d in docs] == [DocType.LABOR_CONTRACT, DocType.SOCIAL_INSURANCE_RECORD]
    assert docs[0].files[0].pages == [1, 2]
    assert docs[1].files[0].pages == [3]
    assert grouped[1].doc_type == DocType.LABOR_CONTRACT and grouped[1].continuation
    assert p2.doc_type in (DocType.UNKNOWN, DocType.LABOR_CONTRACT)  # the page given is not changed


def test_contract_pages_split_between_loose_files_and_a_zip_are_one_document_in_printed_order() -> None:
    """Eval corpus A0022: 劳动合同6/8/9.jpg loose, 劳动合同7.jpg (the page with the term) in a zip;
    the contract came out as two documents and the first had no term."""
    cover = _classified(TEXTS[DocType.LABOR_CONTRACT] + "\n第1页共4页", "劳动合同6.jpg")
    p3 = _classified("第八条 劳动争议处理\n双方因履行本合同发生争议，可以协商解决。\n第3页共4页", "劳动合同8.jpg")
    p4 = _classified("第九条 其他\n本合同一式两份。\n甲方（盖章） 乙方（签字）\n第4页共4页", "劳动合同9.jpg")
    diploma = _classified(TEXTS[DocType.DIPLOMA], "scan.pdf")
    p2 = _classified("劳动合同\n甲方（用人单位）名称：泰州市某某机械有限公司\n乙方（劳动者）姓名：张三\n"
                     "第一条 合同期限 合同期限自2021年3月1日起至2024年2月29日止。\n第2页共4页",
                     "证书材料.zip/劳动合同7.jpg")
    for p in (p3, p4):  # clause pages on their own files: the classifier may not know them
        p.doc_type = DocType.LABOR_CONTRACT
    docs, _ = group_documents([cover, p3, p4, diploma, p2])
    assert [d.doc_type for d in docs] == [DocType.LABOR_CONTRACT, DocType.DIPLOMA]
    assert [f.path for f in docs[0].files] == ["劳动合同6.jpg", "证书材料.zip/劳动合同7.jpg", "劳动合同8.jpg",
                                              "劳动合同9.jpg"]


def test_two_contracts_with_clashing_page_numbers_stay_apart() -> None:
    a = _classified(TEXTS[DocType.LABOR_CONTRACT] + "\n第1页共3页", "合同1.jpg")
    b = _classified(TEXTS[DocType.DIPLOMA], "scan.pdf")
    c = _classified(TEXTS[DocType.LABOR_CONTRACT] + "\n第1页共2页", "合同2.jpg")
    docs, _ = group_documents([a, b, c])
    assert [d.doc_type for d in docs] == [DocType.LABOR_CONTRACT, DocType.DIPLOMA, DocType.LABOR_CONTRACT]


def test_unknown_page_after_a_single_page_type_stays_its_own_document() -> None:
    a = _classified(TEXTS[DocType.DIPLOMA], "scan.pdf", 1)
    b = _classified("会议纪要 今天讨论工作安排", "scan.pdf", 2)
    docs, _ = group_documents([a, b])
    assert [d.doc_type for d in docs] == [DocType.DIPLOMA, DocType.UNKNOWN]


def test_image_cues_find_ruled_table_and_red_seal() -> None:
    img = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(img)
    for y in range(200, 1400, 150):
        d.line([(100, y), (1140, y)], fill="black", width=3)
    for x in (100, 500, 1140):
        d.line([(x, 200), (x, 1250)], fill="black", width=3)
    d.ellipse([(800, 1450), (1000, 1650)], outline=(220, 20, 30), width=8)
    d.text((850, 1540), "公章", fill=(220, 20, 30))
    cues = image_cues(img)
    assert cues["ruled_table"] is True
    assert cues["table_lines"]["h"] >= 8
    assert cues["red_seal"] is True
    x0, y0, x1, y1 = cues["red_seals"][0]
    assert abs(x0 - 800) < 25 and abs(y0 - 1450) < 25 and abs(x1 - 1000) < 25 and abs(y1 - 1650) < 25


def test_plain_page_has_no_table_and_no_seal() -> None:
    img = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(img).text((100, 100), "plain text only", fill="black")
    cues = image_cues(img)
    assert cues["ruled_table"] is False
    assert cues["red_seals"] == []


@pytest.mark.parametrize("sealed", [True, False])
@pytest.mark.parametrize("bilevel", [False, True])
def test_seal_on_a_grey_photocopy_is_found_as_a_ring(sealed: bool, bilevel: bool) -> None:
    """A grey photocopy of the form has no red left: the seal is found by its dark ring, in the
    place it was stamped, and a form never stamped has none — also when the copy was stored as a
    1-bit Group 4 TIFF, where a light seal is only a dithered band of dots."""
    import random

    from samples.degrade import binarise, degrade, map_box
    from samples.people import make_applicant
    from samples.render import render

    app = make_applicant(random.Random(7), 7, kind="chinese")
    app.application.unit_seal = sealed
    rd = render("application_form", app, random.Random(7))
    copy = degrade(rd.pages[0], "photocopy", random.Random(3), rd.dpi, dpi=rd.dpi)
    page = binarise(copy.image) if bilevel else copy.image
    if bilevel:
        assert page.mode == "1"
    cues = image_cues(page.convert("RGB"))
    assert cues["grey_page"] is True and cues["red_seals"] == []
    if not sealed:
        assert cues["grey_seals"] == []
        return
    [(x0, y0, x1, y1)] = cues["grey_seals"]
    sx0, sy0, sx1, sy1 = map_box(copy.matrix, rd.field_boxes["unit_seal_present"][1])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2  # the ring's centre lies on the stamped seal
    assert sx0 <= cx <= sx1 and sy0 <= cy <= sy1


def test_wallet_card_with_little_text_is_a_qualification_certificate() -> None:
    """OCR of an AWS wallet card from the eval corpus: the credential, holder, number, dates."""
    info = _classified("Certified Welding Educator\nGU Pengxue\nCert. No. 53401425\nIssued 02/23/2024\nExpires 02/23/2027")
    assert info.doc_type == DocType.QUALIFICATION_CERTIFICATE


@pytest.mark.parametrize("sealed", [True, False])
def test_dithered_seal_on_a_bilevel_copy_is_found_from_its_dots(sealed: bool) -> None:
    """A light seal on a 1-bit copy is a band of lone dots (eval corpus A0010, a Group 4 TIFF):
    too faint for the darkness test, found from the density of isolated specks. Scattered
    toner specks over the page and solid text are not a ring."""
    import numpy as np

    rng = np.random.default_rng(5)
    h, w = 2339, 1653
    page = np.full((h, w), 255, np.uint8)
    page[rng.random((h, w)) < 0.0004] = 0  # toner specks everywhere
    canvas = Image.fromarray(page)
    draw = ImageDraw.Draw(canvas)
    for row in range(12):  # solid text lines
        draw.rectangle((150, 300 + row * 60, 1400, 318 + row * 60), fill=0)
    if sealed:
        yy, xx = np.mgrid[0:h, 0:w]
        r = np.hypot(xx - 600, yy - 1500)
        band = (r > 130) & (r < 150) & (rng.random((h, w)) < 0.06)
        arr = np.asarray(canvas).copy()
        arr[band] = 0
        canvas = Image.fromarray(arr)
    cues = image_cues(canvas.convert("1").convert("RGB"))
    assert cues["grey_page"] is True
    if not sealed:
        assert cues["grey_seals"] == []
        return
    [(x0, y0, x1, y1)] = cues["grey_seals"]
    assert abs((x0 + x1) / 2 - 600) < 30 and abs((y0 + y1) / 2 - 1500) < 30


def test_a_scrap_of_text_is_no_document() -> None:
    """OCR of a junk page read "C" (a peer's fuzz image): it was called a qualification
    certificate at 0.86 — the keyword's fuzzy match found "c" inside "certificate"."""
    card = Image.new("RGB", (856, 540), "white")
    assert _classified("C", img=card).doc_type == DocType.UNKNOWN
    assert not [h for t in score_text("C", PageCues()) for h in t.hits]  # no keyword, fuzzy or not
    assert _classified("Cert. No. 1234", img=card).doc_type == DocType.UNKNOWN
