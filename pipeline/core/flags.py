"""The flag registry: codes, severities and messages live in data/flags.yaml."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.core.errors import DataFileError
from pipeline.core.models import Evidence, Flag, FlagCategory, Severity


class FlagSpec(BaseModel):
    category: FlagCategory
    severity: Severity
    article: str = ""
    zh: str
    en: str


@cache
def flag_specs() -> dict[str, FlagSpec]:
    text = resources.files("pipeline").joinpath("data/flags.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    specs: dict[str, FlagSpec] = {}
    for code, body in raw.items():
        try:
            specs[code] = FlagSpec.model_validate(body)
        except ValidationError as exc:
            raise DataFileError(f"flags.yaml 中 {code} 格式错误", f"flags.yaml entry {code} is invalid: {exc}") from exc
    return specs


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def make_flag(code: str, evidence: list[Evidence] | None = None, severity: Severity | None = None,
              **params: Any) -> Flag:
    """Build a Flag from its registered spec; the article is appended to both messages."""
    specs = flag_specs()
    if code not in specs:
        raise KeyError(f"unknown flag code {code!r}; known: {', '.join(sorted(specs))}")
    spec = specs[code]
    fmt = string.Formatter()
    values = _Lenient({k: ("" if v is None else v) for k, v in params.items()})
    zh = fmt.vformat(spec.zh, (), values)
    en = fmt.vformat(spec.en, (), values)
    if spec.article:
        art_zh, _, art_en = spec.article.partition(" / ")
        zh = f"{zh}（依据：{art_zh}）"
        en = f"{en} ({art_en or art_zh})"
    return Flag(code=code, severity=severity or spec.severity, category=spec.category,
                message_zh=zh, message_en=en, evidence=list(evidence or []))
