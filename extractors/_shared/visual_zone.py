"""The printed (visual) zone of a document with an MRZ — a passport's data page, a visa, a
foreign ID card: the value beside or below each label of its doc_fields.yaml section, and the
page turned upright first when its MRZ sits at the top (read upside down).

Fields: name (Chinese if printed), name_latin ("SURNAME, GIVEN NAMES" from the surname and given
names labels, or from one "SURNAME, GIVEN NAMES" under a `full_name` label), sex, birth_date, valid_until, issue_date,
id_number (the section's number pattern), nationality, place_of_birth, and on a visa the
passport_number of the passport it is in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import cache

from extractors._shared.context import DocContext, Line
from extractors._shared.labels import labels_for, pattern_for
from extractors._shared.sex import SEX_MARK, parse_sex
from pipeline.core.dates import iso_date, parse_date
from pipeline.core.models import ExtractedField
from pipeline.core.names import clean_chinese_name, format_latin_name, latin_tokens
from pipeline.core.text import HAN, has_han

PASSPORT = "passport"  # the doc_fields.yaml section whose id_number pattern a passport number has


@cache
def _number_pattern(section: str) -> re.Pattern[str]:
    return re.compile(pattern_for(section, "id_number"))


def _latin_part(text: str) -> str:
    return " ".join(latin_tokens(re.sub(f"[{HAN}]", " ", text)))


def _number_ok(section: str, text: str) -> bool:
    m = _number_pattern(section).search(text.upper().replace(" ", ""))
    return m is not None and sum(c.isdigit() for c in m.group(1)) >= 5


def _passport_number(text: str) -> str | None:
    """A passport number among the words of `text` (OCR joins the next column's value on: "USA
    533041384" under 国籍 and 护照号码 printed side by side)."""
    for word in text.upper().split():
        if _number_ok(PASSPORT, word):
            m = _number_pattern(PASSPORT).search(word)
            return m.group(1) if m else None
    return None


def _folded_words(text: str) -> list[str]:
    """Words without case or accents (OCR drops the é of Prénoms)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return [w.casefold() for w in re.split(r"[\s/'‘’`\".,:;|]+", plain) if w]


def label_words(stops: list[str]) -> set[str]:
    return {w for lab in stops for w in _folded_words(lab)}


def _is_name_text(t: str, label_words: set[str]) -> bool:
    """A name, not the other language's half of a bilingual label ("Surname / Nom": OCR's
    misread "Sumame" leaves "/ Nom" looking like the value)."""
    words = _folded_words(t)
    if words and all(w in label_words for w in words):
        return False
    return bool(_latin_part(t) or has_han(t))


def read_visual_zone(ctx: DocContext, section: str, stops: list[str]) -> dict[str, ExtractedField]:
    """The printed fields, read with the labels of doc_fields.yaml's `section`."""
    table = labels_for(section)

    def labels(key: str) -> list[str]:
        return table.get(key, [])

    out: dict[str, ExtractedField] = {}
    words = label_words(stops)
    sur = ctx.value_for(labels("surname"), stop_labels=stops, accept=lambda t: _is_name_text(t, words))
    giv = ctx.value_for(labels("given_names"), stop_labels=stops, accept=lambda t: _is_name_text(t, words))
    zh_name = ctx.value_for(labels("name"), stop_labels=stops, accept=has_han)
    full = ctx.value_for(labels("full_name"), stop_labels=stops, accept=lambda t: bool(_latin_part(t))) \
        if not sur else None
    if full:  # one line "SMITH, JOHN" (a visa): the surname before the comma
        surname, _, given = full.text.partition(",")
        out["name_latin"] = ctx.field(format_latin_name(_latin_part(surname), _latin_part(given)), full)
    if sur:
        s_lat, g_lat = _latin_part(sur.text), _latin_part(giv.text) if giv else ""
        if s_lat:
            hits = [h for h in (sur, giv) if h]
            out["name_latin"] = ExtractedField(
                value=format_latin_name(s_lat, g_lat), raw=" / ".join(h.text for h in hits),
                confidence=round(min(h.conf for h in hits), 3), evidence=[e for h in hits for e in ctx.evidence(h.lines, h.bbox)],
                method="label:surname+given_names")
        s_zh = clean_chinese_name(sur.text)
        g_zh = clean_chinese_name(giv.text) if giv else ""
        if s_zh and not zh_name:
            hits = [h for h in (sur, giv) if h]
            out["name"] = ExtractedField(value=s_zh + g_zh, raw=" / ".join(h.text for h in hits),
                                         confidence=round(min(h.conf for h in hits), 3),
                                         evidence=[e for h in hits for e in ctx.evidence(h.lines, h.bbox)],
                                         method="label:姓/名")
    if zh_name:
        out["name"] = ctx.field(clean_chinese_name(zh_name.text), zh_name)

    hit = ctx.value_for(labels("sex"), stop_labels=stops, accept=parse_sex) or ctx.search(SEX_MARK)
    if hit:
        out["sex"] = ctx.field(parse_sex(hit.text), hit)
    for field, key in (("birth_date", "birth_date"), ("valid_until", "valid_until"), ("issue_date", "issue_date")):
        hit = ctx.value_for(labels(key), stop_labels=stops, accept=lambda t: parse_date(t, repair=True))
        if hit:
            out[field] = ctx.field(iso_date(hit.text, repair=True), hit)
    hit = ctx.value_for(labels("id_number"), stop_labels=stops, accept=lambda t: _number_ok(section, t))
    if hit:
        m = _number_pattern(section).search(hit.text.upper().replace(" ", ""))
        if m:
            out["id_number"] = ctx.field(m.group(1), hit)
    hit = ctx.value_for(labels("passport_number"), stop_labels=stops, accept=_passport_number)
    if hit:  # the passport a visa is in
        out["passport_number"] = ctx.field(_passport_number(hit.text), hit)
    hit = ctx.value_for(labels("nationality"), stop_labels=stops, accept=lambda t: bool(t.strip()))
    if hit:
        out["nationality"] = ctx.field(nationality_code(hit.text), hit)
    hit = ctx.value_for(labels("place_of_birth"), stop_labels=stops, accept=lambda t: bool(t.strip()))
    if hit:
        out["place_of_birth"] = ctx.field(hit.text.strip(), hit)
    return out


def nationality_code(text: str) -> str:
    """'中国/CHINESE' → 'CHN'; a three-letter code stays; otherwise the text as printed."""
    t = text.upper()
    m = re.fullmatch(r"\s*([A-Z]{3})\s*", t)
    if "中国" in text or "CHINESE" in t:
        return "CHN"
    return m.group(1) if m else text.strip()


def upright(ctx: DocContext, mrz_refs: list[Line]) -> DocContext:
    """A data page whose MRZ sits at the top was read upside down (the OCR turned the lines but
    not the page): read its printed zone in mirrored geometry, so "below the label" holds."""
    if not mrz_refs or not ctx.pages:
        return ctx
    page_index = mrz_refs[0].page_index
    others = sorted(ln.cy for ln in ctx.lines if ln.page_index == page_index and ln not in mrz_refs)
    if not others or max(r.bbox[3] for r in mrz_refs) > others[len(others) // 2]:
        return ctx  # the MRZ is below most of the text: the page is upright
    w = max(ln.bbox[2] for ln in ctx.lines) + 1  # any fixed mirror works: boxes are mirrored back
    h = max(ln.bbox[3] for ln in ctx.lines) + 1
    flipped = [replace(ln, bbox=(w - ln.bbox[2], h - ln.bbox[3], w - ln.bbox[0], h - ln.bbox[1])) for ln in ctx.lines]
    flipped.sort(key=lambda ln: (ln.page_index, ln.bbox[1], ln.bbox[0]))
    flipped = [replace(ln, index=i) for i, ln in enumerate(flipped)]
    ctx.flipped = (w, h)
    return DocContext(ctx.doc, ctx.pages, lines=flipped, flipped=(w, h))


def unflip_evidence(ctx: DocContext, out: dict[str, ExtractedField]) -> None:
    """Evidence boxes back in the corrected image's coordinates."""
    if not ctx.flipped:
        return
    w, h = ctx.flipped
    for f in out.values():
        f.method = f.method + "+upside_down" if f.method else f.method
        for e in f.evidence:
            if e.bbox:
                x0, y0, x1, y1 = e.bbox
                e.bbox = (w - x1, h - y1, w - x0, h - y0)
