"""The mainland travel permits for Hong Kong/Macao residents (港澳居民来往内地通行证, 回乡证) and
for Taiwan residents (台湾居民来往大陆通行证, 台胞证): one card, read one way.

Fields (DESIGN names): name, name_latin ("SURNAME, GIVEN NAMES"), id_number, birth_date, sex,
valid_until; plus valid_from, issuing_authority, renewals, nationality (HKG/MAC from the number's
prefix, TWN from the card), and mrz_* when a machine-readable zone is printed. The Latin name is
printed under the Chinese one without a label, in the Hong Kong order (surname first, often with
a comma). The two cards differ in their number format (doc_fields.yaml patterns.id_number).
"""

from __future__ import annotations

import re

from extractors._shared.context import DocContext, Hit, Line
from extractors._shared.labels import all_labels, labels_for, pattern_for
from extractors._shared.mrz import find_mrz
from extractors._shared.sex import SEX_MARK, parse_sex
from extractors._shared.validity import validity_fields
from pipeline.core.dates import iso_date, parse_date
from pipeline.core.digits import repair_digits
from pipeline.core.models import ExtractedField
from pipeline.core.names import clean_chinese_name, format_latin_name, latin_tokens
from pipeline.core.text import HAN, has_han

_LATIN_NAME_LINE = re.compile(r"^[A-Za-z][A-Za-z'\-. ]*(?:,\s*[A-Za-z][A-Za-z'\-. ]*)?$")


def latin_name(text: str) -> str:
    """'CHAN, TAI MAN' stays; 'CHAN TAI MAN' → 'CHAN, TAI MAN' (surname printed first)."""
    if "," in text:
        sur, _, given = text.partition(",")
        return format_latin_name(sur, given)
    toks = latin_tokens(text)
    return format_latin_name(toks[0], " ".join(toks[1:])) if toks else ""


def _latin_name_hit(ctx: DocContext, name_hit: Hit | None, labels: list[str], stops: list[str]) -> Hit | None:
    hit = ctx.value_for(labels, stop_labels=stops, accept=lambda t: bool(_LATIN_NAME_LINE.match(t.strip())))
    if hit:
        return hit
    if name_hit is not None:
        ln = name_hit.lines[0]
        for other in ctx.lines:  # beside or under the Chinese name (same box when OCR merged them)
            if other.page_index != ln.page_index or other.index < ln.index:
                continue
            if other.bbox[1] - ln.bbox[3] > 2.5 * ln.height:
                break
            t = re.sub(rf"[{HAN}]+", " ", other.text).strip()
            if (_LATIN_NAME_LINE.match(t) and len(latin_tokens(t)) >= 2
                    and not re.search(r"PERMIT|RESIDENTS|NAME|DATE|SEX", t.upper())):
                return Hit(t, other.bbox, [other], "near:name", 0.9)
    for other in ctx.lines:  # "SURNAME, GIVEN" anywhere
        t = other.text.strip()
        if "," in t and _LATIN_NAME_LINE.match(t) and len(latin_tokens(t)) >= 2:
            return Hit(t, other.bbox, [other], "regex:latin_name", 0.8)
    return None


def extract_permit(ctx: DocContext, section: str) -> dict[str, ExtractedField]:
    """The fields of either permit; `section` is its doc type (labels and number format)."""
    labels = labels_for(section)
    stops = all_labels(section)
    number = re.compile(pattern_for(section, "id_number"))
    out: dict[str, ExtractedField] = {}

    name_hit = ctx.value_for(labels["name"], stop_labels=stops, accept=lambda t: len(clean_chinese_name(t)) >= 2)
    if name_hit:
        out["name"] = ctx.field(clean_chinese_name(name_hit.text), name_hit)
    lat = _latin_name_hit(ctx, name_hit, labels["name_latin"], stops)
    if lat:
        out["name_latin"] = ctx.field(latin_name(lat.text), lat)

    hit = ctx.value_for(labels["sex"], stop_labels=stops, accept=parse_sex) or ctx.search(SEX_MARK)
    if hit:
        out["sex"] = ctx.field(parse_sex(hit.text), hit)
    hit = ctx.value_for(labels["birth_date"], stop_labels=stops, accept=lambda t: parse_date(t, repair=True))
    if hit:
        out["birth_date"] = ctx.field(iso_date(hit.text, repair=True), hit)

    def _num(t: str) -> str | None:
        m = number.search(re.sub(r"\s+", "", t).upper())
        return m.group(1) if m else None

    hit = ctx.value_for(labels["id_number"], stop_labels=stops, accept=_num)
    if hit is None:
        hit = ctx.search(number)
    if hit:
        raw_num = _num(hit.text) or hit.text
        fixed = raw_num[0] + repair_digits(raw_num[1:]) if raw_num[:1].isalpha() else repair_digits(raw_num)
        out["id_number"] = ctx.field(fixed, hit, method=hit.method + ("+repaired" if fixed != raw_num else ""))

    if "id_number" in out and section == "hk_macao_permit":
        prefix = str(out["id_number"].value)[:1]
        if prefix in ("H", "M"):
            out["nationality"] = ctx.derived("HKG" if prefix == "H" else "MAC", out["id_number"], "from:number_prefix")
    elif section == "taiwan_permit" and "id_number" in out:
        out["nationality"] = ctx.derived("TWN", out["id_number"], "from:document_type")

    out.update(validity_fields(ctx, labels["validity"], stops))
    hit = ctx.value_for(labels["issuing_authority"], stop_labels=stops, accept=has_han)
    if hit:
        out["issuing_authority"] = ctx.field(re.sub(r"\s+", "", hit.text), hit)
    hit = ctx.value_for(labels["renewals"], stop_labels=stops, accept=lambda t: re.search(r"\d{1,2}", t))
    if hit:
        m = re.search(r"\d{1,2}", hit.text)
        out["renewals"] = ctx.field(int(m.group(0)) if m else None, hit)

    found = find_mrz([(ln.text, ln) for ln in ctx.lines])
    if found:
        mrz, refs = found
        lines = [r for r in refs if isinstance(r, Line)]
        ev = ctx.evidence(lines)
        conf = round(min((r.conf for r in lines), default=0.5), 3)
        raw = "\n".join(mrz.raw_lines)
        for key, value in (("mrz_valid", mrz.valid), ("mrz_number", mrz.number), ("mrz_name", mrz.name),
                           ("mrz_birth_date", mrz.birth_date), ("mrz_expiry_date", mrz.expiry_date)):
            out[key] = ExtractedField(value=value, raw=raw, confidence=conf, evidence=ev, method=f"mrz:{mrz.format}")
    return out
