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
from extractors.base import DocContext, Hit, Line, all_labels, field_labels
from extractors.idnumber import find_id_numbers
from extractors.normalize import LONG_TERM_WORDS, iso_date, parse_date, parse_date_range, parse_sex
from pipeline.core.codes import IdNumberCheck
from pipeline.core.models import DocType, ExtractedField
from pipeline.core.names import clean_chinese_name

_LABELS = "identity_labels.yaml"
_SECTION = "resident_id_card"


def _labels(field: str) -> list[str]:
    return field_labels(_LABELS, _SECTION)[field]


def find_id_number(ctx: DocContext, labels: list[str]) -> tuple[Hit, str, IdNumberCheck] | None:
    """The ID number: beside its label if printed, else any 18-character candidate; a candidate
    with a valid check character is preferred over one without."""
    found: list[tuple[int, Hit, str, IdNumberCheck]] = []
    label_hit = ctx.find_label(labels)
    for ln in ctx.lines:
        for raw, number, chk in find_id_numbers(ln.text):
            off = ln.text.find(raw)
            bbox = ln.sub_bbox(off, off + len(raw)) if off >= 0 else ln.bbox
            near = label_hit is not None and (ln is label_hit[0] or _near(label_hit[0], ln))
            score = (2 if chk.valid_checksum else 0) + (1 if near else 0) + (1 if chk.well_formed else 0)
            method = f"label:{label_hit[3]}" if near and label_hit else "regex:id_number"
            found.append((score, Hit(raw, bbox, [ln], method, 1.0 if near else 0.9), number, chk))
    if not found:
        # the number split over two boxes: try each line joined with the next on its row
        for a, b in zip(ctx.lines, ctx.lines[1:], strict=False):
            if a.page_index == b.page_index and abs(a.cy - b.cy) < 0.6 * a.height:
                for raw, number, chk in find_id_numbers(a.text + b.text):
                    found.append((1, Hit(raw, _union(a, b), [a, b], "regex:id_number(joined)", 0.85), number, chk))
    if not found:
        return None
    found.sort(key=lambda t: -t[0])
    _, hit, number, chk = found[0]
    return hit, number, chk


def _near(label: Line, ln: Line) -> bool:
    same_row = abs(label.cy - ln.cy) <= 0.7 * max(label.height, ln.height) and ln.bbox[0] >= label.bbox[0]
    below = 0 <= ln.bbox[1] - label.bbox[3] <= 2.5 * label.height
    return same_row or below


def _union(a: Line, b: Line):  # -> BBox
    return (min(a.bbox[0], b.bbox[0]), min(a.bbox[1], b.bbox[1]), max(a.bbox[2], b.bbox[2]), max(a.bbox[3], b.bbox[3]))


def id_number_fields(ctx: DocContext, found: tuple[Hit, str, IdNumberCheck] | None) -> dict[str, ExtractedField]:
    """id_number plus the number's own facts (checksum, region, birth date, sex)."""
    if found is None:
        return {}
    hit, number, chk = found
    conf = hit.conf * (1.0 if chk.valid_checksum else 0.7) * (0.95 if chk.repaired else 1.0)
    method = hit.method + ("+repaired" if chk.repaired else "")
    f = ctx.field(number, hit, method=method, confidence=conf)
    out = {"id_number": f}
    out["id_checksum_valid"] = ctx.derived(chk.valid_checksum, f, "gb11643:check_char")
    if chk.expected_check is not None and not chk.valid_checksum:
        out["id_expected_check"] = ctx.derived(chk.expected_check, f, "gb11643:check_char")
    out["id_region_known"] = ctx.derived(chk.region_known, f, "gb2260:region_code")
    if chk.region_name:
        out["id_region"] = ctx.derived(chk.region_name, f, "gb2260:region_code")
    out["id_birth_date"] = ctx.derived(chk.birth_date.isoformat() if chk.birth_date else None, f, "gb11643:birth_date")
    out["id_sex"] = ctx.derived(chk.sex, f, "gb11643:sex_digit")
    return out


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
    stops = all_labels(_LABELS, _SECTION)
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

    hit = ctx.value_for(_labels("validity"), stop_labels=stops,
                        accept=lambda t: parse_date_range(t)[0] is not None)
    if hit:
        start, end, long_term = parse_date_range(hit.text)
        out["valid_from"] = ctx.field(start.isoformat() if start else None, hit)
        if long_term:
            raw_word = next((w for w in LONG_TERM_WORDS if w in hit.text), "长期")
            out["valid_until"] = ctx.field(None, hit, method=hit.method + "+long_term", raw=raw_word)
        else:
            out["valid_until"] = ctx.field(end.isoformat() if end else None, hit)
    return out
