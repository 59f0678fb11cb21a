"""The kernel (pipeline.core): the one data-file loader, the flag registry, the text classes and
the identifier schemes every stage shares."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from stdnum.cn import ric

from pipeline.core import codes, regions, text
from pipeline.core.datafiles import parse
from pipeline.core.errors import DataFileError
from pipeline.core.flags import flag_specs, make_flag

ROOT = Path(__file__).resolve().parents[1]


class _Thing(BaseModel):
    name: str
    size: int


class _Doc(BaseModel):
    things: list[_Thing]
    limits: dict[str, int]


def test_a_bad_entry_is_named_by_file_line_and_key() -> None:
    text_ = "things:\n  - {name: a, size: 1}\n  - name: b\n    size: big\nlimits:\n  pages: 3\n"
    with pytest.raises(DataFileError) as exc:
        parse(text_, "demo.yaml", _Doc)
    assert "demo.yaml" in exc.value.message_en and "line 4, things.1.size" in exc.value.message_en


def test_a_missing_key_points_at_its_mapping() -> None:
    with pytest.raises(DataFileError) as exc:
        parse("things:\n  - {name: a}\nlimits: {}\n", "demo.yaml", _Doc)
    assert "line 2, things.0.size: Field required" in exc.value.message_en


def test_a_key_written_twice_is_refused_with_both_lines() -> None:
    with pytest.raises(DataFileError) as exc:
        parse("things: []\nlimits:\n  pages: 3\n  zips: 1\n  pages: 4\n", "demo.yaml", _Doc)
    assert "line 5" in exc.value.message_en and "first on line 3" in exc.value.message_en


def test_broken_yaml_names_its_line() -> None:
    with pytest.raises(DataFileError) as exc:
        parse("things: [\nlimits: {pages: 3}\n", "demo.yaml", _Doc)
    assert re.search(r"demo.yaml line \d+ cannot be parsed", exc.value.message_en)


def test_every_bundled_data_file_loads() -> None:
    from pipeline.checks.data import load_policy
    from pipeline.classify.data import doc_type_data
    from pipeline.core.inputs import input_settings
    from pipeline.core.labels import labels
    from pipeline.core.names import names_data
    from pipeline.forensics.corpus import settings as corpus_settings
    from pipeline.forensics.settings import config
    from pipeline.ocr.settings import ocr_settings

    for load in (load_policy, doc_type_data, input_settings, labels, names_data, corpus_settings, config,
                 ocr_settings, flag_specs, regions.region_sources, regions.region_table):
        assert load() is not None


def _flag_codes_in_code() -> set[str]:
    """Every literal code passed to make_flag anywhere in credcase."""
    found = set()
    for pkg in ("pipeline", "extractors", "catalog", "samples"):
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "make_flag"
                        and node.args and isinstance(node.args[0], ast.Constant)):
                    found.add(node.args[0].value)
    return found


def test_every_flag_the_code_raises_is_registered() -> None:
    used = _flag_codes_in_code()
    assert len(used) >= 25 and used <= set(flag_specs())


def test_an_unregistered_flag_code_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown flag code"):
        make_flag("NOT_A_REAL_FLAG")


def test_the_design_documents_every_registered_flag() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    missing = [c for c in flag_specs() if f"`{c}`" not in design]
    assert missing == []


def test_one_han_class_for_every_stage() -> None:
    assert all(text.is_han(c) for c in "张伟〇㐀𠀀郎")  # unified, extension A and B, compatibility, 〇
    assert not any(text.is_han(c) for c in "A1,，。")
    assert text.is_cjk("，") and text.is_cjk("。") and not text.is_cjk(",")
    assert text.has_han("Zhang 伟") and not text.has_han("Zhang Wei")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_gb11643_agrees_with_stdnum_and_one_digit_mutants_fail(first17: str) -> None:
    number = first17 + codes.check_char(first17)
    assert codes.check_char(first17) == ric.calc_check_digit(first17 + "?")
    assert codes.id_checksum_ok(number) is True
    for i in range(17):
        for d in "0123456789":
            if d != number[i]:
                assert codes.id_checksum_ok(number[:i] + d + number[i + 1:]) is False


def test_icao_check_digits_of_the_9303_specimen() -> None:
    # ICAO Doc 9303 part 4, the specimen passport of Utopia (L898902C3, born 740812, expires 120415)
    assert codes.mrz_check_digit("L898902C3") == "6"
    assert codes.mrz_check_digit("740812") == "2" and codes.mrz_check_digit("120415") == "9"
    assert codes.mrz_check_digit("L898902C36" "7408122" "1204159" "ZE184226B<<<<<1") == "0"  # composite
