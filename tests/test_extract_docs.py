"""The non-identity extractors on stored OCR lines: education, CSCSE, qualification certificate, social
insurance, labour contract, work permit, application form.

Pages are built from realistic OCR output in the two shapes the engines produce:
"tesseract" (a row is one line, CJK characters spaced apart, stray marks) and "rapidocr" (one
box per cell, no spaces). Every test asserts values that the extractor must read.
"""

from __future__ import annotations

import re

import pytest

from extractors import extract
from extractors._shared.cert_numbers import check_degree_number, check_diploma_number
from pipeline.core.models import DocType, Document, DocumentFile, OcrLine, OcrResult, PageCues, PageInfo

ENGINES = ["tesseract", "rapidocr"]


def _width(t: str) -> int:
    return sum(22 if ord(c) > 0x2E80 else 11 for c in t)


def _tess(t: str) -> str:
    return re.sub(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", " ", t)


def make_page(rows: list, engine: str = "tesseract", file: str = "scan.jpg", page: int = 1, conf: float = 0.9,
              cues: PageCues | None = None) -> PageInfo:
    """rows: a string (one line) or a list of cells (str, or (x, str) to place a cell)."""
    lines: list[OcrLine] = []
    y = 40
    for r in rows:
        cells = r if isinstance(r, list) else [r]
        x = 60
        if engine == "tesseract" and all(isinstance(c, str) for c in cells):
            cells = ["  ".join(cells)]  # tesseract reads the row as one line
        for c in cells:
            if isinstance(c, tuple):
                x, c = c
            txt = _tess(c) if engine == "tesseract" else c
            lines.append(OcrLine(text=txt, bbox=(x, y, x + _width(c), y + 30), conf=conf))
            x += _width(c) + 80
        y += 50
    return PageInfo(file=file, file_sha256="0" * 64, page=page, width=1600, height=y + 40,
                    ocr=OcrResult(engine=engine, text="\n".join(ln.text for ln in lines), lines=lines,
                                  mean_conf=conf, width=1600, height=y + 40), cues=cues or PageCues())


def run(doc_type: DocType, pages: list[PageInfo]):
    files: dict[str, list[int]] = {}
    for p in pages:
        files.setdefault(p.file, []).append(p.page)
    doc = Document(doc_id="D01", doc_type=doc_type, classification_confidence=0.9,
                   files=[DocumentFile(path=f, sha256="0" * 64, pages=ps) for f, ps in files.items()])
    return extract(doc, pages)


def values(fields) -> dict:
    return {k: v.value for k, v in fields.items()}


# --------------------------------------------------------------------------- education

CN_DIPLOMA = [
    "普通高等学校", "毕 业 证 书",
    "学生 张伟 ，性别 男 ，一九九〇年三月十二日生，于二〇〇八年九月至",
    "二〇一二年六月在本校 机械工程及其自动化 专业四年制本科学习，修完",
    "教学计划规定的全部课程，成绩合格，准予毕业。",
    ["校    名：南京工业大学", "校（院）长：王明"],
    "证书编号：102911201205001234",
    "二〇一二年六月三十日",
]


@pytest.mark.parametrize("engine", ENGINES)
def test_chinese_diploma_all_fields(engine):
    f = run(DocType.DIPLOMA, [make_page(CN_DIPLOMA, engine)])
    v = values(f)
    assert v["name"] == "张伟"
    assert v["institution"] == "南京工业大学"
    assert v["major"] == "机械工程及其自动化"
    assert v["level"] == "本科" and v["level_code"] == "bachelor"
    assert v["graduation_date"] == "2012-06-30"
    assert v["certificate_number"] == "102911201205001234"
    assert v["certificate_number_valid"] is True and v["certificate_number_reason"] == ""
    assert v["country"] == "CHN"
    ev = f["certificate_number"].evidence[0]
    assert ev.file == "scan.jpg" and ev.page == 1 and ev.bbox[1] == 40 + 6 * 50


def test_diploma_number_noise_repaired_and_level_mismatch_reported():
    rows = list(CN_DIPLOMA)
    rows[6] = "证书编号： 1029 1120 12O2 001234 |"  # O for 0, spaces, stray bar; level code 02 = 硕士
    v = values(run(DocType.DIPLOMA, [make_page(rows)]))
    assert v["certificate_number"] == "102911201202001234"
    assert v["certificate_number_valid"] is False
    assert "层次代码02" in v["certificate_number_reason"] and "level code 02" in v["certificate_number_reason"]


@pytest.mark.parametrize("engine", ENGINES)
def test_diploma_number_followed_by_the_date_on_the_same_line(engine):
    """The modern layout prints '证书编号：… 2012年6月30日' on one line: the year is not part of it."""
    rows = list(CN_DIPLOMA)
    rows[6] = "证书编号：102911201205001234 2012年6月30日"
    v = values(run(DocType.DIPLOMA, [make_page(rows, engine)]))
    assert v["certificate_number"] == "102911201205001234"
    assert v["certificate_number_valid"] is True


def test_diploma_number_rules():
    assert check_diploma_number("102911201205001234", 2012, "本科").valid is True
    bad_type = check_diploma_number("102913201205001234", 2012, "本科")
    assert bad_type.valid is False and "办学类型" in bad_type.reason
    assert check_diploma_number("102911201305001234", 2012, "本科").valid is False  # year ≠ graduation
    assert check_diploma_number("10291120120500123", 2012).valid is False  # 17 digits after 2002
    assert check_diploma_number("10291119990500123", 1999).valid is True  # 17 digits in 1999
    assert check_diploma_number("1029112012050012", 2012).valid is False  # wrong length
    assert check_diploma_number("611032019052012341", None).valid is None  # self-study format
    assert check_degree_number("1029142012001234", 2012, "工学学士").valid is True
    assert check_degree_number("Z1029132016000123", 2016, "硕士").valid is True
    lvl = check_degree_number("1029132012001234", 2012, "工学学士")
    assert lvl.valid is False and "学位级别码3" in lvl.reason
    assert check_degree_number("10291420120012", 2012).valid is False
    assert check_degree_number("8812345", 2003).valid is None  # before 2006: no common format


@pytest.mark.parametrize("engine", ENGINES)
def test_chinese_degree_certificate(engine):
    rows = ["学 士 学 位 证 书",
            "张伟，男，1990年3月12日生。在南京工业大学",
            "机械工程及其自动化专业完成了本科学习计划，业已毕业。经审核符合",
            "《中华人民共和国学位条例》的规定，授予工学学士学位。",
            "南京工业大学", "学位评定委员会主席", "2012年6月30日",
            "证书编号：1029142012001234"]
    v = values(run(DocType.DEGREE_CERTIFICATE, [make_page(rows, engine)]))
    assert v["name"] == "张伟"
    assert v["institution"] == "南京工业大学"
    assert v["major"] == "机械工程及其自动化"
    assert v["level"] == "工学学士" and v["level_code"] == "bachelor"
    assert v["graduation_date"] == "2012-06-30"
    assert v["certificate_number"] == "1029142012001234" and v["certificate_number_valid"] is True


def test_degree_certificate_campus_suffix_broken_major_and_lost_day_character():
    """Eval corpus scans (A0010, A0014): a campus in brackets after the university, "专业" broken
    over two lines, the date's closing 日 lost under the seal."""
    rows = ["学士学位证书",
            "张雪华，女，1981年4月15日生。在中国石油大学（华东）药学专",
            "业完成了本科学习计划，业已毕业。经审核符合《中华人民共和国学位",
            "条例》的规定，授予理学学士学位。", "校长", "二〇〇三年六月三十",
            "证书编号：1042520039324789"]
    v = values(run(DocType.DEGREE_CERTIFICATE, [make_page(rows, "rapidocr")]))
    assert v["institution"] == "中国石油大学（华东）"
    assert v["major"] == "药学"
    assert v["graduation_date"] == "2003-06-30"


def test_diploma_heading_is_not_the_school_name():
    rows = ["普通高等学校", "毕业证书", "学生梁明磊，性别男，1986年11月11日生，于2004年9月至2008年6月在本校药学",
            "专业四年制本科学习，修完教学计划规定的全部课程，成绩合格，准予毕业。", "校名：沈阳药科大 校（院）长："]
    v = values(run(DocType.DIPLOMA, [make_page(rows, "rapidocr")]))
    assert v.get("institution") != "普通高等学校"


@pytest.mark.parametrize("engine", ENGINES)
def test_foreign_diploma_words_date(engine):
    rows = ["Purdue University",
            "The Trustees of Purdue University",
            "on the recommendation of the Faculty, have conferred upon",
            "Wei Zhang",
            "the degree of",
            "Master of Science",
            "in Mechanical Engineering",
            "with all the rights, privileges and honors thereunto appertaining.",
            "Given at West Lafayette, Indiana, on the fifteenth day of May, 2015",
            "Diploma No. PU123456"]
    v = values(run(DocType.DIPLOMA, [make_page(rows, engine)]))
    assert v["name"] == "Wei Zhang"
    assert v["institution"] == "Purdue University"
    assert v["level"] == "Master of Science" and v["level_code"] == "master"
    assert v["major"] == "Mechanical Engineering"
    assert v["graduation_date"] == "2015-05-15"
    assert v["country"] == "USA"
    assert v["certificate_number"] == "PU123456"


def test_foreign_diploma_admitted_layout_uk_date():
    rows = ["University of Manchester", "Be it known that",
            "having completed the studies and satisfied the requirements, has been admitted to",
            "Li Na", "the degree of", "Bachelor of Engineering", "in Chemical Engineering",
            "Given at Manchester, on the third day of July, 2014", "3 July 2014"]
    v = values(run(DocType.DIPLOMA, [make_page(rows, "rapidocr")]))
    assert (v["name"], v["level"], v["major"]) == ("Li Na", "Bachelor of Engineering", "Chemical Engineering")
    assert v["graduation_date"] == "2014-07-03" and v["country"] == "GBR"


# --------------------------------------------------------------------------- CSCSE

def test_cscse_table_layout():
    rows = ["教育部留学服务中心", "国外学历学位认证书", (900, "编号：教留服认美[2016]004512号"),
            ["姓    名", "张伟"], ["性    别", "男"], ["出生日期", "1990年3月12日"],
            ["就读学校", "美国 Purdue University"], ["学习时间", "2013年9月至2015年5月"],
            ["所学专业", "Mechanical Engineering"], ["所获学位", "Master of Science"],
            ["学位授予日期", "2015年5月15日"],
            ["认证意见", "经审核，该证书为美国普渡大学颁发的硕士学位证书，证书真实有效。"],
            "教育部留学服务中心", "2016年3月2日"]
    rows[2] = [rows[2]]
    for engine in ENGINES:
        v = values(run(DocType.OVERSEAS_DEGREE_CERTIFICATION, [make_page(rows, engine)]))
        assert v["name"] == "张伟", engine
        assert v["certificate_number"] == "教留服认美[2016]004512号"
        assert v["institution"] == "Purdue University", engine
        assert v["country"] == "USA"
        assert v["level"] == "Master of Science" and v["level_code"] == "master"
        assert v["major"] == "Mechanical Engineering"
        assert v["graduation_date"] == "2015-05-15"
        assert v["issue_date"] == "2016-03-02"
        assert v["certificate_number_valid"] is True


def test_cscse_letter_layout_and_number_year_mismatch():
    rows = ["国外学历学位认证书", "编号：教留服认英〔2013〕012345号",
            "李娜，女，1991年5月2日出生，于2013年9月至2014年9月在英国University of",
            "Manchester学习Chemical Engineering专业，获得Master of Science（硕士学位），",
            "学位授予日期为2014年12月10日。", "认证意见：", "该学位证书真实有效，所获学位相当于我国硕士学位。",
            "教育部留学服务中心", "2015年4月8日"]
    v = values(run(DocType.OVERSEAS_DEGREE_CERTIFICATION, [make_page(rows, "tesseract")]))
    assert v["name"] == "李娜"
    assert v["institution"] == "University of Manchester"
    assert v["country"] == "GBR"
    assert v["level"] == "Master of Science"
    assert v["major"] == "Chemical Engineering"
    assert v["graduation_date"] == "2014-12-10"
    assert v["issue_date"] == "2015-04-08"
    assert v["certificate_number"] == "教留服认英[2013]012345号"
    assert v["certificate_number_valid"] is False  # 2013 is before the degree and ≠ the 2015 issue date
    assert "认证年份2013早于获得学位年份" in v["certificate_number_reason"]


# --------------------------------------------------------------------------- qualification certificates

def _cert(rows, engine="tesseract"):
    f = run(DocType.QUALIFICATION_CERTIFICATE, [make_page(rows, engine)])
    return f, values(f)


@pytest.mark.parametrize("engine", ENGINES)
def test_aws_certificate_us_dates(engine):
    f, v = _cert(["AMERICAN WELDING SOCIETY", "This is to certify that", "Wei ZHANG",
                  "has complied with the requirements of AWS QC1, Standard for AWS Certification of Welding Inspectors,",
                  "and is hereby certified as an", "AWS Certified Welding Inspector",
                  ["Certificate Number: 18071234"], ["Certification Date: 03/01/2020", "Expiration Date: 03/01/2026"]],
                 engine)
    assert v["holder_name"] == "Wei ZHANG"
    assert v["title"] == "AWS Certified Welding Inspector"
    assert v["issuer"] == "AMERICAN WELDING SOCIETY"
    assert v["certificate_number"] == "18071234"
    assert v["issue_date"] == "2020-03-01" and v["expiry_date"] == "2026-03-01"  # month first (US)
    assert "Certified Welding Inspector" in v["full_text"]
    assert f["title"].evidence[0].bbox[1] == 40 + 5 * 50


def test_ihk_pruefungszeugnis_german():
    _, v = _cert(["Industrie- und Handelskammer zu Köln", "PRÜFUNGSZEUGNIS",
                  "nach § 37 Berufsbildungsgesetz (BBiG)", "Frau Anna Schmidt", "geboren am 12.03.1995 in Köln",
                  "hat die Abschlussprüfung im Ausbildungsberuf", "Industriemechanikerin",
                  "Einsatzgebiet: Instandhaltung", "mit dem Gesamtergebnis gut bestanden.",
                  "Köln, 04.01.2019", "Prüflingsnummer: 4711-2019"], "rapidocr")
    assert v["holder_name"] == "Anna Schmidt"
    assert v["title"] == "Industriemechanikerin"
    assert v["issuer"] == "Industrie- und Handelskammer zu Köln"
    assert v["issue_date"] == "2019-01-04"  # day first; the birth date is not the issue date
    assert v["certificate_number"] == "4711-2019"
    assert "expiry_date" not in v


def test_membership_and_registration_titles():
    _, v = _cert(["AMERICAN ASSOCIATION FOR CANCER RESEARCH", "This certifies that Dr. Chen Jie",
                  "is an Active Member in good standing of the", "American Association for Cancer Research",
                  "Member ID: 345678", "Valid Through: December 31, 2025"])
    assert (v["holder_name"], v["title"], v["certificate_number"], v["expiry_date"]) == \
        ("Chen Jie", "Active Member", "345678", "2025-12-31")
    _, v = _cert(["The Institution of Mechanical Engineers", "This is to certify that", "WANG FANG",
                  "was elected a Member and registered as a Chartered Engineer (CEng)",
                  "Membership number: 80012345", "Date of registration: 12 March 2018"], "rapidocr")
    assert v["title"] == "Chartered Engineer (CEng)"
    assert v["issuer"] == "The Institution of Mechanical Engineers"
    assert (v["certificate_number"], v["issue_date"]) == ("80012345", "2018-03-12")


def test_ncees_exam_title_and_full_issuer():
    _, v = _cert(["NCEES", "National Council of Examiners for Engineering and Surveying",
                  "This is to certify that ZHAO LEI",
                  "has passed the Principles and Practice of Engineering (PE) examination in",
                  "PE Mechanical: HVAC and Refrigeration", "Exam date: 10/26/2019", "Examinee ID: 1234567"])
    assert v["holder_name"] == "ZHAO LEI"
    assert v["title"] == "PE Mechanical: HVAC and Refrigeration"
    assert v["issuer"] == "National Council of Examiners for Engineering and Surveying"
    assert v["issue_date"] == "2019-10-26"
    assert v["certificate_number"] == "1234567"


def test_european_numeric_expiry_is_day_first():
    _, v = _cert(["The Institution of Mechanical Engineers", "This is to certify that", "WANG FANG",
                  "is registered as an Incorporated Engineer (IEng)", "Registration No: IE-778812",
                  "Date of Issue: 05/04/2019", "Valid until: 04/05/2027"])
    assert v["title"] == "Incorporated Engineer (IEng)"
    assert v["issue_date"] == "2019-04-05" and v["expiry_date"] == "2027-05-04"
    assert v["certificate_number"] == "IE-778812"


# --------------------------------------------------------------------------- social insurance

SI_ROWS = ["江苏省社会保险个人参保证明",
           ["姓名：张伟", "公民身份号码：321202199003121239"],
           ["参保地：泰州市海陵区", "单位名称：泰州康泰医药有限公司"],
           ["缴费年月", "单位名称", "缴费基数", "养老保险", "医疗保险", "失业保险"],
           ["202101", "泰州康泰医药有限公司", "6000.00", "已缴", "已缴", "已缴"],
           ["202102", "泰州康泰医药有限公司", "6000.00", "已缴", "已缴", "已缴"],
           ["202103", "泰州康泰医药有限公司", "6000.00", "欠缴", "欠缴", "欠缴"],
           ["2021-04", "泰州康泰医药有限公司", "6200.00", "已实缴", "已实缴", "已实缴"],
           ["202102", "泰州康泰医药有限公司", "6000.00", "已缴", "已缴", "已缴"],
           "累计缴费月数：3", "打印日期：2023年03月01日"]


@pytest.mark.parametrize("engine", ENGINES)
def test_social_insurance_record(engine):
    v = values(run(DocType.SOCIAL_INSURANCE_RECORD, [make_page(SI_ROWS, engine)]))
    assert v["name"] == "张伟"
    assert v["id_number"] == "321202199003121239" and v["id_checksum_valid"] is True
    assert v["employer"] == "泰州康泰医药有限公司"
    assert v["insured_place"] == "泰州市海陵区"
    assert v["months_paid"] == 3  # 欠缴 row and the repeated month do not count
    assert v["period_start"] == "2021-01-01" and v["period_end"] == "2021-04-30"
    assert v["months_paid_printed"] == 3


def test_social_insurance_record_of_a_permit_holder_keeps_the_permit_number():
    """Insured foreign nationals and HK/Macao residents: "证件号码 H2348938038" is their number
    (eval corpus: 6 of 30 records lost it, social_insurance_record.id_number 80%)."""
    rows = ["泰州市社会保险参保缴费证明", "姓名 Amelia Hall 证件号码 H2348938038",
            "单位名称 泰州长江医药有限公司", "参保地泰州市海陵区 缴费起止 2024年01月至2025年05月"]
    v = values(run(DocType.SOCIAL_INSURANCE_RECORD, [make_page(rows, "rapidocr")]))
    assert v["id_number"] == "H2348938038"
    assert v["name"] == "Amelia Hall"


def test_social_insurance_period_from_label_without_table():
    rows = ["参保缴费证明", "姓名：王芳  社会保障号码：32120219880101002X",
            "参保单位：泰州华润机械有限公司", "参保地：泰州市姜堰区", "缴费起止年月：2020年01月至2023年02月",
            "累计缴费月数：38"]
    v = values(run(DocType.SOCIAL_INSURANCE_RECORD, [make_page(rows)]))
    assert v["name"] == "王芳" and v["id_number"] == "32120219880101002X"
    assert v["employer"] == "泰州华润机械有限公司" and v["insured_place"] == "泰州市姜堰区"
    assert v["period_start"] == "2020-01-01" and v["period_end"] == "2023-02-28"
    assert v["months_paid"] == 38


# --------------------------------------------------------------------------- labour contract

CONTRACT_P1 = ["劳动合同书", "甲方（用人单位）：泰州康泰医药有限公司", "法定代表人：李强",
               "注册地址：泰州市医药高新区药城大道1号", "乙方（劳动者）：张伟", "性别：男",
               "居民身份证号码：321202199003121239",
               "根据《中华人民共和国劳动合同法》，甲乙双方经平等协商，订立本合同。"]


@pytest.mark.parametrize("engine", ENGINES)
def test_labor_contract_two_pages(engine):
    p1 = make_page(CONTRACT_P1, engine, file="contract.pdf", page=1)
    p2 = make_page(["第一条 合同期限", "本合同为固定期限劳动合同，合同期限自2021年3月1日起至",
                    "2024年2月29日止。其中试用期至2021年5月31日止。", "第二条 工作内容和工作地点",
                    "乙方同意根据甲方工作需要，担任工程师岗位工作。",
                    "乙方的工作地点为江苏省泰州市医药高新区药城大道1号。"], engine, file="contract.pdf", page=2)
    f = run(DocType.LABOR_CONTRACT, [p1, p2])
    v = values(f)
    assert v["employer"] == "泰州康泰医药有限公司"
    assert v["name"] == "张伟"
    assert v["id_number"] == "321202199003121239"
    assert v["work_location"] == "江苏省泰州市医药高新区药城大道1号"
    assert (v["term_start"], v["term_end"]) == ("2021-03-01", "2024-02-29")
    assert f["work_location"].evidence[0].page == 2


@pytest.mark.parametrize("label", ["乙方（劳动旨）姓名：", "乙方(劳动着)姓名 ", "乙方（劳动者）："])
def test_labor_contract_misread_label_qualifier_is_not_the_name(label):
    """Eval corpus A0028 (photocopy): "乙方（劳动旨）姓名：Jessica Sarah Smith 性别：女" gave the name
    劳动旨 — the longer label no longer matched, "乙方" did and took its qualifier as the value."""
    rows = ["劳动合同书", "甲方（用人单位）名称：泰州康泰医药有限公司", f"{label}Jessica Sarah Smith 性别：女"]
    f = run(DocType.LABOR_CONTRACT, [make_page(rows, "rapidocr", file="contract.pdf")])
    assert f["name"].value == "Jessica Sarah Smith"
    assert f["employer"].value == "泰州康泰医药有限公司"


def test_labor_contract_open_ended():
    p1 = make_page(CONTRACT_P1, file="contract.pdf", page=1)
    p2 = make_page(["本合同为无固定期限劳动合同，自2021年3月1日起至法定解除或终止条件出现时止。",
                    "工作地点：泰州市海陵区"], "rapidocr", file="contract.pdf", page=2)
    f = run(DocType.LABOR_CONTRACT, [p1, p2])
    assert f["term_start"].value == "2021-03-01"
    assert f["term_end"].value is None and f["term_end"].raw == "无固定期限"
    assert f["work_location"].value == "泰州市海陵区"
    assert f["contract_type"].value == "open_ended"


def test_labor_contract_open_ended_with_only_a_start_date():
    """The generator's (and many real) open-ended contracts: "合同期限自2024年07月15日起。" — no
    "至" clause; the start was lost (labour contract term_start 71% in the eval corpus)."""
    p1 = make_page(CONTRACT_P1, "rapidocr", file="contract.pdf", page=1)
    p2 = make_page(["第一条合同期限", "本合同为无固定期限劳动合同，合同期限自2024年07月15日起。",
                    "第二条工作内容和工作地点"], "rapidocr", file="contract.pdf", page=2)
    f = run(DocType.LABOR_CONTRACT, [p1, p2])
    assert f["term_start"].value == "2024-07-15"
    assert f["term_end"].value is None and f["term_end"].raw == "无固定期限"
    assert f["contract_type"].value == "open_ended"


def test_labor_contract_label_with_mixed_width_brackets():
    """RapidOCR printed "乙方（劳动者)姓名" (full-width open, half-width close): the whole label
    must still match, not just "乙方" with "劳动者" taken for the name (eval corpus A0018)."""
    page = make_page(["劳动合同书", "甲方(用人单位)名称：泰州海达生物医药科技有限公司",
                      "乙方（劳动者)姓名：梁明磊 性别：男", "居民身份证号码：440305198611116296"],
                     "rapidocr", file="contract.pdf")
    v = values(run(DocType.LABOR_CONTRACT, [page]))
    assert v["name"] == "梁明磊"
    assert v["employer"] == "泰州海达生物医药科技有限公司"


# --------------------------------------------------------------------------- work permit

@pytest.mark.parametrize("engine", ENGINES)
def test_work_permit(engine):
    rows = ["中华人民共和国外国人工作许可证", "Foreigner's Work Permit of the People's Republic of China",
            ["姓名 Name", "SMITH JOHN"], ["性别 Sex", "男/M"], ["出生日期 Date of Birth", "1985-03-12"],
            ["国籍 Nationality", "美国/USA"], ["工作单位 Employer", "泰州康泰医药有限公司"],
            ["证件号码 Permit No.", "320100190012345"], ["有效期至 Valid Until", "2024-06-30"]]
    v = values(run(DocType.WORK_PERMIT, [make_page(rows, engine)]))
    assert v["name"] == "SMITH, JOHN"
    assert v["permit_number"] == "320100190012345"
    assert v["nationality"] == "USA"
    assert v["employer"] == "泰州康泰医药有限公司"
    assert v["valid_until"] == "2024-06-30"


def test_work_permit_comma_name_and_spaced_number():
    rows = ["外国人工作许可证", "姓名 Name: MUELLER, ANNA MARIA  性别 Sex: F", "国籍 Nationality: 德国",
            "工作单位 Employer: 泰州康泰医药有限公司", "证件号码 No.: 3201 0019 0012 345",
            "有效期至 Valid Until: 2025.12.31"]
    v = values(run(DocType.WORK_PERMIT, [make_page(rows)]))
    assert (v["name"], v["nationality"], v["permit_number"], v["valid_until"]) == \
        ("MUELLER, ANNA MARIA", "DEU", "320100190012345", "2025-12-31")


# --------------------------------------------------------------------------- application form

FORM = ["国际职业资格比照认定专业技术资格申报表",
        [(60, "姓 名"), (200, "张伟"), (400, "性 别"), (520, "男"), (700, "联系电话"), (860, "13912345678")],
        [(60, "证件类型"), (200, "居民身份证"), (400, "证件号码"), (520, "321202199003121239")],
        [(60, "现工作单位及职务"), (300, "泰州康泰医药有限公司 质量部工程师")],
        [(60, "参加工作时间"), (200, "2012年7月"), (400, "现从事专业及工作年限"), (700, "焊接质量检验 10年")],
        [(60, "最高学历"), (200, "大学本科"), (400, "毕业院校、专业及时间"), (700, "南京工业大学 机械工程 2012年6月")],
        [(60, "职业资格译名及目录序号"), (400, "注册焊接检验师（目录序号31）"), (800, "取得时间"), (950, "2020年3月1日")],
        [(60, "申请认定专业技术资格名称及所属系列（专业）"), (600, "工程师 机械工程")],
        [(60, "单位意见"), (200, "（公章） 年 月 日"), (700, "行政主管"), (900, "（公章） 年 月 日")],
        [(700, "部门意见")],
        [(60, "市（区）职称部门或市直部门意见"), (500, "经审核，该申报人符合比照认定申报条件")]]


@pytest.mark.parametrize("engine", ENGINES)
def test_application_form_fields(engine):
    v = values(run(DocType.APPLICATION_FORM, [make_page(FORM, engine, cues=PageCues(red_seals=[(150, 400, 330, 560)]))]))
    assert v["name"] == "张伟" and v["sex"] == "M" and v["phone"] == "13912345678"
    assert v["id_type"] == "居民身份证" and v["id_doc_type"] == "resident_id_card"
    assert v["id_number"] == "321202199003121239"
    assert v["employer"] == "泰州康泰医药有限公司" and v["position"] == "质量部工程师"
    assert v["education"] == "大学本科"
    assert v["qualification_name"] == "注册焊接检验师" and v["catalog_number"] == 31
    assert v["acquired_date"] == "2020-03-01"
    assert v["requested_title"] == "工程师" and v["requested_series"] == "机械工程"
    assert v["unit_seal_present"] is True


def test_application_form_seal_only_in_authority_box_is_missing():
    f = run(DocType.APPLICATION_FORM, [make_page(FORM, cues=PageCues(red_seals=[(850, 400, 1030, 560)]))])
    assert f["unit_seal_present"].value is False
    f = run(DocType.APPLICATION_FORM, [make_page(FORM, cues=PageCues(red_seals=[]))])
    assert f["unit_seal_present"].value is False
    f = run(DocType.APPLICATION_FORM, [make_page(FORM)])  # no layout cue computed: cannot tell
    assert f["unit_seal_present"].value is None


def test_application_form_number_only_and_senior_title():
    rows = [list(r) if isinstance(r, list) else r for r in FORM]
    rows[6] = [(60, "职业资格译名及目录序号"), (400, "31"), (800, "取得时间"), (950, "2020.03")]
    rows[7] = [(60, "申请认定专业技术资格名称及所属系列（专业）"), (600, "高级工程师（石油化工工程系列）")]
    v = values(run(DocType.APPLICATION_FORM, [make_page(rows, "rapidocr", cues=PageCues(red_seals=[]))]))
    assert v["catalog_number"] == 31 and "qualification_name" not in v
    assert v["acquired_date"] == "2020-03-01"
    assert v["requested_title"] == "高级工程师" and v["requested_series"] == "石油化工工程"


# --------------------------------------------------------------------------- OCR noise seen on rendered pages

def test_certificate_formula_survives_border_noise_and_lone_honorific():
    border = [(77, ">")]
    rows = ["VVVVVVVVVVVVVVVVVVVVVVVVVVVV", "Australian Diabetes Society", "CERTIFICATE OF MEMBERSHIP",
            border, "hereby certifies that", border, "MIAO Wenting", border,
            "has been duly elected and is recognised as", border, "Ordinary Member", border,
            "of the Australian Diabetes Society", "Member No.: ADS-95858", "Member since: 31 October 2024",
            "Valid through: 31 October 2025"]
    _, v = _cert(rows)
    assert (v["holder_name"], v["title"], v["issuer"]) == ("MIAO Wenting", "Ordinary Member", "Australian Diabetes Society")
    assert (v["certificate_number"], v["issue_date"], v["expiry_date"]) == ("ADS-95858", "2024-10-31", "2025-10-31")
    _, v = _cert(["加 IHK Chemnitz", "Prüfungszeugnis", "nach § 37 Berufsbildungsgesetz", "Herr", "Tingjing Zhu",
                  "geboren am 09.03.1996", "hat die Abschlussprüfung im Ausbildungsberuf", "Chemikant",
                  "mit Erfolg bestanden.", "Chemnitz, 15. Juli 2019", "Zeugnis-Nr. 2019-04417"])
    assert (v["issuer"], v["holder_name"], v["title"]) == ("IHK Chemnitz", "Tingjing Zhu", "Chemikant")
    assert (v["issue_date"], v["certificate_number"]) == ("2019-07-15", "2019-04417")


def test_wallet_card_without_formula():
    _, v = _cert(["American Welding Society", "Certified Welding Inspector", "Maximilian Jonas Meyer",
                  "Cert. No. 27842801", "Issued 04/02/2024", "Expires 04/02/2027", "Holder's signature"], "rapidocr")
    assert (v["issuer"], v["title"], v["holder_name"]) == \
        ("American Welding Society", "Certified Welding Inspector", "Maximilian Jonas Meyer")
    assert (v["certificate_number"], v["issue_date"], v["expiry_date"]) == ("27842801", "2024-04-02", "2027-04-02")


def test_foreign_diploma_with_border_marks_between_lines():
    rows = ["Technische Universität München", "Technische Universität München",
            "on the recommendation of the Faculty, have conferred upon", "Maximilian Jonas Meyer", "the degree of",
            "Master of Engineering", [(77, ">")], "in Electrical Engineering", [(77, ">")],
            "with all the rights, privileges and honors thereunto appertaining.", "Given at München, on June 15, 2018"]
    v = values(run(DocType.DIPLOMA, [make_page(rows)]))
    assert (v["level"], v["major"], v["country"], v["graduation_date"]) == \
        ("Master of Engineering", "Electrical Engineering", "DEU", "2018-06-15")


# --------------------------------------------------------------------------- date forms beyond the common ones (pipeline.core.dates.find_dates)

_CN_DIGIT = "〇一二三四五六七八九"


def _cn_year(y: int) -> str:
    return "".join(_CN_DIGIT[int(c)] for c in str(y))


def _cn_small(n: int) -> str:
    if n < 10:
        return _CN_DIGIT[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGIT[tens]) + "十" + (_CN_DIGIT[units] if units else "")


_ORD = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
        "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
        "twentieth", "twenty-first", "twenty-second", "twenty-third", "twenty-fourth", "twenty-fifth", "twenty-sixth",
        "twenty-seventh", "twenty-eighth", "twenty-ninth", "thirtieth", "thirty-first"]


def test_date_forms_round_trip_property():
    from datetime import date

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from pipeline.core.dates import find_dates

    @settings(max_examples=150, deadline=None)
    @given(st.dates(min_value=date(1950, 1, 1), max_value=date(2049, 12, 31)))
    def check(d: date) -> None:
        zh = f"{_cn_year(d.year)}年{_cn_small(d.month)}月{_cn_small(d.day)}日"
        assert [h.iso for h in find_dates(f"二〇二〇年入学，{zh}")][-1] == d.isoformat()
        # the closing 日 lost (under the seal, at the line's end): still that day, not its month
        hits = find_dates(f"校长\n{zh[:-1]}\n证书编号：1029", month_ok=True)
        assert [(h.iso, h.precision) for h in hits] == [(d.isoformat(), "day")]
        words = f"on the {_ORD[d.day - 1]} day of {d.strftime('%B')}, {d.year}"
        assert find_dates(words)[0].iso == d.isoformat()
        us = f"Expiration Date: {d.month:02d}/{d.day:02d}/{d.year}"
        assert find_dates(us, "MDY")[0].iso == d.isoformat()
        eu = f"gültig bis {d.day:02d}.{d.month:02d}.{d.year}"
        assert find_dates(eu, "MDY")[0].iso == d.isoformat()  # dots are day first even for US issuers
        month = find_dates(f"缴费 {d.year}{d.month:02d} 已缴", month_ok=True)[0]
        assert (month.iso, month.precision) == (d.replace(day=1).isoformat(), "month")

    check()


NON_IDENTITY = [DocType.DIPLOMA, DocType.DEGREE_CERTIFICATE, DocType.OVERSEAS_DEGREE_CERTIFICATION,
        DocType.QUALIFICATION_CERTIFICATE, DocType.SOCIAL_INSURANCE_RECORD, DocType.LABOR_CONTRACT,
        DocType.WORK_PERMIT, DocType.APPLICATION_FORM]


@pytest.mark.parametrize("doc_type", NON_IDENTITY)
def test_extractors_never_raise_on_empty_or_foreign_pages(doc_type):
    """A misclassified or blank page yields few fields, never an exception (called directly,
    without the registry's safety net)."""
    from extractors import registered
    from extractors._shared.context import DocContext

    fn = registered()[doc_type]
    blank = make_page([])
    other = make_page(SI_ROWS + FORM + CN_DIPLOMA, "rapidocr")
    for pages in ([blank], [other]):
        doc = Document(doc_id="D01", doc_type=doc_type, classification_confidence=0.5,
                       files=[DocumentFile(path="scan.jpg", sha256="0" * 64, pages=[1])])
        out = fn(DocContext(doc, pages))
        assert isinstance(out, dict)
        assert all(f.value is None or f.evidence or f.method for f in out.values())
    assert fn(DocContext(doc, [blank])).get("name") is None
