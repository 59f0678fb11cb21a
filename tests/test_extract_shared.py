"""The extractors' shared data: the employer pattern each doc type reads, field patterns
validated on load, and the one table of month names every stage uses."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from extractors._shared.employer import employer_pattern
from extractors._shared.labels import FieldTable, expand_pattern, pattern_for
from pipeline.core import dates
from pipeline.core.datafiles import parse
from pipeline.core.errors import DataFileError
from pipeline.core.text import HAN
from pipeline.forensics.pdf import number_tokens


def _employer(doc_type: str, text: str) -> str | None:
    m = employer_pattern(doc_type).search(text)
    return m.group(0) if m else None


@pytest.mark.parametrize("doc_type", ["application_form", "work_permit", "labor_contract", "social_insurance_record"])
def test_every_employer_reader_knows_the_common_legal_forms(doc_type):
    for name in ("泰州康泰医药科技有限公司", "江苏扬子江股份有限公司", "泰州市第一人民医院", "中国石化集团",
                 "泰州精工机械厂", "泰州市检测中心", "江苏泰州化工研究院", "泰州华创有限责任公司"):
        assert _employer(doc_type, f"{name} 工程师") == name


def test_each_doc_type_keeps_its_own_suffixes():
    # the application form and the work permit name universities and branches as employers ...
    for dt in ("application_form", "work_permit"):
        assert _employer(dt, "南京工业大学 讲师") == "南京工业大学"
        assert _employer(dt, "泰州医药高新区分公司") == "泰州医药高新区分公司"
        assert _employer(dt, "泰州正大会计师事务所") is None
    # ... a labour contract's employer may be a branch or a firm of accountants or lawyers, not a university
    assert _employer("labor_contract", "泰州医药高新区分公司") == "泰州医药高新区分公司"
    assert _employer("labor_contract", "泰州正大会计师事务所") == "泰州正大会计师事务所"
    assert _employer("labor_contract", "南京工业大学 讲师") is None
    # ... the social-insurance table knows the legal forms only
    for name in ("泰州医药高新区分公司", "泰州正大会计师事务所", "南京工业大学"):
        assert _employer("social_insurance_record", name) is None


def test_the_social_insurance_table_reads_chinese_names_only():
    assert _employer("social_insurance_record", "TaizhouPharma有限公司") is None
    assert _employer("application_form", "TaizhouPharma有限公司") == "TaizhouPharma有限公司"
    assert _employer("labor_contract", "Taizhou Pharma有限公司") == "Pharma有限公司"  # a space ends the name
    # at most 40 characters before the suffix in the table, 50 elsewhere
    assert len(_employer("social_insurance_record", "泰" * 60 + "有限公司") or "") == 44
    assert len(_employer("application_form", "泰" * 60 + "有限公司") or "") == 54


def test_han_property_in_patterns():
    assert expand_pattern(r"[\p{Han}·]{2,6}") == f"[{HAN}·]{{2,6}}"
    assert expand_pattern(r"\p{Han}+") == f"[{HAN}]+"
    assert expand_pattern(r"[\[\p{Han}]") == f"[\\[{HAN}]"
    assert re.fullmatch(pattern_for("application_form", "name"), "张伟")
    assert re.fullmatch(pattern_for("application_form", "name"), "Smith, John")


def test_a_broken_pattern_names_file_line_and_key():
    text = resources.files("extractors").joinpath("data/doc_fields.yaml").read_text(encoding="utf-8")
    broken = text.replace("phone: '[\\d\\-\\s]{7,16}\\d'", "phone: '[\\d\\-\\s{7,16}\\d'")
    assert broken != text
    line = next(i for i, ln in enumerate(broken.splitlines(), 1) if ln.strip().startswith("phone: '["))
    with pytest.raises(DataFileError) as err:
        parse(broken, "extractors/data/doc_fields.yaml", FieldTable)
    msg = err.value.message_en
    assert "extractors/data/doc_fields.yaml" in msg and f"line {line}" in msg
    assert "doc_types.application_form.patterns.phone" in msg and "not a valid regex" in msg


def test_an_empty_label_names_its_key():
    text = resources.files("extractors").joinpath("data/doc_fields.yaml").read_text(encoding="utf-8")
    broken = text.replace("      work_location: [工作地点]", "      work_location: ['  ']")
    with pytest.raises(DataFileError) as err:
        parse(broken, "doc_fields.yaml", FieldTable)
    assert "doc_types.labor_contract.labels.work_location.0" in err.value.message_en
    assert "empty label" in err.value.message_en


def test_month_names_are_one_table():
    assert dates.month_number("März") == dates.month_number("maerz") == 3
    assert dates.month_number("Sept.") == 9 and dates.month_number("janvier") == 1
    assert dates.month_number("Monday") is None
    # the forensics text-layer check reads month words with the same table
    assert ("date", "20210305") in number_tokens("issued 5 Mar 2021", 6)
    assert ("date", "20210305") in number_tokens("issued 5 März 2021", 6)
    assert ("date", "20211012") in number_tokens("October 12, 2021", 6)
    assert dates.find_dates("the fifteenth day of Mai, 2015")[0].iso == "2015-05-15"
