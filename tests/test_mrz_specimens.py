"""Machine-readable zones against the world's published specimens (tests/fixtures/mrz_specimens.yaml):
ICAO Doc 9303's Utopia specimens of every format (TD1, TD2, TD3, MRV-A, MRV-B) and issuing
states' specimens, parsed, mutated and found among OCR-like noise. No OCR: strings only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from extractors._shared.mrz import find_mrz, make_mrv, make_td1, make_td2, make_td3, parse_mrz
from pipeline.classify.cues import mrz_cues
from pipeline.core.codes import mrz_char_value, mrz_line_checks, mrz_line_structure
from pipeline.core.models import OcrLine, OcrResult

TODAY = date(2026, 1, 1)
SPECIMENS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "mrz_specimens.yaml").read_text(encoding="utf-8"))["specimens"]
IDS = [s["id"] for s in SPECIMENS]

# the check digits each format has (Doc 9303 Parts 4–7): visas none for optional data, no composite
CHECKS = {"TD1": {"number", "birth_date", "expiry_date", "composite"},
          "TD2": {"number", "birth_date", "expiry_date", "composite"},
          "TD3": {"number", "birth_date", "expiry_date", "composite"},
          "MRVA": {"number", "birth_date", "expiry_date"},
          "MRVB": {"number", "birth_date", "expiry_date"}}

# where each check-digit-covered field stands: (line, start, end)
FIELDS = {"TD1": {"number": (0, 5, 14), "birth_date": (1, 0, 6), "expiry_date": (1, 8, 14)}}
for _fmt in ("TD2", "TD3", "MRVA", "MRVB"):
    FIELDS[_fmt] = {"number": (1, 0, 9), "birth_date": (1, 13, 19), "expiry_date": (1, 21, 27)}

MRZ_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"

# what surrounds a zone on a page as OCR reads it: headings, labels, values, an ID number, a
# 30-character all-caps line and a 44-character one (the lengths of MRZ lines, without fillers)
NOISE_BEFORE = ["REPUBLIC OF UTOPIA", "PASSPORT / PASSEPORT", "Type Code of issuing State Passport No.",
                "Surname / Nom", "ERIKSSON", "Date of birth 12 AUG 1974", "321283199001021232",
                "THEBEARERISACITIZENOFUTOPIAAA", "AUTHORITYMINISTRYOFFOREIGNAFFAIRSOFUTOPIAAAA"]
NOISE_AFTER = ["SIGNATURE OF BEARER", "VALID FOR ALL COUNTRIES", "12 AUG 2012 15 APR 2022"]


def _parse(spec: dict[str, Any]) -> Any:
    res = parse_mrz(spec["lines"], TODAY)
    assert res is not None, spec["id"]
    return res


def test_the_fixture_has_every_format_and_the_visas() -> None:
    formats = [s["format"] for s in SPECIMENS]
    assert set(formats) == set(CHECKS)
    assert sum(f in ("MRVA", "MRVB") for f in formats) >= 10
    assert len(set(IDS)) == len(IDS)
    for s in SPECIMENS:
        assert s["source"]["document"] and s["source"]["copied_from"], s["id"]


@pytest.mark.parametrize("spec", SPECIMENS, ids=IDS)
def test_every_specimen_parses_to_its_format_with_all_its_checks_valid(spec: dict[str, Any]) -> None:
    res = _parse(spec)
    assert res.format == spec["format"]
    assert set(res.checks) - {"optional"} == CHECKS[spec["format"]]
    assert res.valid, res.checks
    got = {k: getattr(res, k) for k in spec["expected"]}
    assert got == spec["expected"]
    assert res.repairs == []  # a specimen needs no repair
    assert res.lines == [line for line in spec["lines"]]


@pytest.mark.parametrize("spec", SPECIMENS, ids=IDS)
def test_every_one_character_mutant_of_a_checked_field_fails_its_check(spec: dict[str, Any]) -> None:
    """Every position of the number and both dates, every other character there (digits only in
    a date: a letter in a date position is an OCR repair's business). The 7-3-1 weights miss
    exactly the substitutions whose values differ by a multiple of 10 (0/A/K/U/<, 1/B/L/V ...):
    those are the only mutants allowed to pass, and every such pass is one of them."""
    for name, (ln, a, b) in FIELDS[spec["format"]].items():
        for pos in range(a, b):
            old = spec["lines"][ln][pos]
            pool = "0123456789" if name != "number" else MRZ_ALPHABET
            for new in pool:
                if new == old:
                    continue
                lines = list(spec["lines"])
                lines[ln] = lines[ln][:pos] + new + lines[ln][pos + 1:]
                res = parse_mrz(lines, TODAY)
                assert res is not None
                blind = (mrz_char_value(new) - mrz_char_value(old)) % 10 == 0
                assert res.checks[name] is blind, (spec["id"], name, pos, old, new)
                if not blind and "composite" in res.checks:
                    assert res.checks["composite"] is False


@pytest.mark.parametrize("spec", SPECIMENS, ids=IDS)
def test_find_mrz_finds_each_specimen_among_page_noise(spec: dict[str, Any]) -> None:
    lines = [*NOISE_BEFORE, *spec["lines"], *NOISE_AFTER]
    found = find_mrz([(t, i) for i, t in enumerate(lines)], TODAY)
    assert found is not None
    res, refs = found
    first = len(NOISE_BEFORE)
    assert refs == list(range(first, first + len(spec["lines"])))
    assert res.format == spec["format"] and res.valid
    # as OCR reads it: spaces inside, « for two fillers, the trailing fillers of line 1 lost
    ocr = [spec["lines"][0].rstrip("<"), *[x.replace("<<<<", "«<<").replace("<<", "< <", 1) for x in spec["lines"][1:]]]
    found = find_mrz([(t, i) for i, t in enumerate([*NOISE_BEFORE, *ocr, *NOISE_AFTER])], TODAY)
    assert found is not None and found[0].valid and found[0].format == spec["format"]
    assert {k: getattr(found[0], k) for k in spec["expected"]} == spec["expected"]
    # an upside-down page read by an engine that turns lines: the zone's lines come in reverse
    found = find_mrz([(t, i) for i, t in enumerate([*NOISE_AFTER[::-1], *spec["lines"][::-1], *NOISE_BEFORE])],
                     TODAY)
    assert found is not None and found[0].valid and found[0].number == spec["expected"]["number"]


def test_a_td3_whose_line_2_has_no_filler_is_found() -> None:
    """A 9-character number and 14 characters of optional data leave line 2 without a single
    filler: found by its width, kept by its check digits."""
    mrz = make_td3("P", "CHN", "LIN", "MEIHUA", "E12345678", "CHN", "900102", "F", "350301", "ABCDEFGHIJKLMN")
    assert "<" not in mrz[1]
    found = find_mrz([(t, i) for i, t in enumerate([*NOISE_BEFORE, *mrz, *NOISE_AFTER])], TODAY)
    assert found is not None
    res, refs = found
    assert res.valid and res.format == "TD3" and res.optional == "ABCDEFGHIJKLMN" and len(refs) == 2
    one = make_td3("P", "GBR", "JONES", "OLIVIA", "576711329", "GBR", "890726", "F", "340709", "ABCDEFGHIJKLM")
    assert one[1].count("<") == 1
    found = find_mrz([(t, i) for i, t in enumerate(["UNITED KINGDOM", *one])], TODAY)
    assert found is not None and found[0].valid and found[0].name == "JONES, OLIVIA"


def test_one_line_split_into_two_boxes_is_glued() -> None:
    mrz = make_td3("P", "CHN", "ZHANG", "SAN", "E12345678", "CHN", "900102", "M", "350301")
    lines = ["姓/Surname", mrz[0], mrz[1][:20], mrz[1][20:], "签发机关/Authority"]
    found = find_mrz([(t, i) for i, t in enumerate(lines)], TODAY)
    assert found is not None
    res, refs = found
    assert res.valid and refs == [1, 2, 3] and res.number == "E12345678"


def test_ordinary_text_is_not_an_mrz() -> None:
    noise = [*NOISE_BEFORE, *NOISE_AFTER, "PEOPLESREPUBLICOFCHINAPASSPORT", "E12345678 CHN 900102 M 350301",
             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "LABOURCONTRACTBETWEENPARTYAANDPARTYBOFTAIZHOU"]
    assert find_mrz([(t, i) for i, t in enumerate(noise)], TODAY) is None
    assert not any(mrz_line_structure(t.replace(" ", "").upper()) for t in noise)
    ocr = OcrResult(engine="rapidocr", text="", lines=[OcrLine(text=t, bbox=(0, 0, 1, 1), conf=0.9) for t in noise])
    assert mrz_cues(ocr) == {"has_mrz": False, "mrz_type": None}


def test_the_page_cue_shares_the_structural_predicate() -> None:
    """A data page whose only MRZ line OCR read is a filler-less TD3 line 2 still has an MRZ;
    the type comes from the header line, whichever line comes first."""
    mrz = make_td3("P", "CHN", "LIN", "MEIHUA", "E12345678", "CHN", "900102", "F", "350301", "ABCDEFGHIJKLMN")

    def cues(texts: list[str]) -> dict[str, Any]:
        found = mrz_cues(OcrResult(engine="rapidocr", text="",
                                   lines=[OcrLine(text=t, bbox=(0, 0, 1, 1), conf=0.9) for t in texts]))
        return {k: found[k] for k in ("has_mrz", "mrz_type", "mrz_code", "mrz_lines", "mrz_width")}

    assert cues(["中华人民共和国", mrz[1]]) == {"has_mrz": True, "mrz_type": None, "mrz_code": None, "mrz_lines": 1,
                                         "mrz_width": 44}
    assert cues([mrz[1], mrz[0]]) == {"has_mrz": True, "mrz_type": "P", "mrz_code": "P<", "mrz_lines": 2,
                                      "mrz_width": 44}
    visa = make_mrv("B", "VC", "FRA", "SPECIMEN", "SPECIMEN", "F00000000", "UTO", "031106", "M", "140114")
    assert cues(["VISA", *visa]) == {"has_mrz": True, "mrz_type": "V", "mrz_code": "VC", "mrz_lines": 2,
                                     "mrz_width": 36}


def test_builders_give_the_published_specimens() -> None:
    by_id = {s["id"]: s["lines"] for s in SPECIMENS}
    assert make_td3("P", "UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "740812", "F", "120415",
                    "ZE184226B") == by_id["icao-td3"]
    assert make_td2("I", "UTO", "ERIKSSON", "ANNA MARIA", "D23145890", "UTO", "740812", "F",
                    "120415") == by_id["icao-td2"]
    assert make_td1("I", "UTO", "ERIKSSON", "ANNA MARIA", "D23145890", "UTO", "740812", "F",
                    "120415") == by_id["icao-td1"]
    assert make_mrv("A", "V", "UTO", "ERIKSSON", "ANNA MARIA", "L8988901C", "XXX", "400907", "F", "961210",
                    "6ZE184226B") == by_id["icao-mrv-a"]
    assert make_mrv("B", "V", "UTO", "ERIKSSON", "ANNA MARIA", "L8988901C", "XXX", "400907", "F",
                    "961210") == by_id["icao-mrv-b"]
    assert make_mrv("B", "VB", "D", "DEDIC", "SIDNAN", "D09174053", "BIH", "820113", "M", "970801",
                    "<2020711") == by_id["deu-visa-dedic"]
    with pytest.raises(ValueError):
        make_mrv("A", "P", "UTO", "X", "Y", "1", "UTO", "000101", "F", "300101")


def test_a_visa_is_no_longer_read_as_a_passport_with_failed_checks() -> None:
    """Before MRV-A was known, the Utopia visa was parsed as a TD3: its optional data's
    'check digit' and the composite failed, and the zone was reported invalid."""
    spec = next(s for s in SPECIMENS if s["id"] == "icao-mrv-a")
    res = _parse(spec)
    assert res.format == "MRVA" and res.is_visa and res.valid
    as_td3 = parse_mrz(["P" + spec["lines"][0][1:], spec["lines"][1]], TODAY)
    assert as_td3 is not None and as_td3.format == "TD3" and not as_td3.valid


def test_a_row_of_digits_of_an_mrz_lines_width_is_not_an_mrz_line() -> None:
    """Digits where an MRZ data line has its check digits pass one check by chance often; the
    line is taken for an MRZ line only when two verify."""
    row = "32010219900101123456789012345678901234567890"[:44]
    assert len(row) == 44
    assert mrz_line_checks(row, 44) < 2 and not mrz_line_structure(row)
    mrz = make_td3("P", "CHN", "LIN", "MEIHUA", "E12345678", "CHN", "900102", "F", "350301", "ABCDEFGHIJKLMN")
    assert mrz_line_checks(mrz[1], 44) == 3 and mrz_line_structure(mrz[1])


def test_a_card_number_longer_than_nine_characters() -> None:
    """Doc 9303 Part 5: the number's check position holds a filler, the number goes on in the
    optional data, then its check digit."""
    mrz = make_td1("ID", "BEL", "PEETERS", "ANNA", "B12345678901", "BEL", "850101", "F", "300101", "X1")
    assert mrz[0][14] == "<" and mrz[0][15:19] == "901" + mrz[0][18]
    res = parse_mrz(mrz, TODAY)
    assert res is not None and res.valid
    assert res.number == "B12345678901" and res.optional == "X1"
    wrong = [mrz[0][:16] + ("1" if mrz[0][16] != "1" else "2") + mrz[0][17:], *mrz[1:]]
    res = parse_mrz(wrong, TODAY)
    assert res is not None and res.checks["number"] is False and res.checks["composite"] is False
    mrz = make_td2("I", "UTO", "ERIKSSON", "ANNA", "D2314589077", "UTO", "740812", "F", "120415")
    assert mrz[1][9] == "<" and mrz[1][28:30] == "77"
    res = parse_mrz(mrz, TODAY)
    assert res is not None and res.valid and res.number == "D2314589077" and res.optional == ""


@pytest.mark.parametrize("lines,name,number", [
    # RapidOCR on a generated Chinese data page: the U of XU read as ∪ (U+222A)
    (["P<CHNX∪<<WEILIN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "E034330001CHN9407152M3308017<<<<<<<<<<<<<<<4"],
     "XU, WEILIN", "E03433000"),
    # RapidOCR on a photocopied Canadian data page: a dot inserted after the number's check digit
    (["P<CANMACD0NALD<<AVA<<<<<<<<<<<<<<<<<<<<<<<<<", "PR032425<6.CAN7407077F3209169<<<<<<<<<<<<<<<4"],
     "MACDONALD, AVA", "PR032425"),
])
def test_real_ocr_readings_with_foreign_glyphs_and_stray_marks(lines: list[str], name: str, number: str) -> None:
    found = find_mrz([("Authority", -1), *[(t, i) for i, t in enumerate(lines)]], TODAY)
    assert found is not None
    res, refs = found
    assert res.valid and res.name == name and res.number == number and refs == [0, 1]
