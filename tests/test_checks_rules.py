"""Rules of the checks stage on hand-built documents (fast: no OCR, no matcher).

A clean applicant raises no gap/policy/inconsistency/forgery flag; each defect raises its own
flag; the recommendation follows the precedence kept in policy.yaml.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from stdnum.cn import ric

from pipeline.casefile import build_case, tool_versions
from pipeline.checks import assess, compare, load_policy, recommend
from pipeline.core.codes import id_checksum_ok
from pipeline.core.models import (
    CaseFile,
    CatalogMatch,
    DocType,
    Document,
    DocumentFile,
    Evidence,
    ExtractedField,
    MatchCandidate,
    MatchStatus,
    OcrResult,
    PageInfo,
)
from pipeline.core.stages import Assessment, CatalogFacts, CertificateMatch
from pipeline.forensics.corpus import case_fingerprints

APP_DATE = date(2024, 6, 1)
CWI = CatalogFacts(id=31, name_en="Certified Welding Inspector", name_zh="注册焊接检验师", title="工程师",
                   series="机械工程", issuer_en="American Welding Society", issuer_zh="美国焊接协会",
                   issuers=["American Welding Society", "AWS"])
FE = CatalogFacts(id=33, name_en="FE Mechanical", name_zh="美国基础机械工程师", title="助理工程师", series="机械工程",
                  issuer_en="National Council of Examiners for Engineering and Surveying", issuer_zh="",
                  issuers=["NCEES"])
IHK = CatalogFacts(id=37, name_en="Industriemechaniker/-in", name_zh="工业设备机械师", title="助理工程师",
                   series="机械工程", issuer_en="DIHK", issuer_zh="德国工商大会",
                   issuers=["Deutscher Industrie- und Handelskammertag"])
SERIOUS = {"gap", "policy", "inconsistency", "forgery"}


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "?")  # python-stdnum (it drops the last char), independent of ours


# Registered in Beijing (110101): household registration must not matter.
ID_NO = with_check("11010119880312451")  # born 1988-03-12, 17th digit 1 → male
assert id_checksum_ok(ID_NO)


def doc(doc_id: str, doc_type: DocType, conf: float = 0.95, **fields: object) -> Document:
    file = f"{doc_id}.jpg"
    return Document(
        doc_id=doc_id, doc_type=doc_type, files=[DocumentFile(path=file, sha256="0" * 64, pages=[1])],
        classification_confidence=0.9,
        fields={k: ExtractedField(value=v, raw=str(v), confidence=conf,
                                  evidence=[Evidence(file=file, page=1, bbox=(10, 10 + 30 * i, 200, 35 + 30 * i))])
                for i, (k, v) in enumerate(fields.items())})


def clean_docs() -> dict[str, Document]:
    return {
        "id": doc("D01", DocType.RESIDENT_ID_CARD, name="张伟", sex="M", birth_date="1988-03-12", id_number=ID_NO,
                  valid_until="2035-03-01", valid_from="2015-03-01", id_checksum_valid=True, id_region_known=True),
        "diploma": doc("D02", DocType.DIPLOMA, name="张伟", institution="南京工业大学", level="本科", major="机械工程",
                       graduation_date="2010-06-30", country="中国"),
        "cert": doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei ZHANG",
                    title="Certified Welding Inspector", issuer="American Welding Society",
                    certificate_number="22041231", issue_date="2022-04-01", expiry_date="2025-04-01"),
        "si": doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟", id_number=ID_NO,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区", period_start="2021-01-01",
                  period_end="2024-04-30", months_paid=40),
        "contract": doc("D05", DocType.LABOR_CONTRACT, name="张伟", employer="泰州华达机械有限责任公司",
                        work_location="江苏省泰州市海陵区", term_start="2021-01-01", term_end="2026-12-31"),
        "form": doc("D06", DocType.APPLICATION_FORM, name="张 伟", sex="M", id_type="居民身份证", id_number=ID_NO,
                    employer="泰州华达机械（有限公司）".replace("（有限公司）", "有限公司"), catalog_number=31,
                    requested_title="工程师", requested_series="机械工程", unit_seal_present=True),
    }


def run(docs: dict[str, Document] | list[Document], entry: CatalogFacts | None = CWI,
        status: MatchStatus = MatchStatus.MATCHED, pages: list[PageInfo] | None = None,
        app_date: date = APP_DATE) -> Assessment:
    documents = list(docs.values()) if isinstance(docs, dict) else docs
    match = CatalogMatch(status=status, catalog_id=entry.id if entry and status == MatchStatus.MATCHED else None,
                         score=95.0 if status == MatchStatus.MATCHED else 60.0,
                         candidates=[MatchCandidate(catalog_id=entry.id, name=entry.name_en, score=90.0,
                                                    reason="alias")] if entry else [])
    cert = next((d for d in documents if d.doc_type == DocType.QUALIFICATION_CERTIFICATE), None)
    certificate = CertificateMatch(batch_id="taizhou-2022-batch-1", doc_id=cert.doc_id if cert else None,
                                   match=match if cert else None, entry=entry if cert else None)
    return assess(documents, pages or [], certificate, app_date)


def case_file(docs: dict[str, Document] | list[Document], pages: list[PageInfo] | None = None) -> CaseFile:
    """The case file of hand-built documents, assessed as `run` does (the CWI entry matched)."""
    documents = list(docs.values()) if isinstance(docs, dict) else docs
    return build_case(case_id="T1", source="T1", documents=documents, pages=pages or [], input_files=[], errors=[],
                      assessment=run(documents, pages=pages), comparison=compare(documents),
                      fingerprints=case_fingerprints(documents, pages or []),
                      versions=tool_versions({}, "taizhou-2022-batch-1"))


def codes(case: Assessment) -> set[str]:
    return {f.code for f in case.flags}


def serious(case: Assessment) -> set[str]:
    return {f.code for f in case.flags if f.category in SERIOUS}


def test_clean_applicant_has_no_findings_and_goes_to_panel():
    case = run(clean_docs())
    assert serious(case) == set()
    assert case.recommendation == "forward_to_panel"
    assert case.eligibility.eligible is True
    assert case.eligibility.works_in_taizhou is True
    assert case.materials.model_dump(mode="json") == {
        "identity": "present", "education": "present", "overseas_degree_certification": "not_required",
        "qualification_certificate": "present", "employment_proof": "present", "work_permit": "not_required",
        "application_form": "present"}
    assert case.qualification.catalog_id == 31 and case.qualification.recognized_title == "工程师"
    assert case.applicant.name == "张伟" and case.applicant.id_number_masked == ID_NO[:6] + "********" + ID_NO[-4:]
    kinds = {fp.kind for fp in case_fingerprints(list(clean_docs().values()), [])}
    assert kinds == {"cert_number", "id_number"}


@pytest.mark.parametrize("drop,code", [
    ("id", "MISSING_IDENTITY_DOCUMENT"), ("diploma", "MISSING_EDUCATION_CERTIFICATE"),
    ("cert", "MISSING_QUALIFICATION_CERTIFICATE"), ("form", "MISSING_APPLICATION_FORM"),
])
def test_each_missing_material_is_its_gap(drop, code):
    d = clean_docs()
    del d[drop]
    case = run(d)
    assert code in codes(case)
    assert case.recommendation == "return_for_materials"


def test_missing_employment_proof():
    d = clean_docs()
    del d["si"], d["contract"]
    case = run(d)
    assert "MISSING_EMPLOYMENT_PROOF" in codes(case)
    assert case.materials.employment_proof == "missing"
    assert "NOT_EMPLOYED_IN_TAIZHOU" not in codes(case)  # the form's employer alone proves nothing either way


def test_missing_unit_seal():
    d = clean_docs()
    d["form"] = doc("D06", DocType.APPLICATION_FORM, name="张伟", requested_title="工程师",
                    requested_series="机械工程", catalog_number=31, unit_seal_present=False)
    case = run(d)
    assert serious(case) == {"MISSING_UNIT_SEAL"}
    assert case.recommendation == "return_for_materials"


def foreign_docs() -> dict[str, Document]:
    d = clean_docs()
    del d["id"]
    d["passport"] = doc("D01", DocType.PASSPORT, name_latin="SMITH, JOHN", sex="M", birth_date="1985-03-12",
                        id_number="531234567", nationality="USA", valid_until="2030-01-01", mrz_valid=True)
    d["diploma"] = doc("D02", DocType.DIPLOMA, name="John Smith", institution="Purdue University",
                       level="Bachelor of Science", major="Mechanical Engineering", graduation_date="2007-05-15",
                       country="USA")
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="John Smith",
                    title="Certified Welding Inspector", issuer="AWS", certificate_number="12345678",
                    issue_date="2020-01-01", expiry_date="2026-01-01")
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="SMITH JOHN", employer="泰州华达机械有限公司",
                  insured_place="泰州医药高新区")
    del d["contract"]
    d["form"] = doc("D06", DocType.APPLICATION_FORM, name="SMITH JOHN", sex="M", id_type="护照", id_number="531234567",
                    employer="泰州华达机械有限公司", catalog_number=31, requested_title="工程师",
                    requested_series="机械工程", unit_seal_present=True)
    return d


def test_foreigner_needs_work_permit_but_no_cscse_and_nationality_does_not_count():
    case = run(foreign_docs())
    assert serious(case) == {"MISSING_WORK_PERMIT"}
    assert case.materials.overseas_degree_certification == "not_required"  # only for returnees (Art. 5(2))
    d = foreign_docs()
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", permit_number="840123456789012345",
                      nationality="USA", employer="泰州华达机械有限公司", valid_until="2026-01-01")
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="John Smith",
                     institution="Purdue University", country="美国")
    case = run(d)
    assert serious(case) == set(), case.flags
    assert case.recommendation == "forward_to_panel"
    assert case.materials.work_permit == "present"


def test_returnee_with_foreign_degree_needs_cscse():
    d = clean_docs()
    d["master"] = doc("D09", DocType.DEGREE_CERTIFICATE, name="Wei Zhang", institution="University of Manchester",
                      level="Master of Science", country="GBR", graduation_date="2013-12-15")
    case = run(d)
    assert serious(case) == {"MISSING_OVERSEAS_DEGREE_CERTIFICATION"}
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="张伟", institution="曼彻斯特大学")
    assert serious(run(d)) == set()


def test_hk_resident_needs_no_work_permit():
    d = foreign_docs()
    del d["passport"]
    d["hk"] = doc("D01", DocType.HK_MACAO_PERMIT, name="陈大文", name_latin="CHAN, TAI MAN", sex="M",
                  birth_date="1985-03-12", id_number="H1234567801", valid_until="2030-01-01")
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Tai Man CHAN",
                    title="Certified Welding Inspector", issuer="AWS", issue_date="2020-01-01")
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="陈大文", employer="泰州华达机械有限公司",
                  insured_place="泰州市")
    d["form"] = doc("D06", DocType.APPLICATION_FORM, name="陈大文", id_number="H1234567801",
                    employer="泰州华达机械有限公司", catalog_number=31, requested_title="工程师",
                    requested_series="机械工程", unit_seal_present=True)
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="陈大文")
    d["diploma"] = doc("D02", DocType.DIPLOMA, name="Chan Tai Man", institution="University of Toronto",
                       country="Canada")
    case = run(d)
    assert case.materials.work_permit == "not_required"
    assert serious(case) == set(), case.flags


def test_id_card_from_elsewhere_with_taizhou_insurance_is_fine():
    case = run(clean_docs())
    assert ID_NO.startswith("110101")
    assert "NOT_EMPLOYED_IN_TAIZHOU" not in codes(case)


def test_not_employed_in_taizhou_when_places_are_elsewhere():
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟", id_number=ID_NO,
                  employer="南京华达机械有限公司", insured_place="南京市鼓楼区")
    d["contract"] = doc("D05", DocType.LABOR_CONTRACT, name="张伟", employer="南京华达机械有限公司",
                        work_location="南京市鼓楼区")
    d["form"] = doc("D06", DocType.APPLICATION_FORM, name="张伟", employer="南京华达机械有限公司", catalog_number=31,
                    requested_title="工程师", requested_series="机械工程", unit_seal_present=True)
    case = run(d)
    assert "NOT_EMPLOYED_IN_TAIZHOU" in codes(case)
    assert "南京市鼓楼区" in next(f for f in case.flags if f.code == "NOT_EMPLOYED_IN_TAIZHOU").message_zh
    assert case.recommendation == "ineligible"
    assert case.eligibility.eligible is False


def test_zhejiang_taizhou_is_not_jiangsu_taizhou():
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟", insured_place="浙江省台州市椒江区")
    d["contract"] = doc("D05", DocType.LABOR_CONTRACT, name="张伟", work_location="浙江省台州市椒江区")
    d["form"] = doc("D06", DocType.APPLICATION_FORM, name="张伟", employer="台州华达机械有限公司", catalog_number=31,
                    requested_title="工程师", requested_series="机械工程", unit_seal_present=True)
    assert "NOT_EMPLOYED_IN_TAIZHOU" in codes(run(d))


def test_not_in_catalog_and_review():
    case = run(clean_docs(), entry=None, status=MatchStatus.NO_MATCH)
    assert "QUALIFICATION_NOT_IN_CATALOG" in codes(case)
    assert case.recommendation == "ineligible"
    case = run(clean_docs(), entry=CWI, status=MatchStatus.REVIEW)
    assert "QUALIFICATION_NEEDS_REVIEW" in codes(case)
    assert "QUALIFICATION_NOT_IN_CATALOG" not in codes(case)
    assert case.recommendation == "return_for_materials"  # a question for the reviewer, not a rejection
    assert case.eligibility.eligible is None
    # a review match asserts nothing about the entry: no catalogue-number or issuer findings
    assert not codes(case) & {"CATALOG_NUMBER_MISMATCH", "QUALIFICATION_ISSUER_MISMATCH"}


def _form(**kw: object) -> Document:
    base: dict[str, object] = dict(name="张伟", sex="M", id_number=ID_NO, employer="泰州华达机械有限公司",
                                   catalog_number=31, requested_title="工程师", requested_series="机械工程",
                                   unit_seal_present=True)
    base.update(kw)
    return doc("D06", DocType.APPLICATION_FORM, **base)


def test_requested_title_and_series():
    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei Zhang", title="FE Mechanical",
                    issuer="NCEES", issue_date="2015-01-01")
    d["form"] = _form(catalog_number=33)
    case = run(d, entry=FE)
    assert serious(case) == {"REQUESTED_TITLE_EXCEEDS_CATALOG"}
    assert case.recommendation == "ineligible"
    d["form"] = _form(catalog_number=33, requested_title="助理工程师", requested_series="医药工程")
    case = run(d, entry=FE)
    assert serious(case) == {"REQUESTED_SERIES_MISMATCH"}
    d["form"] = _form(catalog_number=33, requested_title="助理工程师", requested_series="机械")
    assert serious(run(d, entry=FE)) == set()


def test_senior_title_not_supported_only_once():
    d = clean_docs()
    d["form"] = _form(requested_title="高级工程师")
    case = run(d)
    assert serious(case) == {"SENIOR_TITLE_NOT_SUPPORTED"}
    assert case.recommendation == "ineligible"


@pytest.mark.parametrize("key,field,value,code", [
    ("cert", "expiry_date", "2024-05-31", "QUALIFICATION_EXPIRED"),
    ("id", "valid_until", "2023-12-31", "IDENTITY_DOCUMENT_EXPIRED"),
])
def test_expiry(key, field, value, code):
    d = clean_docs()
    fields = {k: f.value for k, f in d[key].fields.items()}
    fields[field] = value
    d[key] = doc(d[key].doc_id, d[key].doc_type, **fields)
    case = run(d)
    assert serious(case) == {code}
    assert case.recommendation == "return_for_materials"
    # still valid on the application date → nothing
    assert code not in codes(run(clean_docs()))


def test_a_passport_expired_long_ago_is_expired_when_its_mrz_says_so():
    """The MRZ's expiry with a valid check digit counts: read from a grey photocopy's zone at
    OCR confidence 0.45 (below the 0.55 gate that silenced it), 21 years back (beyond the
    max_years_expired guard against misreads, which a check digit makes moot), and whatever the
    printed zone was read as."""
    def passport(conf: float, expiry: str, printed: str | None, failed: str = "") -> Document:
        fields: dict[str, object] = dict(name_latin="SMITH, JOHN", sex="M", birth_date="1985-03-12",
                                         id_number="531234567", nationality="USA", mrz_valid=not failed,
                                         mrz_failed_checks=failed, mrz_expiry_date=expiry)
        if printed:
            fields["valid_until"] = printed
        p = doc("D01", DocType.PASSPORT, **fields)
        for k in ("mrz_expiry_date", "mrz_valid", "mrz_failed_checks", "valid_until"):
            if k in p.fields:
                p.fields[k].confidence = conf
        return p

    d = foreign_docs()
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", valid_until="2026-01-01")
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="John Smith")
    for p in (passport(0.45, "2012-04-15", "2012-04-15"),  # low-confidence zone, expiry filled from it
              passport(0.95, "2003-04-15", None),  # 21 years before the application
              passport(0.95, "2012-04-15", "2032-04-15")):  # the printed expiry misread
        d["passport"] = p
        case = run(d)
        [flag] = [f for f in case.flags if f.code == "IDENTITY_DOCUMENT_EXPIRED"]
        assert p.fields["mrz_expiry_date"].value in flag.message_en
        assert flag.evidence == p.fields["mrz_expiry_date"].evidence
    # a verified MRZ expiry still to come wins over a misread printed one in the past
    d["passport"] = passport(0.95, "2032-04-15", "2012-04-15")
    assert "IDENTITY_DOCUMENT_EXPIRED" not in codes(run(d))
    # the MRZ's expiry check failed: the printed date decides, with its guards
    d["passport"] = passport(0.95, "2012-04-15", "2032-04-15", failed="expiry_date,composite")
    assert "IDENTITY_DOCUMENT_EXPIRED" not in codes(run(d))
    d["passport"] = passport(0.95, "2032-04-15", "2012-04-15", failed="expiry_date")
    assert "IDENTITY_DOCUMENT_EXPIRED" in codes(run(d))


def test_work_permit_expired():
    d = foreign_docs()
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", employer="泰州华达机械有限公司",
                      valid_until="2024-01-01")
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="John Smith")
    assert serious(run(d)) == {"WORK_PERMIT_EXPIRED"}


def test_name_mismatch_and_tolerance():
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="李娜", id_number=ID_NO, employer="泰州华达机械有限公司",
                  insured_place="泰州市海陵区")
    case = run(d)
    assert serious(case) == {"NAME_MISMATCH"}
    assert "李娜" in next(f for f in case.flags if f.code == "NAME_MISMATCH").message_zh
    assert case.recommendation == "refer_for_investigation"
    # pinyin in the other order / case, and a Chinese name with OCR spaces: no flag
    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="ZHANG, WEI",
                    title="Certified Welding Inspector", issuer="American Welding Society (AWS)")
    assert serious(run(d)) == set()
    # a different person on the certificate
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wang Fang",
                    title="Certified Welding Inspector", issuer="AWS")
    assert serious(run(d)) == {"NAME_MISMATCH"}


def test_low_confidence_values_are_not_compared():
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, conf=0.3, name="张伟伟", id_number=ID_NO[:-2] + "00",
                  employer="泰州华连机诫有限公司", insured_place="泰州市海陵区")
    case = run(d)
    assert serious(case) == set(), case.flags


def test_id_number_birth_and_sex_mismatch():
    other = with_check("32120219900101123")
    d = clean_docs()
    d["form"] = _form(id_number=other)
    assert serious(run(d)) == {"ID_NUMBER_MISMATCH"}
    d = clean_docs()
    d["form"] = _form(sex="F")
    case = run(d)
    assert serious(case) == {"SEX_MISMATCH"}
    assert case.recommendation == "refer_for_investigation"
    # birth date printed on the card differs from the one in the number
    d = clean_docs()
    fields = {k: f.value for k, f in d["id"].fields.items()}
    fields["birth_date"] = "1988-03-21"
    d["id"] = doc("D01", DocType.RESIDENT_ID_CARD, **fields)
    assert serious(run(d)) == {"BIRTH_DATE_MISMATCH"}


def test_employer_tolerant_to_company_forms_but_not_other_companies():
    d = clean_docs()
    d["contract"] = doc("D05", DocType.LABOR_CONTRACT, name="张伟", employer="泰州 华达机械 (有限责任公司)".replace(
        " (有限责任公司)", "有限责任公司"), work_location="泰州")
    assert serious(run(d)) == set()
    d["contract"] = doc("D05", DocType.LABOR_CONTRACT, name="张伟", employer="泰州恒通化工有限公司", work_location="泰州")
    case = run(d)
    assert serious(case) == {"EMPLOYER_MISMATCH"}
    assert case.recommendation == "return_for_materials"


def test_catalog_number_and_issuer():
    d = clean_docs()
    d["form"] = _form(catalog_number="目录序号30")
    assert serious(run(d)) == {"CATALOG_NUMBER_MISMATCH"}
    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei ZHANG",
                    title="Certified Welding Inspector", issuer="Amazon Web Services")
    assert serious(run(d)) == {"QUALIFICATION_ISSUER_MISMATCH"}


def test_regional_chamber_is_a_real_dihk_issuer():
    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei Zhang",
                    title="Industriemechaniker", issuer="Industrie- und Handelskammer zu München und Oberbayern")
    d["form"] = _form(catalog_number=37, requested_title="助理工程师")
    assert serious(run(d, entry=IHK)) == set()


def test_implausible_dates():
    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei ZHANG",
                    title="Certified Welding Inspector", issuer="AWS", issue_date="2000-01-01")  # aged 11
    assert serious(run(d)) == {"DATE_IMPLAUSIBLE"}
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei ZHANG",
                    title="Certified Welding Inspector", issuer="AWS", issue_date="2023-01-01",
                    expiry_date="2022-01-01")
    assert "DATE_IMPLAUSIBLE" in codes(run(d))
    d = clean_docs()
    d["diploma"] = doc("D02", DocType.DIPLOMA, name="张伟", institution="南京工业大学", graduation_date="2025-06-30")
    assert serious(run(d)) == {"DATE_IMPLAUSIBLE"}


def test_id_checksum_region_and_mrz():
    d = clean_docs()
    bad = ID_NO[:-1] + ("0" if ID_NO[-1] != "0" else "1")
    d["id"] = doc("D01", DocType.RESIDENT_ID_CARD, name="张伟", sex="M", birth_date="1988-03-12", id_number=bad)
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟", id_number=bad, insured_place="泰州")
    d["form"] = _form(id_number=bad)
    case = run(d)
    assert serious(case) == {"ID_NUMBER_CHECKSUM_INVALID"}
    assert [f.code for f in case.flags].count("ID_NUMBER_CHECKSUM_INVALID") == 1
    assert bad not in case.flags[0].message_zh  # masked
    assert case.recommendation == "refer_for_investigation"
    d = clean_docs()
    fields = {k: f.value for k, f in d["id"].fields.items()}
    fields["id_region_known"] = False
    d["id"] = doc("D01", DocType.RESIDENT_ID_CARD, **fields)
    assert serious(run(d)) == {"ID_NUMBER_REGION_UNKNOWN"}
    d = foreign_docs()
    d["passport"] = doc("D01", DocType.PASSPORT, name_latin="SMITH, JOHN", sex="M", birth_date="1985-03-12",
                        id_number="531234567", nationality="USA", valid_until="2030-01-01", mrz_valid=False,
                        mrz_birth_date="1985-03-21")
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", valid_until="2026-01-01")
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="John Smith")
    case = run(d)
    assert serious(case) == {"MRZ_CHECK_DIGIT_INVALID", "MRZ_VISUAL_MISMATCH"}
    assert case.recommendation == "refer_for_investigation"


def test_quality_flags_per_page():
    pages = [
        PageInfo(file="a.jpg", file_sha256="0", page=1, width=10, height=10, doc_type=DocType.UNKNOWN,
                 ocr=OcrResult(engine="tesseract", text="随便 一些 文字", mean_conf=0.9)),
        PageInfo(file="b.jpg", file_sha256="0", page=1, width=10, height=10,
                 ocr=OcrResult(engine="tesseract", text="  ", mean_conf=0.0)),
        PageInfo(file="c.jpg", file_sha256="0", page=2, width=10, height=10, doc_type=DocType.DIPLOMA,
                 ocr=OcrResult(engine="rapidocr", text="毕业证书", mean_conf=0.4)),
        PageInfo(file="d.pdf", file_sha256="0", page=1, width=10, height=10, doc_type=DocType.DIPLOMA,
                 ocr=OcrResult(engine="text_layer", text="毕业证书", mean_conf=0.0)),
    ]
    case = run(clean_docs(), pages=pages)
    got = sorted((f.code, f.evidence[0].file) for f in case.flags if f.category == "quality")
    assert got == [("LOW_OCR_CONFIDENCE", "c.jpg"), ("PAGE_UNREADABLE", "b.jpg"), ("UNCLASSIFIED_PAGE", "a.jpg")]
    assert case.recommendation == "forward_to_panel"  # quality notes alone do not send a case back


def test_recommendation_precedence():
    from pipeline.core.flags import make_flag

    policy = load_policy()
    gap, inel, inv = make_flag("MISSING_UNIT_SEAL"), make_flag("SENIOR_TITLE_NOT_SUPPORTED"), make_flag(
        "ID_NUMBER_CHECKSUM_INVALID", number="x")
    assert recommend([], policy) == "forward_to_panel"
    assert recommend([make_flag("UNCLASSIFIED_PAGE")], policy) == "forward_to_panel"
    assert recommend([gap], policy) == "return_for_materials"
    assert recommend([make_flag("FILE_UNREADABLE", reason_zh="x", reason_en="x")], policy) == "return_for_materials"
    assert recommend([gap, inel], policy) == "ineligible"
    assert recommend([gap, inel, inv], policy) == "refer_for_investigation"
    assert recommend([make_flag("NAME_MISMATCH", detail="x"), inel], policy) == "refer_for_investigation"
    assert recommend([make_flag("EMPLOYER_MISMATCH", detail="x")], policy) == "return_for_materials"
    assert recommend([make_flag("IMAGE_EDITING_SOFTWARE", software="Photoshop")], policy) == "refer_for_investigation"


def test_one_digit_ocr_slip_is_not_a_forgery_or_another_person():
    d = clean_docs()
    slip = ID_NO[:5] + ("8" if ID_NO[5] != "8" else "3") + ID_NO[6:]  # one digit misread on the form
    assert id_checksum_ok(slip) is False
    d["form"] = _form(id_number=slip)
    assert serious(run(d)) == set()
    # the same slip with no valid number elsewhere still counts
    del d["id"], d["si"]
    assert "ID_NUMBER_CHECKSUM_INVALID" in serious(run(d))


def test_mrz_verdict_fields_from_the_passport_extractor():
    d = foreign_docs()
    d["passport"] = doc("D01", DocType.PASSPORT, name_latin="SMITH, JOHN", sex="M", birth_date="1985-03-12",
                        id_number="531234567", nationality="USA", valid_until="2030-01-01", mrz_valid=True,
                        mrz_birth_date="1990-01-02", mrz_visual_mismatch=True,
                        mrz_visual_mismatch_fields="birth_date", mrz_visual_uncertain_fields="")
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", valid_until="2026-01-01")
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="John Smith")
    case = run(d)
    assert serious(case) == {"MRZ_VISUAL_MISMATCH"}
    flag = next(f for f in case.flags if f.code == "MRZ_VISUAL_MISMATCH")
    assert "birth date: printed 1985-03-12, MRZ 1990-01-02" in flag.message_en
    assert "出生日期：印刷区 1985-03-12，机读区 1990-01-02" in flag.message_zh
    d["passport"].fields["mrz_visual_mismatch"].value = False
    assert serious(run(d)) == set()


def test_an_uncertain_printed_read_is_a_reviewers_question_not_a_forgery():
    """The extractor found the printed name and the MRZ's differ, but as a reading question (a
    label word read as the given name): a quality warning showing both values, no forgery flag,
    the case still goes to the panel."""
    d = foreign_docs()
    # as the extractor leaves it: the verified MRZ name reported, the misread kept beside it
    d["passport"] = doc("D01", DocType.PASSPORT, name_latin="SMITH, JOHN", name_latin_printed="SMITH, GIVEN NAMES",
                        sex="M", birth_date="1985-03-12", id_number="531234567", nationality="USA",
                        valid_until="2030-01-01", mrz_valid=True, mrz_name="SMITH, JOHN", mrz_visual_mismatch=False,
                        mrz_visual_mismatch_fields="", mrz_visual_uncertain_fields="name_latin")
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", valid_until="2026-01-01")
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="John Smith")
    case = run(d)
    assert serious(case) == set()
    [flag] = [f for f in case.flags if f.code == "MRZ_VISUAL_UNCERTAIN"]
    assert (flag.severity, flag.category) == ("warning", "quality")
    assert "Latin name: printed SMITH, GIVEN NAMES, MRZ SMITH, JOHN" in flag.message_en
    assert "外文姓名：印刷区 SMITH, GIVEN NAMES，机读区 SMITH, JOHN" in flag.message_zh
    assert case.recommendation == "forward_to_panel"


def test_without_the_extractors_verdict_a_low_confidence_read_is_only_a_question():
    """Hand-built or corrected documents (no verdict fields): a printed birth date read at 0.6
    against the MRZ's is a question; read at 0.95 it is a finding; against an MRZ date whose own
    check failed it is a question again (MRZ_CHECK_DIGIT_INVALID says the rest)."""
    def passport(conf: float, failed: str = "") -> Document:
        p = doc("D01", DocType.PASSPORT, name_latin="SMITH, JOHN", sex="M", birth_date="1985-03-12",
                id_number="531234567", nationality="USA", valid_until="2030-01-01", mrz_valid=not failed,
                mrz_birth_date="1985-03-21", mrz_failed_checks=failed)
        p.fields["birth_date"].confidence = conf
        return p

    d = foreign_docs()
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", valid_until="2026-01-01")
    d["cscse"] = doc("D08", DocType.OVERSEAS_DEGREE_CERTIFICATION, name="John Smith")
    d["passport"] = passport(0.6)
    case = run(d)
    assert serious(case) == set()
    assert [f.code for f in case.flags if f.code.startswith("MRZ")] == ["MRZ_VISUAL_UNCERTAIN"]
    d["passport"] = passport(0.95)
    assert serious(run(d)) == {"MRZ_VISUAL_MISMATCH"}
    d["passport"] = passport(0.95, failed="birth_date,composite")
    case = run(d)
    assert serious(case) == {"MRZ_CHECK_DIGIT_INVALID"}
    assert "MRZ_VISUAL_UNCERTAIN" in {f.code for f in case.flags}


def test_policy_data_errors_name_the_file_line_and_entry():
    from pipeline.checks.data import PolicyData
    from pipeline.core.datafiles import parse
    from pipeline.core.errors import DataFileError

    text = (Path(__file__).parents[1] / "pipeline/data/policy.yaml").read_text(encoding="utf-8")
    lines = text.split("\n")
    rank_line = next(i for i, ln in enumerate(lines) if ln.strip().startswith("rank:"))
    lines[rank_line] = lines[rank_line].split("rank:")[0] + "rank: first"
    code_line = next(i for i, ln in enumerate(lines) if ln.strip().startswith('"321202"'))
    lines[code_line] = lines[code_line].replace('"321202"', '"32120"')
    with pytest.raises(DataFileError) as exc:
        parse("\n".join(lines), "policy.yaml", PolicyData)
    msg = str(exc.value)
    assert f"line {rank_line + 1}, titles.0.rank" in msg, msg
    assert f"line {code_line + 1}, taizhou.division_codes" in msg, msg


def test_someone_elses_latin_name_on_the_certificate():
    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Madison Stewart",
                    title="Certified Welding Inspector", issuer="AWS")
    assert serious(run(d)) == {"NAME_MISMATCH"}
    # an English given name with the right surname can't be checked: no flag
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Michael ZHANG",
                    title="Certified Welding Inspector", issuer="AWS")
    assert serious(run(d)) == set()


def test_sex_digit_tampered_without_an_id_card():
    d = clean_docs()
    del d["id"]
    tampered = with_check(ID_NO[:16] + "2")  # 17th digit even → female, check char recomputed
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟", id_number=tampered,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区")
    d["form"] = _form(id_number=tampered, sex="M")
    assert serious(run(d)) == {"MISSING_IDENTITY_DOCUMENT", "SEX_MISMATCH"}


def test_foreigner_without_passport_is_still_a_foreigner():
    d = foreign_docs()
    del d["passport"]
    d["form"] = _form(name="SMITH JOHN", id_type="护照", id_number="531234567")
    assert serious(run(d)) == {"MISSING_IDENTITY_DOCUMENT", "MISSING_WORK_PERMIT"}


def test_employer_with_ocr_run_on_text_is_the_same():
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟", id_number=ID_NO,
                  employer="泰州华达机械有限公司参保地", insured_place="泰州市海陵区")
    d["contract"] = doc("D05", DocType.LABOR_CONTRACT, name="张伟", employer="泰州华达机诫有限公司",  # 械 misread
                        work_location="泰州")
    assert serious(run(d)) == set()


def test_transliterated_chinese_name_of_a_foreigner_is_not_a_mismatch():
    d = foreign_docs()
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="约翰·史密斯", valid_until="2026-01-01")
    assert serious(run(d)) == set()


def test_misread_passport_cells_do_not_cry_wolf():
    d = foreign_docs()
    # the visual zone read one cell off: nationality code and type in the name, birth date as expiry
    d["passport"] = doc("D01", DocType.PASSPORT, name_latin="GBR P, SMITH", sex="M", id_number="531234567",
                        nationality="BRISTOL", valid_until="1985-03-12")
    d["permit"] = doc("D07", DocType.WORK_PERMIT, name="SMITH, JOHN", valid_until="2026-01-01", nationality="USA")
    assert serious(run(d)) == set()


def test_name_run_on_into_the_next_label_is_not_another_person():
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟公民身位号", id_number=ID_NO,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区")
    assert serious(run(d)) == set()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="张伟华", id_number=ID_NO,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区")
    assert serious(run(d)) == {"NAME_MISMATCH"}


def test_traditional_glyph_of_the_same_name_is_not_another_person():
    """OCR (or a Hong Kong/Taiwan document) prints 曹霞強 for 曹霞强: the same name."""
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="張偉", id_number=ID_NO,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区")
    assert serious(run(d)) == set()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="章偉", id_number=ID_NO,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区")
    assert serious(run(d)) == {"NAME_MISMATCH"}


def test_text_that_cannot_be_a_name_is_not_another_person():
    """OCR ran into the next words (个人缴纳部分, 在本) or picked up a stray mark (引张伟): not a
    name, so not compared — while a real other name still is."""
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="个人缴纳部分", id_number=ID_NO,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区")
    assert serious(run(d)) == set()
    d = clean_docs()
    d["id"].fields["name"].value = "引张伟"  # the reference document's name is unreadable: the form's is used
    assert serious(run(d)) == set()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="李娜", id_number=ID_NO,
                  employer="泰州华达机械有限公司", insured_place="泰州市海陵区")
    assert serious(run(d)) == {"NAME_MISMATCH"}


def test_plausible_chinese_names():
    from pipeline.core.names import plausible_chinese_name

    for name in ("张伟", "欧阳娜娜", "司马强晓", "缪超嘉", "托马斯·杰克"):
        assert plausible_chinese_name(name), name
    for name in ("在本", "个人缴纳部分", "引张勇丽", "同意根据", "张"):
        assert not plausible_chinese_name(name), name
