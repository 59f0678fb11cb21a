"""Passport data page: the printed (visual) zone and the MRZ, read separately and compared.

Fields (DESIGN names): name (Chinese if printed, else the Latin name), name_latin
("SURNAME, GIVEN NAMES"), sex, birth_date, id_number (passport number), nationality,
valid_until, mrz_valid; plus the MRZ's own reading (mrz_format, mrz_number, mrz_name,
mrz_birth_date, mrz_expiry_date, mrz_sex, mrz_nationality, mrz_issuing_state,
mrz_failed_checks) and the comparison: mrz_visual_mismatch (bool) with
mrz_visual_mismatch_fields ("birth_date,id_number", ...) — a forged printed zone over an
original MRZ shows there (MRZ_VISUAL_MISMATCH) — and mrz_visual_uncertain_fields, the
disagreements that are a reading question, not a finding: a printed value read with low
confidence, an implausible printed name (a label word taken for it), a difference OCR slips
explain, or an MRZ field whose own check fails (MRZ_VISUAL_UNCERTAIN). Thresholds:
extractors/data/mrz.yaml `visual`.

Which value is reported: the printed one when it was read; the MRZ's when the printed one was
not read, or disagrees only as a reading question (the printed one then kept as
<field>_printed), and the MRZ check digit for that field passes (for the name and sex: every
check of the zone).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache

from rapidfuzz.distance import Levenshtein

from extractors import register
from extractors._shared.context import DocContext, Line
from extractors._shared.labels import all_labels, labels_for, pattern_for
from extractors._shared.mrz import MrzResult, confusions, find_mrz
from extractors._shared.sex import SEX_MARK, parse_sex
from pipeline.core.dates import iso_date, parse_date
from pipeline.core.models import DocType, ExtractedField
from pipeline.core.names import clean_chinese_name, format_latin_name, latin_names_match, latin_tokens
from pipeline.core.text import HAN, fold_accents, has_han

DT = "passport"


def _labels(field: str) -> list[str]:
    return labels_for(DT)[field]


@cache
def _passport_number() -> re.Pattern[str]:
    return re.compile(pattern_for(DT, "id_number"))


def _latin_part(text: str) -> str:
    return " ".join(latin_tokens(re.sub(f"[{HAN}]", " ", text)))


def _number_ok(text: str) -> bool:
    m = _passport_number().search(text.upper().replace(" ", ""))
    return m is not None and sum(c.isdigit() for c in m.group(1)) >= 5


def _mrz_fields(ctx: DocContext, mrz: MrzResult, refs: list[Line]) -> dict[str, ExtractedField]:
    ev = ctx.evidence(refs)
    conf = round(min(r.conf for r in refs) if refs else 0.5, 3)

    def f(value: str | bool | None, check: str | None = None) -> ExtractedField:
        ok = mrz.checks.get(check, True) if check else True
        return ExtractedField(value=value, raw="\n".join(mrz.raw_lines), confidence=conf if ok else conf * 0.5,
                              evidence=ev, method=f"mrz:{mrz.format}")

    failed = ",".join(k for k, v in mrz.checks.items() if not v)
    return {
        "mrz_valid": f(mrz.valid),
        "mrz_format": f(mrz.format),
        "mrz_number": f(mrz.number, "number"),
        "mrz_name": f(mrz.name),
        "mrz_birth_date": f(mrz.birth_date, "birth_date"),
        "mrz_expiry_date": f(mrz.expiry_date, "expiry_date"),
        "mrz_sex": f(mrz.sex),
        "mrz_nationality": f(mrz.nationality),
        "mrz_issuing_state": f(mrz.issuing_state),
        "mrz_failed_checks": f(failed),
    }


# The printed field, its MRZ counterpart and the MRZ check digit that covers it (None: no check
# digit of its own — the whole zone's validity stands for it).
MRZ_PAIRS: tuple[tuple[str, str, str | None], ...] = (
    ("id_number", "mrz_number", "number"), ("birth_date", "mrz_birth_date", "birth_date"),
    ("valid_until", "mrz_expiry_date", "expiry_date"), ("sex", "mrz_sex", None),
    ("name_latin", "mrz_name", None))


@dataclass(frozen=True)
class VisualDisagreement:
    """The printed zone and the MRZ read differently for one field. `certain`: a forgery
    finding (MRZ_VISUAL_MISMATCH) — the MRZ verifies, the printed value was read confidently,
    is plausible, and differs by more than OCR slips; otherwise a reading question for the
    reviewer (MRZ_VISUAL_UNCERTAIN)."""

    field: str
    printed: str
    mrz: str
    certain: bool


def _fold(text: str) -> str:
    """Letters and digits OCR mistakes for each other as one (O/0/D/Q, I/1/L, S/5, B/8 ...),
    spaces, fillers and punctuation out: how a printed number or name is compared with the
    MRZ's when only a reading is in question."""
    table = confusions().to_digit
    return "".join(table.get(c, c) for c in re.sub(r"[^0-9A-Z]", "", str(text).upper()))


def _date_slip(a: str, b: str) -> bool:
    """Two ISO dates one digit apart, the digits a pair OCR mistakes for each other."""
    pairs = {frozenset(p.split()) for p in confusions().visual.date_digit_confusions}
    diff = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
    return len(a) == len(b) and len(diff) == 1 and frozenset(diff[0]) in pairs


def _name_parts(name: str) -> tuple[str, str]:
    surname, _, given = name.partition(",")
    return surname, given


def _part_close(printed: str, mrz: str, truncated: bool) -> bool:
    """One part of a name (surname or given names): the same letters but for the OCR slips the
    data allows — hyphens, apostrophes and spaces ignored (MEI-HUA ~ MEIHUA ~ MEI HUA), each
    token of a long enough part allowed name_edits_per_token edits; a truncated MRZ name is a
    prefix of the printed one."""
    v = confusions().visual
    a, b = _fold(printed), _fold(mrz)
    if a == b or (truncated and b and a.startswith(b)):
        return True
    tokens = max(1, len(latin_tokens(printed)))
    budget = v.name_edits_per_token * tokens if min(len(a), len(b)) >= v.name_edit_min_letters else 0
    return Levenshtein.distance(a, b) <= budget


def names_agree(printed: str, mrz: str, truncated: bool = False) -> bool:
    """The printed Latin name and the MRZ's ('SURNAME, GIVEN NAMES' both) are the same name as
    OCR reads names: same tokens in any order, or each part close (_part_close), in either
    order of the parts."""
    if latin_names_match(printed, mrz):
        return True
    (ps, pg), (ms, mg) = _name_parts(printed), _name_parts(mrz)
    return any(_part_close(x, ms, False) and _part_close(y, mg, truncated) for x, y in ((ps, pg), (pg, ps)))


def plausible_printed_name(name: str, label_words: set[str]) -> bool:
    """A printed name that can be one: letters (with spaces, hyphens, apostrophes, one comma),
    no word of a label (a misread label taken as the given name; label words of one or two
    letters — DE, D, NO — are name particles too), no digit."""
    if not name or re.search(r"[^A-Za-z\s,'\-]", fold_accents(name)):
        return False
    tokens = latin_tokens(name)
    return bool(tokens) and not any(len(w) > 2 and w.casefold() in label_words for w in tokens)


def compare_mrz_visual(out: dict[str, ExtractedField], mrz: MrzResult,
                       label_words: set[str] | None = None) -> list[VisualDisagreement]:
    """Fields where the printed zone and the MRZ disagree (both read, the printed one not
    itself filled from the MRZ). Never a forgery finding from a low-confidence or implausible
    read, nor from a difference OCR slips explain, nor against an MRZ field whose check fails
    (MRZ_CHECK_DIGIT_INVALID says that)."""
    v = confusions().visual
    words = label_words or set()
    found: list[VisualDisagreement] = []
    for vis, mrz_key, check in MRZ_PAIRS:
        a, b = out.get(vis), out.get(mrz_key)
        if a is None or b is None or a.value in (None, "") or b.value in (None, ""):
            continue
        if a.method.startswith("mrz"):
            continue  # the visual field was filled from the MRZ: nothing to compare
        printed, machine = str(a.value), str(b.value)
        if vis == "name_latin":
            if names_agree(printed, machine, mrz.name_truncated):
                continue
            # a printed name with a part not read (given names missing) is a partial read
            sure = mrz.valid and plausible_printed_name(printed, words) and all(
                p.strip() for p in _name_parts(printed))
        elif vis == "id_number":
            if _fold(printed) == _fold(machine):
                continue
            sure = mrz.checks.get("number", False)
        elif vis in ("birth_date", "valid_until"):
            if printed == machine:
                continue
            sure = bool(check and mrz.checks.get(check, False)) and not _date_slip(printed, machine)
        else:
            if printed.upper() == machine.upper():
                continue
            sure = mrz.valid
        found.append(VisualDisagreement(vis, printed, machine, sure and a.confidence >= v.min_confidence))
    return found


def _folded_words(text: str) -> list[str]:
    """Words without case or accents (OCR drops the é of Prénoms)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return [w.casefold() for w in re.split(r"[\s/'‘’`\".,:;|]+", plain) if w]


def _label_words(stops: list[str]) -> set[str]:
    return {w for lab in stops for w in _folded_words(lab)}


def _is_name_text(t: str, label_words: set[str]) -> bool:
    """A name, not the other language's half of a bilingual label ("Surname / Nom": OCR's
    misread "Sumame" leaves "/ Nom" looking like the value)."""
    words = _folded_words(t)
    if words and all(w in label_words for w in words):
        return False
    return bool(_latin_part(t) or has_han(t))


def _visual(ctx: DocContext, stops: list[str]) -> dict[str, ExtractedField]:
    out: dict[str, ExtractedField] = {}
    label_words = _label_words(stops)
    sur = ctx.value_for(_labels("surname"), stop_labels=stops, accept=lambda t: _is_name_text(t, label_words))
    giv = ctx.value_for(_labels("given_names"), stop_labels=stops, accept=lambda t: _is_name_text(t, label_words))
    zh_name = ctx.value_for(_labels("name"), stop_labels=stops, accept=has_han)
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

    hit = ctx.value_for(_labels("sex"), stop_labels=stops, accept=parse_sex) or ctx.search(SEX_MARK)
    if hit:
        out["sex"] = ctx.field(parse_sex(hit.text), hit)
    for field, key in (("birth_date", "birth_date"), ("valid_until", "valid_until"), ("issue_date", "issue_date")):
        hit = ctx.value_for(_labels(key), stop_labels=stops, accept=lambda t: parse_date(t, repair=True))
        if hit:
            out[field] = ctx.field(iso_date(hit.text, repair=True), hit)
    hit = ctx.value_for(_labels("id_number"), stop_labels=stops, accept=_number_ok)
    if hit:
        m = _passport_number().search(hit.text.upper().replace(" ", ""))
        if m:
            out["id_number"] = ctx.field(m.group(1), hit)
    hit = ctx.value_for(_labels("nationality"), stop_labels=stops, accept=lambda t: bool(t.strip()))
    if hit:
        out["nationality"] = ctx.field(_nationality(hit.text), hit)
    hit = ctx.value_for(_labels("place_of_birth"), stop_labels=stops, accept=lambda t: bool(t.strip()))
    if hit:
        out["place_of_birth"] = ctx.field(hit.text.strip(), hit)
    return out


def _nationality(text: str) -> str:
    """'中国/CHINESE' → 'CHN'; a three-letter code stays; otherwise the text as printed."""
    t = text.upper()
    m = re.fullmatch(r"\s*([A-Z]{3})\s*", t)
    if "中国" in text or "CHINESE" in t:
        return "CHN"
    return m.group(1) if m else text.strip()


def fill_from_mrz(ctx: DocContext, out: dict[str, ExtractedField], mrz: MrzResult, refs: list[Line]) -> None:
    """Fields the printed zone did not give, from the MRZ where its check passes."""
    ev = ctx.evidence(refs)
    conf = round(min(r.conf for r in refs) if refs else 0.5, 3) * 0.95
    raw = "\n".join(mrz.raw_lines)
    candidates = {
        "id_number": (mrz.number, mrz.checks.get("number", False)),
        "birth_date": (mrz.birth_date, mrz.checks.get("birth_date", False)),
        "valid_until": (mrz.expiry_date, mrz.checks.get("expiry_date", False)),
        "sex": (mrz.sex, True),
        "nationality": (mrz.nationality, True),
        "name_latin": (mrz.name, bool(mrz.surname)),
    }
    for field, (value, ok) in candidates.items():
        if field not in out and value and ok:
            out[field] = ExtractedField(value=value, raw=raw, confidence=conf, evidence=ev, method=f"mrz:{mrz.format}")


def _prefer_verified_mrz(ctx: DocContext, out: dict[str, ExtractedField], mrz: MrzResult, refs: list[Line],
                         unsure: list[VisualDisagreement]) -> None:
    """A printed value that disagrees with the MRZ only as a reading question gives way to the
    MRZ's where the MRZ verifies (its field's check digit, or for the name and sex the whole
    zone): the misread stays beside it as <field>_printed for the reviewer, and the other
    checks compare the verified value — a label word read as the given name must not become a
    NAME_MISMATCH either."""
    moved = False
    for d in unsure:
        check = next((c for v, _, c in MRZ_PAIRS if v == d.field), None)
        if mrz.checks.get(check, False) if check else mrz.valid:
            out[f"{d.field}_printed"] = out.pop(d.field)
            moved = True
    if moved:
        fill_from_mrz(ctx, out, mrz, refs)


def _upright(ctx: DocContext, mrz_refs: list[Line]) -> DocContext:
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


def _unflip_evidence(ctx: DocContext, out: dict[str, ExtractedField]) -> None:
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


@register(DocType.PASSPORT)
def extract_passport(ctx: DocContext) -> dict[str, ExtractedField]:
    stops = all_labels(DT)
    found = find_mrz([(ln.text, ln) for ln in ctx.lines])
    out = _visual(_upright(ctx, found[1] if found else []), stops)
    _unflip_evidence(ctx, out)
    if found:
        mrz, refs = found
        out.update(_mrz_fields(ctx, mrz, refs))
        if "nationality" in out and mrz.nationality and out["nationality"].value != mrz.nationality:
            # the printed zone gives an adjective (DEUTSCH, CANADIAN); the MRZ the ICAO code
            out["nationality_printed"] = out.pop("nationality")
        fill_from_mrz(ctx, out, mrz, refs)
        diffs = compare_mrz_visual(out, mrz, _label_words(stops))
        certain = [d.field for d in diffs if d.certain]
        unsure = [d.field for d in diffs if not d.certain]
        src = out["mrz_valid"]
        out["mrz_visual_mismatch"] = ctx.derived(bool(certain), src, "compare:visual~mrz")
        out["mrz_visual_mismatch_fields"] = ctx.derived(",".join(certain), src, "compare:visual~mrz")
        out["mrz_visual_uncertain_fields"] = ctx.derived(",".join(unsure), src, "compare:visual~mrz")
        _prefer_verified_mrz(ctx, out, mrz, refs, [d for d in diffs if not d.certain])
    else:
        out["mrz_valid"] = ExtractedField(value=None, confidence=0.0, method="mrz:not_found")
    if "name" not in out and "name_latin" in out:
        nl = out["name_latin"]
        out["name"] = ExtractedField(value=nl.value, raw=nl.raw, confidence=nl.confidence, evidence=list(nl.evidence),
                                     method=nl.method)
    return out
