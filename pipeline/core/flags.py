"""The flag registry: codes, severities, articles and messages live in pipeline/data/flags.yaml;
`make_flag` refuses a code that is not registered there."""

from __future__ import annotations

import string
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, RootModel, StringConstraints

from pipeline.core.datafiles import load_bundled
from pipeline.core.models import Evidence, Flag, FlagCategory, Severity

FlagCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]+$")]


class FlagSpec(BaseModel):
    category: FlagCategory
    severity: Severity
    article: str = ""
    zh: str
    en: str


class _Registry(RootModel[dict[FlagCode, FlagSpec]]):
    pass


@cache
def flag_specs() -> dict[str, FlagSpec]:
    """Every flag code credcase may raise, with its category, severity, article and messages."""
    return load_bundled("pipeline", "data/flags.yaml", _Registry).root


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
