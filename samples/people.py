"""Generated applicants: every value a sample document prints comes from these objects.

Renderers never invent printed values; the archive writer makes defects by handing
renderers modified copies of an Applicant (dataclasses.replace), so the truth of a
document is always the Applicant it was drawn from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from pydantic import BaseModel, ValidationInfo, field_validator

from pipeline.core.codes import check_char
from pipeline.core.datafiles import load_bundled

REFERENCE_DATE = date(2025, 6, 30)  # "today" of the generated corpus (kept fixed for determinism)
KINDS = ("chinese", "returnee", "foreigner", "hk_macao", "taiwan")
_KIND_WEIGHTS = (45, 20, 20, 10, 5)

# ---------------------------------------------------------------------------- data files


class _ZhName(BaseModel):
    zh: str
    latin: str


class _ForeignNames(BaseModel):
    surnames: list[str]
    given_m: list[str]
    given_f: list[str]


class NamesData(BaseModel):
    surnames_zh: list[_ZhName]
    given_zh: list[_ZhName]
    foreign: dict[str, _ForeignNames]


class _Region(BaseModel):
    code: str
    name: str
    authority: str


class _Country(BaseModel):
    en: str
    zh: str
    adj: str


class PlacesData(BaseModel):
    regions: list[_Region]
    streets: list[str]
    ethnicities: list[str]
    birth_places: dict[str, list[str]]
    passport_authorities: dict[str, list[str]]
    country_names: dict[str, _Country]
    visa_offices: list[str]
    residence_permit_authorities: list[str]


class _District(BaseModel):
    name: str
    insured_place: str
    prefix: str
    roads: list[str]


class _CompanyKind(BaseModel):
    suffix: str
    series: str


class EmployersData(BaseModel):
    districts: list[_District]
    company_cores: list[str]
    company_kinds: list[_CompanyKind]
    positions: dict[str, list[str]]
    elsewhere_insured_places: list[str]


class _ChineseUni(BaseModel):
    name: str
    code: str
    city: str


class _ForeignUni(BaseModel):
    name: str
    zh: str
    city: str
    country: str
    trustees: str


class _Major(BaseModel):
    zh: str
    en: str
    field_zh: str
    field_en: str
    series: str


class InstitutionsData(BaseModel):
    chinese: list[_ChineseUni]
    foreign: list[_ForeignUni]
    majors: list[_Major]


class _Issuer(BaseModel):
    printed: str
    body: str
    layout: str
    number: str
    valid_years: int | None


class _CertEntry(BaseModel):
    id: int
    issuer: str
    title: str
    title_f: str | None = None
    zh: str
    grants: str
    series: str


class _Chamber(BaseModel):
    name: str
    city: str


class CertificatesData(BaseModel):
    issuers: dict[str, _Issuer]
    ihk_chambers: list[_Chamber]
    entries: list[_CertEntry]

    @field_validator("entries")
    @classmethod
    def _known_issuers(cls, v: list[_CertEntry], info: ValidationInfo) -> list[_CertEntry]:
        issuers = info.data.get("issuers", {})
        bad = [f"entry {e.id}: unknown issuer {e.issuer!r}" for e in v if e.issuer not in issuers]
        if bad:
            raise ValueError("; ".join(bad))
        return v


@cache
def names_data() -> NamesData:
    return load_bundled("samples", "data/names.yaml", NamesData)


@cache
def places_data() -> PlacesData:
    return load_bundled("samples", "data/places.yaml", PlacesData)


@cache
def employers_data() -> EmployersData:
    return load_bundled("samples", "data/employers.yaml", EmployersData)


@cache
def institutions_data() -> InstitutionsData:
    return load_bundled("samples", "data/institutions.yaml", InstitutionsData)


@cache
def certificates_data() -> CertificatesData:
    return load_bundled("samples", "data/certificates.yaml", CertificatesData)


def cert_entry(catalog_id: int) -> _CertEntry:
    for e in certificates_data().entries:
        if e.id == catalog_id:
            return e
    raise KeyError(f"no certificate print data for catalogue entry {catalog_id}")


# ---------------------------------------------------------------------------- stage objects


@dataclass
class VisaFacts:
    """The Chinese papers in a foreigner's passport: the Z (work) visa they entered on, and the
    residence permit (居留许可) issued after entry for the work permit's term."""

    z_number: str
    z_issue: date
    z_enter_before: date
    z_issued_at: str
    permit_number: str
    permit_issue: date
    permit_valid_until: date
    permit_authority: str


@dataclass
class CardFacts:
    """A foreigner's own national identity card."""

    number: str
    issue: date
    expiry: date
    authority: str


@dataclass
class Person:
    """One applicant, all values as they will be printed."""

    name_zh: str | None
    surname_latin: str
    given_latin: str
    sex: str  # "M" | "F"
    birth_date: date
    nationality: str  # ICAO code; HKG/MAC/TWN for the permit holders
    kind: str  # chinese | returnee | foreigner | hk_macao | taiwan
    id_number: str | None
    id_address: str | None
    id_authority: str | None
    id_valid_from: date | None
    id_valid_until: date | None  # None = 长期
    ethnicity: str | None
    passport_number: str | None
    passport_expiry: date | None
    passport_issue: date | None
    permit_number: str | None
    permit_valid_until: date | None
    phone: str
    birth_place: str = ""
    permit_issue: date | None = None
    permit_authority: str | None = None
    visa: VisaFacts | None = None  # foreigners: the Z visa and residence permit in the passport
    id_card: CardFacts | None = None  # foreigners: their national identity card

    @property
    def latin_icao(self) -> str:
        """'SURNAME, GIVEN NAMES' as DESIGN asks for passport/permit Latin names."""
        return f"{self.surname_latin.upper()}, {self.given_latin.upper()}"

    @property
    def display_name(self) -> str:
        """The name a Chinese-language document prints."""
        return self.name_zh or f"{self.given_latin} {self.surname_latin.title()}"


@dataclass
class Education:
    level: str  # "本科" / "硕士研究生" / "Bachelor of Science" ...
    degree: str  # "工学学士" / "Master of Science" ...
    major: str
    institution: str
    country: str  # ICAO code of the institution's country
    graduation_date: date
    diploma_number: str | None  # 18-digit 毕业证书编号 (Chinese) or the foreign diploma no.
    degree_number: str | None  # 16-digit 学位证书编号
    foreign: bool
    cscse_number: str | None = None
    cscse_date: date | None = None
    start_date: date | None = None
    years: int = 4
    trustees: str | None = None  # foreign diplomas: "The Trustees of ..."
    institution_zh: str | None = None  # foreign institution's Chinese name (CSCSE certification)
    city: str | None = None
    degree_field: str = ""  # 工学 / Engineering


@dataclass
class Employment:
    employer: str
    employer_address: str
    insured_place: str
    work_location: str
    start_date: date
    contract_term_start: date
    contract_term_end: date | None  # None = 无固定期限
    position: str
    monthly_base: int
    social_insurance_months: list[tuple[int, int, int]] = field(default_factory=list)
    work_permit_number: str | None = None
    work_permit_valid_until: date | None = None
    district: str = ""
    legal_rep: str = ""
    contract_number: str = ""


@dataclass
class Certificate:
    catalog_id: int | None
    title_as_printed: str
    issuer_as_printed: str
    issuing_body_as_printed: str
    certificate_number: str
    issue_date: date
    expiry_date: date | None
    holder_name: str
    layout_family: str = "english"  # english | wallet | membership | ihk


@dataclass
class Application:
    requested_title: str
    requested_series: str
    catalog_number: int
    qualification_name_zh: str
    acquired_date: date
    unit_seal: bool
    filled_date: date
    id_type: str = "居民身份证"
    position: str = ""
    work_start_date: date | None = None
    current_profession: str = ""
    years_in_profession: int = 0
    highest_education: str = ""
    school_major_time: str = ""


@dataclass
class Applicant:
    person: Person
    education: list[Education]
    employment: Employment
    certificate: Certificate
    application: Application
    applicant_id: str = ""
    seed_index: int = 0

    @property
    def id_document_number(self) -> str:
        """The number of the identity document the form quotes."""
        p = self.person
        if p.kind in ("chinese", "returnee") and p.id_number:
            return p.id_number
        if p.kind in ("hk_macao", "taiwan") and p.permit_number:
            return p.permit_number
        return p.passport_number or ""


# ---------------------------------------------------------------------------- number schemes

def make_id_number(region: str, birth: date, sex: str, rng: random.Random) -> str:
    serial = rng.randrange(0, 100) * 10 + rng.choice([1, 3, 5, 7, 9] if sex == "M" else [0, 2, 4, 6, 8])
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + check_char(first17)


def _pattern(pattern: str, rng: random.Random) -> str:
    out = []
    for c in pattern:
        if c == "#":
            out.append(str(rng.randrange(10)))
        elif c == "@":
            out.append(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"))
        else:
            out.append(c)
    return "".join(out)


_PASSPORT_PATTERNS = {"CHN": "E########", "USA": "5########", "GBR": "5########", "DEU": "C#@@#####", "CAN": "@@######"}


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + years, day=28)


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def _month_add(year: int, month: int, n: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + n
    return m // 12, m % 12 + 1


# ---------------------------------------------------------------------------- generation


def _make_person(rng: random.Random, kind: str, today: date) -> Person:
    nd, pd = names_data(), places_data()
    sex = rng.choice("MF")
    birth = _rand_date(rng, date(1972, 1, 1), date(1998, 12, 31))
    phone = "1" + rng.choice(["38", "39", "51", "58", "77", "80", "87", "89"]) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )
    name_zh: str | None = None
    if kind == "foreigner":
        nat = rng.choice(sorted(nd.foreign))
        fn = nd.foreign[nat]
        surname = rng.choice(fn.surnames)
        given = rng.choice(fn.given_m if sex == "M" else fn.given_f)
        if rng.random() < 0.3:
            given += " " + rng.choice(fn.given_m if sex == "M" else fn.given_f)
    else:
        sn = rng.choice(nd.surnames_zh)
        chars = rng.sample(nd.given_zh, rng.choice([1, 2, 2, 2]))
        name_zh = sn.zh + "".join(c.zh for c in chars)
        surname = sn.latin.upper()
        given = "".join(c.latin for c in chars).capitalize()
        nat = {"chinese": "CHN", "returnee": "CHN", "taiwan": "TWN"}.get(kind) or rng.choice(["HKG", "MAC"])

    id_number = id_address = id_authority = ethnicity = None
    id_from = id_until = None
    passport_number = None
    passport_expiry = passport_issue = None
    permit_number = permit_until = permit_issue = None
    permit_authority = None
    if kind in ("chinese", "returnee"):
        region = rng.choice(pd.regions)
        id_number = make_id_number(region.code, birth, sex, rng)
        id_address = (
            f"{region.name}{rng.choice(pd.streets)}{rng.randrange(1, 300)}号"
            + (f"{rng.randrange(1, 30)}幢{rng.randrange(1, 6)}0{rng.randrange(1, 4)}室" if rng.random() < 0.6 else "")
        )
        id_authority = region.authority
        age_at_issue = rng.randrange(26, 46)
        id_from = _rand_date(rng, _add_years(birth, age_at_issue), _add_years(birth, age_at_issue + 1))
        if id_from > today - timedelta(days=30):
            id_from = today - timedelta(days=rng.randrange(200, 3000))
        age = (id_from - birth).days // 365
        id_until = None if age >= 46 else _add_years(id_from, 20 if age >= 26 else 10)
        while id_until is not None and id_until <= today + timedelta(days=30):
            # the card handed in is the renewed one: people renew shortly before expiry
            id_from = id_until - timedelta(days=rng.randrange(10, 90))
            age = (id_from - birth).days // 365
            id_until = None if age >= 46 else _add_years(id_from, 20 if age >= 26 else 10)
        ethnicity = rng.choice(pd.ethnicities)
    if kind in ("returnee", "foreigner") or (kind == "chinese" and rng.random() < 0.2):
        code = nat if nat in _PASSPORT_PATTERNS else "CHN"
        passport_number = _pattern(_PASSPORT_PATTERNS[code], rng)
        passport_issue = _rand_date(rng, today - timedelta(days=365 * 8), today - timedelta(days=60))
        passport_expiry = _add_years(passport_issue, 10) - timedelta(days=1)
    if kind == "hk_macao":
        digits = rng.choice([8, 10])  # older cards 8 digits; since 2013 8 + 2-digit issue count
        permit_number = ("H" if nat == "HKG" else "M") + "".join(str(rng.randrange(10)) for _ in range(digits))
        permit_issue = _rand_date(rng, today - timedelta(days=365 * 9), today - timedelta(days=60))
        permit_until = _add_years(permit_issue, 10) - timedelta(days=1)
        permit_authority = "出入境管理局"
    if kind == "taiwan":
        permit_number = "".join(str(rng.randrange(10)) for _ in range(8))
        permit_issue = _rand_date(rng, today - timedelta(days=365 * 4), today - timedelta(days=60))
        permit_until = _add_years(permit_issue, 5) - timedelta(days=1)
        permit_authority = "公安部出入境管理局"
    birth_places = pd.birth_places.get(nat if nat in pd.birth_places else "CHN", ["JIANGSU"])
    return Person(
        name_zh=name_zh,
        surname_latin=surname,
        given_latin=given,
        sex=sex,
        birth_date=birth,
        nationality=nat,
        kind=kind,
        id_number=id_number,
        id_address=id_address,
        id_authority=id_authority,
        id_valid_from=id_from,
        id_valid_until=id_until,
        ethnicity=ethnicity,
        passport_number=passport_number,
        passport_expiry=passport_expiry,
        passport_issue=passport_issue,
        permit_number=permit_number,
        permit_valid_until=permit_until,
        phone=phone,
        birth_place=rng.choice(birth_places),
        permit_issue=permit_issue,
        permit_authority=permit_authority,
    )


def _make_education(rng: random.Random, person: Person, series: str, kind: str) -> list[Education]:
    inst = institutions_data()
    majors = [m for m in inst.majors if m.series == series] or inst.majors
    major = rng.choice(majors)
    start_year = person.birth_date.year + 18
    grad = date(start_year + 4, 6, rng.choice([20, 25, 28, 30]))
    out: list[Education] = []
    if kind in ("foreigner", "returnee"):
        fu = rng.choice([u for u in inst.foreign if u.country == person.nationality] or inst.foreign)
        if kind == "returnee":
            cu = rng.choice(inst.chinese)
            out.append(_chinese_education(rng, cu, major, start_year, grad))
            mgrad = date(grad.year + 2, rng.choice([5, 6, 12]), rng.choice([10, 15, 20]))
        else:
            mgrad = date(grad.year, rng.choice([5, 6]), rng.choice([10, 15, 20]))
        is_master = kind == "returnee" or rng.random() < 0.4
        deg = f"{'Master' if is_master else 'Bachelor'} of {major.field_en}"
        e = Education(
            level=deg,
            degree=deg,
            major=major.en,
            institution=fu.name,
            country=fu.country,
            graduation_date=mgrad,
            diploma_number=_pattern("@@######", rng),
            degree_number=None,
            foreign=True,
            start_date=date(mgrad.year - (2 if is_master else 4), 9, 1),
            years=2 if is_master else 4,
            trustees=fu.trustees,
            institution_zh=fu.zh,
            city=fu.city,
            degree_field=major.field_en,
        )
        if kind == "returnee":
            e.cscse_date = mgrad + timedelta(days=rng.randrange(60, 300))
            ccode = {"USA": "美", "GBR": "英", "DEU": "德", "CAN": "加", "AUS": "澳"}.get(fu.country, "外")
            e.cscse_number = f"教留服认{ccode}[{e.cscse_date.year}]{rng.randrange(0, 10**6):06d}号"
        out.append(e)
    else:
        out.append(_chinese_education(rng, rng.choice(inst.chinese), major, start_year, grad))
    return out


def _chinese_education(rng: random.Random, cu: _ChineseUni, major: _Major, start_year: int, grad: date) -> Education:
    return Education(
        level="本科",
        degree=f"{major.field_zh}学士",
        major=major.zh,
        institution=cu.name,
        country="CHN",
        graduation_date=grad,
        # 毕业证书编号: school code(5) + year(4) + level digit(1: 5 = 本科) + serial(6) + 2 = 18 digits
        diploma_number=f"{cu.code}{grad.year}5{rng.randrange(0, 10**8):08d}",
        degree_number=f"{cu.code}{grad.year:04d}{rng.randrange(0, 10**7):07d}",
        foreign=False,
        start_date=date(start_year, 9, 1),
        years=4,
        degree_field=major.field_zh,
    )


def _make_employment(rng: random.Random, person: Person, series: str, today: date, grad: date) -> Employment:
    ed, pd = employers_data(), places_data()
    d = rng.choice(ed.districts)
    kinds = [k for k in ed.company_kinds if k.series == series] or ed.company_kinds
    employer = f"{d.prefix}{rng.choice(ed.company_cores)}{rng.choice(kinds).suffix}"
    address = f"江苏省泰州市{d.name if d.name != '医药高新区' else '医药高新区'}{rng.choice(d.roads)}{rng.randrange(1, 200)}号"
    start = _rand_date(rng, max(grad + timedelta(days=30), today - timedelta(days=365 * 9)), today - timedelta(days=400))
    term_start = _rand_date(rng, start, today - timedelta(days=200))
    term_end = None if rng.random() < 0.2 else _add_years(term_start, rng.choice([3, 3, 5])) - timedelta(days=1)
    base = rng.randrange(45, 180) * 100
    months: list[tuple[int, int, int]] = []
    n = rng.randrange(6, 25)
    y, m = _month_add(today.year, today.month, -n)
    for _ in range(n):
        if m == 1 and months:
            base = int(base * 1.05) // 100 * 100
        months.append((y, m, base))
        y, m = _month_add(y, m, 1)
    wp = wp_until = None
    if person.kind == "foreigner":
        wp = "9" + {"USA": "840", "GBR": "826", "DEU": "276", "CAN": "124"}.get(person.nationality, "000") + "3212" + "".join(
            str(rng.randrange(10)) for _ in range(10)
        )
        wp_until = _rand_date(rng, today + timedelta(days=60), today + timedelta(days=700))
    sn = rng.choice(names_data().surnames_zh).zh
    rep = sn + "".join(c.zh for c in rng.sample(names_data().given_zh, 2))
    _ = pd
    return Employment(
        employer=employer,
        employer_address=address,
        insured_place=d.insured_place,
        work_location=f"江苏省泰州市{d.name}" if d.name != "医药高新区" else "江苏省泰州医药高新技术产业开发区",
        start_date=start,
        contract_term_start=term_start,
        contract_term_end=term_end,
        position=rng.choice(ed.positions.get(series, ["工程师"])),
        monthly_base=base,
        social_insurance_months=months,
        work_permit_number=wp,
        work_permit_valid_until=wp_until,
        district=d.name,
        legal_rep=rep,
        contract_number=f"TZHT{term_start.year}{rng.randrange(0, 10**5):05d}",
    )


def split_name_zh(name: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese name; compound surnames such as 欧阳 are kept whole."""
    for sn in sorted((x.zh for x in names_data().surnames_zh), key=len, reverse=True):
        if name.startswith(sn) and len(name) > len(sn):
            return sn, name[len(sn):]
    return name[:1], name[1:]


def holder_name_variants(person: Person) -> list[str]:
    """The ways foreign issuers print a Chinese name: 'Wei ZHANG', 'ZHANG Wei', 'Zhang, Wei', 'Wei Zhang'."""
    s, g = person.surname_latin, person.given_latin
    return [f"{g} {s.upper()}", f"{s.upper()} {g}", f"{s.title()}, {g}", f"{g} {s.title()}"]


def _make_certificate(rng: random.Random, person: Person, catalog_id: int, today: date, grad: date) -> Certificate:
    cd = certificates_data()
    e = cert_entry(catalog_id)
    iss = cd.issuers[e.issuer]
    title = e.title_f if (person.sex == "F" and e.title_f) else e.title
    issuer = iss.printed
    if iss.layout == "ihk":
        issuer = rng.choice(cd.ihk_chambers).name
    latest = today - timedelta(days=60)  # handed in a while after it was issued
    expiry = None
    if iss.valid_years:  # the copy handed in is the current, renewed one
        earliest = max(grad, _add_years(today, -iss.valid_years) + timedelta(days=60))
        issue = _rand_date(rng, min(earliest, latest), latest)
        expiry = _add_years(issue, iss.valid_years)
    else:
        issue = _rand_date(rng, min(max(grad, today - timedelta(days=365 * 6)), latest), latest)
    if iss.layout == "ihk":
        holder = f"{person.given_latin} {person.surname_latin.title()}"
    else:
        holder = rng.choice(holder_name_variants(person))
    return Certificate(
        catalog_id=catalog_id,
        title_as_printed=title,
        issuer_as_printed=issuer,
        issuing_body_as_printed=iss.body,
        certificate_number=_pattern(iss.number, rng),
        issue_date=issue,
        expiry_date=expiry,
        holder_name=holder,
        layout_family=iss.layout,
    )


def _make_visa(rng: random.Random, employment: Employment, today: date) -> VisaFacts:
    """A Z visa issued a few weeks before the work started (entry within three months), and the
    residence permit issued within 30 days of entry, valid as long as the work permit at most."""
    z_issue = employment.start_date - timedelta(days=rng.randrange(20, 60))
    entered = z_issue + timedelta(days=rng.randrange(10, 40))
    permit_issue = max(entered + timedelta(days=rng.randrange(5, 28)), today - timedelta(days=rng.randrange(60, 700)))
    until = employment.work_permit_valid_until or _add_years(permit_issue, 1)
    return VisaFacts(
        z_number=_pattern("#########", rng), z_issue=z_issue, z_enter_before=z_issue + timedelta(days=90),
        z_issued_at=rng.choice(places_data().visa_offices), permit_number=_pattern("#########", rng),
        permit_issue=permit_issue, permit_valid_until=max(until, permit_issue + timedelta(days=90)),
        permit_authority=rng.choice(places_data().residence_permit_authorities))


def _make_id_card(rng: random.Random, person: Person, today: date) -> CardFacts:
    issue = _rand_date(rng, today - timedelta(days=365 * 8), today - timedelta(days=90))
    authority = rng.choice(places_data().passport_authorities.get(person.nationality, [person.nationality]))
    return CardFacts(number=_pattern("@@#######", rng), issue=issue, expiry=_add_years(issue, 10) - timedelta(days=1),
                     authority=authority)


_ID_TYPES = {
    "chinese": "居民身份证",
    "returnee": "居民身份证",
    "foreigner": "护照",
    "hk_macao": "港澳居民来往内地通行证",
    "taiwan": "台湾居民来往大陆通行证",
}


def make_applicant(
    rng: random.Random, index: int, kind: str | None = None, catalog_id: int | None = None, today: date | None = None
) -> Applicant:
    """A consistent, eligible applicant (defects are the archive writer's job)."""
    today = today or REFERENCE_DATE
    if kind is None:
        kind = rng.choices(KINDS, weights=_KIND_WEIGHTS)[0]
    if kind not in KINDS:
        raise ValueError(f"unknown applicant kind {kind!r}; valid: {', '.join(KINDS)}")
    if catalog_id is None:
        catalog_id = rng.choice([e.id for e in certificates_data().entries])
    entry = cert_entry(catalog_id)
    person = _make_person(rng, kind, today)
    education = _make_education(rng, person, entry.series, kind)
    grad = max(e.graduation_date for e in education)
    employment = _make_employment(rng, person, entry.series, today, grad)
    cert = _make_certificate(rng, person, catalog_id, today, education[0].graduation_date)
    top = education[-1]
    app = Application(
        requested_title=entry.grants,
        requested_series=entry.series,
        catalog_number=catalog_id,
        qualification_name_zh=entry.zh,
        acquired_date=cert.issue_date,
        unit_seal=True,
        filled_date=today - timedelta(days=rng.randrange(5, 40)),
        id_type=_ID_TYPES[kind],
        position=employment.position,
        work_start_date=employment.start_date,
        current_profession=entry.series.replace("工程", "") + "工程技术",
        years_in_profession=max(1, (today - employment.start_date).days // 365),
        highest_education=("硕士研究生" if top.level.startswith("Master") else "大学本科"),
        school_major_time=f"{top.institution} {top.major} {top.graduation_date.year}年{top.graduation_date.month}月",
    )
    if kind == "foreigner":  # drawn last: the values above are the same with or without them
        person.visa = _make_visa(rng, employment, today)
        person.id_card = _make_id_card(rng, person, today)
    return Applicant(
        person=person,
        education=education,
        employment=employment,
        certificate=cert,
        application=app,
        applicant_id=f"A{index:04d}",
        seed_index=index,
    )
