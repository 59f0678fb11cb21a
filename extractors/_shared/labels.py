"""The label table (extractors/data/doc_fields.yaml): per doc type, the printed labels of each
field and the shape its value must have; and `labeled`, the value printed with a field's label
with every other label of the type as a stop label.

Patterns are data, validated on load: each must compile, and a problem names the file, the
line and the key. `\\p{Han}` in a pattern stands for pipeline.core.text.HAN.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from extractors._shared.context import DocContext, Hit
from extractors._shared.text import compact
from pipeline.core.datafiles import load_bundled
from pipeline.core.models import ExtractedField
from pipeline.core.text import HAN

_HAN_PROPERTY = r"\p{Han}"


def expand_pattern(pattern: str) -> str:
    """`\\p{Han}` as the character ranges of HAN (inside a class) or a class of them (outside)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        if pattern.startswith(_HAN_PROPERTY, i):
            out.append(HAN if in_class else f"[{HAN}]")
            i += len(_HAN_PROPERTY)
            continue
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def _regex(pattern: str) -> str:
    expanded = expand_pattern(pattern)
    try:
        re.compile(expanded)
    except re.error as exc:
        raise ValueError(f"not a valid regex ({exc}): {pattern!r}") from exc
    return expanded


def _label(text: str) -> str:
    if not text.strip():
        raise ValueError("empty label")
    return text


Label = Annotated[str, AfterValidator(_label)]
Pattern = Annotated[str, AfterValidator(_regex)]  # held expanded, ready for re


class EmployerDefaults(BaseModel):
    """The employer's name: 4..max_length characters ending in one of `suffixes`."""

    model_config = ConfigDict(extra="forbid")
    suffixes: Annotated[list[Label], Field(min_length=1)]
    max_length: int = Field(ge=4)
    latin: bool = True  # Latin letters and & may be part of the name


class EmployerOverride(BaseModel):
    """What one doc type changes: more suffixes, no Latin letters, another maximum length."""

    model_config = ConfigDict(extra="forbid")
    extra_suffixes: list[Label] = []
    latin: bool | None = None
    max_length: int | None = Field(default=None, ge=4)


class DocFields(BaseModel):
    """One doc type: field → label spellings (longest and most specific first), field → pattern."""

    model_config = ConfigDict(extra="forbid")
    labels: dict[str, Annotated[list[Label], Field(min_length=1)]]
    patterns: dict[str, Pattern] = {}
    employer: EmployerOverride = EmployerOverride()


class FormWords(BaseModel):
    """Answer words of the application form: titles (longest first), series, ID-document names."""

    model_config = ConfigDict(extra="forbid")
    titles: list[Label]
    series: list[Label]
    id_types: dict[str, list[Label]]


class FieldTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patterns: dict[str, Pattern]
    employer: EmployerDefaults
    doc_types: dict[str, DocFields]
    application_form_words: FormWords


@cache
def field_table() -> FieldTable:
    return load_bundled("extractors", "data/doc_fields.yaml", FieldTable)


def labels_for(doc_type: str) -> dict[str, list[str]]:
    return field_table().doc_types[doc_type].labels


def all_labels(doc_type: str) -> list[str]:
    """Every label spelling of a doc type: the stop labels that end a same-line value."""
    return [s for spellings in labels_for(doc_type).values() for s in spellings]


def pattern_for(doc_type: str | None, name: str) -> str:
    """The pattern a value must match: the doc type's own, else a shared one (KeyError if neither)."""
    own = field_table().doc_types[doc_type].patterns if doc_type else {}
    return own[name] if name in own else field_table().patterns[name]


def form_words() -> FormWords:
    return field_table().application_form_words


def _variants(labels: Iterable[str]) -> list[str]:
    """Label spellings with half- and full-width brackets/colons, longest first (the lookup
    takes the first label that fits a line, so '国家(地区)' must be tried before '国家')."""
    out: set[str] = set()
    for lab in labels:
        out.add(lab)
        out.add(lab.replace("(", "（").replace(")", "）").replace(":", "："))
        out.add(unicodedata.normalize("NFKC", lab))
    return sorted(out, key=len, reverse=True)


def labeled(ctx: DocContext, doc_type: str, field_name: str, pattern: str | None = None,
            below: bool = True, right: bool = True, extra_stops: Sequence[str] = ()) -> Hit | None:
    """ctx.value_for with the labels of `field_name`, stopping at any other label of the type."""
    labels = labels_for(doc_type).get(field_name, [])
    if not labels:
        return None
    mine = {compact(x).casefold() for x in labels}
    stops = [s for s in all_labels(doc_type) if compact(s).casefold() not in mine
             and not any(compact(s).casefold() in x for x in mine)] + list(extra_stops)
    labs, stop_labs = _variants(labels), _variants(stops)
    hit = ctx.value_for(labs, pattern=pattern, stop_labels=stop_labs, below=below, right=right)
    if hit is not None or pattern is None:
        return hit
    # tesseract spaces CJK characters apart ("泰 州 康 泰"): match the pattern on the compacted value
    plain = ctx.value_for(labs, stop_labels=stop_labs, below=below, right=right)
    if plain is None:
        return None
    m = re.search(pattern, compact(plain.text))
    if not m:
        return None
    return Hit(m.group(0), plain.bbox, plain.lines, plain.method + ":compacted", plain.weight)


def labeled_document_number(ctx: DocContext, doc_type: str) -> ExtractedField | None:
    """The `id_number` printed beside its label when it is not a resident ID number: a
    passport or a Hong Kong/Macao/Taiwan permit number ("证件号码 H2348938038")."""
    num = labeled(ctx, doc_type, "id_number", pattern=pattern_for(None, "document_number"))
    return ctx.field(re.sub(r"\s", "", num.text).upper(), num) if num else None
