"""Defect kinds of the sample archive: what is wrong with an application, and which flags
the pipeline must raise for it. The kinds are data (samples/data/defects.yaml); this module
dispatches each kind's `op` by name.

A defect acts at one of three moments, so the truth always says what is really on the page:
  • on the Applicant before rendering (globally, or on a copy for one document only);
  • on a rendered clean page (MRZ line re-typed), updating the truth and the drawn words;
  • on the written file (tampered patch after degradation, editor metadata, PDF revisions,
    text layer that disagrees with the image) — recorded in `Effects` for the writer.
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from pipeline.core.codes import check_char
from pipeline.core.datafiles import load_bundled
from samples.people import (
    Applicant,
    Certificate,
    cert_entry,
    certificates_data,
    employers_data,
    holder_name_variants,
    make_id_number,
    names_data,
    places_data,
)

SERIES = ("医药工程", "机械工程", "石油化工工程")


def _known_flags(codes: list[str]) -> list[str]:
    from pipeline.core.flags import flag_specs

    bad = [c for c in codes if c not in flag_specs()]
    if bad:
        raise ValueError(f"unknown flag codes {bad}")
    return codes


FlagCodes = Annotated[list[str], AfterValidator(_known_flags)]


class RecommendationRule(BaseModel):
    recommendation: str
    codes: FlagCodes


class ForeignCert(BaseModel):
    title: str
    issuer: str
    body: str
    layout: str
    number: str
    near: int


class ElsewhereEmployer(BaseModel):
    employer: str
    address: str
    insured_place: str
    work_location: str


class DefectKind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    flags: FlagCodes
    tolerated: FlagCodes = []
    kinds: list[str] | None = None  # applicant kinds it applies to (None: all)
    touches: list[str]
    op: str
    params: dict[str, Any] = {}
    pair: bool = False
    partner_flags: FlagCodes = []
    grants: str | None = None  # catalogue entries granting this title only
    no_catalog: bool = False  # the applicant ends up without a catalogue certificate

    @field_validator("op")
    @classmethod
    def _known_op(cls, v: str) -> str:
        if v not in OPS:
            raise ValueError(f"unknown op {v!r}; known: {', '.join(sorted(OPS))}")
        return v


class DefectsData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation_rules: list[RecommendationRule]
    default_recommendation: str
    forbidden_categories: list[str]
    foreign_certificates: dict[str, list[ForeignCert]]
    elsewhere_employers: list[ElsewhereEmployer]
    unknown_regions: list[str]
    kinds: list[DefectKind]

    def kind(self, kind_id: str) -> DefectKind:
        for k in self.kinds:
            if k.id == kind_id:
                return k
        raise KeyError(f"unknown defect kind {kind_id!r}; known: {', '.join(k.id for k in self.kinds)}")


@cache
def defects_data() -> DefectsData:
    return load_bundled("samples", "data/defects.yaml", DefectsData)


def expected_recommendation(codes: set[str] | list[str]) -> str:
    """The recommendation the expected flags call for (first matching rule wins)."""
    data = defects_data()
    s = set(codes)
    for rule in data.recommendation_rules:
        if s & set(rule.codes):
            return rule.recommendation
    return data.default_recommendation


def forbidden_codes(expected: set[str], tolerated: set[str]) -> list[str]:
    from pipeline.core.flags import flag_specs

    cats = set(defects_data().forbidden_categories)
    return sorted(c for c, s in flag_specs().items() if s.category in cats and c not in expected | tolerated)


# --------------------------------------------------------------------------- effects


@dataclass
class TextEdit:
    """Re-type one printed value: on the clean page (`when`="render") or on the scan ("file")."""

    doc_type: str
    field: str | None
    old: str
    new: str
    when: str = "render"  # mrz | file (tamper after degradation) | text_layer
    line_pattern: str | None = None  # text_layer: the fields (a|b|c) whose number the layer changes
    kind: str = ""  # the defect kind asking for it (its flags are dropped if the edit is impossible)


@dataclass
class Effects:
    """What the defects ask of the composer and the writer, per doc_type."""

    omit: set[str] = field(default_factory=set)
    overrides: dict[str, Applicant] = field(default_factory=dict)
    edits: list[TextEdit] = field(default_factory=list)
    file_software: dict[str, str] = field(default_factory=dict)  # doc_type -> editor name (EXIF/XMP)
    pdf_editor: dict[str, str] = field(default_factory=dict)  # doc_type -> editor saving incrementally
    duplicate_of: int | None = None  # certificate rendered from the partner applicant's index
    duplicate_source: bool = False  # this applicant's certificate image is re-used by another case
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What an op may look at: the documents handed in, the partner (pair defects), the rng."""

    rng: random.Random
    doc_types: list[str]
    params: dict[str, Any]
    partner: Applicant | None = None
    partner_index: int | None = None
    variant: int = 0
    reference: date = date(2025, 6, 30)


def _override(app: Applicant, eff: Effects, doc_type: str) -> Applicant:
    if doc_type not in eff.overrides:
        eff.overrides[doc_type] = copy.deepcopy(app)
    return eff.overrides[doc_type]


def _pick_doc(ctx: Context) -> str | None:
    for dt in ctx.params.get("doc_types", []):
        if dt in ctx.doc_types:
            return dt
    return None


def _all_views(app: Applicant, eff: Effects) -> list[Applicant]:
    return [app, *eff.overrides.values()]


def _mutate_digits(text: str, rng: random.Random) -> str:
    """Change one or two digits of a printed number (keeps the format)."""
    idx = [i for i, c in enumerate(text) if c.isdigit()]
    if not idx:
        return text + "1"
    out = list(text)
    for i in rng.sample(idx[-4:] if len(idx) > 4 else idx, min(2, len(idx))):
        out[i] = str((int(out[i]) + rng.randint(1, 8)) % 10)
    new = "".join(out)
    return new if new != text else text[:-1] + str((int(text[-1]) + 1) % 10 if text[-1].isdigit() else 1)


def _other_name(app: Applicant, rng: random.Random) -> tuple[str | None, str, str]:
    nd = names_data()
    p = app.person
    if p.name_zh:
        while True:
            sn = rng.choice(nd.surnames_zh)
            gv = rng.sample(nd.given_zh, rng.choice([1, 2]))
            name = sn.zh + "".join(c.zh for c in gv)
            if name != p.name_zh:
                return name, sn.latin.upper(), "".join(c.latin for c in gv).capitalize()
    fn = nd.foreign.get(p.nationality) or next(iter(nd.foreign.values()))
    while True:
        s = rng.choice(fn.surnames)
        g = rng.choice(fn.given_m if p.sex == "M" else fn.given_f)
        if s != p.surname_latin:
            return None, s, g


# --------------------------------------------------------------------------- ops (by name)


def op_omit(app: Applicant, eff: Effects, ctx: Context) -> None:
    eff.omit.update(ctx.params["doc_types"])


def op_application(app: Applicant, eff: Effects, ctx: Context) -> None:
    for k, v in ctx.params.items():
        for a in _all_views(app, eff):
            setattr(a.application, k, v)


def op_series_mismatch(app: Applicant, eff: Effects, ctx: Context) -> None:
    other = ctx.rng.choice([s for s in SERIES if s != app.application.requested_series])
    for a in _all_views(app, eff):
        a.application.requested_series = other


def op_foreign_certificate(app: Applicant, eff: Effects, ctx: Context) -> None:
    from samples.people import _pattern  # the number-pattern helper the real certificates use

    options = defects_data().foreign_certificates[ctx.params["list"]]
    fc = options[ctx.variant % len(options)]
    old = app.certificate
    holder = old.holder_name
    if fc.layout == "ihk":
        holder = f"{app.person.given_latin} {app.person.surname_latin.title()}"
    elif old.layout_family == "ihk":
        holder = holder_name_variants(app.person)[0]
    app.certificate = Certificate(
        catalog_id=None, title_as_printed=fc.title, issuer_as_printed=fc.issuer,
        issuing_body_as_printed=fc.body, certificate_number=_pattern(fc.number, ctx.rng),
        issue_date=old.issue_date, expiry_date=old.expiry_date if fc.layout != "ihk" else None,
        holder_name=holder, layout_family=fc.layout)
    near = cert_entry(fc.near)
    app.application.catalog_number = fc.near
    app.application.qualification_name_zh = near.zh
    eff.notes.append(f"certificate '{fc.title}' (near entry {fc.near})")


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def op_certificate_expired(app: Applicant, eff: Effects, ctx: Context) -> None:
    c = app.certificate
    expiry = ctx.reference - timedelta(days=ctx.rng.randrange(60, 700))
    years = 3 if c.layout_family != "membership" else 1
    c.expiry_date = expiry
    c.issue_date = _years_before(expiry, years)
    app.application.acquired_date = c.issue_date


def op_certificate_before_adulthood(app: Applicant, eff: Effects, ctx: Context) -> None:
    c = app.certificate
    c.issue_date = app.person.birth_date.replace(year=app.person.birth_date.year + ctx.rng.randint(6, 12))
    c.expiry_date = None
    app.application.acquired_date = c.issue_date


def op_elsewhere(app: Applicant, eff: Effects, ctx: Context) -> None:
    e = ctx.rng.choice(defects_data().elsewhere_employers)
    for a in _all_views(app, eff):
        m = a.employment
        m.employer, m.employer_address = e.employer, e.address
        m.insured_place, m.work_location = e.insured_place, e.work_location
        m.district = ""


def op_identity_expired(app: Applicant, eff: Effects, ctx: Context) -> None:
    p = app.person
    until = ctx.reference - timedelta(days=ctx.rng.randrange(30, 900))
    if p.kind in ("chinese", "returnee"):
        age = (until - p.birth_date).days // 365
        p.id_valid_until = until
        p.id_valid_from = _years_before(until, 10 if age < 36 else 20)
    elif p.kind == "foreigner":
        p.passport_expiry = until
        p.passport_issue = _years_before(until, 10) + timedelta(days=1)
    else:
        p.permit_valid_until = until
        p.permit_issue = _years_before(until, 10 if p.kind == "hk_macao" else 5) + timedelta(days=1)


def op_work_permit_expired(app: Applicant, eff: Effects, ctx: Context) -> None:
    app.employment.work_permit_valid_until = ctx.reference - timedelta(days=ctx.rng.randrange(30, 400))


def op_other_name(app: Applicant, eff: Effects, ctx: Context) -> None:
    dt = _pick_doc(ctx)
    if dt is None:
        raise DefectNotApplicable("no document to carry another name")
    zh, s, g = _other_name(app, ctx.rng)
    p = _override(app, eff, dt).person
    if p.name_zh:
        p.name_zh = zh
    p.surname_latin, p.given_latin = s, g
    eff.notes.append(f"{dt} carries another person's name")


def op_other_id_number(app: Applicant, eff: Effects, ctx: Context) -> None:
    dt = _pick_doc(ctx)
    if dt is None or not app.person.id_number:
        raise DefectNotApplicable("no document to carry another ID number")
    region = ctx.rng.choice(places_data().regions).code
    p = _override(app, eff, dt).person
    while True:
        other = make_id_number(region, p.birth_date, p.sex, ctx.rng)
        if other != app.person.id_number:
            break
    p.id_number = other
    eff.notes.append(f"{dt} carries another valid ID number")


def op_printed_birth_date(app: Applicant, eff: Effects, ctx: Context) -> None:
    if "resident_id_card" not in ctx.doc_types:
        raise DefectNotApplicable("no ID card")
    p = _override(app, eff, "resident_id_card").person
    p.birth_date = p.birth_date + timedelta(days=ctx.rng.choice([-1, 1]) * ctx.rng.randrange(40, 900))


def op_form_sex(app: Applicant, eff: Effects, ctx: Context) -> None:
    if "application_form" not in ctx.doc_types:
        raise DefectNotApplicable("no application form")
    p = _override(app, eff, "application_form").person
    p.sex = "F" if p.sex == "M" else "M"


def op_other_employer(app: Applicant, eff: Effects, ctx: Context) -> None:
    dt = _pick_doc(ctx)
    if dt is None:
        raise DefectNotApplicable("no labour contract")
    ed = employers_data()
    m = _override(app, eff, dt).employment
    while True:
        d = ctx.rng.choice(ed.districts)
        name = f"{d.prefix}{ctx.rng.choice(ed.company_cores)}{ctx.rng.choice(ed.company_kinds).suffix}"
        if name != app.employment.employer:
            break
    m.employer = name
    m.employer_address = f"江苏省泰州市{d.name}{ctx.rng.choice(d.roads)}{ctx.rng.randrange(1, 200)}号"


def op_form_catalog_number(app: Applicant, eff: Effects, ctx: Context) -> None:
    cur = app.application.catalog_number
    grants = cert_entry(cur).grants  # same series and title: only the number disagrees
    same = [e.id for e in certificates_data().entries
            if e.series == app.application.requested_series and e.grants == grants and e.id != cur]
    app.application.catalog_number = ctx.rng.choice(same)


def op_id_number(app: Applicant, eff: Effects, ctx: Context) -> None:
    num = app.person.id_number
    if not num:
        raise DefectNotApplicable("no ID number")
    change = ctx.params["change"]
    body = num[:17]
    if change == "check":
        wrong = [c for c in "0123456789X" if c != num[17]]
        new = body + ctx.rng.choice(wrong)
    else:
        if change == "birth":
            b = app.person.birth_date
            while True:
                d = b + timedelta(days=ctx.rng.choice([-1, 1]) * ctx.rng.randrange(300, 2500))
                if d.year != b.year:
                    break
            body = body[:6] + f"{d:%Y%m%d}" + body[14:]
        elif change == "sex":
            body = body[:16] + str((int(body[16]) + 1) % 10)
        elif change == "region":
            body = ctx.rng.choice(defects_data().unknown_regions) + body[6:]
        new = body + check_char(body)
    for a in _all_views(app, eff):
        a.person.id_number = new
    eff.notes.append(f"ID number changed ({change})")


def op_mrz(app: Applicant, eff: Effects, ctx: Context) -> None:
    if "passport" not in ctx.doc_types:
        raise DefectNotApplicable("no passport")
    eff.edits.append(TextEdit("passport", None, "", ctx.params["change"], when="mrz"))


def op_tamper(app: Applicant, eff: Effects, ctx: Context) -> None:
    dt = _pick_doc(ctx)
    if dt is None:
        raise DefectNotApplicable("nothing to tamper with")
    eff.edits.append(TextEdit(dt, ctx.params["field"], "", "", when="file"))


def op_file_meta(app: Applicant, eff: Effects, ctx: Context) -> None:
    dt = _pick_doc(ctx)
    if dt is None:
        raise DefectNotApplicable("no image to edit")
    eff.file_software[dt] = ctx.params["software"]


def op_pdf_edit(app: Applicant, eff: Effects, ctx: Context) -> None:
    dt = _pick_doc(ctx)
    if dt is None:
        raise DefectNotApplicable("no PDF to edit")
    eff.pdf_editor[dt] = ctx.params["editor"]


def op_text_layer(app: Applicant, eff: Effects, ctx: Context) -> None:
    dt = _pick_doc(ctx)
    if dt is None:
        raise DefectNotApplicable("no document for a text layer")
    eff.edits.append(TextEdit(dt, None, "", "", when="text_layer",
                              line_pattern="|".join(ctx.params["fields"])))


def op_duplicate_number(app: Applicant, eff: Effects, ctx: Context) -> None:
    if ctx.partner is None:  # the partner keeps its own number
        return
    app.certificate.certificate_number = ctx.partner.certificate.certificate_number


def op_duplicate_image(app: Applicant, eff: Effects, ctx: Context) -> None:
    if ctx.partner is None:
        eff.duplicate_source = True
        return
    eff.duplicate_of = ctx.partner_index


class DefectNotApplicable(Exception):
    """The planned defect cannot be applied to this applicant's documents."""


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_") and callable(fn)}


def apply_defect(kind: DefectKind, app: Applicant, eff: Effects, ctx: Context) -> None:
    """Apply one defect kind in place (app and eff)."""
    ctx.params = {**kind.params, **ctx.params}
    n = len(eff.edits)
    OPS[kind.op](app, eff, ctx)
    for e in eff.edits[n:]:
        e.kind = kind.id


MRZ_LINE = re.compile(r"^[A-Z0-9<]{44}$")
