"""GB/T 2260 region codes: every code ever in use is genuine on a card handed in today; a code
that never existed is not."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.codes import check_id_number
from pipeline.core.datafiles import parse
from pipeline.core.errors import DataFileError
from pipeline.core.regions import RegionSources, region_info, region_table
from samples.people import make_id_number

# Named in the issue that found them unknown: Taizhou's former codes (the county-level 泰州市
# of the 1980s; 兴化/泰兴/靖江/姜堰 as province-administered cities), 盐都县, 常熟市 of 1983–86,
# the province code, 市辖区 codes, and prefectures outside Jiangsu that existed 1984–2000s.
FORMERLY_UNKNOWN = {
    "321020": "泰州市", "329009": "兴化市", "329020": "泰兴市", "329023": "靖江市", "329028": "姜堰市",
    "320928": "盐都县", "320520": "常熟市", "320000": "江苏省", "321001": "市辖区", "132100": "邯郸地区",
    "132900": "沧州地区", "513800": "眉山地区", "422900": "林区", "517000": "涪陵市",
}
NEVER_EXISTED = ["321299", "320199", "329901", "990101", "000000", "110199", "349003", "123456", "719001", "119001"]


@pytest.mark.parametrize("code,name", sorted(FORMERLY_UNKNOWN.items()))
def test_former_codes_are_known_with_their_names(code: str, name: str) -> None:
    info = region_info(code)
    assert info.known and info.name is not None and info.name.endswith(name), info


@pytest.mark.parametrize("code", NEVER_EXISTED)
def test_codes_that_never_existed_stay_unknown(code: str) -> None:
    assert not region_info(code).known


def test_taizhou_former_county_level_city_has_its_years_and_is_historical() -> None:
    info = region_info("321020")
    assert info.years == "1983–1986" and info.historical and info.name == "江苏省扬州市泰州市"
    assert not region_info("321202").historical and region_info("321202").name == "江苏省泰州市海陵区"


def test_taixing_and_jingjiang_names_not_swapped() -> None:
    assert region_info("321085").name.endswith("泰兴市") and region_info("321086").name.endswith("靖江市")


def test_reserved_classes_need_a_known_parent() -> None:
    assert region_info("429004").known  # 仙桃市, province-administered
    assert region_info("329015").known and region_info("329015").name == "江苏省省直辖县级行政单位"
    assert not region_info("719001").known  # 台湾省 is listed, but never with province-administered units
    assert region_info("320571").known and not region_info("329971").known


def test_the_table_is_large_and_complete_where_it_matters() -> None:
    table = region_table()
    assert len(table) > 6900
    jiangsu = [c for c in table if c.startswith("32")]
    assert len(jiangsu) > 290  # every code of Jiangsu since 1980


def test_a_card_keeps_its_code_whatever_the_birth_year() -> None:
    """python-stdnum rejects a card whose birth year lies outside its code's years; a card
    issued at a later re-registration keeps the old code, so credcase must not."""
    number = make_id_number("321020", date(1995, 3, 8), "F", random.Random(1))  # code abolished 1986
    chk = check_id_number(number)
    assert chk.valid_checksum and chk.region_known and chk.region_years == "1983–1986"


CODES = sorted(region_table())


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from(CODES), birth=st.dates(date(1900, 1, 1), date(2008, 12, 31)),
       sex=st.sampled_from("MF"), seed=st.integers(0, 2**32))
def test_every_generated_number_passes_and_its_one_digit_mutants_fail(code: str, birth: date, sex: str,
                                                                     seed: int) -> None:
    number = make_id_number(code, birth, sex, random.Random(seed))
    chk = check_id_number(number, today=date(2026, 12, 2))
    assert chk.valid_checksum and chk.region_known and chk.birth_date == birth and chk.sex == sex
    i = random.Random(seed).randrange(17)
    for d in "0123456789":
        if d != number[i]:
            assert not check_id_number(number[:i] + d + number[i + 1:]).valid_checksum


def test_a_bad_entry_names_its_line() -> None:
    text = ('special: {}\nsupplement:\n  "32102": {name: x, source: y}\nreserved: []\ncorrections: {}\n'
            'generic_names: []\n')
    with pytest.raises(DataFileError, match="line 3"):
        parse(text, "region_codes.yaml", RegionSources)
