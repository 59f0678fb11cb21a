"""assess() end to end on hand-built documents with the real catalogue and matcher."""

from __future__ import annotations

from test_checks_rules import APP_DATE, clean_docs, doc

from pipeline.core.models import DocType, Evidence, PageInfo
from pipeline.core.options import RunOptions
from pipeline.run import assess_case


def _assess(docs, pages=None, pre_flags=None):
    """The case file of hand-built documents, through the real catalogue and matcher."""
    return assess_case("A0001", "A0001_张伟", list(docs.values()), pages or [], [], [], pre_flags or [],
                       RunOptions(application_date=APP_DATE))


def serious(case):
    return {f.code for f in case.flags if f.category in {"gap", "policy", "inconsistency", "forgery"}}


def test_clean_cwi_goes_to_panel_with_versions_and_fingerprints():
    pages = [PageInfo(file="D03.jpg", file_sha256="0", page=1, width=10, height=10,
                      doc_type=DocType.QUALIFICATION_CERTIFICATE, image_phash="c3a1f0e0d0c0b0a0")]
    case = _assess(clean_docs(), pages)
    assert case.qualification.status == "matched" and case.qualification.catalog_id == 31
    assert case.qualification.catalog_version == "taizhou-2022-batch-1"
    assert case.qualification.recognized_title == "工程师" and case.qualification.series == "机械工程"
    assert serious(case) == set()
    assert case.recommendation == "forward_to_panel"
    assert case.versions is not None and case.versions.credcase
    assert case.versions.catalog_batch == "taizhou-2022-batch-1"
    assert case.versions.tesseract and case.versions.tesseract[0].isdigit()
    fps = {(f.kind, f.value) for f in case.fingerprints}
    assert ("cert_number", "22041231") in fps and ("cert_image", "c3a1f0e0d0c0b0a0") in fps


def test_near_miss_certificate_is_not_in_catalog():
    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei ZHANG",
                    title="Certified Associate Welding Inspector", issuer="American Welding Society",
                    issue_date="2022-04-01")
    case = _assess(d)
    assert "QUALIFICATION_NOT_IN_CATALOG" in serious(case)
    assert case.recommendation == "ineligible"
    assert case.qualification.catalog_id is None


def test_regional_chamber_certificate_and_pre_flags_kept():
    from pipeline.core.flags import make_flag

    d = clean_docs()
    d["cert"] = doc("D03", DocType.QUALIFICATION_CERTIFICATE, holder_name="Wei Zhang", title="Industriemechanikerin",
                    issuer="Industrie- und Handelskammer zu Köln", issue_date="2012-07-01")
    d["form"] = doc("D06", DocType.APPLICATION_FORM, name="张伟", catalog_number=37, requested_title="助理工程师",
                    requested_series="机械工程", unit_seal_present=True, employer="泰州华达机械有限公司")
    case = _assess(d)
    assert case.qualification.catalog_id == 37
    assert serious(case) == set(), case.flags
    pre = make_flag("PDF_MODIFIED", [Evidence(file="x.pdf", page=1)], detail="incremental update")
    case = _assess(clean_docs(), pre_flags=[pre])
    assert "PDF_MODIFIED" in serious(case)
    assert case.recommendation == "refer_for_investigation"


ISSUERS_SEEN = [  # (catalogue no., issuer as printed on real/sample certificates, expected)
    (1, "Association of Clinical Research Professionals", True), (1, "ACRP Academy", True),
    (6, "Ohio State Board of Pharmacy", True), (8, "AACR Membership Office", True),
    (16, "ACCP", True), (17, "SCDM Certification Board", True), (20, "IAC Board of Certification", True),
    (23, "ASM International", True), (27, "Texas Board of Professional Engineers and Land Surveyors", True),
    (29, "IMechE", True), (31, "Amer1can Welding Soc1ety", True), (37, "IHK Nürnberg für Mittelfranken", True),
    (37, "Handelskammer Hamburg", True), (47, "AMPP", True), (49, "AIChE", True),
    (31, "Amazon Web Services", False), (23, "American Society for Microbiology", False),
    (50, "Society of Plastics Engineers", False), (29, "Project Management Institute", False),
]


def test_issuer_matching_against_the_real_catalogue():
    import catalog
    from pipeline.checks import load_policy
    from pipeline.checks.consistency import issuer_matches
    from pipeline.checks.view import CaseView
    from pipeline.core.stages import CatalogFacts

    cat = catalog.load_catalog()
    view = CaseView([], APP_DATE, load_policy())
    got = [(n, text, issuer_matches(text, CatalogFacts.from_entry(cat.entry(n)), view)) for n, text, _ in ISSUERS_SEEN]
    assert got == ISSUERS_SEEN
