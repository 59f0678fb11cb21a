"""Case files: JSON per the `credcase schema`, written privately, with the HTML report beside."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from test_checks_rules import case_file, clean_docs

from pipeline.casefile import read_case, write_case
from pipeline.core.models import CaseFile


def _validate(instance, schema, defs, path="$"):  # a small JSON-Schema subset: enough for pydantic's output
    if "$ref" in schema:
        return _validate(instance, defs[schema["$ref"].split("/")[-1]], defs, path)
    if "anyOf" in schema:
        errs = [_try(instance, s, defs, path) for s in schema["anyOf"]]
        assert any(e is None for e in errs), f"{path}: no anyOf branch fits: {errs}"
        return
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
             "boolean": bool, "null": type(None)}
    if t:
        assert isinstance(instance, types[t]), f"{path}: {instance!r} is not {t}"
    if "enum" in schema:
        assert instance in schema["enum"], f"{path}: {instance!r} not in {schema['enum']}"
    if "const" in schema:
        assert instance == schema["const"], path
    if t == "object":
        for k in schema.get("required", []):
            assert k in instance, f"{path}: missing {k}"
        for k, v in instance.items():
            if k in schema.get("properties", {}):
                _validate(v, schema["properties"][k], defs, f"{path}.{k}")
            elif isinstance(schema.get("additionalProperties"), dict):
                _validate(v, schema["additionalProperties"], defs, f"{path}.{k}")
    if t == "array" and "items" in schema:
        for i, v in enumerate(instance):
            _validate(v, schema["items"], defs, f"{path}[{i}]")
    if "prefixItems" in schema:
        for i, (v, s) in enumerate(zip(instance, schema["prefixItems"], strict=False)):
            _validate(v, s, defs, f"{path}[{i}]")


def _try(instance, schema, defs, path):
    try:
        _validate(instance, schema, defs, path)
        return None
    except AssertionError as exc:
        return str(exc)


def test_case_json_validates_against_credcase_schema_and_is_private(tmp_path: Path):
    case = case_file(clean_docs())
    out = tmp_path / "cases" / "A0001.json"
    write_case(case, out, html=True, sources=None)
    data = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads(subprocess.run([sys.executable, "-m", "pipeline.cli", "schema"], capture_output=True,
                                       text=True, check=True).stdout)
    _validate(data, schema, schema.get("$defs", {}))
    for key in ("schema_version", "case_id", "source", "processed_at", "applicant", "documents", "qualification",
                "materials", "eligibility", "flags", "recommendation", "errors"):
        assert key in data
    assert data["recommendation"] == "forward_to_panel"
    assert data["documents"][0]["fields"]["name"]["value"] == "张伟"
    assert "张伟" in out.read_text(encoding="utf-8")  # ensure_ascii=False: readable Chinese
    assert data["documents"][0]["fields"]["name"]["evidence"][0] == {"file": "D01.jpg", "page": 1,
                                                                     "bbox": [10, 10, 200, 35]}
    html = out.with_suffix(".html")
    assert html.exists()
    for p in (out, html):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    again = read_case(out)
    assert isinstance(again, CaseFile) and again.model_dump() == case.model_dump()


def test_no_html_when_not_asked(tmp_path: Path):
    out = tmp_path / "x.json"
    write_case(case_file(clean_docs()), out, html=False)
    assert out.exists() and not out.with_suffix(".html").exists()
