"""Shared normalisers: dates in Chinese/English/German/numeric forms, sex words, names across
scripts, OCR digit repair, ID numbers and MRZ check digits — examples plus hypothesis properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors._shared.idnumber import find_id_numbers
from extractors._shared.mrz import make_td3, parse_mrz
from extractors._shared.sex import parse_sex
from pipeline.core.codes import check_char, check_id_number, mrz_check_digit
from pipeline.core.dates import iso_date, parse_date, parse_date_range
from pipeline.core.digits import repair_digits
from pipeline.core.names import format_latin_name, latin_names_match, name_matches_pinyin, names_match
from pipeline.core.regions import region_info

EN_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
EN_LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
DE_LONG = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"]
dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2069, 12, 31))


@pytest.mark.parametrize("text,expected", [
    ("1990年1月2日", "1990-01-02"),
    ("1990 年 1 月 2 日", "1990-01-02"),
    ("1990.01.02", "1990-01-02"),
    ("12 MAR 1985", "1985-03-12"),
    ("March 12, 1985", "1985-03-12"),
    ("12th March 1985", "1985-03-12"),
    ("12. März 1985", "1985-03-12"),
    ("12.03.1985", "1985-03-12"),
    ("19850312", "1985-03-12"),
    ("02 1月/JAN 1990", "1990-01-02"),
    ("03/25/1985", "1985-03-25"),
])
def test_date_forms(text: str, expected: str) -> None:
    assert iso_date(text) == expected


def test_date_repair_only_when_asked() -> None:
    assert parse_date("199O.O1.O2") is None
    assert parse_date("199O.O1.O2", repair=True) == date(1990, 1, 2)
    assert parse_date("05 0CT 2018", repair=True) == date(2018, 10, 5)


def test_impossible_dates_are_not_made_up() -> None:
    assert parse_date("1990年2月30日") is None
    assert parse_date("no date here") is None


def test_ranges_and_long_term() -> None:
    assert parse_date_range("2015.03.01-2035.03.01") == (date(2015, 3, 1), date(2035, 3, 1), False)
    assert parse_date_range("2015.03.01-长期") == (date(2015, 3, 1), None, True)


@settings(max_examples=150, deadline=None)
@given(dates)
def test_every_written_form_parses_back(d: date) -> None:
    forms = [
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}.{d.month:02d}.{d.day:02d}",
        f"{d.day:02d} {EN_MONTHS[d.month - 1]} {d.year}",
        f"{EN_LONG[d.month - 1]} {d.day}, {d.year}",
        f"{d.day}. {DE_LONG[d.month - 1]} {d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.year}-{d.month:02d}-{d.day:02d}",
    ]
    for form in forms:
        assert parse_date(form) == d, form


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_date_parser_never_raises(text: str) -> None:
    result = parse_date(text, repair=True)
    assert result is None or isinstance(result, date)


@pytest.mark.parametrize("text,expected", [
    ("男", "M"), ("女", "F"), ("M", "M"), ("F", "F"), ("Male", "M"), ("FEMALE", "F"),
    ("männlich", "M"), ("weiblich", "F"), ("男/M", "M"), ("女 / F", "F"), ("", None), ("X", None),
])
def test_sex_words(text: str, expected: str | None) -> None:
    assert parse_sex(text) == expected


@pytest.mark.parametrize("zh,latin", [
    ("张三", "ZHANG, SAN"), ("张三", "San Zhang"), ("张三", "ZHANGSAN"), ("单晓明", "SHAN, XIAOMING"),
    ("曾国强", "ZENG GUOQIANG"), ("吕方", "LYU, FANG"), ("吕方", "LV FANG"), ("欧阳娜娜", "OUYANG, NANA"),
])
def test_chinese_name_matches_its_pinyin(zh: str, latin: str) -> None:
    assert name_matches_pinyin(zh, latin)
    assert names_match(latin, zh)


def test_different_names_do_not_match() -> None:
    assert not name_matches_pinyin("张三", "LI, SI")
    assert not latin_names_match("SMITH, JOHN", "SMITH, JANE")
    assert not names_match("张三", "张四")


def test_western_names_in_either_order() -> None:
    assert latin_names_match("SMITH, JOHN PAUL", "John Paul Smith")
    assert latin_names_match("MÜLLER, HANS", "Hans Muller")
    assert format_latin_name("Müller", "hans-peter") == "MULLER, HANS-PETER"


NAME_CHARS = st.sampled_from(list("张王李赵陈刘杨黄周吴明华伟芳军丽强敏静磊洋"))


@settings(max_examples=80, deadline=None)
@given(st.lists(NAME_CHARS, min_size=2, max_size=3))
def test_pinyin_of_any_name_matches_in_both_orders(chars: list[str]) -> None:
    from pypinyin import lazy_pinyin

    name = "".join(chars)
    py = lazy_pinyin(name)
    surname, given_ = py[0].upper(), "".join(py[1:]).upper()
    assert name_matches_pinyin(name, f"{surname}, {given_}")
    assert name_matches_pinyin(name, f"{given_.title()} {surname.title()}")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.from_regex(r"[A-Z]{2,8}", fullmatch=True), min_size=2, max_size=4))
def test_latin_token_order_never_matters(tokens: list[str]) -> None:
    assert latin_names_match(" ".join(tokens), ", ".join(reversed(tokens)))


def test_digit_repair_table() -> None:
    assert repair_digits("32O1Il") == "320111"


# --------------------------------------------------------------------------- ID numbers


def test_known_valid_number() -> None:
    chk = check_id_number("11010519491231002X")
    assert chk.valid_checksum and chk.region_known
    assert chk.birth_date == date(1949, 12, 31) and chk.sex == "F"


def test_wrong_check_character_is_reported_not_corrected() -> None:
    chk = check_id_number("321283199001021233")
    assert chk.number == "321283199001021233"
    assert chk.valid_checksum is False
    assert chk.expected_check == "2"


def test_taizhou_region_codes_current_and_historical() -> None:
    for code in ("321200", "321202", "321203", "321204", "321281", "321282", "321283"):
        assert region_info(code).known and not region_info(code).historical, code
    for code in ("321284", "321082", "321028", "329001"):
        assert region_info(code).known and region_info(code).historical, code
    assert not region_info("321299").known
    assert not region_info("990101").known
    assert region_info("110105").level == "county" and region_info("110105").name == "北京市朝阳区"


def test_ocr_lookalikes_repaired_only_in_digit_positions() -> None:
    [(raw, number, chk)] = find_id_numbers("公民身份号码 3212831990O1O2 1232")
    assert number == "321283199001021232" and chk.repaired and chk.valid_checksum
    assert find_id_numbers("ABCDEFGHIJKLMNOPQR") == []


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"32128[1-3](19[5-9]\d|200\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}", fullmatch=True))
def test_check_char_round_trip_and_single_digit_errors_detected(first17: str) -> None:
    number = first17 + check_char(first17)
    assert check_id_number(number).valid_checksum
    i = 14  # change one serial digit: MOD 11-2 catches every single-digit error
    changed = first17[:i] + str((int(first17[i]) + 1) % 10) + first17[i + 1:] + number[17]
    assert not check_id_number(changed).valid_checksum


# --------------------------------------------------------------------------- MRZ


def test_icao_specimen_td3_td1_td2() -> None:
    today = date(2026, 1, 1)
    r = parse_mrz(["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                   "L898902C36UTO7408122F1204159ZE184226B<<<<<10"], today)
    assert r and r.valid and r.name == "ERIKSSON, ANNA MARIA" and r.birth_date == "1974-08-12"
    r = parse_mrz(["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                   "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"], today)
    assert r and r.format == "TD1" and r.valid
    r = parse_mrz(["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"], today)
    assert r and r.format == "TD2" and r.valid


def test_mrz_o_to_zero_only_in_numeric_fields() -> None:
    lines = make_td3("P", "CHN", "ZHOU", "OU", "E12345678", "CHN", "900102", "M", "350301")
    noisy = [lines[0], lines[1].replace("9001022", "9OO1O22")]
    r = parse_mrz(noisy, date(2026, 1, 1))
    assert r and r.valid and r.birth_date == "1990-01-02"
    assert r.surname == "ZHOU" and r.given_names == "OU"  # letters O in the name stay letters
    assert any(x.startswith("birth_date") for x in r.repairs)


def test_mrz_wrong_check_digit_is_reported() -> None:
    lines = make_td3("P", "CHN", "ZHANG", "SAN", "E12345678", "CHN", "900102", "M", "350301")
    tampered = lines[1][:13] + "910102" + lines[1][19:]  # birth date changed, check digit not
    r = parse_mrz([lines[0], tampered], date(2026, 1, 1))
    assert r and not r.valid
    assert r.checks["birth_date"] is False and r.checks["composite"] is False
    assert r.birth_date == "1991-01-02"  # reported as printed, not "fixed"


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[A-Z0-9<]{1,20}", fullmatch=True))
def test_mrz_check_digit_is_a_digit(data: str) -> None:
    assert mrz_check_digit(data) in "0123456789"
