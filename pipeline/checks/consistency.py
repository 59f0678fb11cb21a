"""Cross-document consistency: the same person, number, dates and employer everywhere.

Values are compared after normalisation, and a value OCR was unsure of (confidence below the
policy threshold) is left out of the comparison: a tool that cries wolf on OCR noise loses the
reviewers' trust. Each rule returns at most one flag listing every disagreement it found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from pipeline.checks.data import PolicyData
from pipeline.checks.documents import ID_NUMBER_DOCS, ocr_slip, resident_id_numbers
from pipeline.checks.view import CaseView, QualificationOutcome
from pipeline.core.codes import encoded_birth_and_sex, id_checksum_ok, normalize_id
from pipeline.core.flags import make_flag
from pipeline.core.labels import doc_label
from pipeline.core.models import IDENTITY_DOC_TYPES, DocType, Document, Evidence, Flag, MatchStatus
from pipeline.core.names import plausible_name, same_name
from pipeline.core.privacy import mask_id
from pipeline.core.stages import CatalogFacts
from pipeline.core.text import HAN, has_han

# Identity documents in the order their values are trusted as the reference (a visa and a
# foreign ID card last: they are compared like the others, but are not Art. 5(1) documents).
IDENTITY_ORDER = (DocType.RESIDENT_ID_CARD, DocType.PASSPORT, DocType.HK_MACAO_PERMIT, DocType.TAIWAN_PERMIT,
                  DocType.FOREIGN_ID_CARD, DocType.VISA)

# Which field holds the person's name on each document type.
NAME_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.RESIDENT_ID_CARD: ("name",),
    DocType.PASSPORT: ("name", "name_latin"),
    DocType.HK_MACAO_PERMIT: ("name", "name_latin"),
    DocType.TAIWAN_PERMIT: ("name", "name_latin"),
    DocType.VISA: ("name",),
    DocType.FOREIGN_ID_CARD: ("name",),
    DocType.DIPLOMA: ("name",),
    DocType.DEGREE_CERTIFICATE: ("name",),
    DocType.OVERSEAS_DEGREE_CERTIFICATION: ("name",),
    DocType.QUALIFICATION_CERTIFICATE: ("holder_name",),
    DocType.SOCIAL_INSURANCE_RECORD: ("name",),
    DocType.LABOR_CONTRACT: ("name",),
    DocType.WORK_PERMIT: ("name",),
    DocType.APPLICATION_FORM: ("name",),
}

# Which field holds the number a form may quote for each identity document: a visa's own number
# is never quoted, the passport number printed on it is.
QUOTED_NUMBER_FIELDS: dict[DocType, str] = {t: "id_number" for t in IDENTITY_ORDER} | {DocType.VISA: "passport_number"}

EMPLOYER_DOCS = (DocType.APPLICATION_FORM, DocType.SOCIAL_INSURANCE_RECORD, DocType.LABOR_CONTRACT,
                 DocType.WORK_PERMIT)


@dataclass
class Sighting:
    """One value as printed on one document."""

    doc: Document
    field: str
    value: str


def _label(view: CaseView, doc: Document) -> str:
    lab = doc_label(doc.doc_type)
    return f"{lab.zh}({lab.en})"


def _evidence(view: CaseView, sightings: Iterable[Sighting]) -> list[Evidence]:
    out: list[Evidence] = []
    for s in sightings:
        for e in view.evidence(s.doc, s.field):
            if e not in out:
                out.append(e)
    return out


def _identity_docs(view: CaseView) -> list[Document]:
    return [d for t in IDENTITY_ORDER for d in view.docs(t)]


# --------------------------------------------------------------------------- names


def _name_value(view: CaseView, doc: Document, field: str) -> str | None:
    """A confidently read name; on passports and permits, a Latin name holding a type or
    nationality code ("GBR P, THOMAS") was read from the wrong cell and is left out, and so is
    Chinese text that cannot be a name (OCR ran into the next words: 在本, 个人缴纳部分)."""
    v = view.value(doc, field)
    if v and has_han(v) and not plausible_name(v):
        return None
    if v and doc.doc_type in IDENTITY_DOC_TYPES and not has_han(v):
        noise = set(view.policy.name_noise_tokens)
        if any(t in noise for t in re.split(r"[^A-Z]+", v.upper()) if t):
            return None
    return v


def check_names(view: CaseView) -> list[Flag]:
    ids = _identity_docs(view)
    form = view.first(DocType.APPLICATION_FORM)
    # the reference: the first identity document (else the form) whose name was read
    refs: list[Sighting] = []
    ref_docs: list[Document] = []
    for d in ids + ([form] if form is not None else []):
        refs = [Sighting(d, f, v) for f in NAME_FIELDS.get(d.doc_type, ()) if (v := _name_value(view, d, f))]
        if refs:
            ref_docs = [d]
            break
    if not refs:
        return []
    threshold = view.policy.thresholds.latin_name_similarity
    bad: list[tuple[Sighting, Sighting]] = []
    for doc in view.documents:
        if doc in ref_docs:
            continue
        for f in NAME_FIELDS.get(doc.doc_type, ()):
            v = _name_value(view, doc, f)
            if not v:
                continue
            verdicts = [same_name(r.value, v, threshold) for r in refs]
            if any(verdicts) or all(x is None for x in verdicts):
                continue
            against = next(r for r, x in zip(refs, verdicts, strict=True) if x is False)
            bad.append((Sighting(doc, f, v), against))
    if not bad:
        return []
    detail = "；".join(f"{_label(view, s.doc)}「{s.value}」≠ {_label(view, r.doc)}「{r.value}」" for s, r in bad)
    ev = _evidence(view, [bad[0][1]] + [s for s, _ in bad])
    return [make_flag("NAME_MISMATCH", ev, detail=detail)]


# --------------------------------------------------------------------------- ID numbers


def check_id_numbers(view: CaseView) -> list[Flag]:
    """The form's number is one of the identity documents' numbers; every resident ID number
    (ID card, social insurance, contract) is the same."""
    bad: list[tuple[Sighting, Sighting]] = []
    ids = _identity_docs(view)
    id_numbers = [Sighting(d, f, n) for d in ids
                  if (n := normalize_id(view.value(d, f := QUOTED_NUMBER_FIELDS[d.doc_type])))]
    form = view.first(DocType.APPLICATION_FORM)
    form_no = normalize_id(view.value(form, "id_number"))
    if (form is not None and form_no and id_numbers and form_no not in {s.value for s in id_numbers}
            and not any(_slip(form_no, s.value) for s in id_numbers)):
        bad.append((Sighting(form, "id_number", form_no), id_numbers[0]))
    card = view.first(DocType.RESIDENT_ID_CARD)
    ref_no = normalize_id(view.value(card, "id_number")) if card is not None else None
    ref = Sighting(card, "id_number", ref_no) if card is not None and ref_no else None
    if ref is None and form is not None and form_no and id_checksum_ok(form_no) is not None:
        ref = Sighting(form, "id_number", form_no)
    if ref is not None:
        for doc in view.docs(*ID_NUMBER_DOCS):
            if doc is ref.doc or doc.doc_type == DocType.APPLICATION_FORM:
                continue
            n = normalize_id(view.value(doc, "id_number"))
            if n and n != ref.value and not _slip(n, ref.value):
                bad.append((Sighting(doc, "id_number", n), ref))
    if not bad:
        return []
    detail = "；".join(f"{_label(view, s.doc)} {mask_id(s.value)} ≠ {_label(view, r.doc)} {mask_id(r.value)}"
                      for s, r in bad)
    return [make_flag("ID_NUMBER_MISMATCH", _evidence(view, [bad[0][1]] + [s for s, _ in bad]), detail=detail)]


def _slip(a: str, b: str) -> bool:
    """One character apart and one of them fails its check character: OCR, not another person."""
    return ocr_slip(a, [b]) or ocr_slip(b, [a])


# --------------------------------------------------------------------------- birth date and sex


def _id_embedded_sightings(view: CaseView, what: str) -> list[Sighting]:
    """Birth date or sex encoded in each distinct resident ID number on file (the ID card's
    own id_birth_date/id_sex from the extractor when present, else decoded here). The form and the
    social-insurance record count too: with no ID card handed in, a tampered sex digit shows
    only there (with an ID card, only the card's number is read)."""
    out: list[Sighting] = []
    seen: set[str] = set()
    derived = "id_birth_date" if what == "birth_date" else "id_sex"
    numbers = resident_id_numbers(view)
    on_card = [(d, n) for d, n in numbers if d.doc_type == DocType.RESIDENT_ID_CARD]
    # with the card at hand, another number elsewhere is ID_NUMBER_MISMATCH's business
    for doc, number in on_card or numbers:
        if number in seen:
            continue
        seen.add(number)
        v = view.value(doc, derived) if doc.doc_type == DocType.RESIDENT_ID_CARD else None
        if v is None:
            birth, sex = encoded_birth_and_sex(number)
            v = birth if what == "birth_date" else sex
        if v:
            out.append(Sighting(doc, "id_number", v))
    return out


# Where birth date and sex are compared: documents that state them as data fields (education
# documents state them in prose, where a misread would cry wolf).
PERSONAL_DATA_DOCS = (*IDENTITY_ORDER, DocType.APPLICATION_FORM, DocType.SOCIAL_INSURANCE_RECORD,
                      DocType.WORK_PERMIT)


def _compare_attr(view: CaseView, field: str, code: str, norm: Callable[[str], str | None]) -> list[Flag]:
    printed = [Sighting(d, field, n) for d in view.docs(*PERSONAL_DATA_DOCS)
               if (v := view.value(d, field)) and (n := norm(v))]
    embedded = _id_embedded_sightings(view, field)
    # reference: the identity document's printed value, else the value in its ID number
    ordered = sorted(printed, key=lambda s: (IDENTITY_ORDER.index(s.doc.doc_type)
                                             if s.doc.doc_type in IDENTITY_ORDER else 99))
    candidates = ordered + embedded
    if not candidates:
        return []
    ref = candidates[0]
    bad = [s for s in candidates[1:] if s.value != ref.value]
    if not bad:
        return []

    def show(s: Sighting) -> str:
        where = _label(view, s.doc) + ("号码" if s.field == "id_number" else "")
        return f"{where} {s.value}"

    detail = "；".join(f"{show(s)} ≠ {show(ref)}" for s in bad)
    return [make_flag(code, _evidence(view, [ref, *bad]), detail=detail)]


def _norm_date(v: str) -> str | None:
    try:
        return date.fromisoformat(v[:10]).isoformat()
    except ValueError:
        return None


def _norm_sex(v: str) -> str | None:
    t = v.strip().upper()
    if t in ("M", "男", "MALE"):
        return "M"
    if t in ("F", "女", "FEMALE"):
        return "F"
    return None


def check_birth_and_sex(view: CaseView) -> list[Flag]:
    return (_compare_attr(view, "birth_date", "BIRTH_DATE_MISMATCH", _norm_date)
            + _compare_attr(view, "sex", "SEX_MISMATCH", _norm_sex))


# --------------------------------------------------------------------------- employer


def normalize_employer(text: str, policy: PolicyData) -> str:
    """Same company, however written: 有限责任公司 = 有限公司, full-width brackets, spaces."""
    t = unicodedata.normalize("NFKC", text)
    for a, b in policy.employer_equivalents.items():
        t = t.replace(unicodedata.normalize("NFKC", a), unicodedata.normalize("NFKC", b))
    for ch in policy.employer_drop:
        t = t.replace(ch, "")
    return t.lower()


def _core(normalized: str, policy: PolicyData) -> str:
    for suffix in policy.employer_strip_suffixes:
        if normalized.endswith(suffix) and len(normalized) > len(suffix):
            return normalized[: -len(suffix)]
    return normalized


def _same_employer(a: str, b: str, policy: PolicyData) -> bool:
    """Normalised names equal, one inside the other (OCR ran into the next cell), or the
    distinctive parts within a character or so (OCR noise; another company's trade name
    differs in two or more)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 6 and short in long_:
        return True
    return Levenshtein.distance(_core(a, policy), _core(b, policy)) <= policy.thresholds.employer_max_edits


def check_employer(view: CaseView) -> list[Flag]:
    sightings = [Sighting(d, "employer", v) for t in EMPLOYER_DOCS for d in view.docs(t)
                 if (v := view.value(d, "employer"))]
    if len(sightings) < 2:
        return []
    ref = sightings[0]
    ref_n = normalize_employer(ref.value, view.policy)
    bad = []
    for s in sightings[1:]:
        if has_han(s.value) != has_han(ref.value):
            continue  # a Chinese name and an English name of the company: not comparable here
        n = normalize_employer(s.value, view.policy)
        if not _same_employer(n, ref_n, view.policy):
            bad.append(s)
    if not bad:
        return []
    detail = "；".join(f"{_label(view, s.doc)}「{s.value}」≠ {_label(view, ref.doc)}「{ref.value}」" for s in bad)
    return [make_flag("EMPLOYER_MISMATCH", _evidence(view, [ref, *bad]), detail=detail)]


# --------------------------------------------------------------------------- catalogue number and issuer


def check_catalog_number(view: CaseView, q: QualificationOutcome) -> list[Flag]:
    form = view.first(DocType.APPLICATION_FORM)
    raw = view.value(form, "catalog_number")
    if q.status != MatchStatus.MATCHED or q.entry is None or not raw:
        return []
    m = re.search(r"\d+", raw)
    if not m or int(m.group()) == q.entry.id:
        return []
    return [make_flag("CATALOG_NUMBER_MISMATCH", view.evidence(form, "catalog_number") + q.evidence,
                      form=int(m.group()), matched=q.entry.id)]


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c))
    return re.sub(f"[^0-9a-z{HAN}]+", " ", t.lower()).strip()


def issuer_names(entry: CatalogFacts, view: CaseView) -> list[str]:
    """Every name under which the entry's certificate is really issued."""
    names = [entry.issuer_en, entry.issuer_zh, *entry.issuers]
    # "美国焊接协会 (American Welding Society)": both halves count on their own
    names += [p for n in list(names) for p in re.split(r"[()（）]", n) if p.strip()]
    catalogue_text = _fold(" ".join(names))
    for fam in view.policy.issuer_families:
        if any(_fold(w) and _fold(w) in catalogue_text for w in fam.when_catalog_issuer):
            names += fam.accept
    return [n for n in names if len(_fold(n)) >= 3]


_MINOR_WORDS = {"of", "for", "the", "and", "in", "on", "und", "der", "die", "das", "zu", "fur", "inc", "ltd"}


def _acronym(name: str) -> str:
    """'American Association for Cancer Research' → 'aacr' (initials of the main words)."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z\-]*", name) if w.lower() not in _MINOR_WORDS]
    return "".join(w[0] for w in words).lower() if len(words) >= 2 else ""


def _has_words(haystack: str, needle: str) -> bool:
    return bool(re.search(rf"(?<![0-9a-z]){re.escape(needle)}(?![0-9a-z])", haystack))


def issuer_matches(issuer: str, entry: CatalogFacts, view: CaseView) -> bool:
    """Does the printed issuer name one of the bodies that really issue the entry's paper?
    Whole-word containment either way, the body's acronym as a word (AACR, SCDM), or a close
    spelling of the whole name (OCR noise) — never a shared generic word like "Society"."""
    got = _fold(issuer)
    if not got:
        return True
    threshold = view.policy.thresholds.issuer_similarity
    for name in issuer_names(entry, view):
        want = _fold(name)
        if _has_words(got, want) or (len(got) >= 4 and _has_words(want, got)):
            return True
        acro = _acronym(name)
        if len(acro) >= 3 and _has_words(got, acro):
            return True
        if fuzz.ratio(got, want) >= threshold:
            return True
    return False


def check_issuer(view: CaseView, q: QualificationOutcome) -> list[Flag]:
    if q.status != MatchStatus.MATCHED or q.entry is None:
        return []
    doc = view.first(DocType.QUALIFICATION_CERTIFICATE)  # the certificate that matched
    issuer = view.value(doc, "issuer")
    if doc is None or not issuer or issuer_matches(issuer, q.entry, view):
        return []
    return [make_flag("QUALIFICATION_ISSUER_MISMATCH", view.evidence(doc, "issuer"), issuer=issuer)]


# --------------------------------------------------------------------------- dates

# (doc types, earlier field, later field): the later must not come before the earlier.
_ORDERED_DATES: list[tuple[tuple[DocType, ...], str, str]] = [
    ((DocType.QUALIFICATION_CERTIFICATE,), "issue_date", "expiry_date"),
    (tuple(IDENTITY_DOC_TYPES), "valid_from", "valid_until"),
    ((DocType.LABOR_CONTRACT,), "term_start", "term_end"),
    ((DocType.SOCIAL_INSURANCE_RECORD,), "period_start", "period_end"),
]
# Dates that cannot lie after the application date.
_PAST_DATES = ("birth_date", "issue_date", "graduation_date", "period_start", "valid_from", "term_start",
               "acquired_date")
# (doc types, field, minimum age at that date: key of policy thresholds)
_AGE_DATES: list[tuple[tuple[DocType, ...], str, str]] = [
    ((DocType.QUALIFICATION_CERTIFICATE,), "issue_date", "min_age_qualification"),
    ((DocType.DIPLOMA, DocType.DEGREE_CERTIFICATE, DocType.OVERSEAS_DEGREE_CERTIFICATION), "graduation_date",
     "min_age_graduation"),
    ((DocType.LABOR_CONTRACT,), "term_start", "min_age_employment"),
    ((DocType.SOCIAL_INSURANCE_RECORD,), "period_start", "min_age_employment"),
]


def _birth_date(view: CaseView) -> date | None:
    for doc in _identity_docs(view):
        d = view.date_value(doc, "birth_date")
        if d:
            return d
    for s in _id_embedded_sightings(view, "birth_date"):
        return date.fromisoformat(s.value)
    return None


def _years_between(a: date, b: date) -> int:
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


def check_dates(view: CaseView) -> list[Flag]:
    th = view.policy.thresholds
    problems: list[tuple[str, list[Evidence]]] = []
    today = view.application_date
    for doc in view.documents:
        lab = _label(view, doc)
        for name in _PAST_DATES:
            d = view.date_value(doc, name)
            if d and d > today:
                problems.append((f"{lab} {name} {d} 晚于申请日期 / after the application date {today}",
                                 view.evidence(doc, name)))
    for types, early, late in _ORDERED_DATES:
        for doc in view.docs(*types):
            a, b = view.date_value(doc, early), view.date_value(doc, late)
            if a and b and b < a:
                problems.append((f"{_label(view, doc)} {late} {b} 早于 / before {early} {a}",
                                 view.evidence(doc, early, late)))
    birth = _birth_date(view)
    if birth:
        if _years_between(birth, today) > th.max_age or birth > today:
            problems.append((f"出生日期 / birth date {birth}", []))
        for types, name, key in _AGE_DATES:
            min_age = getattr(th, key)
            for doc in view.docs(*types):
                d = view.date_value(doc, name)
                if d and _years_between(birth, d) < min_age:
                    problems.append((f"{_label(view, doc)} {name} {d} 时申请人不满{min_age}岁 / "
                                     f"applicant younger than {min_age} (born {birth})", view.evidence(doc, name)))
    if not problems:
        return []
    detail = "；".join(p for p, _ in problems)
    ev = [e for _, evs in problems for e in evs]
    return [make_flag("DATE_IMPLAUSIBLE", ev, detail=detail)]


def check_consistency(view: CaseView, q: QualificationOutcome) -> list[Flag]:
    return (check_names(view) + check_id_numbers(view) + check_birth_and_sex(view) + check_employer(view)
            + check_catalog_number(view, q) + check_issuer(view, q) + check_dates(view))
