"""Matcher: every entry found by its catalogue name and translation; the researched case table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import get_matcher, load_catalog
from catalog.bench import evaluate, load_cases
from pipeline.core.models import MatchStatus

CAT = load_catalog()


@pytest.fixture(scope="module")
def matcher():
    return get_matcher()


def _issuer(e):
    return e.issuer_en if e.generic or e.generic_aliases else None


@pytest.mark.parametrize("entry", CAT.entries, ids=lambda e: str(e.id))
def test_every_entry_found_from_catalogue_name(matcher, entry):
    r = matcher.match(entry.name_en, _issuer(entry))
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, entry.id), r.candidates


@pytest.mark.parametrize("entry", CAT.entries, ids=lambda e: str(e.id))
def test_every_entry_found_from_chinese_translation(matcher, entry):
    # 协会会员 is the translation of both 9 and 16, so generic entries need their issuer
    r = matcher.match(entry.name_zh, _issuer(entry) if entry.generic else None)
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, entry.id), r.candidates


def test_case_table(matcher):
    cases = load_cases()
    rep = evaluate(cases, matcher)
    assert rep.total >= 150 and rep.near_misses >= 50
    assert rep.wrong_matches == 0, rep.failures
    assert rep.near_miss_matched == 0, rep.failures
    assert rep.positives_accuracy >= 0.95, rep.failures
    assert rep.expected_other_ok == rep.expected_other, rep.failures


def test_generic_title_needs_issuer_evidence(matcher):
    assert matcher.match("Active Member").status == MatchStatus.REVIEW
    r = matcher.match("Active Member", "American Association for Cancer Research")
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, 8)
    assert "issuer 'American Association for Cancer Research'" in r.candidates[0].reason
    assert matcher.match("Active Member", "IEEE").status == MatchStatus.NO_MATCH
    text = "AMERICAN ASSOClATlON FOR CANCER RESEARCH\nhereby certifies\nAssociate Member\n2021"
    r = matcher.match("Associate Member", full_text=text)
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, 9)


def test_confusable_issuer_abbreviations(matcher):
    assert matcher.match("Certified Welding Inspector", "Amazon Web Services").status == MatchStatus.NO_MATCH
    assert matcher.match("Member", "American College of Clinical Pharmacy").status == MatchStatus.NO_MATCH
    r = matcher.match("Member", "American College of Clinical Pharmacology")
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, 16)


def test_title_found_in_full_text_only(matcher):
    text = ("Industrie- und Handelskammer zu München und Oberbayern\nPrüfungszeugnis\nHerr Max Muster\n"
            "hat die Abschlussprüfung im Ausbildungsberuf\nKonstruktions-\nmechaniker\nmit Erfolg bestanden.")
    r = matcher.match("", full_text=text)
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, 41)
    assert "full_text" in r.candidates[0].reason


def test_pe_mechanical_module_from_full_text(matcher):
    assert matcher.match("PE Mechanical").status == MatchStatus.REVIEW
    r = matcher.match("PE Mechanical", full_text="Principles and Practice of Engineering\nMechanical: Thermal and Fluid Systems")
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, 28)


@pytest.mark.parametrize("text,expected", [
    ("Fachkraft für S\u0308usswarentechnik", 44), ("Fachkraft fur Siisswarentechnik", 44),
    ("CERTIFlED WELDlNG lNSPECTOR", 31), ("Certified  Welding\nInspector", 31), ("MLS (ASCP) I", 14),
    ("Kraftfahrzeug-\nmechatronikerin", 39), ("NACE CIP Leve1 3", 47), ("Mechatroniker/in für Kältetechnik", 40),
])
def test_ocr_noise(matcher, text, expected):
    r = matcher.match(text)
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, expected), r.candidates


def test_near_miss_longer_form_wins(matcher):
    r = matcher.match("Senior Certified Welding Inspector")
    assert r.status == MatchStatus.NO_MATCH and r.catalog_id is None
    assert "near miss" in r.candidates[0].reason
    r = matcher.match("Kraftfahrzeugmechatroniker")  # contains "Mechatroniker" (38): the longer entry wins
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, 39)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80), st.one_of(st.none(), st.text(max_size=40)))
def test_any_text_gives_a_well_formed_result(text, issuer):
    r = get_matcher().match(text, issuer)
    assert 0.0 <= r.score <= 100.0
    assert (r.catalog_id is None) == (r.status == MatchStatus.NO_MATCH) or r.status == MatchStatus.REVIEW
    if r.status == MatchStatus.MATCHED:
        assert r.catalog_id in CAT.ids and r.candidates


@pytest.mark.parametrize("edits", [1, 2, 3])
def test_noise_sweep_never_matches_wrongly(matcher, edits):
    """Every catalogue name/alias and near miss with seeded OCR damage (catalog.bench.noisy)."""
    from catalog.bench import noise_sweep

    sw = noise_sweep(matcher, seed=7, edits=edits)
    assert sw["positives"] > 250 and sw["near_misses"] > 250
    assert sw["wrong"] == 0
    assert sw["near_misses_matched"] == 0
    assert sw["positives_matched"] / sw["positives"] >= 0.88


def test_sample_generator_wording_is_matched(matcher):
    """Cross-check with the certificate wording the sample generator prints (samples/data)."""
    from samples.people import certificates_data

    data = certificates_data()
    assert len(data.entries) == 52
    for e in data.entries:
        iss = data.issuers[e.issuer]
        for issuer in (iss.printed, iss.body):
            r = matcher.match(e.title, issuer)
            if issuer == "ACCP":  # also the American College of Clinical Pharmacy: ambiguous → review
                assert (r.status, r.catalog_id) == (MatchStatus.REVIEW, e.id)
                continue
            assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, e.id), (e.title, issuer, r.candidates)


def test_ambiguous_issuer_abbreviation_goes_to_review(matcher):
    assert matcher.match("Welding Metallurgy Certificate", "ASM").status == MatchStatus.REVIEW
    r = matcher.match("Welding Metallurgy Certificate", "ASM International")
    assert (r.status, r.catalog_id) == (MatchStatus.MATCHED, 23)
    assert matcher.match("Welding Metallurgy Certificate", "American Society for Microbiology (ASM)").status \
        == MatchStatus.NO_MATCH
