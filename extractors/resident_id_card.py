"""Resident identity card (居民身份证), front and back.

Fields (DESIGN names): name, sex, birth_date, id_number, valid_until; plus ethnicity, address,
issuing_authority, valid_from, and what the number says about itself — id_checksum_valid,
id_region_known, id_birth_date, id_sex — for the checks stage (ID_NUMBER_CHECKSUM_INVALID,
ID_NUMBER_REGION_UNKNOWN, BIRTH_DATE_MISMATCH, SEX_MISMATCH).

valid_until for a long-term card (有效期限 2015.03.01-长期): value None, raw "长期", method
"label:有效期限+long_term" — the card does not expire, and None is never mistaken for a date.
The number is reported as printed (after OCR look-alike repair in digit positions only); a
wrong check character is never corrected.
"""

from __future__ import annotations

import re

from extractors import register
from extractors._shared.context import DocContext, Line
from extractors._shared.idnumber import find_id_number, find_id_numbers, id_number_fields
from extractors._shared.labels import all_labels, labels_for
from extractors._shared.sex import parse_sex
from extractors._shared.validity import validity_fields
from pipeline.core.dates import iso_date, parse_date
from pipeline.core.models import DocType, ExtractedField
from pipeline.core.names import clean_chinese_name

DT = "resident_id_card"


def _labels(field: str) -> list[str]:
    return labels_for(DT)[field]


def _address(ctx: DocContext, stops: list[str]) -> tuple[str, list[Line]] | None:
    """住址 spans up to three lines, right of the label and above the number line."""
    found = ctx.find_label(_labels("address"))
    if not found:
        return None
    ln, _s, end, _lab = found
    parts: list[str] = []
    used: list[Line] = []
    first = ctx._cut(ln.text[end:], stops)
    if first:
        parts.append(first)
        used.append(ln)
    x_min = ln.bbox[0] + (ln.bbox[2] - ln.bbox[0]) * end / max(1, len(ln.text)) - ln.height
    for other in ctx.lines:
        if other.page_index != ln.page_index or other.index <= ln.index or len(used) >= 3:
            continue
        if other.bbox[1] - ln.bbox[3] > 4 * ln.height:
            break
        if DocContext._starts_with_label(other.text, stops) or find_id_numbers(other.text):
            break
        if other.bbox[0] >= x_min - ln.height and abs(other.cy - ln.cy) > 0.5 * ln.height:
            parts.append(other.compact)
            used.append(other)
        elif not used and abs(other.cy - ln.cy) <= 0.6 * ln.height and other.bbox[0] > ln.bbox[2] - ln.height:
            parts.append(other.compact)  # the value box right of the label box
            used.append(other)
    text = "".join(p.replace(" ", "") for p in parts)
    return (text, used) if text else None


@register(DocType.RESIDENT_ID_CARD)
def extract_resident_id_card(ctx: DocContext) -> dict[str, ExtractedField]:
    stops = all_labels(DT)
    out: dict[str, ExtractedField] = {}

    hit = ctx.value_for(_labels("name"), stop_labels=stops, accept=lambda t: len(clean_chinese_name(t)) >= 2)
    if hit:
        out["name"] = ctx.field(clean_chinese_name(hit.text), hit)

    hit = ctx.value_for(_labels("sex"), stop_labels=stops, accept=parse_sex, below=False)
    if hit:
        out["sex"] = ctx.field(parse_sex(hit.text), hit)

    hit = ctx.value_for(_labels("ethnicity"), stop_labels=stops, below=False,
                        accept=lambda t: bool(clean_chinese_name(t)))
    if hit:
        out["ethnicity"] = ctx.field(clean_chinese_name(hit.text).removesuffix("族"), hit)

    hit = ctx.value_for(_labels("birth_date"), stop_labels=stops, accept=lambda t: parse_date(t, repair=True))
    if hit:
        out["birth_date"] = ctx.field(iso_date(hit.text, repair=True), hit)

    addr = _address(ctx, stops)
    if addr:
        text, used = addr
        out["address"] = ExtractedField(value=text, raw=" ".join(u.text for u in used),
                                        confidence=round(min(u.conf for u in used) * 0.9, 3),
                                        evidence=ctx.evidence(used), method="label:住址")

    out.update(id_number_fields(ctx, find_id_number(ctx, _labels("id_number"))))
    if "id_number" in out:  # only citizens of the PRC hold a resident ID card
        out["nationality"] = ctx.derived("CHN", out["id_number"], "implied:document_type")
    if "birth_date" not in out and out.get("id_birth_date") and out["id_birth_date"].value:
        # the front's 出生 line unread: the number's birth date stands in, at lower confidence
        src = out["id_birth_date"]
        out["birth_date"] = ctx.derived(src.value, src, "from:id_number", confidence=src.confidence * 0.8)

    hit = ctx.value_for(_labels("issuing_authority"), stop_labels=stops,
                        accept=lambda t: len(clean_chinese_name(t)) >= 3)
    if hit:
        out["issuing_authority"] = ctx.field(re.sub(r"\s+", "", hit.text), hit)

    out.update(validity_fields(ctx, _labels("validity"), stops))
    return out
