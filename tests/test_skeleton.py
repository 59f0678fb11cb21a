"""The package's shared contracts: flag registry, models, CLI entry point."""

import subprocess
import sys

from pipeline.core.flags import flag_specs, make_flag
from pipeline.core.models import CaseFile, DocType
from pipeline.core.privacy import mask_id, mask_text

DESIGN_FLAGS = """MISSING_IDENTITY_DOCUMENT MISSING_EDUCATION_CERTIFICATE MISSING_OVERSEAS_DEGREE_CERTIFICATION
MISSING_QUALIFICATION_CERTIFICATE MISSING_EMPLOYMENT_PROOF MISSING_WORK_PERMIT MISSING_APPLICATION_FORM
MISSING_UNIT_SEAL QUALIFICATION_NOT_IN_CATALOG QUALIFICATION_NEEDS_REVIEW REQUESTED_TITLE_EXCEEDS_CATALOG
REQUESTED_SERIES_MISMATCH SENIOR_TITLE_NOT_SUPPORTED NOT_EMPLOYED_IN_TAIZHOU QUALIFICATION_EXPIRED
IDENTITY_DOCUMENT_EXPIRED WORK_PERMIT_EXPIRED NAME_MISMATCH ID_NUMBER_MISMATCH BIRTH_DATE_MISMATCH
SEX_MISMATCH EMPLOYER_MISMATCH CATALOG_NUMBER_MISMATCH QUALIFICATION_ISSUER_MISMATCH DATE_IMPLAUSIBLE
ID_NUMBER_CHECKSUM_INVALID ID_NUMBER_REGION_UNKNOWN MRZ_CHECK_DIGIT_INVALID MRZ_VISUAL_MISMATCH
IMAGE_EDITING_SOFTWARE IMAGE_REGION_TAMPERED PDF_MODIFIED PDF_TEXT_LAYER_MISMATCH
DUPLICATE_IMAGE_ACROSS_CASES DUPLICATE_CERTIFICATE_NUMBER PAGE_UNREADABLE LOW_OCR_CONFIDENCE
UNCLASSIFIED_PAGE FILE_UNREADABLE""".split()


def test_every_design_flag_is_registered():
    assert set(DESIGN_FLAGS) <= set(flag_specs())


def test_make_flag_fills_template_and_cites_article():
    f = make_flag("QUALIFICATION_EXPIRED", date="2023-05-01")
    assert "2023-05-01" in f.message_zh and "2023-05-01" in f.message_en
    assert "第五条" in f.message_zh and "Art. 5" in f.message_en
    assert f.category == "policy"


def test_doc_types_match_design():
    assert {d.value for d in DocType} == {
        "resident_id_card", "passport", "hk_macao_permit", "taiwan_permit", "diploma",
        "degree_certificate", "overseas_degree_certification", "qualification_certificate",
        "social_insurance_record", "labor_contract", "work_permit", "application_form", "visa",
        "foreign_id_card", "unknown"}


def test_case_file_top_level_keys():
    keys = set(CaseFile.model_json_schema()["properties"])
    assert {"schema_version", "case_id", "source", "processed_at", "applicant", "documents",
            "qualification", "materials", "eligibility", "flags", "recommendation", "errors"} <= keys


def test_masking():
    assert mask_id("321202199001011234") == "321202********1234"
    assert "19900101" not in mask_text("id 321202199001011234 ok")


def test_cli_runs_and_prints_schema():
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "schema"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert '"schema_version"' in r.stdout
