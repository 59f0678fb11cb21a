"""Catalogue batch file: content of batch 1 and validation of broken batches."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import DEFAULT_CATALOG, load_catalog, validate_file
from pipeline.core.errors import DataFileError


def test_batch1_header_and_counts():
    cat = load_catalog()
    assert cat.batch_id == "taizhou-2022-batch-1"
    assert cat.effective_date == date(2022, 10, 10)
    assert "泰职办〔2022〕30号" in cat.source
    assert [e.id for e in cat.entries] == list(range(1, 53))
    assert Counter(e.series for e in cat.entries) == {"医药工程": 20, "机械工程": 26, "石油化工工程": 6}
    assert Counter(e.title for e in cat.entries) == {"助理工程师": 30, "工程师": 22}


def test_batch1_keeps_catalogue_text_and_corrections_in_aliases():
    cat = load_catalog()
    e35 = cat.entry(35)
    assert e35.name_en == "Elektroniker/-in -Betriebsstechnik"  # the catalogue's typo is the official text
    assert "Elektroniker/-in für Betriebstechnik" in e35.aliases
    assert cat.entry(21).issuer_en == "Institute of Mechanical Engineers (IME)"
    assert cat.entry(14).name_en == "International Medical Technologist, MT (ASCP)"
    assert "MLS(ASCP)i" in cat.entry(14).abbreviations
    assert cat.entry(47).issuer_en == "NACE International"
    assert "Association for Materials Protection and Performance" in cat.entry(47).issuers
    assert {"Industriemechaniker", "Industriemechanikerin", "Industriemechaniker/-in", "Industriemechaniker/in"} <= set(
        cat.entry(37).aliases)
    assert cat.entry(33).title == "助理工程师" and cat.entry(31).title == "工程师"
    for n in (8, 9, 10, 16, 24, 25, 6):
        assert cat.entry(n).generic, n
    assert not cat.entry(31).generic
    with pytest.raises(KeyError):
        cat.entry(53)


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    mutate(raw)
    p = tmp_path / "batch-x.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def test_validate_names_each_problem(tmp_path):
    def mutate(raw):
        raw["entries"][4]["id"] = 4  # duplicate of entry 4
        raw["entries"][9]["title"] = "高级工程师"  # senior titles are not recognised this way
        raw["entries"][20]["series"] = "电子工程"
        del raw["entries"][30]["name_zh"]

    problems = validate_file(_write(tmp_path, mutate))
    zh = "\n".join(p[0] for p in problems)
    en = "\n".join(p[1] for p in problems)
    assert "序号 4 重复" in zh and "duplicate number 4" in en
    assert "条目 10（Ordinary Membership）：未知的专业技术资格「高级工程师」" in zh
    assert "entry 21 (International Certified Mechanical Engineer (ICME)): unknown series '电子工程'" in en
    assert "entry 31 (Certified Welding Inspector): missing field name_zh" in en
    assert "near miss Clinical Research Associate refers to unknown entry 5" in en  # 5 was renumbered
    assert len(problems) == 5


def test_load_broken_batch_raises_data_file_error_naming_file_and_entry(tmp_path):
    p = _write(tmp_path, lambda raw: raw["entries"][2].pop("title"))
    with pytest.raises(DataFileError) as ei:
        load_catalog(p)
    assert str(p) in ei.value.message_en and "entry 3" in ei.value.message_en and "missing field title" in ei.value.message_en
    assert "条目 3" in ei.value.message_zh


def test_validate_header_and_yaml_errors(tmp_path):
    p = _write(tmp_path, lambda raw: raw.pop("batch_id"))
    assert any("batch_id" in en for _, en in validate_file(p))
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries: [\n  - id: 1\n", encoding="utf-8")
    assert "YAML" in validate_file(bad)[0][1]
    assert validate_file(tmp_path / "missing.yaml")[0][1].startswith("cannot read file")
    assert validate_file(DEFAULT_CATALOG) == []


def test_new_batch_file_loads_with_its_own_id(tmp_path):
    def mutate(raw):
        raw["batch_id"] = "taizhou-2024-batch-2"
        raw["entries"] = raw["entries"][:3]
        raw["near_misses"] = [nm for nm in raw["near_misses"] if set(nm["near"]) <= {1, 2, 3}]

    cat = load_catalog(_write(tmp_path, mutate))
    assert cat.batch_id == "taizhou-2024-batch-2" and len(cat.entries) == 3


_RAW = yaml.load(DEFAULT_CATALOG.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@settings(max_examples=20, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                    max_leaves=12),
       st.sampled_from(["entries", "near_misses", "other_issuers", "batch_id", "effective_date"]),
       st.integers(min_value=0, max_value=51))
def test_validate_never_raises_on_garbage(tmp_path_factory, garbage, where, index):
    """Any damage to a batch is reported as problems, never as an exception (no traceback for clerks)."""
    raw = copy.deepcopy(_RAW)
    if where == "entries":
        raw["entries"][index] = garbage
    else:
        raw[where] = garbage
    p = tmp_path_factory.mktemp("g") / "b.yaml"
    p.write_text(yaml.dump(raw, Dumper=_Dumper, allow_unicode=True), encoding="utf-8")
    problems = validate_file(p)
    assert all(isinstance(zh, str) and isinstance(en, str) for zh, en in problems)
    if not problems:
        load_catalog(p)
    else:
        with pytest.raises(DataFileError):
            load_catalog(p)
