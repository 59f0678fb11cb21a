"""HTML building blocks the report pages share: escaping, bilingual labels, the page frame."""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from typing import Any

from pipeline.core.labels import label


@cache
def css() -> str:
    return resources.files("pipeline.report").joinpath("templates/report.css").read_text(encoding="utf-8")


def esc(v: Any) -> str:
    """Escaped text (everything a user or a file brought in passes through here)."""
    return html.escape("" if v is None else str(v))


def bi(group: str, key: str) -> str:
    """A key's Chinese label with its English one beside it (pipeline/data/labels.yaml)."""
    lab = label(group, str(key))
    if lab is None:
        return esc(key)
    return f'{esc(lab.zh)} <span class="en">{esc(lab.en)}</span>'


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{css()}</style></head><body>\n{body}\n</body></html>\n")
