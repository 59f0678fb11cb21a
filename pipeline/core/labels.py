"""The words reviewers read for each key and code credcase writes (pipeline/data/labels.yaml):
doc types, fields, materials, recommendations, severities, categories — Chinese first, English
second. Messages, the report and the workspace take them from here, so a clerk sees one name
for one thing everywhere."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, ConfigDict

from pipeline.core.datafiles import load_bundled
from pipeline.core.models import DocType


class Label(BaseModel):
    model_config = ConfigDict(frozen=True)

    zh: str
    en: str


class UsageMessage(BaseModel):
    pattern: re.Pattern[str]
    zh: str


class Labels(BaseModel):
    recommendation: dict[str, Label]
    severity: dict[str, Label]
    category: dict[str, Label]
    material_status: dict[str, Label]
    materials: dict[str, Label]
    fields: dict[str, Label]
    doc_types: dict[DocType, Label]
    education_levels: list[list[str]]  # highest first: words that mark each level
    usage_messages: list[UsageMessage]


@cache
def labels() -> Labels:
    return load_bundled("pipeline", "data/labels.yaml", Labels)


def label(group: str, key: str) -> Label | None:
    """The label of `key` in `group` ("fields", "materials", ...); None when there is none."""
    table = getattr(labels(), group, None)
    if not isinstance(table, dict):
        return None
    found = table.get(key)
    if found is None and group == "doc_types":
        try:
            found = table.get(DocType(key))
        except ValueError:
            return None
    return found if isinstance(found, Label) else None


def usage_message_zh(english: str) -> str:
    """argparse's English complaint said in Chinese (the English itself when no pattern fits)."""
    for m in labels().usage_messages:
        found = m.pattern.match(english)
        if found:
            return m.zh.format(**found.groupdict())
    return english


def doc_label(doc_type: DocType | str) -> Label:
    """How reviewers call a document type ("居民身份证" / "ID card")."""
    try:
        return labels().doc_types.get(DocType(doc_type)) or Label(zh=str(doc_type), en=str(doc_type))
    except ValueError:
        return Label(zh=str(doc_type), en=str(doc_type))
