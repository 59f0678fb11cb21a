"""International qualification certificates (AWS, NCEES, IMechE, ASCP, IHK/DIHK, AACR …):
holder, the credential as printed, issuer, number, issue and expiry dates, and the page text.

The title and issuer are kept as printed: the checks stage hands them (with `full_text`) to
catalog.get_matcher().match(title, issuer, full_text), which knows the catalogue's spellings.
Certificates are formulae ("This is to certify that … is hereby certified as …", "hat die
Abschlussprüfung im Ausbildungsberuf … bestanden"), so the phrases before the name and the
title are data (extractors/data/cert_phrases.yaml). Numeric dates are read month first only
for US issuers (Expiration Date: 03/01/2026), day first otherwise (gültig bis 03.01.2026).
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, field_validator

from extractors import register
from extractors._shared.context import DocContext, Hit, sub_hit
from extractors._shared.label_text import find_in_line
from extractors._shared.labels import labeled, labels_for, pattern_for
from extractors._shared.prose import Prose
from extractors._shared.text import clean_name, compact
from pipeline.core.datafiles import load_bundled
from pipeline.core.dates import find_dates
from pipeline.core.models import DocType, ExtractedField
from pipeline.core.text import HAN

DT = "qualification_certificate"


class CertPhrases(BaseModel):
    holder_intros: list[str]
    honorifics: list[str]
    holder_stops: list[str]
    title_intros: list[str]
    title_stops: list[str]
    issuer_words: list[str]
    month_first_issuers: list[str]

    @field_validator("holder_intros", "title_intros", "honorifics")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        for i, p in enumerate(v):
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"entry {i} {p!r} is not a valid regex: {exc}") from exc
        return v


@cache
def cert_phrases() -> CertPhrases:
    return load_bundled("extractors", "data/cert_phrases.yaml", CertPhrases)


def after_phrase(ctx: DocContext, prose: Prose, intro: str, method: str, min_len: int = 2) -> Hit | None:
    """What follows `intro`: the rest of its line, else the next line (certificates print the
    name or title on a line of its own)."""
    m = re.search(intro, prose.text, re.IGNORECASE)
    if not m:
        return None
    e = m.end()
    k = prose.line_at(max(e - 1, m.start()))
    line_text = compact(prose.lines[k].text)
    off = e - prose.starts[k]
    rest = line_text[off:] if 0 <= off <= len(line_text) else ""
    if len(rest.strip(" :,.")) >= min_len:
        s = e + (len(rest) - len(rest.lstrip(" :,")))
        return prose.hit(s, prose.starts[k] + len(line_text), method, 0.85)
    if k + 1 < len(prose.lines):
        nxt = compact(prose.lines[k + 1].text)
        return prose.hit(prose.starts[k + 1], prose.starts[k + 1] + len(nxt), method + ">next_line", 0.85)
    return None


def _cut(hit: Hit, stops: list[str]) -> Hit:
    text = hit.text
    end = len(text)
    for st in stops:
        m = re.search(r"(?<![A-Za-z])" + re.escape(st.strip()) + (r"(?![A-Za-z])" if st.strip()[-1:].isalpha() else ""),
                      text, re.IGNORECASE)
        if m and 0 < m.start() < end:
            end = m.start()
    while end > 0 and text[end - 1] in " ,.;:":
        end -= 1
    return sub_hit(hit, 0, end)


def _holder(ctx: DocContext, prose: Prose, ph: CertPhrases) -> Hit | None:
    hon = r"(?:(?:" + "|".join(ph.honorifics) + r")\s+)?"
    for intro in ph.holder_intros:
        h = after_phrase(ctx, prose, intro + r"\s*:?\s*" + hon, "phrase:holder")
        if h:
            h = _cut(h, ph.holder_stops)
            if re.search(rf"[A-Za-z{HAN}]{{2,}}", h.text):
                h2 = _strip_honorific(h, ph)
                return h2
    lab = labeled(ctx, DT, "holder_name")
    if lab and re.fullmatch(rf"[A-ZÀ-Ý{HAN}][\w{HAN}À-ÿ .,'\-]+", compact(lab.text)):
        return _strip_honorific(_cut(lab, ph.holder_stops), ph)
    # German certificates: "Frau Anna Schmidt" on its own line
    for ln in ctx.lines:
        c = compact(ln.text)
        m = re.fullmatch(r"(Frau|Herrn?)\s+([A-ZÄÖÜ][\wäöüß\-]+(?:\s+[A-ZÄÖÜ][\wäöüß\-]+){1,3})", c)
        if m:
            return Hit(m.group(2), ln.sub_bbox(len(m.group(1)) + 1, len(c)), [ln], "line:Frau/Herr", 0.8)
    return None


def _strip_honorific(h: Hit, ph: CertPhrases) -> Hit:
    m = re.match(r"(?:" + "|".join(ph.honorifics) + r")\s+", h.text)
    return sub_hit(h, m.end(), len(h.text)) if m else h


def _title(ctx: DocContext, prose: Prose, ph: CertPhrases) -> Hit | None:
    for intro in ph.title_intros:
        h = after_phrase(ctx, prose, intro, "phrase:title", min_len=3)
        if h:
            h = _cut(h, ph.title_stops)
            if len(h.text) >= 3 and re.search(r"[A-Za-zÄÖÜäöü]{3,}", h.text):
                return h
    return None


def _issuer(ctx: DocContext, ph: CertPhrases, exclude: set[str]) -> Hit | None:
    """First line naming an organisation (a full name preferred over a bare acronym line)."""
    def word_re(w: str) -> str:
        body = re.escape(w)
        return body if w.isupper() else "(?i:" + body + ")"

    words = re.compile(r"(?<![A-Za-z])(?:" + "|".join(word_re(w) for w in ph.issuer_words) + r")(?![a-z])")
    found: list[Hit] = []
    for ln in ctx.lines:
        c = compact(ln.text).strip(" ,.")
        c = re.sub(r"^[^A-Za-z(]{1,3}\s+(?=[A-Z])", "", c)  # a logo read as a stray mark ("加 IHK Chemnitz")
        if c in exclude or len(c) > 100 or c[:1].islower():
            continue
        if re.search(r"certif(?:y|ies)\s+that|hereby|has\s+been|requirements|bescheinigt|^(?:Name|Date|No)\b",
                     c, re.IGNORECASE):
            continue
        if words.search(c):
            found.append(Hit(c, ln.bbox, [ln], "line:issuer_word", 0.85))
            if len(found) == 2:
                break
    if not found:
        return None
    first = found[0]
    if len(first.text.split()) == 1 and len(found) > 1 and found[1].lines[0].index - first.lines[0].index <= 2:
        return found[1]
    return first


def _card_lines(ctx: DocContext, issuer: Hit | None) -> tuple[Hit | None, Hit | None]:
    """A wallet card prints no formula: the first free line after the issuer is the credential,
    the next one the holder (lines with a label or a date are not free)."""
    labels = [lab for f in ("certificate_number", "issue_date", "expiry_date", "holder_name")
              for lab in labels_for(DT)[f]]
    start = issuer.lines[0].index + 1 if issuer else 0
    free: list[Hit] = []
    for ln in ctx.lines[start:]:
        c = compact(ln.text).strip(" ,.")
        if len(c) < 3 or find_dates(c) or any(find_in_line(c, lb) for lb in labels) \
                or re.search(r"signature|unterschrift", c, re.IGNORECASE):
            continue
        free.append(Hit(c, ln.bbox, [ln], "card:line_order", 0.7))
        if len(free) == 2:
            break
    title = free[0] if free else None
    holder = free[1] if len(free) > 1 and re.fullmatch(r"[A-Za-zÀ-ÿ ,.'\-]{3,60}", free[1].text) else None
    return title, holder


def _order(issuer: str, text: str, ph: CertPhrases) -> str:
    hay = issuer + "\n" + text[:400]
    for w in ph.month_first_issuers:
        if re.search(r"(?<![A-Za-z])" + re.escape(w) + r"(?![a-z])", hay):
            return "MDY"
    return "DMY"


def _date_from_label(ctx: DocContext, field_name: str, order: str) -> ExtractedField | None:
    h = labeled(ctx, DT, field_name)
    if h is None:
        return None
    ds = find_dates(h.text, order, month_ok=True)
    if not ds:
        return None
    d = ds[0]
    sub = sub_hit(h, d.start, d.end)
    return ctx.field(d.iso, sub, confidence=round(h.conf * (0.8 if d.precision == "month" else 1.0), 3))


@register(DocType.QUALIFICATION_CERTIFICATE)
def extract_qualification_certificate(ctx: DocContext) -> dict[str, ExtractedField]:
    ph = cert_phrases()
    prose = Prose.of(ctx)
    out: dict[str, ExtractedField] = {}

    holder = _holder(ctx, prose, ph)
    if holder:
        out["holder_name"] = ctx.field(clean_name(holder.text), holder)
    title = _title(ctx, prose, ph)
    exclude = {compact(title.text)} if title else set()
    issuer = _issuer(ctx, ph, exclude)
    if title is None or holder is None:  # wallet cards: issuer, title, holder, then labelled lines
        card_title, card_holder = _card_lines(ctx, issuer)
        title = title or card_title
        if holder is None and card_holder is not None:
            holder = card_holder
            out["holder_name"] = ctx.field(clean_name(holder.text), holder)
    if title:
        out["title"] = ctx.field(compact(title.text), title)
    if issuer:
        out["issuer"] = ctx.field(issuer.text, issuer)

    num = labeled(ctx, DT, "certificate_number", pattern=pattern_for(DT, "certificate_number"))
    if num is None:
        num = prose.search(r"(?:No\.|Nr\.|#)\s*:?\s*(?P<v>[A-Z0-9][A-Z0-9\-/]{3,24})", "v", "regex:No.")
    if num:
        out["certificate_number"] = ctx.field(num.text.strip(" .").upper(), num)

    order = _order(issuer.text if issuer else "", prose.text, ph)
    exp = _date_from_label(ctx, "expiry_date", order)
    if exp:
        out["expiry_date"] = exp
    iss = _date_from_label(ctx, "issue_date", order)
    if iss is None or (exp and iss.value == exp.value):
        # German certificates: "Köln, 24.01.2019" at the bottom; else the first date that is
        # neither the expiry nor a birth date
        t = prose.text
        cands = [d for d in find_dates(t, order) if not re.search(r"(?:geboren|born|birth)\s*(?:am|on)?\s*:?\s*$",
                                                                  t[max(0, d.start - 20):d.start], re.IGNORECASE)]
        if exp:
            cands = [d for d in cands if d.iso != exp.value]
        place = [d for d in cands if re.search(r"[A-Za-zÄÖÜäöüß]{3,}\s*,\s*(?:den\s+)?$", t[max(0, d.start - 30):d.start])]
        pick = place[-1] if place else (cands[0] if cands else None)
        if pick:
            out["issue_date"] = ctx.field(pick.iso, prose.hit(pick.start, pick.end, "prose:date", 0.75))
    else:
        out["issue_date"] = iss
    out["full_text"] = ExtractedField(value=ctx.text, raw=None, confidence=1.0, method="ocr:text",
                                      evidence=[e for p in ctx.pages for e in
                                                ctx.evidence([ln for ln in ctx.lines if ln.page == p.page
                                                              and ln.file == p.file][:1] or [])])
    out["date_order"] = ExtractedField(value=order, confidence=0.9, method="issuer:date_order")
    return out
